"""The pages' access to the one strings catalog, in the language chosen in the sidebar.

Entries that state a line of the standard are filled from the standards of the county selected in
the sidebar (its province file over the national default), so a page never shows another line.
"""
from __future__ import annotations

import contextvars

import streamlit as st

from analytics import i18n
from analytics.standards import wording_for
from ui import state


# the session's language and county as they were when a download button was drawn: its builder runs
# later in a server thread where the session cannot be read (see ``captured``)
_CAPTURED: contextvars.ContextVar[dict | None] = contextvars.ContextVar("captured_session", default=None)


def _session(key: str, default=None):
    """A session value — the one captured for a builder running later, when there is one."""
    snapshot = _CAPTURED.get()
    if snapshot is not None:
        return snapshot.get(key, default)
    return st.session_state.get(key, default)


def lang() -> str:
    return _session(state.LANG, i18n.DEFAULT_LANGUAGE)


def county() -> str | None:
    return _session(state.COUNTY)


def captured(work):
    """``work`` wrapped to run later with the language and county of now — for a download's builder,
    which Streamlit calls from a server thread outside any script run, where the session reads as
    empty (the language would silently be the default)."""
    now = {state.LANG: lang(), state.COUNTY: county()}

    def run(*args, **kwargs):
        token = _CAPTURED.set(now)
        try:
            return work(*args, **kwargs)
        finally:
            _CAPTURED.reset(token)
    return run


def tr(key: str, /, **kwargs) -> str:
    return i18n.t(key, lang(), std=lambda: wording_for(county()), **kwargs)


def tr_codes(values, prefix: str):
    """``tr(prefix + value)`` for a column of codes (status, band …), each distinct value looked up
    once (a province's 10,000 rows made 10,000 lookups of the session's language)."""
    return values.map({v: tr(f"{prefix}{v}") for v in values.dropna().unique()})


def indicator_label(code: str, short: bool = False) -> str:
    return tr(("indicator_short." if short else "indicator.") + code)


def stage_label(stage: str) -> str:
    return tr(f"stage.{stage}")


def year_label(year: int) -> str:
    return tr("sidebar.year_label", year=year, next=year + 1)
