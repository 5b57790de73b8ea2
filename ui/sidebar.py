"""The sidebar shared by every page: language; the scope province → city → county; school year and
学段 — all kept in the URL (``?county=320902`` or ``?region=3209``, ``&year=2024&stage=小学``)."""
from __future__ import annotations

import streamlit as st

from analytics import i18n
from analytics.geo import regions
from analytics.io.contract import STAGES
from analytics.report.escape import markdown_text as md
from ui import data, state
from ui.strings import stage_label, tr, year_label


def _seed(key: str, options: list, first_visit, repaired=state.ALL) -> None:
    """Seed a scope box from the URL on the first visit; when its options change (a new city chosen
    above it) it falls back to 全部, the whole of the region above."""
    default = first_visit if key not in st.session_state else repaired
    state.init_choice(key, options, default if default in options else options[0])


def _scope(tree) -> tuple[str, str | None]:
    """Draw the province and city boxes (each only when it has a choice to offer) and the county box (always:
    it names the county shown); returns the scope's code and the county (None at city or province scope)."""
    hint = str(st.query_params.get(state.COUNTY) or st.query_params.get(state.REGION) or "")
    county_hint = hint if regions.level_of(hint) == "county" else (state.ALL if hint else tree["county_code"].iloc[0])
    provinces = sorted(tree["province_code"].unique().tolist())
    _seed(state.PROVINCE, provinces, (county_hint or hint)[:2] or provinces[0], provinces[0])
    if len(provinces) > 1:
        st.selectbox(tr("sidebar.province"), provinces, key=state.PROVINCE,
                     format_func=lambda c: regions.region_name(tree, c))
    province = st.session_state[state.PROVINCE]
    in_province = regions.counties_in(tree, province)
    cities = regions.cities(tree, province)
    governed = in_province["city_code"].isna().any()          # county-level units without a city
    whole = (len(cities) > 1 or governed) and data.allowed(province)     # 全部 only where the account may read it
    city_options = [state.ALL] + cities if whole else cities
    city_hint = regions.city_code_of(county_hint) if county_hint else (hint[:4] if len(hint) >= 4 else state.ALL)
    _seed(state.CITY, city_options, city_hint or state.ALL)
    if len(city_options) > 1:
        st.selectbox(tr("sidebar.city"), city_options, key=state.CITY,
                     format_func=lambda c: regions.region_name(tree, c) if c else
                     tr("sidebar.all_cities", name=regions.region_name(tree, province)))
    city = st.session_state[state.CITY]
    above = regions.region_name(tree, city or province)
    codes = regions.counties_in(tree, city or province)["county_code"].tolist()
    county_options = [state.ALL] + codes if len(codes) > 1 and data.allowed(city or province) else codes
    _seed(state.COUNTY, county_options, county_hint)
    names = dict(zip(tree["county_code"], tree["county_name"]))
    st.selectbox(tr("sidebar.county"), county_options, key=state.COUNTY,   # always shown: it names the county
                 format_func=lambda c: f"{names.get(c) or ''}（{c}）" if c else tr("sidebar.all_counties", name=above))
    county = st.session_state[state.COUNTY] or None
    return county or city or province, county


def render() -> state.Selection | None:
    """Draw the sidebar and return the selection, or None when there is no database."""
    state.init_choice(state.LANG, list(i18n.LANGUAGES), i18n.DEFAULT_LANGUAGE)
    with st.sidebar:
        st.radio(tr("sidebar.language"), list(i18n.LANGUAGES), key=state.LANG, horizontal=True,
                 format_func=lambda x: {"zh": "中文", "en": "English"}[x])
    if data.pin() is None:
        st.session_state[state.SELECTION] = None
        return None
    asked = str(st.query_params.get(state.COUNTY) or st.query_params.get(state.REGION) or "")
    if asked and not data.allowed(asked):               # a link or an edited URL outside the account's regions
        account = st.session_state.get(state.ACCOUNT)
        st.error(tr("auth.out_of_scope", code=md(asked[:40]), scope=md("、".join(account.scope))), icon=":material/block:")
        for key in (state.COUNTY, state.REGION):
            if key in st.query_params:
                del st.query_params[key]
            st.session_state.pop(key, None)
    tree = data.regions(data.signature())
    if tree.empty:
        st.session_state[state.SELECTION] = None
        return None
    with st.sidebar:
        region, county = _scope(tree)
        years = regions.years_in(tree, region) or [None]
        state.init_choice(state.YEAR, years, years[-1], int)
        year = st.selectbox(tr("sidebar.year"), years, key=state.YEAR,
                            format_func=lambda y: year_label(y) if y else "—")
        state.init_choice(state.STAGE, list(STAGES), STAGES[0])
        stage = st.radio(tr("sidebar.stage"), list(STAGES), key=state.STAGE, horizontal=True,
                         format_func=stage_label)
    name = regions.region_name(tree, region)
    selection = state.Selection(county, name, year, stage, st.session_state[state.LANG], region, name)
    state.write_query(selection)
    st.session_state[state.SELECTION] = selection
    return selection
