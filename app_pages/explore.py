"""探索分析: any measure against any other for the county's schools — scatter (select schools: listed, on the
map, downloadable, kept for the session), box by group, histogram, weighted Lorenz curve with Gini and Theil
between / within, pupil-weighted pivot. Every choice is kept in the URL, so a link reopens the view. The
analysis lives in analytics.method.explore and the figures in analytics.report.figures."""
import math

import pandas as pd
import streamlit as st

from analytics.geo.mapping import STATUS_COLOURS, marker_radius
from analytics.method import explore
from analytics.method.urban_rural import theil_decomposition
from analytics.report import figures
from analytics.report.escape import safe_filename
from analytics.formatting import fmt_pct
from ui import data, maps, page, state
from ui import views as views_ui
from ui.strings import indicator_label, lang, stage_label, tr

sel = page.header("explore.title", needs_county=False)
page.require("explore")
sig = data.signature()
scope_code = sel.county_code or sel.region_code
with st.spinner(tr("app.loading")):
    table = (data.explore_table(sig, sel.county_code) if sel.county_code
             else data.explore_region(sig, sel.region_code))
table = table[(table["stage"] == sel.stage) & table["in_scope"].fillna(False).astype(bool)]
years = sorted(int(y) for y in table["year"].unique())
if not years:
    page.no_data(sel, sel.stage)
    st.stop()


def label(measure: str) -> str:
    kind = explore.MEASURES[measure]
    if kind == "indicator":
        return f"{indicator_label(measure)}（{tr(f'unit.{measure}')}）"
    if kind == "ratio":
        return tr("explore.measure.ratio", name=indicator_label(measure.removesuffix("_ratio"), short=True))
    return tr(f"explore.measure.{measure}")


def keep_in_url(**values) -> None:
    for key, value in values.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


views = ["scatter", "box", "histogram", "trend", "lorenz", "pivot"]
measures = list(explore.MEASURES)
groups = list(explore.GROUPS if sel.county_code else explore.REGION_GROUPS)
labels = {m: label(m) for m in measures}
state.init_choice(state.EXPLORE_VIEW, views, "scatter")
state.init_choice(state.EXPLORE_X, measures, "L2")
state.init_choice(state.EXPLORE_Y, measures, "class_size_avg")
state.init_choice(state.EXPLORE_GROUP, groups, "urban_rural_group")
if state.EXPLORE_YEARS not in st.session_state:
    asked = [int(y) for y in str(st.query_params.get(state.EXPLORE_YEARS, "")).split(",") if y.strip().isdigit()]
    st.session_state[state.EXPLORE_YEARS] = [y for y in asked if y in years] or [sel.year if sel.year in years else years[-1]]
st.session_state[state.EXPLORE_YEARS] = [y for y in st.session_state[state.EXPLORE_YEARS] if y in years] or [years[-1]]

st.caption(tr("explore.intro", stage=stage_label(sel.stage)))
with st.expander(tr("explore.saved"), icon=":material/bookmark:"):
    views_ui.saved_views_box("explore", [state.EXPLORE_VIEW, state.EXPLORE_X, state.EXPLORE_Y, state.EXPLORE_GROUP,
                                         state.EXPLORE_YEARS])
c1, c2, c3, c4, c5 = st.columns([2, 2, 3, 3, 2])
view = c1.selectbox(tr("explore.view"), views, key=state.EXPLORE_VIEW, format_func=lambda v: tr(f"explore.view.{v}"))
chosen_years = c2.multiselect(tr("explore.years"), years, key=state.EXPLORE_YEARS)
x = c3.selectbox(tr("explore.x") if view == "scatter" else tr("explore.measure"), measures, key=state.EXPLORE_X,
                 format_func=labels.get)
y = c4.selectbox(tr("explore.y"), measures, key=state.EXPLORE_Y, format_func=labels.get,
                 disabled=view != "scatter")
group = c5.selectbox(tr("explore.group"), groups, key=state.EXPLORE_GROUP,
                     format_func=lambda g: tr(f"explore.group.{g}"))
keep_in_url(**{state.EXPLORE_VIEW: view, state.EXPLORE_X: x, state.EXPLORE_Y: y, state.EXPLORE_GROUP: group,
               state.EXPLORE_YEARS: ",".join(str(v) for v in sorted(chosen_years))})
shown = table[table["year"].isin(chosen_years)].reset_index(drop=True)
if shown.empty:
    st.info(tr("explore.no_data"), icon=":material/info:")
    st.stop()
group_names = {**{g: tr(f"group.{g}") for g in ("城区", "镇区", "乡村")},
               **{s: tr(f"status.{s}") for s in STATUS_COLOURS if s != "out"}}
language = lang()
columns = ([] if sel.county_code else ["county_name"]) + ["name", "town", "year", "urban_rural_group", "students", x] + ([y] if view == "scatter" and y != x else [])


def download(frame: pd.DataFrame, key: str) -> None:
    page.excel_download("explore.download", lambda: {tr("explore.sheet"): frame},
                        safe_filename(tr("explore.title"), sel.county_name or sel.region_name, sel.year, suffix=".xlsx"),
                        scope_code, key=state.widget_key(state.DOWNLOAD, "explore", key))


if view == "scatter":
    fig = figures.explore_scatter(shown, x, y, group, labels, group_names, language)
    event = st.plotly_chart(fig, key=state.EXPLORE_CHART, on_select="rerun", selection_mode=("box", "lasso"),
                            width="stretch")
    points = event.selection.points if event and event.selection else []
    picked = [p["customdata"][0] if isinstance(p["customdata"], list) else p["customdata"]
              for p in points if p.get("customdata")]
    if picked:
        st.session_state[state.EXPLORE_SELECTED] = sorted(set(picked))
elif view == "box":
    st.plotly_chart(figures.explore_box(shown, x, group, labels, group_names, language), width="stretch")
elif view == "histogram":
    st.plotly_chart(figures.explore_histogram(shown, x, group, labels, group_names, language), width="stretch")
elif view == "trend":
    if len(chosen_years) < 2:
        st.info(tr("explore.trend_needs_years"), icon=":material/info:")
    else:
        st.plotly_chart(figures.explore_trend(explore.trend(shown, group, x), labels[x], group_names, language),
                        width="stretch")
elif view == "lorenz":
    if explore.MEASURES[x] != "indicator":
        st.info(tr("explore.lorenz_needs_indicator"), icon=":material/info:")
    else:
        curve = explore.lorenz(shown[x], shown["students"])
        st.plotly_chart(figures.lorenz_figure(curve, labels[x], explore.gini(curve), language), width="stretch")
        known = shown[shown[x].notna() & (shown["students"] > 0)]
        theil = theil_decomposition(known[x], known["students"], known[group].astype(str)) if len(known) else None
        if theil and not math.isnan(theil["total"]):
            st.caption(tr("explore.theil", total=f"{theil['total']:.4f}", between=f"{theil['between']:.4f}",
                          within=f"{theil['within']:.4f}", group=tr(f"explore.group.{group}"),
                          share=fmt_pct(theil["between"] / theil["total"] if theil["total"] else 0)))
else:
    summary = explore.pivot(shown, group, x)
    summary["group"] = [tr("explore.total") if total else group_names.get(g, g) for g, total
                        in zip(summary["group"], summary["is_total"])]
    additive = explore.MEASURES[x] in ("raw", "funding") or x == "students_change"     # a sum means something
    summary = summary.drop(columns=["is_total"] + ([] if additive else ["sum"])).rename(columns={c: tr(f"explore.col.{c}") for c in summary.columns})
    st.caption(labels[x])
    shown_as = {tr(f"explore.col.{c}"): st.column_config.NumberColumn(format="%.2f")
                for c in ("weighted_mean", "sum", "min", "max")}
    shown_as[tr("explore.col.pupils")] = st.column_config.NumberColumn(format="localized")
    page.dataframe(summary, hide_index=True, width="stretch", column_config=shown_as)
    download(summary, "pivot")

if view == "scatter":
    selected = [s for s in st.session_state.get(state.EXPLORE_SELECTED, []) if s in set(shown["school_id"])]
    if not selected:
        st.caption(tr("explore.select_hint"))
    else:
        rows = shown[shown["school_id"].isin(selected)]
        st.subheader(tr("explore.selected", n=rows["school_id"].nunique()))
        c1, c2 = st.columns([1, 3])
        if c1.button(tr("explore.clear"), key=state.EXPLORE_CLEAR):
            st.session_state.pop(state.EXPLORE_SELECTED, None)
            st.rerun()
        if sel.county_code:
            c2.page_link("app_pages/school_profile.py", label=tr("explore.to_profiles"), icon=":material/badge:")
        listed = rows[columns].round({x: 2, y: 2}).rename(columns={**labels, "name": tr("col.school"), "town": tr("col.town"),
                                                                   "county_name": tr("explore.group.county_name"),
                                                "year": tr("explore.years"), "urban_rural_group": tr("explore.group.urban_rural_group")})
        page.table(listed)
        download(listed, "selected")
        latest = rows.sort_values("year").drop_duplicates("school_id", keep="last")
        order = [k for k in STATUS_COLOURS if k != "out"]
        points = latest.assign(radius=[marker_radius(n) for n in latest["students"]],
                               colour_index=[order.index(v) if v in order else order.index("unknown")
                                             for v in latest["status"]],
                               tooltip=[[n, f"{labels[x]}: " + ("—" if pd.isna(v) else f"{v:,.2f}")]
                                        for n, v in zip(latest["name"], latest[x])])
        m = maps.base_map(data.outline(sig, sel.county_code) if sel.county_code else None, None, points)
        maps.add_points(m, points, tr("explore.selected", n=len(points)), [STATUS_COLOURS[k] for k in order])
        maps.show(m, key=state.EXPLORE_MAP, height=460)
        maps.legend([(STATUS_COLOURS[k], tr(f"status.{k}")) for k in order])
