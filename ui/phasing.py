"""The 分年度计划 sections: a county's plan year by year under a budget (整改方案) and a region's pass years
(区县比较). Inputs in a form, the computation behind a progress bar, everything drawn from
:mod:`analytics.report.phasing_views`."""
from __future__ import annotations

import streamlit as st

from analytics.planning.phasing import pass_timeline, phasing_rules
from analytics.report import phasing_views as pv
from analytics.report.escape import markdown_text, safe_filename
from analytics.standards import Standards
from ui import data, page, state
from ui.charts import style
from ui.strings import lang, tr


def county_section(sel, sig: tuple, std: Standards) -> None:
    """整改方案 › 分年度计划 for the selected county-year: two budgets side by side."""
    st.subheader(tr("phase.title"))
    st.caption(tr("phase.intro"))
    rules = phasing_rules(std)
    with st.form(state.PHASE_FORM):
        c = st.columns(4)
        budget = c[0].number_input(tr("phase.budget"), min_value=0.0, step=500.0, key=state.PHASE_BUDGET,
                                   value=float(rules["default_budget_wan"]))
        budget_b = c[1].number_input(tr("phase.budget_b"), min_value=0.0, step=500.0, key=state.PHASE_BUDGET_B,
                                     value=float(rules["default_compare_budget_wan"]))
        cap = c[2].number_input(tr("phase.recurring_cap"), min_value=0.0, step=500.0, key=state.PHASE_CAP,
                                value=float(rules["default_recurring_cap_wan"]))
        hires = c[3].number_input(tr("phase.hires"), min_value=0, step=10, key=state.PHASE_HIRES,
                                  value=int(rules["default_hires_per_year"]))
        d = st.columns(4)
        horizon = d[0].number_input(tr("phase.horizon"), min_value=1, max_value=15, key=state.PHASE_HORIZON,
                                    value=int(std["planning"]["plan_horizon_years"]))
        start = d[1].number_input(tr("phase.start"), min_value=int(sel.year), max_value=int(sel.year) + 10,
                                  key=state.PHASE_START, value=int(sel.year) + 1)
        lead = d[2].number_input(tr("phase.lead"), min_value=0, max_value=6, key=state.PHASE_LEAD,
                                 value=int(rules["lead_years"]))
        if d[3].form_submit_button(tr("phase.run"), icon=":material/calendar_month:"):
            st.session_state[state.PHASE_RUN] = {"budgets": [b for b in (budget, budget_b) if b > 0],
                                                 "recurring_cap_wan": cap, "hires_per_year": int(hires),
                                                 "horizon": int(horizon), "start": int(start), "lead_years": int(lead)}
    run = st.session_state.get(state.PHASE_RUN)
    if not run or not run["budgets"]:
        return
    bar = st.progress(0.0, text=tr("phase.running"))
    plans = []
    common = {k: v for k, v in run.items() if k != "budgets"}
    for k, b in enumerate(run["budgets"]):
        plans.append(data.phased_plan(sig, sel.county_code, sel.year, tuple(sorted({**common, "budget_wan": b}.items()))))
        bar.progress((k + 1) / len(run["budgets"]), text=tr("phase.running"))
    bar.empty()
    if not plans[0]:
        page.no_data(sel)
        return
    main = plans[0]
    (st.success if main["pass_year"] is not None else st.warning)(markdown_text(pv.phased_sentence(main, lang())),
                                                                 icon=":material/event_available:")
    st.caption(tr(f"phase.method.{main['method']}") + tr("punct.clause") + tr("phase.jobs_n", n=main["jobs"]))
    st.plotly_chart(style(pv.phased_chart(main, lang()), height=360, title=tr("phase.chart")), width="stretch")
    page.table(pv.year_frame(main, lang()))
    if len(plans) > 1:
        st.markdown(f"**{tr('phase.compare_title')}**")
        cols = st.columns(len(plans))
        for col, p in zip(cols, plans):
            with col:
                (st.success if p["pass_year"] is not None else st.warning)(markdown_text(pv.phased_sentence(p, lang())))
                st.plotly_chart(style(pv.phased_chart(p, lang()), height=300), width="stretch")
    with st.expander(tr("phase.items_title")):
        page.table(pv.status_frame(main, lang()))
    with st.expander(tr("phase.jobs_title")):
        page.table(pv.job_frame(main, std, lang()))
    if main["policy_items"]:
        st.markdown(f"**{tr('phase.policy_title')}**")
        page.table(pv.policy_frame(main["policy_items"], std, lang()))
    page.excel_download("phase.download", lambda: pv.phased_sheets(main, std, lang()),
                        safe_filename("分年度计划", sel.county_name, sel.year, suffix=".xlsx"), sel.county_code,
                        key=state.PHASE_DOWNLOAD)


def region_section(sig: tuple, region: str, year: int, std: Standards, labels: dict) -> None:
    """区县比较 › 各区县分年度达标测算: each county's pass year under the same limits and the timeline."""
    st.subheader(tr("phase.region_title"))
    st.caption(tr("phase.region_intro"))
    rules = phasing_rules(std)
    c = st.columns(4)
    budget = c[0].number_input(tr("phase.budget"), min_value=0.0, step=500.0, key=state.widget_key(state.PHASE_BUDGET, "region"),
                               value=float(rules["default_budget_wan"]))
    cap = c[1].number_input(tr("phase.recurring_cap"), min_value=0.0, step=500.0,
                            key=state.widget_key(state.PHASE_CAP, "region"), value=float(rules["default_recurring_cap_wan"]))
    hires = c[2].number_input(tr("phase.hires"), min_value=0, step=10, key=state.widget_key(state.PHASE_HIRES, "region"),
                              value=int(rules["default_hires_per_year"]))
    inputs = tuple(sorted({"budget_wan": budget, "recurring_cap_wan": cap, "hires_per_year": int(hires)}.items()))
    kept = state.widget_key(state.PHASE_REGION, region, year, *[v for _, v in inputs])
    if not (c[3].button(tr("phase.region_run"), icon=":material/calculate:", key=state.PHASE_REGION_RUN)
            or st.session_state.get(kept)):
        return
    bar = st.progress(0.0)
    out = data.region_phases(sig, region, year, inputs, _progress=lambda done, total, name: bar.progress(
        done / total, text=tr("compare.plans_progress", county=markdown_text(name or ""), done=done, total=total)))
    bar.empty()
    st.session_state[kept] = True
    counties = out["counties"][out["counties"]["county_code"].isin(set(labels))]
    shown = {"counties": counties, "timeline": pass_timeline(counties["pass_year"], out["timeline"]["year"])}
    st.plotly_chart(style(pv.timeline_chart(shown, lang()), height=320, title=tr("phase.timeline")), width="stretch")
    frame = pv.region_frame(shown, lang())
    page.table(frame)
    page.excel_download("phase.download", lambda: {tr("phase.region_title"): frame},
                        safe_filename("分年度达标测算", region, year, suffix=".xlsx"), region,
                        key=state.widget_key(state.PHASE_DOWNLOAD, "region"))
