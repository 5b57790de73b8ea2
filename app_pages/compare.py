"""区县比较: every county of the selected county's city (or province) side by side — the seven CVs and
school compliance per 学段, each county's verdict, small multiples of the CVs; open a county from here."""
import streamlit as st

from analytics.geo.regions import city_code_of
from analytics.geo.mapping import STATUS_COLOURS, county_at, county_fills, drawable_counties
from analytics.report.comparison import county_verdicts, distance_table, format_value, peer_label, wide_table
from analytics.report.formatting import fmt_count
from analytics.standards import settings_section
from analytics.report.escape import markdown_text, safe_filename
from ui import auth, charts, data, maps, page, state
from ui.strings import indicator_label, lang, stage_label, tr, year_label


sel = page.header("compare.title", needs_county=False)
compare_settings = settings_section("compare")
st.caption(tr("compare.help"))
sig = data.signature()
if sel.county_code:                     # a county's page: compare within its city or its province
    levels = {level: data.region_of(sig, sel.county_code, level) for level in ("city", "province")}
    level = st.radio(tr("compare.level"), list(levels), horizontal=True, key=state.COMPARE_LEVEL,
                     format_func=lambda k: tr(f"compare.level.{k}", name=levels[k][1]))
    region, region_name = levels[level]
else:                                   # the sidebar's city or province
    region, region_name = sel.region_code, sel.region_name
with st.spinner(tr("app.loading")):
    long = data.compare(sig, region, sel.year)
if long.empty:
    page.no_data(sel)
    st.stop()
peers = dict(data.county_facts(sig, region, sel.year)[["county_code", "peer"]].values)
groups = sorted(set(peers.values()))
peer = st.selectbox(tr("compare.peer"), [""] + groups, key=state.COMPARE_PEER, help=tr("compare.peer_help"),
                    format_func=lambda g: peer_label(g, lang()) if g else tr("compare.peer.all"))
if peer:                                 # a fair comparison: the counties of one peer group only
    long = long[long["county_code"].map(peers) == peer]
verdicts = county_verdicts(long)
counts = verdicts["status"].value_counts()
st.markdown("**" + tr("compare.summary", region=markdown_text(region_name), year=year_label(sel.year),
                      n=len(verdicts), passed=int(counts.get("pass", 0)), failed=int(counts.get("fail", 0)),
                      unknown=int(counts.get("unknown", 0))) + "**")
table = data.compare_table(sig, region, sel.year, peer, lang())
st.dataframe(table, hide_index=True, width="stretch", height=min(640, 38 + 35 * len(table)))
page.excel_download("download.excel", lambda: {tr("compare.title"): wide_table(long, "zh", peers)},
                    safe_filename("区县比较", region_name, sel.year, suffix=".xlsx"), region)

st.subheader(tr("compare.map"))
measures = list(long["indicator"].unique())
failing = set(long.loc[(long["stage"] == sel.stage) & (long["passed"] == False), "indicator"])  # noqa: E712
state.init_choice(state.COMPARE_MEASURE, measures, next((c for c in measures if c in failing), measures[0]))
measure = st.selectbox(tr("compare.measure"), measures, key=state.COMPARE_MEASURE,
                       format_func=lambda c: tr("compare.r8") if c == "R8" else indicator_label(c))
st.query_params[state.COMPARE_MEASURE] = measure           # a link keeps the measure: ?region=3209&measure=L2
fills = county_fills(long, measure, sel.stage)
names = dict(zip(verdicts["county_code"], verdicts["county_name"]))
labels = {c: f"{names.get(c) or c}：{format_value(measure, f['value'])}（{tr('compare.verdict.' + f['status'])}）"
          for c, f in fills.items()}
outlines = data.region_outlines(sig, region)
clicked = None
if not drawable_counties(outlines, fills):                  # no county to draw: no empty map to wait for
    st.info(tr("compare.no_outlines"), icon=":material/map:")
else:
    clicked = maps.show(maps.county_map(outlines, fills, labels), key=state.widget_key(state.COMPARE_MAP, region, measure),
                        height=460, clicks=True)
    maps.legend([(STATUS_COLOURS[s], tr(f"compare.verdict.{s}")) for s in ("pass", "fail", "unknown")],
                note=tr("compare.map_help"))
click = (clicked or {}).get("last_object_clicked") or {}
picked = county_at(outlines, click.get("lng"), click.get("lat"))
if picked in names:
    st.session_state[state.COMPARE_OPEN] = picked                 # a click on the map chooses the county below
c1, c2 = st.columns([2, 1])
target = c1.selectbox(tr("compare.open"), list(names), format_func=lambda c: names[c] or c, key=state.COMPARE_OPEN)
if c2.button(tr("compare.open_button"), on_click=state.open_county, args=(target, city_code_of(target)), icon=":material/open_in_new:",
             key=state.COMPARE_OPEN_BUTTON):
    st.switch_page("app_pages/overview.py")

st.subheader(tr("compare.slopes"))
before = data.compare(sig, region, sel.year - 1)
before = before[before["county_code"].isin(set(long["county_code"]))]
if before.empty:
    st.caption(tr("compare.no_previous", year=year_label(sel.year - 1)))
else:
    st.plotly_chart(charts.county_slopes(long, before, measure, sel.stage, sel.year), width="stretch")


st.subheader(tr("compare.multiples"))
top = int(compare_settings["multiples_top"])
st.plotly_chart(charts.county_multiples(long, sel.stage, top), width="stretch")
st.caption(stage_label(sel.stage) + ("" if long["county_code"].nunique() <= top else "；" + tr("compare.multiples_top", n=top)))

st.subheader(tr("compare.plans"))
st.caption(tr("compare.plans_help"))
plans_key = state.widget_key(state.COMPARE_PLANS, region, sel.year)
if st.button(tr("compare.plans_run"), icon=":material/calculate:", key=state.COMPARE_PLANS_RUN) or st.session_state.get(plans_key):
    bar = st.progress(0.0)
    plans = data.region_plans(sig, region, sel.year, _progress=lambda done, total, name: bar.progress(
        done / total, text=tr("compare.plans_progress", county=markdown_text(name or ""), done=done, total=total)))
    bar.empty()
    st.session_state[plans_key] = True
    shown = plans["counties"][plans["counties"]["county_code"].isin(set(long["county_code"]))]
    st.markdown(tr("compare.plans_total", n=len(shown), total=fmt_count(shown["total_cost_yuan"].sum(), lang(), tr("unit.元")),
                   passes=int(shown["passes_after"].sum())))
    routes = plans["routes"][plans["routes"]["county_code"].isin(set(long["county_code"]))]
    page.table(distance_table(routes, lang()))

if st.button(tr("compare.briefing"), icon=":material/description:", key=state.COMPARE_BRIEFING):
    import tempfile
    from pathlib import Path

    from analytics.report import region_briefing
    bar = st.progress(0.0)
    out = Path(tempfile.mkdtemp(prefix="briefing-")) / safe_filename(f"{region_name}{sel.year}学年区县比较汇报", suffix=".docx")
    st.session_state[state.REGION_BRIEFING_FILES] = region_briefing.build(
        data.store(), region, sel.year, out, pdf=True, progress=lambda done, total, name: bar.progress(
            done / total, text=tr("compare.plans_progress", county=markdown_text(name or ""), done=done, total=total)))
    bar.empty()
    auth.record(st.session_state.get(state.ACCOUNT), "briefing", region, f"{out.name} {sel.year}")
page.briefing_downloads(st.session_state.get(state.REGION_BRIEFING_FILES))
