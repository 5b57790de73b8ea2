"""Figures as pure functions: data, the language and the standards in, a plotly figure out.

Names from data (schools, towns, scenarios) enter a figure only through :func:`plot_text`: plotly reads
its labels as pseudo-HTML.

The pages and the leadership briefing draw the same figure from the same function; everything that
decides how it looks (template, fonts, margins, size, colours) is set on the figure itself here, so it
comes out the same whichever process draws it. Colours of a value against its line come from
:data:`analytics.geo.mapping.LINE_CLASS_COLOURS` through :meth:`Standards.line_classes` — one rule.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analytics.geo.mapping import (
    BAND_COLOURS,
    BAND_ORDER,
    LINE_CLASS_COLOURS,
    STATUS_COLOURS,
)

# the lines a chart shows for context only (the counties that did not change), under the coloured ones
QUIET_GREY = "#C8C8C8"
from analytics.formatting import fmt_cv_near, fmt_indicator
from analytics.geo.mapping import STANDING_COLOURS, label_layout
from analytics.i18n import t
from analytics.io.contract import canonical_rank
from analytics.method.labels import school_labels
from analytics.report.escape import plot_text
from analytics.standards import Standards

FONT_FAMILY = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
FONT = dict(family=FONT_FAMILY, size=14)
GROUP_COLOURS = {"城区": "#0072B2", "镇区": "#E69F00", "乡村": "#009E73"}


def _t(key: str, lang: str, std: Standards | None, **kw) -> str:
    return t(key, lang, std=std.wording if std is not None else None, **kw)


def set_template(fig: go.Figure, name: str) -> None:
    """Give ``fig`` the registered template ``name`` as plotly gives a new figure its default template:
    the registry's entry is valid already, so it is not validated and copied once more (that check was
    40 ms of a 45 ms figure — 0.2 s of a province page with four charts)."""
    fig.layout._validate = False
    try:
        fig.layout.template = pio.templates[name]
    finally:
        fig.layout._validate = fig._validate


def style(fig: go.Figure, height: int = 380, width: int | None = None, **kw) -> go.Figure:
    """The house style, set on the figure (template, font, margins with room for labels, size)."""
    set_template(fig, "plotly_white")
    layout = dict(font=FONT, height=height, width=width,
                  margin=dict(l=10, r=30, t=50, b=10, autoexpand=True), paper_bgcolor="white",
                  plot_bgcolor="white", legend=dict(orientation="h", y=-0.15))
    fig.update_layout(**{**layout, **kw})
    # ticks as whole numbers with separators (plotly's SI "2k … 10k" on a 万元 axis reads as nonsense)
    fig.update_xaxes(showgrid=True, gridcolor="#EEEEEE", zeroline=False, automargin=True, exponentformat="none",
                     separatethousands=True)
    fig.update_yaxes(showgrid=False, automargin=True, exponentformat="none", separatethousands=True)
    return fig


def indicator_label(code: str, lang: str, short: bool = False) -> str:
    return t(("indicator_short." if short else "indicator.") + code, lang)


def coverage_note(row: dict) -> str:
    """" (47/56)" after a CV computed over part of its schools; nothing at full coverage."""
    missing = row.get("missing")
    if not isinstance(missing, (list, tuple, np.ndarray)) or not len(missing):
        return ""
    return f" ({row['n_scope'] - len(missing)}/{row['n_scope']})"


def cv_bars(cv: pd.DataFrame, stage: str, lang: str, std: Standards, title: str | None = None) -> go.Figure:
    """Horizontal bars of the seven CVs of one 学段, coloured pass / fail / unknown, with the 学段's line."""
    part = cv[cv["stage"] == stage].iloc[::-1]
    line = std.cv_line(stage)
    colours = [STATUS_COLOURS["unknown"] if p is None or (isinstance(p, float) and math.isnan(p))
               else STATUS_COLOURS["pass"] if p else STATUS_COLOURS["fail"] for p in part["passed"]]
    values = [float(v) if v is not None else math.nan for v in part["cv"]]
    fig = go.Figure(go.Bar(
        x=values, y=[indicator_label(c, lang, short=True) for c in part["indicator"]], orientation="h",
        marker_color=colours, text=[fmt_cv_near(v, line) + coverage_note(r) for v, r in zip(values, part.to_dict("records"))],
        textposition="outside", cliponaxis=False,
        hovertext=[indicator_label(c, lang) for c in part["indicator"]], hoverinfo="text+x"))
    fig.add_vline(x=line, line_dash="dash", line_color="#333333",
                  annotation_text=f"{_t('col.threshold', lang, std)} {line:.2f}", annotation_position="top")
    xmax = max([line * 1.3] + [v * 1.2 for v in values if not math.isnan(v)])
    fig.update_xaxes(range=[0, xmax], title=_t("col.cv", lang, std))
    return style(fig, height=330, title=title or _t(f"stage.{stage}", lang, std), showlegend=False)


def cv_trend(cv_now: pd.DataFrame, cv_prev: pd.DataFrame, stage: str, year: int, lang: str,
             std: Standards) -> go.Figure:
    """Dumbbell of each CV last year → this year, with the 学段's line."""
    now = cv_now[cv_now["stage"] == stage].set_index("indicator")
    prev = cv_prev[cv_prev["stage"] == stage].set_index("indicator")
    codes = list(now.index)[::-1]
    labels = [indicator_label(c, lang, short=True) for c in codes]
    fig = go.Figure()
    for c, label in zip(codes, labels):
        if c in prev.index:
            fig.add_trace(go.Scatter(x=[prev.at[c, "cv"], now.at[c, "cv"]], y=[label, label], mode="lines",
                                     line=dict(color="#BBBBBB", width=3), showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[prev.at[c, "cv"] if c in prev.index else None for c in codes], y=labels,
                             mode="markers", marker=dict(color="#999999", size=10), name=str(year - 1)))
    fig.add_trace(go.Scatter(x=now.loc[codes, "cv"], y=labels, mode="markers",
                             marker=dict(color="#0072B2", size=12), name=str(year)))
    fig.add_vline(x=std.cv_line(stage), line_dash="dash", line_color="#333333")
    fig.update_xaxes(title=_t("col.cv", lang, std))
    return style(fig, height=330, title=_t(f"stage.{stage}", lang, std))


def compliance_grid(comp: pd.DataFrame, lang: str, std: Standards, max_rows: int | None = None) -> go.Figure:
    """School × indicator grid coloured by :meth:`Standards.line_class` (met / nearly / below / missing),
    the schools meeting fewest indicators first; with ``max_rows`` only that many of them (a grid of
    thousands of rows cannot be read or drawn — the page offers the whole grid as Excel)."""
    codes = std.indicator_codes
    comp = comp.assign(_sum=comp[[f"ratio_{c}" for c in codes]].sum(axis=1, min_count=1))
    comp = comp.sort_values(["met_count", "_sum"], kind="stable")
    if max_rows is not None:
        comp = comp.head(max_rows)
    order = ("missing", "below", "nearly", "met")
    ratios = comp[[f"ratio_{c}" for c in codes]].to_numpy(dtype=float, na_value=np.nan)
    classes = std.line_classes(ratios.ravel()).reshape(ratios.shape)
    z = np.vectorize(order.index, otypes=[int])(classes) if classes.size else np.zeros(ratios.shape, int)
    pct = np.char.add(np.round(np.nan_to_num(ratios) * 100).astype(int).astype(str), "%")
    text = np.where(classes == "missing", "—", pct)
    scale = []
    for k, name in enumerate(order):
        scale += [[k / len(order), LINE_CLASS_COLOURS[name]], [(k + 1) / len(order), LINE_CLASS_COLOURS[name]]]
    rows = school_labels(comp["school_id"], comp["name"], comp["town"] if "town" in comp else None)
    fig = go.Figure(go.Heatmap(z=z.tolist(), x=[indicator_label(c, lang, short=True) for c in codes],
                               y=[plot_text(n) for n in rows],            # one row per school, namesakes told apart
                               text=text.tolist(), texttemplate="%{text}", zmin=-0.5, zmax=len(order) - 0.5,
                               colorscale=scale, showscale=False, xgap=2, ygap=2,
                               hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=12))
    fig.update_xaxes(side="top", showgrid=False)
    return style(fig, height=max(300, 22 * len(comp) + 80))


def indicator_ratio_bars(indicators: pd.DataFrame, lang: str, std: Standards, stage_label=None) -> go.Figure:
    """One school's indicators as a share of their lines (the school card), coloured by line class,
    with the line and the school rule's ratio marked."""
    fig = go.Figure()
    for stage, part in indicators.groupby("stage", sort=False):
        part = part.iloc[::-1]
        colours = [LINE_CLASS_COLOURS[k] for k in std.line_classes(part["ratio"].astype(float))]
        fig.add_trace(go.Bar(x=part["ratio"], y=[indicator_label(c, lang, short=True) for c in part["indicator"]],
                             orientation="h", marker_color=colours,
                             name=stage_label(stage) if stage_label else _t(f"stage.{stage}", lang, std),
                             text=[fmt_indicator(c, v, lang) for c, v in zip(part["indicator"], part["value"])],
                             textposition="auto"))
    ratio = std.school_rule.min_ratio_unmet
    fig.add_vline(x=1.0, line_dash="dash", annotation_text=_t("col.threshold", lang, std))
    fig.add_vline(x=ratio, line_dash="dot", line_color="#999999", annotation_text=f"{ratio:.0%}")
    fig.update_xaxes(tickformat=".0%", title=_t("card.ratio", lang, std))
    return style(fig, height=320, barmode="group", title=_t("card.indicators", lang, std))


def variance_share_bars(shares: pd.DataFrame, lang: str, top: int = 12) -> go.Figure:
    """The schools with the largest share of an indicator's weighted variance, in two named groups:
    below the county mean (they need resources) and above it (they could share, e.g. 交流轮岗)."""
    part = shares.dropna(subset=["share"]).nlargest(top, "share").iloc[::-1]
    labels = school_labels(part["school_id"], part["name"], part["town"] if "town" in part else None)
    fig = go.Figure()
    for above, colour, key in ((False, "#D55E00", "col.below"), (True, "#0072B2", "col.above")):
        mask = (part["above_mean"] == above).to_numpy()
        fig.add_trace(go.Bar(x=part["share"][mask], y=[plot_text(n) for n, m in zip(labels, mask) if m], orientation="h",
                             marker_color=colour, name=plot_text(t(key, lang)), cliponaxis=False,
                             text=[f"{s:.1%}" for s in part["share"][mask]], textposition="outside"))
    fig.update_yaxes(categoryorder="array", categoryarray=[plot_text(n) for n in labels])
    fig.update_xaxes(tickformat=".0%", title=t("col.share", lang))
    return style(fig, height=max(260, 28 * len(part) + 90), showlegend=True,
                 legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))


def gap_dots(gaps: pd.DataFrame, stage: str, groups: list[str], lang: str, std: Standards) -> go.Figure:
    """Dot-gap chart: each indicator on one row, 城区/镇区/乡村 means divided by the 学段's line."""
    part = gaps[gaps["stage"] == stage].iloc[::-1]
    labels = [indicator_label(c, lang, short=True) for c in part["indicator"]]
    lines = {c: std.line(c, stage) for c in std.indicator_codes}
    fig = go.Figure()
    for (_, r), label in zip(part.iterrows(), labels):
        vals = [r[g] / lines[r["indicator"]] for g in groups if not math.isnan(r[g])]
        if vals:
            fig.add_trace(go.Scatter(x=[min(vals), max(vals)], y=[label, label], mode="lines",
                                     line=dict(color="#CCCCCC", width=6), showlegend=False, hoverinfo="skip"))
    for g in groups:
        name = t(f"group.{g}", lang)
        fig.add_trace(go.Scatter(
            x=[r[g] / lines[r["indicator"]] for _, r in part.iterrows()], y=labels, mode="markers",
            name=name, marker=dict(size=13, color=GROUP_COLOURS[g], line=dict(color="white", width=1)),
            hovertemplate="%{y}: %{x:.2f}<extra>" + name + "</extra>"))
    fig.add_vline(x=1.0, line_dash="dash", line_color="#333333", annotation_text=t("col.threshold", lang))
    fig.update_xaxes(title=t("gaps.dot_axis", lang))
    return style(fig, height=380, title=t(f"stage.{stage}", lang))


def theil_bars(gaps: pd.DataFrame, stage: str, lang: str) -> go.Figure:
    part = gaps[gaps["stage"] == stage].iloc[::-1]
    labels = [indicator_label(c, lang, short=True) for c in part["indicator"]]
    fig = go.Figure([
        go.Bar(x=part["theil_between"], y=labels, orientation="h", name=t("col.theil_between", lang), marker_color="#0072B2"),
        go.Bar(x=part["theil_within"], y=labels, orientation="h", name=t("col.theil_within", lang), marker_color="#BBBBBB"),
    ])
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=t("col.theil", lang))
    return style(fig, height=340)


def band_bars(counts: pd.DataFrame, by: str, label_fn, lang: str, std: Standards, title: str | None = None) -> go.Figure:
    """Stacked bars of classes per band (columns within/large/big/huge) by ``by``; band names state
    the class-size lines of the standards; 学段 and 城乡 groups in their reading order (小学, 初中; 城区, 镇区, 乡村)."""
    counts = counts.assign(_rank=counts[by].map(canonical_rank)).sort_values("_rank", kind="stable")
    fig = go.Figure()
    for band in BAND_ORDER:
        fig.add_trace(go.Bar(x=[label_fn(v) for v in counts[by]], y=counts[band], name=_t(f"band.{band}", lang, std),
                             marker_color=BAND_COLOURS[band], text=counts[band], textposition="inside"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=_t("col.classes", lang, std), showgrid=True, gridcolor="#EEEEEE")
    return style(fig, height=360, title=title, legend=dict(orientation="h", y=-0.2))


def enrolment_trend(df: pd.DataFrame, lang: str, std: Standards) -> go.Figure:
    """Enrolment of each village school over the years, with the small-school lines of the standards."""
    fig = go.Figure()
    for name, part in df.groupby("name"):
        part = part.sort_values("year")
        fig.add_trace(go.Scatter(x=part["year"], y=part["students"], mode="lines+markers", name=plot_text(name),
                                 line=dict(width=1.5), marker=dict(size=5), showlegend=False,
                                 hovertemplate="%{fullData.name} %{x}: %{y}<extra></extra>"))
    for y in (std.small_school_max, std.very_small_school_max):
        fig.add_hline(y=y, line_dash="dash", line_color="#D55E00", annotation_text=f"{y}")
    fig.update_xaxes(dtick=1, title=t("col.year", lang))
    fig.update_yaxes(title=t("col.students", lang), showgrid=True, gridcolor="#EEEEEE")
    return style(fig, height=380)


def school_map(points: pd.DataFrame, outline: dict | None, oversized: set, small_ids: set, lang: str) -> go.Figure:
    """Schools by status on the county outline, oversized ringed, small schools as diamonds — no tiles."""
    fig = go.Figure()
    if outline:
        polys = outline["coordinates"] if outline["type"] == "MultiPolygon" else [outline["coordinates"]]
        for poly in polys:
            ring = poly[0]
            fig.add_trace(go.Scatter(x=[p[0] for p in ring], y=[p[1] for p in ring], mode="lines",
                                     line=dict(color="#333333", width=2), showlegend=False, hoverinfo="skip"))
    pts = points
    for status in ("pass", "fail", "unknown", "out"):
        part = pts[pts["status"] == status]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["lon"], y=part["lat"], mode="markers", name=t(f"layout.status_legend_{status}", lang),
            marker=dict(size=[max(6, min(26, math.sqrt(n) / 2)) for n in part["students"]], color=STATUS_COLOURS[status],
                        symbol=["diamond" if s in small_ids else "circle" for s in part["school_id"]],
                        line=dict(color=["#000000" if s in oversized else "#FFFFFF" for s in part["school_id"]],
                                  width=[3 if s in oversized else 1 for s in part["school_id"]]))))
    lat = pd.to_numeric(pts["lat"], errors="coerce").mean() if len(pts) else math.nan
    if math.isfinite(lat):                        # no school with a position: an empty frame, no aspect
        fig.update_yaxes(scaleanchor="x", scaleratio=1 / math.cos(math.radians(float(lat))))
    fig.update_yaxes(visible=False)
    fig.update_xaxes(visible=False)
    return style(fig, height=700, title=t("briefing.map_title", lang), legend=dict(orientation="h", y=-0.05))


def county_multiples(long: pd.DataFrame, stage: str, lang: str, std: Standards, top: int | None = None) -> go.Figure:
    """Small multiples of one 学段: a panel per CV (L1–L7), the counties ranked within it (largest CV on
    top), bars coloured pass / fail / unknown and the 学段's line dashed — which counties fail what, at
    a glance. ``long`` is :func:`analytics.service.compare`. With ``top`` each panel keeps the ``top``
    largest CVs (a province's 95 counties would make panels thousands of pixels tall; undecided ones
    are kept too, they are never hidden)."""
    from plotly.subplots import make_subplots
    part = long[(long["stage"] == stage) & (long["indicator"] != "R8")]
    if top is not None and part["county_code"].nunique() > top:
        value = part["value"].astype(float)
        rank = value.groupby(part["indicator"]).rank(ascending=False, method="first")
        part = part[value.isna() | (rank <= top)]
    codes = [c for c in std.indicator_codes if c in set(part["indicator"])]
    cols = 2
    nrows = max(1, math.ceil(len(codes) / cols))
    fig = make_subplots(rows=nrows, cols=cols, subplot_titles=[indicator_label(c, lang, short=True) for c in codes],
                        horizontal_spacing=0.18, vertical_spacing=0.06)
    line = std.cv_line(stage)
    n_counties = int(part.groupby("indicator")["county_code"].nunique().max()) if len(part) else 0
    for k, code in enumerate(codes):
        rows = part[part["indicator"] == code].sort_values("value", na_position="first")
        colours = [STATUS_COLOURS["unknown"] if p is None or (isinstance(p, float) and math.isnan(p))
                   else STATUS_COLOURS["pass"] if p else STATUS_COLOURS["fail"] for p in rows["passed"]]
        values = [math.nan if v is None else float(v) for v in rows["value"]]
        fig.add_trace(go.Bar(x=values, y=[plot_text(n) for n in rows["county_name"]], orientation="h",
                             marker_color=colours, showlegend=False, hovertemplate="%{y}：%{x:.4f}<extra></extra>"),
                      row=k // cols + 1, col=k % cols + 1)
        fig.add_vline(x=line, line_dash="dash", line_color="#333333", row=k // cols + 1, col=k % cols + 1)
    fig.update_xaxes(rangemode="tozero")
    return style(fig, height=max(420, nrows * (60 + 16 * n_counties)),
                 title=f"{_t(f'stage.{stage}', lang, std)} · {_t('col.cv', lang, std)}（{_t('col.threshold', lang, std)} {line:.2f}）")


def county_slopes(now: pd.DataFrame, before: pd.DataFrame, indicator: str, stage: str, year: int, lang: str,
                  std: Standards, labels_at_most: int = 15) -> go.Figure:
    """Slope chart of one CV (or R8) per county, last school year → this one: the counties that crossed the
    line coloured by this year's class (red: now fails, green: now passes), every other county a thin grey
    line (95 coloured lines are a heap), the line of the standard dashed. Counties without a value
    in either year are left out. ``now`` / ``before``: :func:`analytics.service.compare` of the two years.
    Names are written beside every line of a region of at most ``labels_at_most`` counties, else beside
    those that crossed the line only (a province's 95 would overlap); every line names its county on hover."""
    key = ["county_code", "stage", "indicator"]
    a = before[(before["stage"] == stage) & (before["indicator"] == indicator)][key + ["value"]]
    b = now[(now["stage"] == stage) & (now["indicator"] == indicator)][key + ["county_name", "value", "passed", "threshold"]]
    both = b.merge(a, on=key, suffixes=("", "_before")).dropna(subset=["value", "value_before"])
    line = both["threshold"].astype(float)
    crossed = (both["value"].astype(float) > line) != (both["value_before"].astype(float) > line)
    change = (both["value"].astype(float) - both["value_before"].astype(float)).abs()
    ranked = both.assign(_c=crossed, _d=change).sort_values(["_c", "_d"], ascending=False)
    # names beside the lines that crossed (the coloured ones); the grey ones only while few enough to read
    named = set(ranked[ranked["_c"]].head(labels_at_most)["county_code"]) if len(both) > labels_at_most else \
        set(ranked["county_code"])
    fig = go.Figure()
    years = [str(year - 1), str(year)]
    both = both.assign(crossed_=crossed.values)
    for r in both.sort_values("crossed_").itertuples():          # the grey ones first, the coloured on top
        status = "unknown" if r.passed is None or (isinstance(r.passed, float) and math.isnan(r.passed)) else (
            "pass" if r.passed else "fail")
        colour, width = (STATUS_COLOURS[status], 2.5) if r.crossed_ else (QUIET_GREY, 1)
        fig.add_trace(go.Scatter(x=years, y=[r.value_before, r.value], mode="lines+markers+text",
                                 line=dict(color=colour, width=width), marker=dict(size=7 if r.crossed_ else 4),
                                 text=["", plot_text(r.county_name) if r.county_code in named else ""],
                                 textposition="middle right",
                                 name=plot_text(r.county_name), showlegend=False,
                                 hovertemplate=plot_text(r.county_name) + "：%{y:.4f}<extra>%{x}</extra>"))
    if len(b):
        fig.add_hline(y=float(b["threshold"].iloc[0]), line_dash="dash", line_color="#333333")
    label = _t("compare.r8", lang, std) if indicator == "R8" else indicator_label(indicator, lang, short=True)
    fig.update_xaxes(type="category")
    return style(fig, height=420, title=f"{_t(f'stage.{stage}', lang, std)} · {label}")


def county_verdict_map(outlines: pd.DataFrame, statuses: dict[str, str], lang: str, title: str | None = None) -> go.Figure:
    """The region's counties filled by their standing on every item (已达标 / 接近 / 较远 / 数据不全,
    STANDING_COLOURS), named at a point inside where the names do not overlap (:func:`label_layout`, larger
    counties first) — a static map for print (no tiles). ``outlines``: county_code, county_name, geojson;
    ``statuses``: county code → standing (a county without one is drawn as unknown)."""
    import json

    from shapely.geometry import shape
    fig = go.Figure()
    shown = set()
    geoms = [shape(json.loads(g)) for g in outlines["geojson"]]
    spots = [g.representative_point() for g in geoms]
    names = [str(r.county_name or r.county_code) for r in outlines.itertuples()]
    if geoms:
        minx = min(g.bounds[0] for g in geoms)
        miny = min(g.bounds[1] for g in geoms)
        maxx = max(g.bounds[2] for g in geoms)
        maxy = max(g.bounds[3] for g in geoms)
        size = 11 if len(outlines) <= 30 else 8
        written = label_layout([p.x for p in spots], [p.y for p in spots], names, (minx, miny, maxx, maxy),
                               width_px=800, height_px=700, font_px=size, priority=[g.area for g in geoms])
    for r, geom, p, name, write in zip(outlines.itertuples(), geoms, spots, names, written if geoms else []):
        status = statuses.get(str(r.county_code), "unknown")
        polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
        for poly in polys:
            x, y = poly.exterior.coords.xy
            fig.add_trace(go.Scatter(x=list(x), y=list(y), mode="lines", fill="toself", fillcolor=STANDING_COLOURS[status],
                                     line=dict(color="#FFFFFF", width=1), opacity=0.85, hoverinfo="skip",
                                     name=t(f"standing.{status}", lang), legendgroup=status,
                                     showlegend=status not in shown))
            shown.add(status)
        if write:
            fig.add_trace(go.Scatter(x=[p.x], y=[p.y], mode="text", text=[plot_text(name)],
                                     textfont=dict(size=size, color="#111111"), showlegend=False, hoverinfo="skip"))
    if len(outlines):
        lat = float(np.mean([shape(json.loads(g)).centroid.y for g in outlines["geojson"]]))
        fig.update_yaxes(scaleanchor="x", scaleratio=1 / math.cos(math.radians(lat)))
    fig.update_yaxes(visible=False)
    fig.update_xaxes(visible=False)
    return style(fig, height=700, title=title, legend=dict(orientation="h", y=-0.05))


# ---------------------------------------------------------------- 探索分析 (analytics.method.explore)

EXPLORE_PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
                   "#999999", "#8C564B"]


def reading_order(groups):
    """A groupby's groups with 学段 and 城乡 groups in their reading order (小学, 初中; 城区, 镇区, 乡村), the
    rest after them as sorted."""
    return sorted(groups, key=lambda kv: (canonical_rank(kv[0]), str(kv[0])))


def explore_colours(values: pd.Series) -> dict:
    """A colour for each group value: 城乡 and compliance in their own colours everywhere, others in turn."""
    known = {**GROUP_COLOURS, **STATUS_COLOURS}
    others = [v for v in pd.unique(values.dropna()) if v not in known]
    return {**known, **{v: EXPLORE_PALETTE[k % len(EXPLORE_PALETTE)] for k, v in enumerate(sorted(others, key=str))}}


EVERY_DOT_UP_TO = 1000     # schools drawn one by one as SVG; above: WebGL dots, and box plots show their outliers only


def explore_scatter(table: pd.DataFrame, x: str, y: str, group: str, labels: dict, group_names: dict,
                    lang: str) -> go.Figure:
    """Every school of ``table`` as a dot: ``x`` against ``y``, dot area ∝ pupils, colour = ``group`` (one trace
    per group, so the legend names them); WebGL above EVERY_DOT_UP_TO dots. ``labels``: measure → axis title;
    ``group_names``: group value → its words. customdata carries the school id (for a selection)."""
    fig = go.Figure()
    colours = explore_colours(table[group])
    kind = go.Scattergl if len(table) > EVERY_DOT_UP_TO else go.Scatter
    largest = float(table["students"].max()) if len(table) else float("nan")
    largest = largest if math.isfinite(largest) and largest > 0 else 1.0
    for value, part in reading_order(table.groupby(group, sort=True, dropna=False)):
        name = plot_text(group_names.get(value, value if isinstance(value, str) else t("status.unknown", lang)))
        sizes = (6 + 24 * np.sqrt(part["students"].fillna(0).clip(lower=0) / largest)).to_numpy(dtype=float)
        fig.add_trace(kind(
            # numpy string arrays, not lists or object arrays: plotly walks those element by element (6,700 dots:
            # 0.47 → 0.1 s a figure)
            x=part[x].to_numpy(dtype=float), y=part[y].to_numpy(dtype=float), mode="markers", name=name,
            customdata=part["school_id"].to_numpy(dtype=str),
            text=np.array([plot_text(f"{n} · {yr}") for n, yr in zip(part["name"], part["year"])], dtype=str),
            marker=dict(size=sizes, color=colours.get(value, "#999999"), opacity=0.75, line=dict(color="white", width=0.5)),
            hovertemplate="%{text}<br>" + plot_text(labels[x]) + ": %{x:,.2f}<br>" + plot_text(labels[y])
                          + ": %{y:,.2f}<extra>" + name + "</extra>"))
    fig.update_xaxes(title=plot_text(labels[x]))
    fig.update_yaxes(title=plot_text(labels[y]), showgrid=True, gridcolor="#EEEEEE")
    return style(fig, height=520, dragmode="select")


def explore_box(table: pd.DataFrame, measure: str, group: str, labels: dict, group_names: dict, lang: str) -> go.Figure:
    """``measure`` by ``group``: a box per group (quartiles, whiskers to 1.5 × IQR) with every school as a dot
    beside it — up to EVERY_DOT_UP_TO schools; above, only the schools beyond the whiskers are dots (10,000 SVG
    dots take seconds to draw in the browser and read as a smear)."""
    colours = explore_colours(table[group])
    points = "all" if len(table) <= EVERY_DOT_UP_TO else "outliers"
    fig = go.Figure()
    for value, part in reading_order(table.groupby(group, sort=True)):
        name = plot_text(group_names.get(value, value))
        fig.add_trace(go.Box(y=part[measure], name=name, boxpoints=points, jitter=0.4, pointpos=0,
                             marker=dict(color=colours.get(value, "#999999"), size=5),
                             text=[plot_text(n) for n in part["name"]], customdata=part[["school_id"]].to_numpy(),
                             hovertemplate="%{text}: %{y:,.2f}<extra>" + name + "</extra>"))
    fig.update_yaxes(title=plot_text(labels[measure]), showgrid=True, gridcolor="#EEEEEE")
    return style(fig, height=480, showlegend=False)


def explore_histogram(table: pd.DataFrame, measure: str, group: str, labels: dict, group_names: dict,
                      lang: str) -> go.Figure:
    """How many schools have each value of ``measure``, stacked by ``group``."""
    colours = explore_colours(table[group])
    fig = go.Figure()
    for value, part in reading_order(table.groupby(group, sort=True)):
        fig.add_trace(go.Histogram(x=part[measure], name=plot_text(group_names.get(value, value)),
                                   marker_color=colours.get(value, "#999999"), nbinsx=30))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=plot_text(labels[measure]))
    fig.update_yaxes(title=t("explore.schools_axis", lang), showgrid=True, gridcolor="#EEEEEE")
    return style(fig, height=420)


def lorenz_figure(curve: pd.DataFrame, label: str, gini_value: float, lang: str) -> go.Figure:
    """The weighted Lorenz curve against the line of equality, the Gini in the title."""
    fig = go.Figure([
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color="#999999", dash="dash"),
                   name=t("explore.equality", lang), hoverinfo="skip"),
        go.Scatter(x=curve["pupils_share"], y=curve["resource_share"], mode="lines", fill="tonexty",
                   line=dict(color="#0072B2", width=3), name=plot_text(label),
                   hovertemplate=t("explore.lorenz_hover", lang) + "<extra></extra>")])
    fig.update_xaxes(title=t("explore.pupils_share", lang), tickformat=".0%", range=[0, 1])
    fig.update_yaxes(title=t("explore.resource_share", lang), tickformat=".0%", range=[0, 1], showgrid=True,
                     gridcolor="#EEEEEE")
    title = t("explore.gini_title", lang, gini="—" if math.isnan(gini_value) else f"{gini_value:.3f}")
    return style(fig, height=460, title=title)


def explore_trend(trend: pd.DataFrame, measure_label: str, group_names: dict, lang: str) -> go.Figure:
    """One line per group across the years: the pupil-weighted mean of a measure (analytics.method.explore.trend)."""
    colours = explore_colours(trend["group"])
    fig = go.Figure()
    for value, part in trend.groupby("group", sort=True):
        name = plot_text(group_names.get(value, value))
        fig.add_trace(go.Scatter(x=part["year"], y=part["weighted_mean"], mode="lines+markers", name=name,
                                 line=dict(color=colours.get(value, "#999999"), width=3),
                                 customdata=part[["schools"]].to_numpy(),
                                 hovertemplate="%{x}: %{y:,.2f}（n=%{customdata[0]}）<extra>" + name + "</extra>"))
    fig.update_xaxes(title=t("explore.year_axis", lang), dtick=1)
    fig.update_yaxes(title=plot_text(measure_label), showgrid=True, gridcolor="#EEEEEE")
    return style(fig, height=440)
