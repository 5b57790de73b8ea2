"""区县比较: every county of the selected county's city (or the province) judged by its own scorecard — the
verdict, standing (已达标 / 接近 / 较远) and failing items over every item of the standard, the resource part
as numbers with near-line values flagged, the map of the verdicts, the roll-up by city, what changed since
last year, small multiples; open a county from here."""
import streamlit as st

from analytics.geo.mapping import STANDING_COLOURS, STATUS_COLOURS, county_at, county_fills, drawable_counties, standing_fills
from analytics.geo.regions import city_code_of
from analytics.io.export import to_excel_bytes
from analytics.report import comparison
from analytics.report.comparison import distance_table, format_value, item_name, peer_label
from analytics.report.escape import markdown_text, safe_filename
from analytics.formatting import fmt_money_split, fmt_pct
from analytics.planning import rectification
from analytics.standards import load_standards, settings_section
from ui import auth, charts, data, maps, page, phasing, region as view, state
from ui.strings import indicator_label, lang, stage_label, tr, year_label


sel = page.header("compare.title", needs_county=False)
rule = settings_section("compare")
st.caption(tr("compare.help"))
sig = data.signature()
if sel.county_code:                     # a county's page: compare within its city or its province
    levels = {level: data.region_of(sig, sel.county_code, level) for level in ("city", "province")}
    levels = {level: found for level, found in levels.items() if data.allowed(found[0])}   # only what it may read
    if not levels:                      # an account of one or a few counties: the other counties are not its to see
        st.info(tr("compare.outside_scope", county=markdown_text(sel.county_name),
                   scope=markdown_text("、".join(st.session_state[state.ACCOUNT].scope))), icon=":material/info:")
        st.page_link("app_pages/scorecard.py", label=tr("nav.scorecard"), icon=":material/fact_check:")
        st.stop()
    level = st.radio(tr("compare.level"), list(levels), horizontal=True, key=state.COMPARE_LEVEL,
                     format_func=lambda k: tr(f"compare.level.{k}", name=levels[k][1]))
    region, region_name = levels[level]
else:                                   # the sidebar's city or province
    region, region_name = sel.region_code, sel.region_name
now = view.verdicts(sig, region, sel.year)
if now["counties"].empty:
    page.no_data(sel)
    st.stop()
long = data.compare(sig, region, sel.year)
peers = dict(data.county_facts(sig, region, sel.year)[["county_code", "peer"]].values)
peer = st.selectbox(tr("compare.peer"), [""] + sorted(set(peers.values())), key=state.COMPARE_PEER, help=tr("compare.peer_help"),
                    format_func=lambda g: peer_label(g, lang()) if g else tr("compare.peer.all"))
if peer:                                 # a fair comparison: the counties of one peer group only
    now = view.only(now, {c for c, g in peers.items() if g == peer})
counties, items = now["counties"], now["items"]
labels = dict(zip(counties["county_code"], counties["label"]))
long = long[long["county_code"].isin(labels)].assign(county_name=lambda d: d["county_code"].map(labels))

n = comparison.standing_counts(counties)
st.markdown("**" + tr("compare.summary_full", region=markdown_text(region_name), year=year_label(sel.year), n=len(counties),
                      passed=n["pass"], close=n["close"], far=n["far"], unknown=n["unknown"]) + "**")
margin = fmt_pct(rule["close_margin"], 0)
st.caption(tr("standing.rule", items=rule["close_max_items"], margin=margin, schools=rule["close_max_schools"]))

st.subheader(tr("compare.verdicts"))
verdict_rows = comparison.verdict_table(counties, lang(), peers)
page.dataframe(verdict_rows, hide_index=True, width="stretch", height=min(560, 38 + 35 * len(verdict_rows)))

st.subheader(tr("compare.resource_part"))
st.caption(tr("compare.part_note", n=int(counties["n_items"].max()), margin=margin))
table, marks = comparison.resource_table(counties, items, lang(), peers)
resource = items[items["part"] == "resource"]
lines = {item_name(c, s, lang()): (None if c == "R8" else float(t_)) for c, s, t_ in
         zip(resource["code"], resource["stage"], resource["threshold"])}
page.dataframe(view.styled(table, marks, lines), hide_index=True, width="stretch", height=min(560, 38 + 35 * len(table)))
before = view.verdicts(sig, region, sel.year - 1)
before = view.only(before, set(labels)) if len(before["counties"]) else None


def workbook() -> bytes:
    meta = data.meta(sig)
    header = comparison.header_lines(region_name, sel.year, meta, int(counties["is_demo"].sum()), lang())
    return to_excel_bytes(comparison.region_sheets(now, before, lang(), peers), header)


page.excel_download("download.excel", workbook, safe_filename("区县比较", region_name, sel.year, suffix=".xlsx"), region)

if counties["city_code"].nunique() > 1:                 # a province: the roll-up by city
    st.subheader(tr("compare.cities"))
    roll = comparison.city_rollup(counties, items, lang())
    page.dataframe(roll, hide_index=True, width="stretch", column_config={
        tr("compare.city.col.schools"): st.column_config.NumberColumn(format="percent")})

st.subheader(tr("compare.map"))
layer = st.radio(tr("compare.map_layer"), ["standing", "measure"], horizontal=True, key=state.COMPARE_MAP_LAYER,
                 format_func=lambda k: tr(f"compare.map_layer.{k}"))
measures = list(long["indicator"].unique())
if layer == "standing":
    fills = standing_fills(counties)
    tips = {c: f"{labels[c]}：{tr('standing.' + f['status'])}（{tr('compare.col.n_fail')} {f['value']}）" for c, f in fills.items()}
    legend = [(STANDING_COLOURS[s], tr(f"standing.{s}")) for s in comparison.STANDINGS]
    map_key, note = "standing", tr("compare.standing_help")
else:
    failing = set(long.loc[(long["stage"] == sel.stage) & (long["passed"] == False), "indicator"])  # noqa: E712
    state.init_choice(state.COMPARE_MEASURE, measures, next((c for c in measures if c in failing), measures[0]))
    measure = st.selectbox(tr("compare.measure"), measures, key=state.COMPARE_MEASURE,
                           format_func=lambda c: tr("compare.r8") if c == "R8" else indicator_label(c))
    st.query_params[state.COMPARE_MEASURE] = measure       # a link keeps the measure: ?region=3209&measure=L2
    fills = county_fills(long, measure, sel.stage)
    line = dict(zip(long["indicator"], long["threshold"])).get(measure)
    tips = {c: f"{labels.get(c, c)}：{format_value(measure, f['value'], line)}（{tr('compare.verdict.' + f['status'])}）"
            for c, f in fills.items()}
    legend = [(STATUS_COLOURS[s], tr(f"compare.verdict.{s}")) for s in ("pass", "fail", "unknown")]
    map_key, note = measure, tr("compare.map_help")
outlines = data.region_outlines(sig, region)
cities = dict(zip(counties["county_code"], counties["city_code"].fillna("")))
clicked = None
if not drawable_counties(outlines, fills):                  # no county to draw: no empty map to wait for
    st.info(tr("compare.no_outlines"), icon=":material/map:")
else:
    clicked = maps.show(maps.county_map(outlines, fills, tips, names=labels, groups=cities),
                        key=state.widget_key(state.COMPARE_MAP, region, map_key), height=520, clicks=True)
    maps.legend(legend, note=note)
click = (clicked or {}).get("last_object_clicked") or {}
picked = county_at(outlines, click.get("lng"), click.get("lat"))
if picked in labels:
    st.session_state[state.COMPARE_OPEN] = picked                 # a click on the map chooses the county below
c1, c2 = st.columns([2, 1])
target = c1.selectbox(tr("compare.open"), list(labels), format_func=lambda c: labels[c] or c, key=state.COMPARE_OPEN)
if c2.button(tr("compare.open_button"), on_click=state.open_county, args=(target, city_code_of(target)), icon=":material/open_in_new:",
             key=state.COMPARE_OPEN_BUTTON):
    st.switch_page("app_pages/overview.py")

st.subheader(tr("compare.changes"))
if before is None or before["counties"].empty:
    st.caption(tr("compare.no_previous", year=year_label(sel.year - 1)))
else:
    moved = comparison.changes(now, before, lang())
    if moved.empty:
        st.caption(tr("compare.change.none"))
    else:
        page.dataframe(moved, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(moved)))
    st.markdown("**" + tr("compare.directions") + "**")
    st.markdown("\n".join("- " + comparison.direction_words(r, lang())
                          for _, r in comparison.directions(items, before["items"]).iterrows()))
    previous = data.compare(sig, region, sel.year - 1)
    previous = previous[previous["county_code"].isin(labels)].assign(county_name=lambda d: d["county_code"].map(labels))
    slope_measure = st.session_state.get(state.COMPARE_MEASURE) if layer == "measure" else None
    slope_measure = slope_measure or comparison.most_crossed(long, previous, sel.stage) or measures[0]
    st.plotly_chart(charts.county_slopes(long, previous, slope_measure, sel.stage, sel.year), width="stretch")
    st.caption(tr("compare.slopes_highlight"))

st.subheader(tr("compare.multiples"))
top = int(rule["multiples_top"])
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
    shown = plans["counties"][plans["counties"]["county_code"].isin(set(labels))]
    money = fmt_money_split(rectification.combined_totals(shown.to_dict("records")), lang())
    st.markdown(tr("compare.plans_resource", n=len(shown), total=markdown_text(money),
                   resource=int(shown["passes_after"].sum()), whole=int(shown["passes_whole_after"].sum())))
    routes = plans["routes"][plans["routes"]["county_code"].isin(set(labels))]
    page.table(distance_table(routes.assign(county_name=routes["county_code"].map(labels)), lang()))

phasing.region_section(sig, region, sel.year, load_standards(region[:2]), labels)

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
page.briefing_downloads(st.session_state.get(state.REGION_BRIEFING_FILES), region)
