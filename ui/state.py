"""Session-state keys in one place, and the sidebar selection kept in the URL (st.query_params)."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

LANG = "lang"
COUNTY = "county"
YEAR = "year"
STAGE = "stage"


@dataclass(frozen=True)
class Selection:
    county_code: str | None
    county_name: str
    year: int | None
    stage: str
    lang: str


def from_query(key: str, options: list, default, cast=str):
    """The option named in the URL (?county=…) when valid, else the default."""
    raw = st.query_params.get(key)
    if raw is not None:
        try:
            value = cast(raw)
        except (TypeError, ValueError):
            return default
        if value in options:
            return value
    return default


def init_choice(key: str, options: list, default, cast=str) -> None:
    """Seed a widget's state from the URL once, and repair it when its options change."""
    if key not in st.session_state or st.session_state[key] not in options:
        st.session_state[key] = from_query(key, options, default, cast)


def write_query(selection: Selection) -> None:
    """Mirror the selection into the URL so a copied link reopens the same view."""
    params = {LANG: selection.lang, STAGE: selection.stage}
    if selection.county_code:
        params[COUNTY] = selection.county_code
    if selection.year is not None:
        params[YEAR] = str(selection.year)
    for key, value in params.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def current() -> Selection:
    """The selection made in the sidebar this run (set by :func:`ui.sidebar.render`)."""
    return st.session_state["_selection"]

# 数据管理 page
UPLOAD = "admin_upload"
TOWNS = "admin_towns"
CHECKED = "admin_checked"
CHECKED_HASH = "admin_checked_hash"
IMPORTED_HASH = "admin_imported_hash"
CONFIRM = "admin_confirm_warnings"
IMPORT_USER = "admin_user"
ROLLBACK = "admin_rollback"
ROLLBACK_CONFIRM = "admin_rollback_confirm"
FLASH = "admin_flash"

# 布局方案比选 page
SCEN_PREFIX = "scen_"


def scenario_steps(county_code: str) -> list:
    """The steps of the scenario being built for a county (kept per county for the session)."""
    return st.session_state.setdefault(f"{SCEN_PREFIX}steps_{county_code}", [])


SCEN_LON, SCEN_LAT = "scen_lon", "scen_lat"
SCEN_FLASH = "scen_flash"
