"""The school card shown under the layout map when a school is clicked."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from analytics.report.escape import markdown_text as md
from analytics.formatting import fmt_pct
from ui import charts, page
from ui.strings import stage_label, tr


def school_card(card: dict) -> None:
    with st.container(border=True):
        st.markdown(f"#### {md(card['name'])} · {md(card['town'])}")
        c = st.columns(4)
        c[0].metric(tr("col.students"), page.count(card["students"], "unit.persons"))
        c[1].metric(tr("col.classes"), card["classes"])
        c[2].metric(tr("card.capacity_use"), fmt_pct(card["capacity_use"]) if card["capacity_use"] else "—")
        c[3].metric(tr("col.status"), "、".join(f"{stage_label(s)}{tr('status.' + v)}" for s, v in card["status"].items()) or "—")
        ind = card["indicators"]
        left, right = st.columns([3, 2])
        if len(ind):
            left.plotly_chart(charts.indicator_ratio_bars(ind), width="stretch")
        trend = card["trend"]
        fig = go.Figure(go.Scatter(x=trend["year"], y=trend["students"], mode="lines+markers", line=dict(color="#0072B2")))
        fig.update_xaxes(dtick=1)
        right.plotly_chart(charts.style(fig, height=320, title=tr("small.trend")), width="stretch")
