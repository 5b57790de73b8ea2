"""Decisions behind the maps, as pure functions (the map widget itself cannot be unit-tested).

Colours are from the Okabe–Ito palette, readable by colour-blind viewers and on projectors.
"""
from __future__ import annotations

import math

import pandas as pd

# Okabe–Ito: blue, vermillion, orange, sky blue, bluish green, reddish purple, grey
STATUS_COLOURS = {"pass": "#009E73", "fail": "#D55E00", "unknown": "#999999", "out": "#56B4E9"}
BAND_COLOURS = {"within": "#009E73", "large": "#E69F00", "big": "#D55E00", "huge": "#7B1FA2"}
SMALL_COLOURS = {"very_small": "#D55E00", "small": "#E69F00", "other": "#56B4E9"}
OUTLINE_STYLE = {"color": "#333333", "weight": 2.5, "fill": False}
TOWN_STYLE = {"color": "#777777", "weight": 1, "dashArray": "4 4", "fillColor": "#F2F2F2", "fillOpacity": 0.35}
BAND_ORDER = ("within", "large", "big", "huge")


def marker_radius(students, min_px: float = 4.0, max_px: float = 18.0, max_students: float = 3000.0) -> float:
    """Circle radius in pixels with AREA proportional to enrolment: r = max·sqrt(n / n_max),
    clamped to [min, max] so a 20-pupil teaching point stays visible."""
    if students is None or (isinstance(students, float) and math.isnan(students)) or students <= 0:
        return min_px
    return float(min(max_px, max(min_px, max_px * math.sqrt(float(students) / max_students))))


def school_status(stage_statuses: list[str], in_scope: bool) -> str:
    """One colour class for a school with one or two 学段: out of scope → 'out'; any 学段
    failing → 'fail'; any unknown → 'unknown'; else 'pass'."""
    if not in_scope:
        return "out"
    if "fail" in stage_statuses:
        return "fail"
    if "unknown" in stage_statuses or not stage_statuses:
        return "unknown"
    return "pass"


def worst_band(bands) -> str:
    """The worst class-size band of a school's classes (within < large < big < huge)."""
    present = [b for b in bands if b in BAND_ORDER]
    return max(present, key=BAND_ORDER.index) if present else "within"


def map_bounds(lon: pd.Series, lat: pd.Series, outline_bounds: tuple | None = None) -> list[list[float]]:
    """[[south, west], [north, east]] covering the outline, or the points when there is none."""
    if outline_bounds is not None:
        minx, miny, maxx, maxy = outline_bounds
    else:
        lon, lat = pd.to_numeric(lon).dropna(), pd.to_numeric(lat).dropna()
        if lon.empty:
            return [[18.0, 73.0], [54.0, 135.0]]
        minx, maxx, miny, maxy = lon.min(), lon.max(), lat.min(), lat.max()
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]
