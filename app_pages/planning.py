"""布局规划: enrolment forecast with its fan and backtest, seat shortages, two scenario steps, and
suggested sites (p-median / MCLP)."""
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import scenarios, spatial
from analytics.config import load_standards
from analytics.formatting import fmt_pct
from analytics.mapping import STATUS_COLOURS, marker_radius
from ui import data, maps, page
from ui.charts import _layout
from ui.strings import stage_label, tr

sel = page.header("plan2.title")
sig = data.signature()
std = load_standards(sel.county_code)
st.caption(tr("plan2.intro"))
shift = st.slider(tr("plan2.shift"), 0.0, 0.05, float(std["planning"]["urban_shift_per_year"]), 0.005, format="%.3f")
with st.spinner(tr("app.loading")):
    out = data.forecast(sig, sel.county_code, shift)
if not out:
    st.info(tr("plan2.no_forecast"))
    st.stop()

st.subheader(tr("plan2.fan"))
hist = out["history"][out["history"]["stage"] == sel.stage].groupby("year")["pupils"].sum()
fig = go.Figure(go.Scatter(x=hist.index, y=hist.values, name=tr("plan2.history"), line=dict(color="#333333", width=3)))
for variant, dash in (("high", "dot"), ("central", "solid"), ("low", "dot")):
    f = out["forecast"].query("variant == @variant and stage == @sel.stage").groupby("year")["pupils"].sum()
    fig.add_trace(go.Scatter(x=f.index, y=f.values, name=tr(f"plan2.variant.{variant}"),
                             line=dict(color="#0072B2", dash=dash, width=3 if variant == "central" else 1.5)))
seats_total = out["seats"].query("stage == @sel.stage")["seats"].sum()
fig.add_hline(y=seats_total, line_dash="dash", line_color="#D55E00", annotation_text=tr("plan2.seats_line"))
fig.update_xaxes(dtick=1)
fig.update_yaxes(title=tr("col.students"), gridcolor="#EEEEEE")
st.plotly_chart(_layout(fig, height=380, title=stage_label(sel.stage)), width="stretch")

left, right = st.columns([1, 1])
with left:
    st.subheader(tr("plan2.shortages"))
    short = out["shortages"].query("stage == @sel.stage")
    page.table(short.assign(first_shortage=short["first_shortage"].map(lambda y: "—" if pd.isna(y) else int(y))).round(0).rename(
        columns={"town": tr("col.town"), "stage": tr("col.stage"), "seats": tr("plan2.seats_line"),
                 "first_shortage": tr("plan2.first_shortage"), "seats_needed": tr("plan2.seats_needed"),
                 "demand_horizon": tr("plan2.demand_horizon")}))
with right:
    st.subheader(tr("plan2.backtest"))
    bt = out["backtest"].query("stage == @sel.stage")
    page.table(bt.assign(error_share=bt["error_share"].map(fmt_pct)).round(0).rename(
        columns={"town": tr("col.town"), "stage": tr("col.stage"), "actual": tr("plan2.actual"),
                 "forecast": tr("plan2.forecast"), "error": tr("plan2.error"), "error_share": tr("plan2.error_share")}))

st.subheader(tr("plan2.scenario"))
st.caption(tr("plan2.scenario_help"))
c = st.columns(3)
towns = sorted(out["balance"]["town"].unique())
town = c[0].selectbox(tr("col.town"), towns, key="open_town")
seats = c[1].number_input(tr("plan2.open_seats"), 0, 5000, 1080, 45, key="open_seats")
years = sorted(out["balance"]["year"].unique())
opens = c[2].selectbox(tr("plan2.open_year"), years, index=min(2, len(years) - 1), key="open_year")
after = scenarios.open_school(out["balance"], town, sel.stage, seats, opens)
row = out["balance"].query("town == @town and stage == @sel.stage").set_index("year")["gap"]
row2 = after.query("town == @town and stage == @sel.stage").set_index("year")["gap"]
st.dataframe(pd.DataFrame({"year": row.index, tr("plan2.gap_now"): row.round(0).values,
                           tr("plan2.gap_after"): row2.round(0).values}).set_index("year").T, width="stretch")

st.subheader(tr("plan2.merge"))
points = data.school_points(sig, sel.county_code, sel.year)
small = data.small_schools(sig, sel.county_code, (sel.year,))
small = small[small["small"]]
if len(small):
    sid = st.selectbox(tr("col.school"), small["school_id"], format_func=dict(zip(small["school_id"], small["name"])).get,
                       key="merge_school")
    merged = scenarios.merge_school(points, sid, std, spatial.metric_epsg(float(points["lon"].median())))
    st.caption(tr("plan2.merge_result", name=merged["closed"], pupils=merged["pupils"]))
    st.dataframe(merged["reassigned"].assign(distance_m=merged["reassigned"]["distance_m"].round(0)).drop(columns="school_id")
                 .rename(columns={"name": tr("col.school"), "pupils": tr("col.students"), "distance_m": tr("plan2.distance_m"),
                                  "over_capacity": tr("plan2.over_capacity")}), hide_index=True, width="stretch")

st.subheader(tr("plan2.sites"))
st.caption(tr("plan2.sites_help"))
c = st.columns(3)
k = c[0].number_input(tr("plan2.k"), 1, 10, 2, key="sites_k")
model = c[1].selectbox(tr("plan2.model"), ["pmedian", "mclp"], key="sites_model")
if c[2].button(tr("plan2.run"), icon=":material/add_location:") or st.session_state.get("sites_done"):
    st.session_state["sites_done"] = True
    with st.spinner(tr("app.loading")):
        result = data.suggest_sites(sig, sel.county_code, sel.year, sel.stage, int(k), model)
    st.caption(tr("plan2.result", status=result["status"], before=f"{result['before']:,.0f}", after=f"{result['objective']:,.0f}"))
    pts = points[points["stages"].str.contains(sel.stage)].assign(colour_index=0, radius=points["students"].map(marker_radius),
                                                                   tooltip=points["name"])
    new = result["sites"].assign(colour_index=1, radius=14.0, tooltip=result["sites"]["name"], school_id="")
    m = maps.base_map(data.outline(sig, sel.county_code), data.town_areas(sig, sel.county_code), pts)
    maps.add_points(m, pts, tr("map.schools"), [STATUS_COLOURS["unknown"], "#CC79A7"])
    maps.add_points(m, new, tr("plan2.site"), [STATUS_COLOURS["unknown"], "#CC79A7"])
    maps.show(m, key=f"sites_{sel.county_code}_{k}_{model}", height=460)
    st.dataframe(result["sites"], hide_index=True, width="stretch")
