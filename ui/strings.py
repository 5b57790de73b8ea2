"""The pages' access to the one strings catalog, in the language chosen in the sidebar."""
from __future__ import annotations

import streamlit as st

from analytics import i18n
from ui import state


def lang() -> str:
    return st.session_state.get(state.LANG, i18n.DEFAULT_LANGUAGE)


def tr(key: str, /, **kwargs) -> str:
    return i18n.t(key, lang(), **kwargs)


def indicator_label(code: str, short: bool = False) -> str:
    return tr(("indicator_short." if short else "indicator.") + code)


def stage_label(stage: str) -> str:
    return tr(f"stage.{stage}")


def year_label(year: int) -> str:
    return tr("sidebar.year_label", year=year, next=year + 1)
