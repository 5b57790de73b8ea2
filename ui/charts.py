"""Plotly figure builders shared by the pages (all labels from the strings catalog)."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from analytics.mapping import BAND_COLOURS, STATUS_COLOURS
from ui.strings import indicator_label, stage_label, tr

FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", size=14)
GROUP_COLOURS = {"城区": "#0072B2", "镇区": "#E69F00", "乡村": "#009E73"}


def _layout(fig: go.Figure, height: int = 380, **kw) -> go.Figure:
    fig.update_layout(font=FONT, height=height, margin=dict(l=10, r=20, t=40, b=10),
                      plot_bgcolor="white", legend=dict(orientation="h", y=-0.15), **kw)
    fig.update_xaxes(showgrid=True, gridcolor="#EEEEEE", zeroline=False)
    fig.update_yaxes(showgrid=False)
    return fig


def cv_bars(cv: pd.DataFrame, stage: str) -> go.Figure:
    """Horizontal bars of the seven CVs of one 学段, coloured pass/fail, with the line."""
    part = cv[(cv["stage"] == stage) & (cv["indicator"] != "composite")].iloc[::-1]
    line = float(part["threshold"].iloc[0]) if len(part) else math.nan
    colours = [STATUS_COLOURS["unknown"] if p is None or (isinstance(p, float) and math.isnan(p))
               else STATUS_COLOURS["pass"] if p else STATUS_COLOURS["fail"] for p in part["passed"]]
    fig = go.Figure(go.Bar(
        x=part["cv"], y=[indicator_label(c, short=True) for c in part["indicator"]], orientation="h",
        marker_color=colours, text=[f"{v:.3f}" if not math.isnan(v) else "—" for v in part["cv"]],
        textposition="outside", cliponaxis=False,
        hovertext=[indicator_label(c) for c in part["indicator"]], hoverinfo="text+x"))
    fig.add_vline(x=line, line_dash="dash", line_color="#333333",
                  annotation_text=f"{tr('col.threshold')} {line:.2f}", annotation_position="top")
    xmax = max([line * 1.3] + [v * 1.15 for v in part["cv"] if not math.isnan(v)])
    fig.update_xaxes(range=[0, xmax], title=tr("col.cv"))
    return _layout(fig, height=330, title=stage_label(stage), showlegend=False)


def cv_trend(cv_now: pd.DataFrame, cv_prev: pd.DataFrame, stage: str, year: int) -> go.Figure:
    """Dumbbell of each CV last year → this year."""
    now = cv_now[(cv_now["stage"] == stage) & (cv_now["indicator"] != "composite")].set_index("indicator")
    prev = cv_prev[(cv_prev["stage"] == stage) & (cv_prev["indicator"] != "composite")].set_index("indicator")
    codes = list(now.index)[::-1]
    labels = [indicator_label(c, short=True) for c in codes]
    fig = go.Figure()
    for c, label in zip(codes, labels):
        if c in prev.index:
            fig.add_trace(go.Scatter(x=[prev.at[c, "cv"], now.at[c, "cv"]], y=[label, label], mode="lines",
                                     line=dict(color="#BBBBBB", width=3), showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[prev.at[c, "cv"] if c in prev.index else None for c in codes], y=labels,
                             mode="markers", marker=dict(color="#999999", size=10), name=str(year - 1)))
    fig.add_trace(go.Scatter(x=now.loc[codes, "cv"], y=labels, mode="markers",
                             marker=dict(color="#0072B2", size=12), name=str(year)))
    if len(now):
        fig.add_vline(x=float(now["threshold"].iloc[0]), line_dash="dash", line_color="#333333")
    fig.update_xaxes(title=tr("col.cv"))
    return _layout(fig, height=330, title=stage_label(stage))


def compliance_grid(comp: pd.DataFrame, codes: list[str], min_ratio: float) -> go.Figure:
    """School × indicator grid: met (3), below but ≥ 85 % (2), below 85 % (1), missing (0)."""
    comp = comp.sort_values("met_count")
    z, text = [], []
    for _, r in comp.iterrows():
        row, trow = [], []
        for c in codes:
            ratio = r[f"ratio_{c}"]
            if ratio is None or (isinstance(ratio, float) and math.isnan(ratio)):
                row.append(0); trow.append("—")
            else:
                row.append(3 if ratio >= 1 else 2 if ratio >= min_ratio else 1)
                trow.append(f"{ratio:.0%}")
        z.append(row); text.append(trow)
    scale = [[0, "#BBBBBB"], [0.25, "#BBBBBB"], [0.25, STATUS_COLOURS["fail"]], [0.5, STATUS_COLOURS["fail"]],
             [0.5, "#F0C05A"], [0.75, "#F0C05A"], [0.75, STATUS_COLOURS["pass"]], [1, STATUS_COLOURS["pass"]]]
    fig = go.Figure(go.Heatmap(z=z, x=[indicator_label(c, short=True) for c in codes], y=comp["name"].tolist(),
                               text=text, texttemplate="%{text}", zmin=-0.5, zmax=3.5, colorscale=scale,
                               showscale=False, xgap=2, ygap=2,
                               hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=12))
    fig.update_xaxes(side="top", showgrid=False)
    return _layout(fig, height=max(300, 22 * len(comp) + 80))


def variance_share_bars(shares: pd.DataFrame, top: int = 12) -> go.Figure:
    """The schools with the largest share of an indicator's weighted variance."""
    part = shares.dropna(subset=["share"]).nlargest(top, "share").iloc[::-1]
    colours = ["#0072B2" if a else "#D55E00" for a in part["above_mean"]]
    fig = go.Figure(go.Bar(x=part["share"], y=part["name"], orientation="h", marker_color=colours,
                           text=[f"{s:.1%}" for s in part["share"]], textposition="outside", cliponaxis=False))
    fig.update_xaxes(tickformat=".0%", title=tr("col.share"))
    return _layout(fig, height=max(260, 28 * len(part) + 60), showlegend=False)


def gap_dots(gaps: pd.DataFrame, stage: str, lines: dict[str, float], groups: list[str]) -> go.Figure:
    """Dot-gap chart: each indicator on one row, 城区/镇区/乡村 means divided by the line."""
    part = gaps[gaps["stage"] == stage].iloc[::-1]
    labels = [indicator_label(c, short=True) for c in part["indicator"]]
    fig = go.Figure()
    for (_, r), label in zip(part.iterrows(), labels):
        vals = [r[g] / lines[r["indicator"]] for g in groups if not math.isnan(r[g])]
        if vals:
            fig.add_trace(go.Scatter(x=[min(vals), max(vals)], y=[label, label], mode="lines",
                                     line=dict(color="#CCCCCC", width=6), showlegend=False, hoverinfo="skip"))
    for g in groups:
        fig.add_trace(go.Scatter(
            x=[r[g] / lines[r["indicator"]] for _, r in part.iterrows()], y=labels, mode="markers",
            name=tr(f"group.{g}"), marker=dict(size=13, color=GROUP_COLOURS[g], line=dict(color="white", width=1)),
            hovertemplate="%{y}: %{x:.2f}<extra>" + tr(f"group.{g}") + "</extra>"))
    fig.add_vline(x=1.0, line_dash="dash", line_color="#333333", annotation_text=tr("col.threshold"))
    fig.update_xaxes(title=tr("gaps.dot_axis"))
    return _layout(fig, height=380, title=stage_label(stage))


def theil_bars(gaps: pd.DataFrame, stage: str) -> go.Figure:
    part = gaps[gaps["stage"] == stage].iloc[::-1]
    labels = [indicator_label(c, short=True) for c in part["indicator"]]
    fig = go.Figure([
        go.Bar(x=part["theil_between"], y=labels, orientation="h", name=tr("col.theil_between"), marker_color="#0072B2"),
        go.Bar(x=part["theil_within"], y=labels, orientation="h", name=tr("col.theil_within"), marker_color="#BBBBBB"),
    ])
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=tr("col.theil"))
    return _layout(fig, height=340)


def band_bars(counts: pd.DataFrame, by: str, label_fn) -> go.Figure:
    """Stacked bars of classes per band (columns within/large/big/huge) by ``by``."""
    fig = go.Figure()
    for band in ("within", "large", "big", "huge"):
        fig.add_trace(go.Bar(x=[label_fn(v) for v in counts[by]], y=counts[band], name=tr(f"band.{band}"),
                             marker_color=BAND_COLOURS[band], text=counts[band], textposition="inside"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=tr("col.classes"), showgrid=True, gridcolor="#EEEEEE")
    return _layout(fig, height=360)


def enrolment_trend(df: pd.DataFrame, small_line: float, very_small_line: float) -> go.Figure:
    """Enrolment of each village school over the years, with the 100 and 50 lines."""
    fig = go.Figure()
    for name, part in df.groupby("name"):
        part = part.sort_values("year")
        fig.add_trace(go.Scatter(x=part["year"], y=part["students"], mode="lines+markers", name=name,
                                 line=dict(width=1.5), marker=dict(size=5), showlegend=False,
                                 hovertemplate=name + " %{x}: %{y}<extra></extra>"))
    for y, label in ((small_line, "100"), (very_small_line, "50")):
        fig.add_hline(y=y, line_dash="dash", line_color="#D55E00", annotation_text=label)
    fig.update_xaxes(dtick=1, title=tr("col.year"))
    fig.update_yaxes(title=tr("col.students"), showgrid=True, gridcolor="#EEEEEE")
    return _layout(fig, height=380)
