"""The sidebar shared by every page: language, county, school year, 学段 (kept in the URL)."""
from __future__ import annotations

import streamlit as st

from analytics import i18n
from analytics.io.contract import STAGES
from ui import data, state
from ui.strings import stage_label, tr, year_label


def render() -> state.Selection | None:
    """Draw the sidebar and return the selection, or None when there is no database."""
    state.init_choice(state.LANG, list(i18n.LANGUAGES), i18n.DEFAULT_LANGUAGE)
    with st.sidebar:
        st.radio(tr("sidebar.language"), list(i18n.LANGUAGES), key=state.LANG, horizontal=True,
                 format_func=lambda x: {"zh": "中文", "en": "English"}[x])
    if data.pin() is None:
        st.session_state[state.SELECTION] = None
        return None
    sig = data.signature()
    counties = data.counties(sig)
    codes = counties["county_code"].tolist()
    names = dict(zip(counties["county_code"], counties["county_name"]))
    state.init_choice(state.COUNTY, codes, codes[0] if codes else None)
    with st.sidebar:
        county = st.selectbox(tr("sidebar.county"), codes, key=state.COUNTY,
                              format_func=lambda c: f"{names.get(c) or ''}（{c}）")
        listed = counties.set_index("county_code")["years"].get(county) if county else None
        years = sorted(int(y) for y in (list(listed) if listed is not None else []) if y is not None) or [None]
        state.init_choice(state.YEAR, years, years[-1], int)
        year = st.selectbox(tr("sidebar.year"), years, key=state.YEAR,
                            format_func=lambda y: year_label(y) if y else "—")
        state.init_choice(state.STAGE, list(STAGES), STAGES[0])
        stage = st.radio(tr("sidebar.stage"), list(STAGES), key=state.STAGE, horizontal=True,
                         format_func=stage_label)
    selection = state.Selection(county, names.get(county) or county or "", year, stage,
                                st.session_state[state.LANG])
    state.write_query(selection)
    st.session_state[state.SELECTION] = selection
    return selection
