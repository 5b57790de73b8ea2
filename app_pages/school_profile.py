"""学校画像: one school's every indicator against its line, its rank, its share of each CV's variance,
its trend, and what it lacks."""
import pandas as pd
import streamlit as st

from analytics.formatting import fmt_count, fmt_indicator, fmt_pct
from ui import cards, data, page, state
from ui.strings import indicator_label, lang, stage_label, tr

sel = page.header("profile.title")
sig = data.signature()
points = data.school_points(sig, sel.county_code, sel.year)
if points.empty:
    page.no_data(sel)
    st.stop()
points = points.sort_values(["town", "name"])
names = dict(zip(points["school_id"], points["name"] + "（" + points["town"] + "）"))
picked = [s for s in st.session_state.get(state.EXPLORE_SELECTED, []) if s in names]   # selected in 探索分析
if picked and st.toggle(tr("profile.only_selected", n=len(picked)), value=True, key=state.PROFILE_ONLY_SELECTED):
    names = {s: names[s] for s in picked}
school_id = st.selectbox(tr("profile.choose"), list(names), format_func=names.get, key=state.PROFILE_SCHOOL)
with st.spinner(tr("app.loading")):
    profile = data.school_profile(sig, sel.county_code, school_id, sel.year)
cards.school_card(profile["card"])
ranks = profile["ranks"]
if ranks.empty:
    st.info(tr("profile.out_of_scope"))
    st.stop()
st.subheader(tr("profile.rank"))
page.dataframe(pd.DataFrame({
    tr("col.stage"): ranks["stage"].map(stage_label),
    tr("col.indicator"): ranks["indicator"].map(indicator_label),
    tr("col.value"): [fmt_indicator(c, v, lang()) for c, v in zip(ranks["indicator"], ranks["value"])],
    tr("profile.rank"): [f"{r} / {n}" if r else "—" for r, n in zip(ranks["rank"], ranks["of"])],
    tr("profile.share"): ranks["variance_share"].map(fmt_pct)}), hide_index=True, width="stretch")
st.subheader(tr("profile.lacks"))
lacks = profile["lacks"]
if lacks.empty:
    st.success(tr("profile.complies"), icon=":material/check_circle:")
else:
    page.dataframe(pd.DataFrame({
        tr("col.stage"): lacks["stage"].map(stage_label), tr("col.indicator"): lacks["indicator"].map(indicator_label),
        tr("plan.quantity"): lacks["quantity"].map(lambda q: f"{q:,.0f}"), tr("plan.unit"): lacks["unit"],
        tr("money.one_off"): lacks["one_off_yuan"].map(lambda c: fmt_count(c, lang(), tr("unit.yuan")) if c else "—"),
        tr("money.recurring"): lacks["recurring_yuan"].map(
            lambda c: fmt_count(c, lang(), tr("unit.yuan")) + tr("unit.per_year") if c else "—")}),
        hide_index=True, width="stretch")
