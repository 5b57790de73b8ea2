"""布局规划 (forecast): the enrolment forecast with seats and shortages, suggested sites (p-median / MCLP), accessibility."""
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.report import scenario_views
from analytics.standards import load_standards
from analytics.formatting import fmt_pct
from analytics.geo.mapping import CONTEXT_SCHOOL_COLOUR, NEW_SCHOOL_COLOUR, TOWN_SEAT_COLOURS, marker_radius
from analytics.planning import forecast as fc
from ui import data, maps, page, state
from ui.charts import style
from ui.strings import lang, stage_label, tr

sel = page.header("forecast_page.title")
page.require("plan")
sig = data.signature()
std = load_standards(sel.county_code)
st.caption(tr("forecast_page.intro"))
shift = st.slider(tr("forecast_page.shift"), 0.0, 0.05, float(std["planning"]["urban_shift_per_year"]), 0.005, format="%.3f")
with st.spinner(tr("app.loading")):
    out = data.forecast(sig, sel.county_code, shift)
if not out:
    st.info(tr("forecast_page.no_forecast"))
    st.stop()

st.subheader(tr("forecast_page.fan"))
hist = out["history"][out["history"]["stage"] == sel.stage].groupby("year")["pupils"].sum()
fig = go.Figure(go.Scatter(x=hist.index, y=hist.values, name=tr("forecast_page.history"), line=dict(color="#333333", width=3)))
for variant, dash in (("high", "dot"), ("central", "solid"), ("low", "dot")):
    f = out["forecast"].query("variant == @variant and stage == @sel.stage").groupby("year")["pupils"].sum()
    fig.add_trace(go.Scatter(x=f.index, y=f.values, name=tr(f"forecast_page.variant.{variant}"),
                             line=dict(color="#0072B2", dash=dash, width=3 if variant == "central" else 1.5)))
seats_total = out["seats"].query("stage == @sel.stage")["seats"].sum()
fig.add_hline(y=seats_total, line_dash="dash", line_color="#D55E00", annotation_text=tr("forecast_page.seats_line"))
fig.update_xaxes(dtick=1)
fig.update_yaxes(title=tr("col.students"), gridcolor="#EEEEEE")
st.plotly_chart(style(fig, height=380, title=stage_label(sel.stage)), width="stretch")

left, right = st.columns([1, 1])
with left:
    st.subheader(tr("forecast_page.shortages"))
    short = out["shortages"].query("stage == @sel.stage")
    page.table(short.assign(first_shortage=short["first_shortage"].map(lambda y: "—" if pd.isna(y) else str(int(y)))).round(0).rename(
        columns={"town": tr("col.town"), "stage": tr("col.stage"), "seats": tr("forecast_page.seats_line"),
                 "first_shortage": tr("forecast_page.first_shortage"), "seats_needed": tr("forecast_page.seats_needed"),
                 "demand_horizon": tr("forecast_page.demand_horizon")}))
with right:
    st.subheader(tr("forecast_page.backtest"))
    bt = out["backtest"].query("stage == @sel.stage")
    page.table(bt.assign(error_share=bt["error_share"].map(fmt_pct)).round(0).rename(
        columns={"town": tr("col.town"), "stage": tr("col.stage"), "actual": tr("forecast_page.actual"),
                 "forecast": tr("forecast_page.forecast"), "error": tr("forecast_page.error"), "error_share": tr("forecast_page.error_share")}))

st.subheader(tr("forecast_page.by_year"))
gaps = fc.town_year_gaps(out["balance"], sel.stage)
if len(gaps):
    years = [int(y) for y in gaps.columns]
    when = st.select_slider(tr("forecast_page.year_slider"), years, value=years[min(3, len(years) - 1)], key=state.SEAT_YEAR)
    seats_of = out["seats"].query("stage == @sel.stage").set_index("town")["seats"]
    tight = float(std["planning"]["tight_seat_share"])
    classes = {town: fc.seat_class(g, float(seats_of.get(town, 0)), tight) for town, g in gaps[when].items()}
    fills = {town: (TOWN_SEAT_COLOURS[k], f"{town}：{tr('forecast_page.gap_tip', year=when, gap=f'{gaps.at[town, when]:+,.0f}')}")
             for town, k in classes.items()}
    m = maps.base_map(data.outline(sig, sel.county_code), data.town_areas(sig, sel.county_code),
                      data.school_points(sig, sel.county_code, sel.year))
    maps.add_town_fills(m, data.town_areas(sig, sel.county_code), fills, tr("forecast_page.by_year"))
    maps.show(m, key=state.widget_key(state.SEAT_MAP, sel.county_code, sel.stage, when), height=420)
    maps.legend([(TOWN_SEAT_COLOURS[k], tr(f"forecast_page.seat.{k}", share=fmt_pct(tight))) for k in ("short", "tight", "spare")])
    table = gaps.round(0).astype("Int64").reset_index().rename(columns={"town": tr("col.town")})
    table.columns = [str(c) for c in table.columns]
    page.table(table)
    st.caption(tr("forecast_page.by_year_help"))

st.page_link("app_pages/scenarios.py", label=tr("forecast_page.more_scenarios"), icon=":material/alt_route:")
points = data.school_points(sig, sel.county_code, sel.year)

st.subheader(tr("forecast_page.sites"))
st.caption(tr("forecast_page.sites_help"))
c = st.columns(3)
k = c[0].number_input(tr("forecast_page.k"), 1, 10, 2, key=state.SITES_K)
model = c[1].selectbox(tr("forecast_page.model"), ["pmedian", "mclp", "shortage"], key=state.SITES_MODEL,
                       format_func=lambda m: tr(f"sites.model.{m}"))
if c[2].button(tr("forecast_page.run"), icon=":material/add_location:", key=state.SITES_RUN) or st.session_state.get(state.SITES_DONE):
    st.session_state[state.SITES_DONE] = True
    with st.spinner(tr("app.loading")):
        result = data.suggest_sites(sig, sel.county_code, sel.year, sel.stage, int(k), model)
else:
    result = None
if result is not None and result["status"] == "no_settlements":
    st.info(tr("sites.no_settlements"))
elif result is not None:
    st.caption(scenario_views.result_words(result, lang()))
    pts = points[points["stages"].str.contains(sel.stage)].assign(colour_index=0, radius=points["students"].map(marker_radius),
                                                                   tooltip=points["name"].map(lambda n: maps.tooltip([n])))
    new = result["sites"].assign(colour_index=1, radius=14.0, tooltip=result["sites"]["name"].map(lambda n: maps.tooltip([n])), school_id="")
    m = maps.base_map(data.outline(sig, sel.county_code), data.town_areas(sig, sel.county_code), pts)
    maps.add_points(m, pts, tr("map.schools"), [CONTEXT_SCHOOL_COLOUR, NEW_SCHOOL_COLOUR])
    maps.add_new_sites(m, new, tr("forecast_page.site"), NEW_SCHOOL_COLOUR)
    maps.show(m, key=state.widget_key(state.SITES_MAP, sel.county_code, k, model), height=460)
    maps.legend([(CONTEXT_SCHOOL_COLOUR, tr("map.schools")), (NEW_SCHOOL_COLOUR, tr("forecast_page.site"))])
    page.dataframe(result["sites"].rename(columns={"town": tr("col.town"), "name": tr("forecast_page.site_near"),
                                                 "lon": tr("col.lon"), "lat": tr("col.lat")}), hide_index=True, width="stretch")
    if len(result["sites"]):
        c = st.columns([2, 3])
        found = result["sites"]
        i = c[0].selectbox(tr("forecast_page.pick_site"), range(len(found)), key=state.SITES_PICK,
                           format_func=lambda j: f"{found['town'].iloc[j]} · {found['name'].iloc[j]}")
        if c[1].button(tr("forecast_page.to_scenario"), icon=":material/alt_route:", key=state.SITES_TO_SCENARIO):
            state.hand_site_to_scenario(found.iloc[i], sel.stage)
            st.switch_page("app_pages/scenarios.py")

st.subheader(tr("forecast_page.access"))
st.caption(tr("forecast_page.access_help"))
with st.spinner(tr("app.loading")):
    acc = data.accessibility(sig, sel.county_code, sel.year, sel.stage)
if len(acc):
    page.table(acc.sort_values("access").round({"access": 3, "children": 0})[["town", "name", "children", "access"]].rename(
        columns={"town": tr("col.town"), "name": tr("forecast_page.settlement"), "children": tr("forecast_page.children"),
                 "access": tr("forecast_page.access_value")}))
