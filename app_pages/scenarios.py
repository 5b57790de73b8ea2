"""布局方案比选: build a layout scenario from steps, see what it changes, compare two scenarios side by
side (table, chart, two maps), and save / open / delete scenarios."""
import json
import os

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.report.escape import safe_filename
from analytics.report.escape import markdown_text as md
from analytics.io import contract
from analytics.planning import scenarios
from analytics.report import scenario_views
from analytics.report.escape import plot_text
from analytics.standards import load_standards
from analytics.formatting import fmt_count, fmt_pct, fmt_time
from analytics.geo.mapping import BEYOND_COLOUR, SEAT_COLOURS
from ui import auth, data, maps, page, state
from ui import scenario as widgets
from ui.charts import style
from ui.strings import lang, stage_label, tr

sel = page.header("scen.title")
page.require("scenario")
sig = data.signature()
std = load_standards(sel.county_code)
st.caption(tr("scen.intro"))
st.caption(tr("scen.assumptions"))
points = data.school_points(sig, sel.county_code, sel.year)
settlements = data.table(sig, "settlements", sel.county_code, None).dropna(subset=["lon", "lat"])
if points.empty or settlements.empty:
    page.no_data(sel)
    st.stop()
names = dict(zip(points["school_id"], points["name"]))
handed = state.take_site_handoff()
if handed:
    st.info(tr("scen.handed", town=md(handed["town"])), icon=":material/add_location:")
steps = state.scenario_steps(sel.county_code)
saved_store = data.scenario_store()
flash = st.session_state.pop(state.SCEN_FLASH, None)
if flash:
    st.success(flash)

# ---------------------------------------------------------------- 1. build
st.subheader(tr("scen.build"))
left, right = st.columns([3, 2], gap="large")
with left:
    years = list(range(sel.year + 1, sel.year + 1 + std["planning"]["horizon_years"]))
    n_new = sum(1 for s in steps if s["kind"] == "open") + 1
    new_step = widgets.step_form(sel, points, settlements, years, std, data.outline(sig, sel.county_code),
                                 data.town_areas(sig, sel.county_code), n_new)
    if new_step:
        steps.append(new_step)
        st.rerun()
with right:
    st.markdown(f"**{tr('scen.steps')}**")
    if not steps:
        st.caption(tr("scen.no_steps"))
    for i, s in enumerate(steps):
        c = st.columns([6, 1])
        c[0].markdown(f"{i + 1}\\. {md(scenario_views.describe(s, names, std, lang()))}")
        if c[1].button("✕", key=state.widget_key(state.SCEN_REMOVE, i), help=tr("scen.remove")):
            steps.pop(i)
            st.rerun()
    if steps and st.button(tr("scen.clear"), icon=":material/delete_sweep:", key=state.SCEN_CLEAR):
        steps.clear()
        st.rerun()

# ---------------------------------------------------------------- 2. results and comparison
st.subheader(tr("scen.results"))
saved = saved_store.list(sel.county_code)
options = {"__current__": tr("scen.current"), "__today__": tr("scen.today"),
           **{f"saved:{n}": n for n in saved["name"]}}
c = st.columns(2)
first_a = 2 if not steps and len(options) > 2 else 0          # nothing built yet: the newest saved scenario
pick_a = c[0].selectbox(tr("scen.left"), list(options), index=first_a, format_func=options.get, key=state.SCEN_A)
pick_b = c[1].selectbox(tr("scen.right"), list(options), index=1, format_func=options.get, key=state.SCEN_B)


def steps_of(pick: str) -> list:
    if pick == "__current__":
        return steps
    if pick == "__today__":
        return []
    found = saved_store.load(sel.county_code, pick.removeprefix("saved:"))
    return found["steps"] if found else []


with st.spinner(tr("scen.computing")):
    results = {options[p]: data.run_scenario(sig, sel.county_code, sel.year, json.dumps(steps_of(p), ensure_ascii=False))
               for p in dict.fromkeys([pick_a, pick_b])}
a_name, b_name = options[pick_a], options[pick_b]
res_a, res_b = results[a_name], results[b_name]
for entry in res_a["log"]:
    st.caption("• " + md(scenario_views.describe_log(entry, lang())))

kpi = st.columns(5)
d = scenario_views.kpi_deltas(res_a, res_b, sel.stage)
year = tr("unit.year_of", year=d["shortage_year"]) if d["shortage_year"] else tr("scen.kpi.shortage_none")
label = tr("scen.kpi.shortage_since", stage=stage_label(sel.stage), year=year, since=d["shortage_since"]) \
    if d["shortage_since"] else tr("scen.kpi.shortage", stage=stage_label(sel.stage), year=year)
kpi[0].metric(label, fmt_count(d["shortage"][0], lang(), tr("unit.seats_short")),
              delta=int(round(d["shortage"][1])), delta_color="inverse")
pp = d["beyond"][1]
kpi[1].metric(tr("scen.kpi.beyond", stage=stage_label(sel.stage)), fmt_pct(d["beyond"][0]),
              delta=pp if not pp else f"{pp:+.1f}{tr('unit.pp')}", delta_color="inverse")
kpi[2].metric(tr("scen.kpi.big"), f"{d['big'][0]}", delta=d["big"][1], delta_color="inverse")
kpi[3].metric(tr("scen.kpi.complying", stage=stage_label(sel.stage)), f"{d['complying'][0]}", delta=d["complying"][1])
kpi[4].metric(tr("scen.kpi.cost"), scenario_views.format_value("cost_one_off", d["cost_one_off"][0], lang()))
kpi[4].caption(tr("money.recurring") + " " + scenario_views.format_value("cost_recurring", d["cost_recurring"][0], lang()))

flags = scenarios.cv_flags(res_a, data.run_scenario(sig, sel.county_code, sel.year, "[]"), std)
if flags:
    with st.container(border=True):
        st.markdown(f"**{tr('scen.flags')}** · {md(a_name)}")
        for flag in flags:
            head, why = scenario_views.describe_flag(flag, dict(zip(res_a["points"]["school_id"], res_a["points"]["name"])), lang())
            st.warning(md(head) + "".join(f"\n- {md(w)}" for w in why), icon=":material/trending_up:")
        st.caption(tr("scen.flag.help"))

table = scenario_views.display_table(scenarios.compare(results, std), std, lang())
page.table(table)
page.excel_download("scen.download", lambda: {tr("scen.results"): table},
                    safe_filename("布局方案比选", sel.county_name, sel.year, suffix=".xlsx"), sel.county_code)

if "balance" in res_a:
    st.markdown(f"**{tr('scen.balance_chart')}**")
    fig = go.Figure()
    for (name, res), dash in zip(results.items(), ("solid", "dot")):
        by_year = scenarios.shortage_by_year(res)
        for stage, colour in ((contract.PRIMARY, "#0072B2"), (contract.JUNIOR, "#D55E00")):
            g = by_year[by_year["stage"] == stage]
            fig.add_trace(go.Scatter(x=g["year"], y=g["short"], name=plot_text(f"{name} · {stage_label(stage)}"),
                                     line=dict(color=colour, dash=dash, width=3 if dash == "solid" else 2)))
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(title=tr("scen.col.seats"), gridcolor="#EEEEEE", rangemode="tozero")
    st.plotly_chart(style(fig, height=320), width="stretch")

maps_cols = st.columns(2)
for col, (name, res) in zip(maps_cols, [(a_name, res_a), (b_name, res_b)]):
    with col:
        st.markdown(f"**{md(name)}** · {stage_label(sel.stage)}")
        widgets.result_map(res, data.outline(sig, sel.county_code), data.town_areas(sig, sel.county_code), sel.stage,
                           key=state.widget_key(state.SCEN_MAP, sel.county_code, name, len(steps)))
maps.legend(list(zip(SEAT_COLOURS + [BEYOND_COLOUR], [tr("scen.map_legend_ok"), tr("scen.map_legend_over"),
                                                     tr("scen.map_legend_new"), tr("scen.map_legend_beyond")])))

if "catchments" in res_a:
    st.markdown(f"**{tr('scen.catchments')}** · {md(a_name)}")
    cat = res_a["catchments"]
    cat = cat[(cat["year"] == cat["year"].max()) & (cat["stage"] == sel.stage)].sort_values("gap")
    page.table(cat[["name", "town", "seats", "demand", "gap"]].round(0).rename(columns={
        "name": tr("col.school"), "town": tr("col.town"), "seats": tr("scen.col.seats"),
        "demand": tr("scen.col.demand"), "gap": tr("scen.col.gap")}))

# ---------------------------------------------------------------- 3. save / open / delete
st.subheader(tr("scen.save"))
c = st.columns([2, 2, 1])
name = c[0].text_input(tr("scen.save_name"), key=state.SCEN_SAVE_NAME)
signed = st.session_state.get(state.ACCOUNT)            # signed in: the author is the account
author = signed.name if signed else c[1].text_input(tr("scen.author"), value=os.environ.get("USER", ""), key=state.SCEN_AUTHOR)
if c[2].button(tr("scen.save_button"), icon=":material/save:", disabled=not steps, key=state.SCEN_SAVE):
    if not name.strip():
        st.warning(tr("scen.need_name"))
    else:
        existed = name.strip() in set(saved["name"])
        version = data.meta(sig).get("version", "")
        saved_store.save(sel.county_code, name.strip(), author.strip(), sel.year, f"v{version}" if version else "", steps)
        auth.record(st.session_state.get(state.ACCOUNT), "scenario_save", sel.county_code, name.strip())
        st.session_state[state.SCEN_FLASH] = tr("scen.replaced" if existed else "scen.saved", name=md(name.strip()))
        st.rerun()
st.markdown(f"**{tr('scen.saved_list')}**")
if saved.empty:
    st.caption(tr("scen.none_saved"))
    st.stop()
page.dataframe(pd.DataFrame({tr("scen.col.name"): saved["name"], tr("scen.col.author"): saved["author"],
                           tr("scen.col.created"): saved["created_at"].map(lambda x: fmt_time(str(x), lang())),
                           tr("scen.col.base"): saved["base_year"].astype(str) + " · " + saved["base_version"].fillna(""),
                           tr("scen.col.steps"): saved["steps"].map(lambda s: len(json.loads(s)))}),
             hide_index=True, width="stretch")
c = st.columns([3, 1, 1, 1])
chosen = c[0].selectbox(tr("scen.saved_list"), saved["name"], key=state.SCEN_CHOSEN, label_visibility="collapsed")
if c[1].button(tr("scen.open_button"), icon=":material/folder_open:", key=state.SCEN_OPEN):
    found = saved_store.load(sel.county_code, chosen)
    steps[:] = found["steps"]
    message = tr("scen.opened", name=md(chosen), n=len(found["steps"]))
    if int(found["base_year"]) != sel.year:
        message += " " + tr("scen.other_base", year=found["base_year"], now=sel.year)
    st.session_state[state.SCEN_FLASH] = message
    st.rerun()
sure = c[3].checkbox(tr("scen.delete_confirm"), key=state.SCEN_DELETE_SURE)
if c[2].button(tr("scen.delete_button"), icon=":material/delete:", disabled=not sure, key=state.SCEN_DELETE):
    saved_store.delete(sel.county_code, chosen)
    auth.record(st.session_state.get(state.ACCOUNT), "scenario_delete", sel.county_code, chosen)
    st.session_state[state.SCEN_FLASH] = tr("scen.deleted", name=md(chosen))
    st.session_state.pop("scen_delete_sure", None)
    st.rerun()
