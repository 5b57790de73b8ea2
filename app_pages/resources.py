"""资源配置与差异系数: CV table and chart, school × indicator grid, schools that pull a CV up."""
import pandas as pd
import streamlit as st

from analytics.report.escape import safe_filename
from analytics.standards import indicator_codes, load_standards
from analytics.method.labels import school_labels
from analytics.formatting import fmt_cv_line, fmt_cv_near, fmt_indicator, fmt_pct
from ui import charts, data, page, state
from ui.strings import indicator_label, lang, stage_label, tr, tr_codes

sel = page.header("resources.title")
with st.spinner(tr("app.loading")):
    res = data.resources(data.signature(), sel.county_code, sel.year)
cv = res["cv"]
cv_stage = cv[cv["stage"] == sel.stage]
if cv_stage.empty:
    page.no_data(sel, sel.stage)
    st.stop()
std = load_standards(sel.county_code)
codes = indicator_codes(std)
st.caption(tr("resources.formula"))

left, right = st.container(), st.container()
with left:
    st.subheader(tr("resources.cv_table"))
    table = cv_stage.assign(**{
        tr("col.indicator"): cv_stage["indicator"].map(indicator_label),
        tr("col.mean"): [fmt_indicator(c, m, lang()) for c, m in
                         zip(cv_stage["indicator"], cv_stage["mean"])],
        tr("col.sd"): [fmt_indicator(c, s, lang()) for c, s in
                       zip(cv_stage["indicator"], cv_stage["sd"])],
        tr("col.cv"): [fmt_cv_near(v, line) for v, line in zip(cv_stage["cv"], cv_stage["threshold"])],
        tr("col.threshold"): cv_stage["threshold"].map(lambda x: fmt_cv_line(x, spaced=True)),
        tr("col.status"): cv_stage["status"].map(lambda s: tr(f"status.{s}")),
        tr("score.coverage"): [tr("score.coverage_value", complete=n - len(m), total=n)
                               for n, m in zip(cv_stage["n_scope"], cv_stage["missing"])],
    }).iloc[:, -7:]
    page.dataframe(table, hide_index=True, width="stretch")
    excel = pd.DataFrame({                 # the Excel: numbers as numbers, unit and result in their own columns
        tr("col.indicator"): cv_stage["indicator"].map(indicator_label).values,
        tr("col.unit"): [tr(f"unit.{c}") for c in cv_stage["indicator"]],
        tr("col.mean"): pd.to_numeric(cv_stage["mean"], errors="coerce").values,
        tr("col.sd"): pd.to_numeric(cv_stage["sd"], errors="coerce").values,
        tr("col.cv"): pd.to_numeric(cv_stage["cv"], errors="coerce").values,
        tr("col.threshold"): pd.to_numeric(cv_stage["threshold"], errors="coerce").values,
        tr("col.status"): cv_stage["status"].map(lambda s: tr(f"status.{s}")).values,
        tr("col.schools_complete"): [int(n - len(m)) for n, m in zip(cv_stage["n_scope"], cv_stage["missing"])],
        tr("col.schools_in_scope"): cv_stage["n_scope"].astype(int).values})
    page.excel_download("download.excel", lambda: {tr("resources.cv_table"): excel},
                        safe_filename("差异系数", sel.county_name, sel.year, sel.stage, suffix=".xlsx"), sel.county_code)
with right:
    st.plotly_chart(charts.cv_bars(cv, sel.stage), width="stretch")

st.subheader(tr("resources.grid"))
st.caption(tr("resources.grid_help"))
comp = res["compliance"]
comp = comp[(comp["stage"] == sel.stage) & comp["in_scope"]]
st.plotly_chart(charts.compliance_grid(comp, page.GRID_ROWS), width="stretch")
if len(comp) > page.GRID_ROWS:
    st.caption(tr("resources.grid_capped", shown=page.GRID_ROWS, total=f"{len(comp):,}"))


def grid_table() -> pd.DataFrame:
    """Every school of the grid with its ratios (built when downloaded: 10,000 rows at province scale)."""
    return pd.DataFrame({tr("col.school_id"): comp["school_id"], tr("col.school"): comp["name"],
                         tr("col.town"): comp["town"], tr("col.met_count"): comp["met_count"],
                         tr("col.status"): tr_codes(comp["status"], "status."),
                         **{f"{indicator_label(c, short=True)}（{tr('col.ratio_of_line')}）": comp[f"ratio_{c}"].astype(float)
                            for c in codes}})


page.excel_download("download.excel", lambda: {tr("resources.grid"): grid_table()},
                    safe_filename("学校达标", sel.county_name, sel.year, sel.stage, suffix=".xlsx"), sel.county_code,
                    key=state.GRID_XLSX)

st.subheader(tr("resources.pullers"))
st.caption(tr("resources.pullers_help"))
code = st.selectbox(tr("resources.choose_indicator"), codes, format_func=indicator_label,
                    index=codes.index(cv_stage.nlargest(1, "cv")["indicator"].iloc[0]))
shares = res["variance_shares"]
shares = shares[(shares["stage"] == sel.stage) & (shares["indicator"] == code)]
c1, c2 = st.columns([3, 2])
c1.plotly_chart(charts.variance_share_bars(shares), width="stretch")
top = shares.nlargest(12, "share")
c2.dataframe(top.assign(**{
    tr("col.school"): school_labels(top["school_id"], top["name"], top["town"]),
    tr("col.value"): top["value"].map(lambda v: fmt_indicator(code, v, lang())),
    tr("col.students"): top["students"].astype(int), tr("col.share"): top["share"].map(fmt_pct),
    tr("col.direction"): top["above_mean"].map(lambda a: tr("col.above" if a else "col.below"))}).iloc[:, -5:],
    hide_index=True, width="stretch")
st.caption(stage_label(sel.stage))
