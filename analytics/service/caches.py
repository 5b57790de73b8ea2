"""What every service call shares, per store: the standards per province, the indicator rows of a county-year
(built once per store) and results kept once per data version (:func:`once_per_version`)."""
from __future__ import annotations

import threading
import weakref

import pandas as pd

from analytics.io.storage import Store
from analytics.method.indicators import school_stage_indicators
from analytics.standards import Standards, load_standards


def standards_for(county_code: str) -> Standards:
    """The standards of the county's province (national default with its province file merged in)."""
    return load_standards(county_code)


_ROWS: "weakref.WeakKeyDictionary[Store, dict]" = weakref.WeakKeyDictionary()
_ROWS_LOCK = threading.Lock()


def clear_rows_cache() -> None:
    """Forget every store's indicator rows (benchmarks that time the computation itself)."""
    with _ROWS_LOCK:
        _ROWS.clear()


def indicator_rows(store: Store, county_code: str, years: list[int] | None) -> pd.DataFrame:
    """Seven indicators per school × 学段 for the county and years (with scope), built once per store.

    A store is one immutable dataset version, so the rows of a (county, years) never change while it
    is open; each caller gets its own copy.
    """
    key = (county_code, None if years is None else tuple(sorted(int(y) for y in years)))
    with _ROWS_LOCK:
        cached = _ROWS.setdefault(store, {}).get(key)
    if cached is None:
        stats = store.stage_stats(county_code, years)
        schools = store.schools(county_code)
        cached = school_stage_indicators(stats, schools, standards_for(county_code))
        with _ROWS_LOCK:
            per_store = _ROWS.setdefault(store, {})
            if len(per_store) > 64:
                per_store.clear()
            per_store[key] = cached
    return cached.copy()


_RESULTS: "weakref.WeakKeyDictionary[Store, dict]" = weakref.WeakKeyDictionary()
_RESULTS_LOCK = threading.Lock()


def once_per_version(store: Store, key: tuple, compute):
    """``compute()`` once per store (one immutable dataset version) and key, shared by every caller and
    thread; a caller arriving while it runs waits for it instead of computing it again. A failure is
    not kept (the next caller tries again). Results are shared: callers read them, never change them."""
    with _RESULTS_LOCK:
        per_store = _RESULTS.setdefault(store, {})
        entry = per_store.get(key)
        if entry is None:
            if len(per_store) >= 256:                          # bounded: forget the oldest results
                for old in list(per_store)[:32]:
                    per_store.pop(old)
            entry = per_store[key] = {"lock": threading.Lock(), "done": False, "value": None}
    with entry["lock"]:
        if not entry["done"]:
            entry["value"] = compute()
            entry["done"] = True
    return entry["value"]
