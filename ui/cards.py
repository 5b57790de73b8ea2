"""The school card shown under the layout map when a school is clicked."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from analytics.formatting import fmt_indicator, fmt_pct
from analytics.mapping import STATUS_COLOURS
from ui import page
from ui.charts import _layout
from ui.strings import indicator_label, lang, stage_label, tr


def school_card(card: dict) -> None:
    with st.container(border=True):
        st.markdown(f"#### {card['name']} · {card['town']}")
        c = st.columns(4)
        c[0].metric(tr("col.students"), page.count(card["students"], "unit.persons"))
        c[1].metric(tr("col.classes"), card["classes"])
        c[2].metric(tr("card.capacity_use"), fmt_pct(card["capacity_use"]) if card["capacity_use"] else "—")
        c[3].metric(tr("col.status"), "、".join(f"{stage_label(s)}{tr('status.' + v)}" for s, v in card["status"].items()) or "—")
        ind = card["indicators"]
        left, right = st.columns([3, 2])
        if len(ind):
            fig = go.Figure()
            for stage, part in ind.groupby("stage", sort=False):
                part = part.iloc[::-1]
                colours = [STATUS_COLOURS["pass"] if (r or 0) >= 1 else "#F0C05A" if (r or 0) >= 0.85
                           else STATUS_COLOURS["fail"] for r in part["ratio"]]
                fig.add_trace(go.Bar(x=part["ratio"], y=[indicator_label(c, short=True) for c in part["indicator"]],
                                     orientation="h", marker_color=colours, name=stage_label(stage),
                                     text=[fmt_indicator(c, v, lang()) for c, v in zip(part["indicator"], part["value"])],
                                     textposition="auto"))
            fig.add_vline(x=1.0, line_dash="dash", annotation_text=tr("col.threshold"))
            fig.add_vline(x=0.85, line_dash="dot", line_color="#999999", annotation_text="85%")
            fig.update_xaxes(tickformat=".0%", title=tr("card.ratio"))
            left.plotly_chart(_layout(fig, height=320, barmode="group", title=tr("card.indicators")), width="stretch")
        trend = card["trend"]
        fig = go.Figure(go.Scatter(x=trend["year"], y=trend["students"], mode="lines+markers", line=dict(color="#0072B2")))
        fig.update_xaxes(dtick=1)
        right.plotly_chart(_layout(fig, height=320, title=tr("small.trend")), width="stretch")
