"""整改方案: the cheapest plan that passes, its cost by indicator / school / town, the teacher-exchange
alternative, and a what-if panel."""
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.report import phasing_views
from analytics.report.escape import safe_filename
from analytics.method.indicators import TEACHER_INDICATORS
from analytics.planning import rectification
from analytics.standards import indicator_codes, load_standards
from analytics.formatting import fmt_amount, fmt_count, fmt_cv, fmt_cv_line, to_wan
from ui import auth, data, page, phasing, state
from ui.charts import style
from ui.strings import indicator_label, lang, stage_label, tr

sel = page.header("plan.title")
page.require("plan")
std = load_standards(sel.county_code)
sig = data.signature()
with st.spinner(tr("app.loading")):
    view = data.plan_view(sig, sel.county_code, sel.year, lang())
if view["empty"]:
    page.no_data(sel)
    st.stop()
auth.record_once(st.session_state.get(state.ACCOUNT), "plan", sel.county_code, f"{sel.year} v{data.meta(sig).get('version', '')}")
st.caption(tr("plan.intro"))
years = view["horizon_years"]
k = st.columns(5)
k[0].metric(tr("money.one_off"), fmt_amount(view["one_off_yuan"], lang()))
k[1].metric(tr("money.recurring"), fmt_amount(view["recurring_yuan"], lang()) + tr("unit.per_year"))
k[2].metric(tr("money.cumulative", years=years), fmt_amount(view["cumulative_yuan"], lang()))
k[3].metric(tr("plan.actions_n"), view["n_actions"])
for stage in view["schools"]:
    k[4].caption(tr("plan.complying", stage=stage_label(stage), before=view["complying_before"].get(stage, 0),
                    after=view["complying_after"].get(stage, 0), total=view["schools"][stage]))
(st.success if view["passes"] else st.error)(tr("plan.after_ok" if view["passes"] else "plan.after_bad"),
                                             icon=":material/fact_check:")
items, _ = data.scorecard(sig, sel.county_code, sel.year)
uncovered = rectification.uncovered_items(items)
if uncovered:
    st.warning(tr("plan.uncovered_note", n=len(uncovered)), icon=":material/report:")

sheets = view["sheets"]
cost = view["cost_by_measure"]
if len(cost):
    # one unit on one axis: the money over the horizon, its one-off and its recurring × years parts
    fig = go.Figure([go.Bar(x=to_wan(cost["one_off_yuan"]), y=cost["label"], orientation="h", marker_color="#0072B2",
                            name=tr("money.one_off")),
                     go.Bar(x=to_wan(cost["recurring_yuan"] * years), y=cost["label"], orientation="h",
                            marker_color="#E69F00", name=tr("plan.recurring_over", years=years),
                            text=[fmt_count(v, lang(), tr("unit.yuan")) + tr("unit.per_year") if v else ""
                                  for v in cost["recurring_yuan"]], textposition="auto")])
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=tr("money.cumulative_wan", years=years))
    st.plotly_chart(style(fig, height=320, title=tr("plan.by_indicator_years", years=years)), width="stretch")
    tabs = st.tabs(list(sheets))
    for tab, (name, sheet) in zip(tabs, sheets.items()):
        with tab:
            page.table(sheet)
page.excel_download("plan.download", lambda: sheets, safe_filename("整改方案", sel.county_name, sel.year, suffix=".xlsx"),
                    sel.county_code)

st.subheader(tr("plan.uncovered"))
if uncovered:
    page.table(phasing_views.policy_frame(uncovered, std, lang()))
else:
    st.caption(tr("plan.uncovered_none"))

phasing.county_section(sel, sig, std)

st.subheader(tr("plan.cv_routes"))
st.caption(tr("plan.cv_routes_help"))
routes, moves = view["routes"], view["moves"]
if routes.empty:
    st.caption(tr("plan.cv_routes_none"))
else:
    page.table(routes)
if not moves.empty:
    st.markdown(f"**{tr('plan.route_moves')}**")
    page.table(moves)
if view["alternatives"]:
    st.markdown(f"**{tr('plan.alternatives')}**")
for alt in view["alternatives"]:
    st.markdown(f"**{stage_label(alt['stage'])} · {indicator_label(alt['indicator'])}**：{alt['moves']} · "
                f"{fmt_count(alt['recurring_yuan'], lang(), tr('unit.yuan'))}{tr('unit.per_year')} · {tr('col.cv')} {fmt_cv(alt['cv_after'])} "
                f"{tr('status.pass' if alt['passes'] else 'status.fail')}")

st.subheader(tr("plan.whatif"))
st.caption(tr("plan.whatif_help"))
names = view["names"].get(sel.stage, {})
c = st.columns(5)
kind = c[0].radio(tr("plan.whatif_kind"), ["move", "add"], format_func=lambda x: tr(f"plan.whatif_{x}"), key=state.WI_KIND)
codes = list(TEACHER_INDICATORS) if kind == "move" else indicator_codes(std)
code = c[1].selectbox(tr("plan.whatif_indicator"), codes, format_func=lambda x: indicator_label(x, short=True), key=state.WI_CODE)


def pick(column, label: str, key: str, town_key: str, index: int = 0):
    """A school of the 学段 — from one town first when there are thousands (a box of 6,000 names is slow
    to draw and of no use)."""
    shown = names
    if len(names) > page.PICK_MAX:
        towns = sorted({str(view["towns"].get(s, "")) for s in names})
        town = column.selectbox(tr("col.town"), towns, key=town_key)
        shown = {s: n for s, n in names.items() if str(view["towns"].get(s, "")) == town}
    return column.selectbox(label, list(shown), format_func=shown.get, key=key, index=min(index, len(shown) - 1))


source = pick(c[2], tr("plan.whatif_from"), state.WI_FROM, state.WI_TOWN_FROM) if kind == "move" else None
target = pick(c[3], tr("plan.whatif_to"), state.WI_TO, state.WI_TOWN_TO, index=1)
amount = c[4].number_input(f"{tr('plan.whatif_n')}（{rectification.UNITS[code][0]}）", min_value=0.0, value=1.0, key=state.WI_N)
if amount > 0 and target:
    act = rectification.Action(target, sel.stage, code, float(amount), rectification.UNITS[code][0], 0.0, "move" if source else "school",
                          source_school=source)
    result = data.what_if(sig, sel.county_code, sel.year, (act,))
    cv = result["cv"][result["cv"]["stage"] == sel.stage]
    page.dataframe(pd.DataFrame({tr("col.indicator"): cv["indicator"].map(indicator_label),
                               tr("plan.cv_before"): cv["cv_before"].map(fmt_cv), tr("plan.cv_after"): cv["cv_after"].map(fmt_cv),
                               tr("col.threshold"): cv["threshold"].map(lambda x: fmt_cv_line(x, spaced=True)),
                               tr("col.status"): cv["passed"].map(lambda p: tr("status.pass" if p else "status.fail"))}),
                 hide_index=True, width="stretch")
    st.caption(tr("plan.complying", stage=stage_label(sel.stage), before=result["complying_before"].get(sel.stage, 0),
                  after=result["complying_after"].get(sel.stage, 0), total=result["schools"].get(sel.stage, 0)))
