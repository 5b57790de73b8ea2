"""Cached access to the database and the analytics for the pages.

The store is opened read-only once per process and reopened when a new dataset file is
swapped in (its inode/mtime changes). Computations are cached per (dataset, county, year).

One script run reads one version, whole: :func:`pin` (called first in every run, by the sidebar)
opens the current version and keeps that store in the session; every read of the run —
:func:`store`, :func:`signature` and the cached computations keyed by it — uses the pinned store,
even if an import publishes a new version half-way through the run. The next run pins the new one.
"""
from __future__ import annotations

import atexit
import json
import os
import threading
from pathlib import Path

import streamlit as st

from analytics import service
from analytics.geo.mapping import simplified_outlines
from analytics.io import console, versions
from analytics.io.storage import ScenarioStore, Store, file_signature
from analytics.report import plan_views
from ui import state

ROOT = Path(__file__).resolve().parent.parent
DB_ENV = "EQUITY_DB"


class ScopeError(PermissionError):
    """A read outside the signed-in account's regions (the sidebar never offers one: this is the backstop)."""

    def __init__(self, code: str, scope: tuple):
        super().__init__(code)
        self.code, self.scope = code, scope


def allowed(code: str | None) -> bool:
    """Whether this session may read ``code`` (a county, city or province): always in single-user mode and
    for an admin; else only within the account's regions (a city user may not read the whole province)."""
    account = st.session_state.get(state.ACCOUNT)
    if account is None or account.role == "admin":
        return True
    return bool(code) and any(str(code).startswith(c) for c in account.scope)


def scoped(fn):
    """Check the county / region argument against the session's account before the (cached) read runs —
    every page reads its data through this module, so no page can read outside the scope."""
    import functools

    @functools.wraps(fn)
    def guarded(sig, code, *args, **kwargs):
        if not allowed(code):
            account = st.session_state.get(state.ACCOUNT)
            raise ScopeError(str(code), account.scope if account else ())
        return fn(sig, code, *args, **kwargs)
    return guarded


def in_scope_rows(df, column: str = "county_code"):
    """The rows of ``df`` whose county the session may read."""
    account = st.session_state.get(state.ACCOUNT)
    if account is None or account.role == "admin" or df is None or df.empty:
        return df
    return df[df[column].astype(str).map(lambda c: any(c.startswith(s) for s in account.scope))]


def db_path() -> str:
    return os.environ.get(DB_ENV, str(ROOT / "data" / "equity.duckdb"))


@st.cache_resource(show_spinner=False, max_entries=2)
def _open(path: str, signature: tuple) -> Store:
    """Open a version read-only, once per process, and compute the default view's scorecard and plan
    in the background (results are kept per version, see ``service.once_per_version``): the first analyst to
    open 整改方案 does not wait for a province's plan."""
    opened = Store(path)
    worker = threading.Thread(target=_warm_up, args=(opened,), name="warm-up", daemon=True)
    worker.start()
    _WARMING.append(worker)
    return opened


_WARMING: list[threading.Thread] = []


@atexit.register
def _let_warm_up_finish() -> None:
    """At exit, wait (a bounded time) for a warm-up still computing: a daemon thread inside DuckDB when the
    interpreter finalises aborts the process ("terminate called …"), seen at the end of test runs."""
    for worker in _WARMING:
        worker.join(timeout=60)


def _warm_up(opened: Store) -> None:
    # folium loads in a good part of a second; streamlit_folium is not imported here: a component
    # declared outside a script run is registered wrongly and its frame then answers 404
    import folium.plugins  # noqa: F401
    service.warm_up(opened)


def pin() -> Store | None:
    """Open the dataset current now and keep it for this run (None: no database file yet)."""
    path = db_path()
    sig = file_signature(path)
    opened = None if sig is None else _open(path, sig)
    if opened is not None and opened.signature != sig:
        _open.clear()       # swapped while opening: the entry under ``sig`` holds another version
    st.session_state[state.DATASET] = opened
    return opened


def store() -> Store | None:
    """The dataset pinned for this run (pinned now when the run has not pinned one yet)."""
    if state.DATASET not in st.session_state:
        return pin()
    return st.session_state[state.DATASET]


def _sig() -> tuple:
    pinned = store()
    return (db_path(), None if pinned is None else pinned.signature)


def counties(sig: tuple):
    """The counties with data that this session may read."""
    return in_scope_rows(_counties(sig))


@st.cache_data(show_spinner=False, max_entries=64)
def _counties(sig: tuple):
    return store().counties()


@st.cache_data(show_spinner=False, max_entries=8)
def meta(sig: tuple) -> dict:
    return store().meta()


@st.cache_data(show_spinner=False, max_entries=4)
def latest_submissions(sig: tuple) -> dict:
    """Each county's latest submission (versions.latest_submissions), once per data version."""
    return versions.latest_submissions(db_path())


@scoped
@st.cache_data(show_spinner=False, max_entries=64)
def small_schools(sig: tuple, county: str, years: tuple):
    return service.small_schools(store(), county, list(years))


@scoped
def explore_table(sig: tuple, county: str):
    return service.explore_table(store(), county).assign(county_code=county)


@scoped
def explore_region(sig: tuple, region: str):
    """Every county of a city or province this session may read, in one explore table."""
    listed = counties(sig)
    listed = listed[listed["county_code"].astype(str).str.startswith(str(region))]
    return service.explore_region(store(), list(zip(listed["county_code"], listed["county_name"])))


def table(sig: tuple, name: str, county: str, year: int | None):
    """A contract table of one county (and year) as 数据浏览 shows it."""
    if not allowed(county):
        account = st.session_state.get(state.ACCOUNT)
        raise ScopeError(str(county), account.scope if account else ())
    return _table(sig, name, county, year)


@st.cache_data(show_spinner=False, max_entries=64)
def _table(sig: tuple, name: str, county: str, year: int | None):
    s = store()
    if name == "schools":
        return s.schools(county)
    years = [] if year is None else [year]
    if name in ("county_indicators", "population", "settlements"):
        return s.county_table(name, county, None if name == "settlements" else years)
    return s.school_table(name, county, years)


def signature() -> tuple:
    return _sig()


@scoped
@st.cache_data(show_spinner=False, max_entries=32)
def scorecard(sig: tuple, county: str, year: int):
    items, verdict = service.scorecard(store(), county, year)
    return [i.as_dict() for i in items], verdict


@scoped
@st.cache_data(show_spinner=False, max_entries=16)
def plan_view(sig: tuple, county: str, year: int, lang: str) -> dict:
    """The plan as the 整改方案 page reads it (the full plan is not kept: it is large and only this is shown)."""
    pinned = store()
    plan = service.plan(pinned, county, year)
    return plan_views.plan_view(plan, pinned.schools(county), service.standards_for(county), lang)


@scoped
@st.cache_data(show_spinner=False, max_entries=16)
def phased_plan(sig: tuple, county: str, year: int, inputs: tuple) -> dict:
    """The plan year by year (:func:`analytics.service.phased_plan`) for ``inputs`` ((name, value) pairs)."""
    return service.phased_plan(store(), county, year, **dict(inputs))


@scoped
def region_phases(sig: tuple, region: str, year: int, inputs: tuple, _progress=None) -> dict:
    """Every county's pass year under the same limits (:func:`analytics.service.region_phases`; each county's
    plan is kept once per version there, so a rerun reads them — not cached here: the progress bar it moves
    belongs to the page's run)."""
    return service.region_phases(store(), region, year, **dict(inputs), progress=_progress)


@scoped
@st.cache_data(show_spinner=False, max_entries=64)
def what_if(sig: tuple, county: str, year: int, actions: tuple) -> dict:
    return service.what_if(store(), county, year, list(actions))


@scoped
@st.cache_data(show_spinner=False, max_entries=32)
def run_scenario(sig: tuple, county: str, year: int, steps_json: str) -> dict:
    """A scenario (steps as JSON, so the cache key is plain text) applied and evaluated; the forecast
    (the same for every scenario) comes from the cached :func:`forecast`."""
    shift = float(service.standards_for(county)["planning"]["urban_shift_per_year"])
    return service.run_scenario(store(), county, year, json.loads(steps_json), forecast_out=forecast(sig, county, shift))


def scenario_store() -> ScenarioStore:
    """Saved scenarios of the current database (not cached: saving and deleting change them)."""
    return ScenarioStore(db_path())


def submissions(sig: tuple, year: int):
    """The submission tracker for ``year`` (see :func:`analytics.service.submissions`), this session's counties."""
    return in_scope_rows(_submissions(sig, year))


@st.cache_data(show_spinner=False, max_entries=16)
def _submissions(sig: tuple, year: int):
    return service.submissions(db_path(), year)


@scoped
def region_verdicts(sig: tuple, region: str, year: int, _progress=None) -> dict:
    """Every county of ``region`` judged by its own scorecard (see :func:`analytics.service.region_verdicts`,
    kept once per version there — a process's sessions share it); ``_progress`` follows the counties."""
    return service.region_verdicts(store(), region, year, _progress)


@scoped
@st.cache_data(show_spinner=False, max_entries=16)
def region_plans(sig: tuple, region: str, year: int, _progress=None) -> dict:
    """Each county's plan in two tables (see :func:`analytics.service.region_plans`); ``_progress`` is not
    part of the cache key."""
    return service.region_plans(store(), region, year, _progress)


def regions(sig: tuple):
    """The dataset's counties with their province and city (the sidebar's scope boxes), this session's only."""
    return in_scope_rows(_regions(sig))


@st.cache_data(show_spinner=False, max_entries=8)
def _regions(sig: tuple):
    return service.regions(store())


@scoped
@st.cache_data(show_spinner=False, max_entries=16)
def region_outlines(sig: tuple, region: str):
    """County outlines (county_code, county_name, geojson) of the region's counties."""
    outlines = store().outlines()
    picked = outlines[outlines["county_code"].astype(str).str.startswith(region)][["county_code", "county_name", "geojson"]]
    return simplified_outlines(picked)          # a province's 1 MB of outlines → ¼ MB, shared borders kept


def console_scope() -> tuple:
    """The regions the session's SQL console holds (empty: every region — single user or admin)."""
    account = st.session_state.get(state.ACCOUNT)
    return () if account is None or account.role == "admin" else tuple(account.scope)


@st.cache_data(show_spinner=False, max_entries=16)
def _console_tables(sig: tuple, scope: tuple):
    return console.tables(sig[0], scope)


def console_tables(sig: tuple):
    """The tables and columns the session's console holds (asked of a console worker once per version and scope)."""
    return _console_tables(sig, console_scope())


def console_run(sig: tuple, sql: str, user: str, role: str):
    """One query of the SQL console in the session's scope, audited (raises storage.ConsoleRefused)."""
    scope = console_scope()
    return console.run(sig[0], sql, scope, user=user, role=role)


# ---------------------------------------------------------------- the page reads that pass straight through
# name → cache entries: ``data.<name>(sig, code, …)`` is ``service.<name>(store, code, …)`` (or the store's own
# ``<name>(code)``), its code checked against the session's regions (:func:`scoped`) before the cached read runs.
SERVICE_READS = {"overview": 64, "resources": 64, "gaps": 64, "class_sizes": 64, "town_summary": 64,
                 "school_points": 64, "indicator_values": 64, "school_card": 64, "layout_assignment": 64,
                 "class_fixes": 64, "small_school_options": 64, "school_profile": 64, "forecast": 16,
                 "suggest_sites": 32, "accessibility": 32, "compare": 32, "county_facts": 32, "region_of": 64}
STORE_READS = {"schools": 64, "outline": 64, "town_areas": 64}


def _read(name: str, max_entries: int, of_store: bool):
    """One scoped, cached read of the table above (named after it: Streamlit keys its cache by the name)."""
    def read(sig: tuple, code: str, *args, **kwargs):
        if of_store:
            return getattr(store(), name)(code, *args, **kwargs)
        return getattr(service, name)(store(), code, *args, **kwargs)
    read.__name__ = read.__qualname__ = name
    read.__doc__ = f"{'Store' if of_store else 'service'}.{name} for this session: scoped, cached per data version."
    return scoped(st.cache_data(show_spinner=False, max_entries=max_entries)(read))


for _name, _entries in SERVICE_READS.items():
    globals()[_name] = _read(_name, _entries, of_store=False)
for _name, _entries in STORE_READS.items():
    globals()[_name] = _read(_name, _entries, of_store=True)
