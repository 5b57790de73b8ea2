"""The pages' figures: :mod:`analytics.report.figures` in the sidebar's language and the selected
county's standards (the briefing draws the same figures from the same functions)."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from analytics.report import figures
from analytics.standards import load_standards
from ui import state
from ui.strings import lang, stage_label


def standards():
    """The standards of the sidebar's scope (the county's, or the city's or province's province)."""
    return load_standards(scope_code() or None)


def scope_code() -> str:
    selection = st.session_state.get(state.SELECTION)
    if selection is not None:
        return selection.county_code or selection.region_code
    return st.session_state.get(state.COUNTY) or ""


def style(fig: go.Figure, height: int = 380, **kw) -> go.Figure:
    return figures.style(fig, height=height, **kw)


def cv_bars(cv, stage: str) -> go.Figure:
    return figures.cv_bars(cv, stage, lang(), standards(), title=stage_label(stage))


def cv_trend(cv_now, cv_prev, stage: str, year: int) -> go.Figure:
    return figures.cv_trend(cv_now, cv_prev, stage, year, lang(), standards())


def compliance_grid(comp, max_rows: int | None = None) -> go.Figure:
    return figures.compliance_grid(comp, lang(), standards(), max_rows)


def indicator_ratio_bars(indicators) -> go.Figure:
    return figures.indicator_ratio_bars(indicators, lang(), standards(), stage_label)


def variance_share_bars(shares, top: int = 12) -> go.Figure:
    return figures.variance_share_bars(shares, lang(), top)


def gap_dots(gaps, stage: str, groups: list[str]) -> go.Figure:
    return figures.gap_dots(gaps, stage, groups, lang(), standards())


def theil_bars(gaps, stage: str) -> go.Figure:
    return figures.theil_bars(gaps, stage, lang())


def band_bars(counts, by: str, label_fn) -> go.Figure:
    return figures.band_bars(counts, by, label_fn, lang(), standards())


def enrolment_trend(df) -> go.Figure:
    return figures.enrolment_trend(df, lang(), standards())


def county_multiples(long, stage: str, top: int | None = None) -> go.Figure:
    return _county_multiples(long, stage, lang(), scope_code(), top)


@st.cache_data(show_spinner=False, max_entries=16)
def _county_multiples(long, stage: str, language: str, scope: str, top: int | None) -> go.Figure:
    # kept per comparison (a province's panels take a third of a second to build)
    return figures.county_multiples(long, stage, language, load_standards(scope or None), top)


def county_slopes(now, before, indicator: str, stage: str, year: int) -> go.Figure:
    return _county_slopes(now, before, indicator, stage, year, lang(), scope_code())


@st.cache_data(show_spinner=False, max_entries=16)
def _county_slopes(now, before, indicator: str, stage: str, year: int, language: str, scope: str) -> go.Figure:
    return figures.county_slopes(now, before, indicator, stage, year, language, load_standards(scope or None))
