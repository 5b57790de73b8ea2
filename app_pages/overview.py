"""总览: would the county pass, which indicators fail, how many schools comply, what changed."""
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics.report.comparison import failing_by_part
from analytics.report.escape import markdown_text, safe_filename
from analytics.standards import load_standards
from analytics.formatting import fmt_cv, fmt_cv_line, fmt_cv_near, fmt_pct, fmt_signed
from analytics.method.scorecard import resource_verdicts, verdict_key
from ui import auth, charts, data, page, state
from ui.strings import indicator_label, lang, stage_label, tr

sel = page.header("overview.title")
with st.spinner(tr("app.loading")):
    ov = data.overview(data.signature(), sel.county_code, sel.year)
    items, verdict = data.scorecard(data.signature(), sel.county_code, sel.year)
cv = ov["cv"]
if cv.empty:
    page.no_data(sel)
    st.stop()

# the county's verdict first, as 达标评估 gives it
box = {"pass": st.success, "fail": st.error, "unknown": st.warning}[verdict["status"]]
box(tr(verdict_key(verdict), n=len(verdict["failing"]), m=len(verdict["unknown"])), icon=":material/gavel:")
std = load_standards(sel.county_code)
for status, key in (("fail", "overview.failing_items"), ("unknown", "overview.unknown_items")):
    groups = failing_by_part(items, std, lang(), status)
    if groups:                               # every item the verdict names, not only the two 学段 cards' part
        with st.expander(tr(key, n=sum(len(w) for _, w in groups)), expanded=status == "fail"):
            st.markdown("\n".join(f"- **{tr('part.' + part)}**：" + "；".join(markdown_text(w) for w in words)
                                   for part, words in groups))
stages = list(dict.fromkeys(cv["stage"]))
verdicts = pd.DataFrame.from_dict(resource_verdicts(items, stages), orient="index")
summary = ov["compliance_summary"].set_index("stage") if len(ov["compliance_summary"]) else None

for column, stage in zip(st.columns(len(stages)), stages):
    with column.container(border=True):
        v = verdicts.loc[stage]
        if v["status"] == "pass":
            st.success(tr("overview.verdict_pass", stage=stage_label(stage)), icon=":material/check_circle:")
        elif v["status"] == "fail":
            failing = "、".join(tr("overview.r8_short") if c == "R8" else indicator_label(c, short=True) for c in v["failing"])
            st.error(tr("overview.verdict_fail", stage=stage_label(stage), n=len(v["failing"]), items=failing),
                     icon=":material/cancel:")
        else:
            st.warning(tr("overview.verdict_unknown", stage=stage_label(stage)), icon=":material/help:")
        a, b = st.columns(2)
        if summary is not None and stage in summary.index:
            s = summary.loc[stage]
            a.metric(tr("overview.compliance"), tr("overview.compliance_value", passed=int(s["pass"]),
                     total=int(s["schools"])), delta=fmt_pct(s["pass_share"]), delta_color="off",
                     delta_arrow="off", help=tr("overview.compliance_help"))
        b.metric(tr("overview.students_in_scope"), page.count(ov["students_in_scope"].get(stage, 0), "unit.persons"))
        st.caption(tr("overview.composite_note", value=fmt_cv(ov["composite"].get(stage))))
        st.plotly_chart(charts.cv_bars(cv, stage), width="stretch", key=state.widget_key(state.CV_CHART, stage))

st.subheader(tr("overview.change"))
prev = ov["cv_previous"]
if prev.empty:
    st.caption(tr("overview.no_previous"))
else:
    cols = st.columns(len(stages))
    for column, stage in zip(cols, stages):
        column.plotly_chart(charts.cv_trend(cv, prev, stage, sel.year), width="stretch",
                            key=state.widget_key(state.TREND_CHART, stage))
    merged = ov["cv_change"]
    table = merged.assign(
        **{tr("col.stage"): merged["stage"].map(stage_label),
           tr("col.indicator"): merged["indicator"].map(indicator_label),
           tr("col.cv"): [fmt_cv_near(v, line) for v, line in zip(merged["cv"], merged["threshold"])],
           tr("col.change"): merged["change"].map(fmt_signed),
           tr("col.threshold"): merged["threshold"].map(lambda x: fmt_cv_line(x, spaced=True)),
           tr("col.status"): merged["passed"].map(lambda p: "" if p is None else tr("status.pass" if p else "status.fail"))})
    page.dataframe(table.iloc[:, -6:], hide_index=True, width="stretch")

st.subheader(tr("overview.worst_gaps"))
gaps = ov["gaps"].dropna(subset=["ratio"]).head(5)
for r in gaps.itertuples():
    st.markdown("- " + stage_label(r.stage) + " · " + tr(
        "overview.gap_line", indicator=indicator_label(r.indicator), high=tr(f"group.{r.high_group}"),
        low=tr(f"group.{r.low_group}"), ratio=f"{r.ratio:.2f}"))

st.divider()
if st.button(tr("briefing.button"), icon=":material/description:"):
    import tempfile

    from analytics.report import briefing
    with st.spinner(tr("app.loading")):
        out = Path(tempfile.mkdtemp(prefix="briefing-")) / safe_filename(f"{sel.county_name}{sel.year}学年优质均衡情况汇报",
                                                                           suffix=".docx")
        result = briefing.build(data.store(), sel.county_code, sel.year, out, pdf=True, pptx=True)
    st.session_state[state.BRIEFING_FILES] = result
    auth.record(st.session_state.get(state.ACCOUNT), "briefing", sel.county_code, f"{out.name} {sel.year}")
page.briefing_downloads(st.session_state.get(state.BRIEFING_FILES), sel.county_code)
