"""Decisions behind the maps, as pure functions (the map widget itself cannot be unit-tested).

Colours are from the Okabe–Ito palette, readable by colour-blind viewers and on projectors.
"""
from __future__ import annotations

import copy
import functools
import math

import pandas as pd

from analytics.geo import coords
from analytics.geo.coords import to_wgs84

# Okabe–Ito: blue, vermillion, orange, sky blue, bluish green, reddish purple, grey
STATUS_COLOURS = {"pass": "#009E73", "fail": "#D55E00", "unknown": "#999999", "out": "#56B4E9"}
# a county's standing on every item (已达标 / 接近 / 较远 / 数据不全): pass and fail as above, close between
STANDING_COLOURS = {"pass": "#009E73", "close": "#E69F00", "far": "#D55E00", "unknown": "#999999"}
BAND_COLOURS = {"within": "#009E73", "large": "#E69F00", "big": "#D55E00", "huge": "#7B1FA2"}
TOWN_SEAT_COLOURS = {"short": "#D55E00", "tight": "#E69F00", "spare": "#56B4E9", "unknown": "#999999"}
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


# ---------------------------------------------------------------- base maps and classes

MAPS_CONFIG = __import__("pathlib").Path(__file__).resolve().parents[2] / "data" / "maps.yaml"


def _maps_config() -> dict:
    """data/maps.yaml, read again only when the file changes (every map page asks twice a run; parsing
    it was 20 ms each time). Callers get their own copy."""
    return copy.deepcopy(_maps_config_read(MAPS_CONFIG.stat().st_mtime_ns))


@functools.lru_cache(maxsize=2)
def _maps_config_read(mtime_ns: int) -> dict:
    import yaml
    with open(MAPS_CONFIG, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def base_layers() -> list[dict]:
    """Base map choices from data/maps.yaml: the tile-free default first, then enabled tile layers."""
    return [layer for layer in _maps_config()["layers"] if layer["key"] == "none" or layer.get("enabled")]


def display_coords(lon, lat, crs: str):
    """Coordinates to draw on a base map in ``crs``: WGS84 as stored, GCJ02 converted (高德)."""
    import numpy as np

    if crs == "GCJ02":
        return coords.wgs84_to_gcj02(lon, lat)
    return np.asarray(lon, float), np.asarray(lat, float)


def display_geojson(geometry: dict, crs: str) -> dict:
    """A GeoJSON geometry converted for a base map in ``crs`` (see :func:`display_coords`)."""
    if crs != "GCJ02":
        return geometry
    import shapely
    from shapely.geometry import mapping, shape
    geom = shapely.transform(shape(geometry), lambda xy: __import__("numpy").column_stack(
        display_coords(xy[:, 0], xy[:, 1], crs)))
    return mapping(geom)


# A value against its line (classes of Standards.line_class): every chart, card, grid and map uses these.
LINE_CLASS_COLOURS = {"below": "#D55E00", "nearly": "#F0C05A", "met": "#009E73", "missing": "#BBBBBB"}
LINE_CLASS_ORDER = ("below", "nearly", "met", "missing")
QUANTILE_COLOURS = ("#FDE725", "#5EC962", "#21918C", "#3B528B", "#440154")   # viridis, colour-blind safe


def policy_classes(values, line: float, standards) -> list[str]:
    """Class of each value against ``line`` by the one rule (:meth:`Standards.line_class`): 'met',
    'nearly' (below, at least the school rule's ratio of the line), 'below', or 'missing'."""
    import numpy as np
    return list(standards.line_classes(np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), float) / line))


def line_class_colours(classes) -> list[str]:
    """The colour of each met / nearly / below / missing class."""
    return [LINE_CLASS_COLOURS[c] for c in classes]


def quantile_classes(values, k: int = 5) -> tuple[list[int], list[float]]:
    """Quantile classes from mapclassify (k classes); returns (class per value, upper bins)."""
    import mapclassify
    import numpy as np
    arr = np.asarray(values, float)
    ok = np.isfinite(arr)
    out = np.full(len(arr), -1)
    if ok.sum() == 0:
        return out.tolist(), []
    k = max(1, min(k, len(np.unique(arr[ok]))))
    q = mapclassify.Quantiles(arr[ok], k=k)
    out[ok] = q.yb
    return out.tolist(), [float(b) for b in q.bins]


def clicked_school(points, lat: float | None, lng: float | None, crs: str = "WGS84",
                   tolerance_m: float = 300.0) -> str | None:
    """The school nearest a map click (display coordinates), if one lies within ``tolerance_m``."""
    import numpy as np
    if lat is None or lng is None or len(points) == 0:
        return None
    lon, la = display_coords(points["lon"], points["lat"], crs)
    dx = (np.asarray(lon) - lng) * 111_320 * np.cos(np.radians(lat))
    dy = (np.asarray(la) - lat) * 110_540
    d = np.hypot(dx, dy)
    i = int(np.nanargmin(d))
    return str(points["school_id"].iloc[i]) if d[i] <= tolerance_m else None


def clicked_point(click: dict | None, crs: str = "WGS84") -> tuple[float, float] | None:
    """A click on empty map ({'lat', 'lng'} from the map widget, in the base map's datum) as WGS84
    (lon, lat) rounded to 6 decimals (≈ 0.1 m); None when there was no click."""
    if not click or click.get("lat") is None or click.get("lng") is None:
        return None
    lon, lat = to_wgs84([float(click["lng"])], [float(click["lat"])], crs)
    return round(float(lon[0]), 6), round(float(lat[0]), 6)


# Colours with one meaning on every map (a test checks no other palette reuses them):
NEW_SCHOOL_COLOUR = "#332288"       # a new school of a scenario, a suggested site, the place being picked
BEYOND_COLOUR = "#CC79A7"           # settlements beyond the walking norm
WITHIN_COLOUR = "#F0E442"           # settlements within the walking norm
SETTLEMENT_COLOUR = "#A6761D"       # settlements shown for where children live (no judgement)
CONTEXT_SCHOOL_COLOUR = "#4D4D4D"   # existing schools shown for orientation (no judgement)
SEAT_COLOURS = ["#0072B2", "#D55E00", NEW_SCHOOL_COLOUR]     # free seats / over its seats / new school


def meaning_palettes() -> dict[str, dict[str, str]]:
    """Every map palette by what its colours mean (what the one-colour-one-meaning test reads)."""
    return {"status": STATUS_COLOURS, "standing": STANDING_COLOURS, "band": BAND_COLOURS, "small": SMALL_COLOURS, "line_class": LINE_CLASS_COLOURS,
            "seats": {"free": SEAT_COLOURS[0], "over": SEAT_COLOURS[1], "new": SEAT_COLOURS[2]},
            "settlement": {"beyond": BEYOND_COLOUR, "within": WITHIN_COLOUR, "plain": SETTLEMENT_COLOUR},
            "context": {"school": CONTEXT_SCHOOL_COLOUR}}


def map_zoom_options() -> dict:
    """Leaflet options every map gets: the zoom range (maps.yaml ``zoom``). A map needs maxZoom for
    clustering (Leaflet.markercluster throws without it) and for the tile layers to agree."""
    cfg = _maps_config().get("zoom", {})
    return {"max_zoom": int(cfg.get("max", 18)), "min_zoom": int(cfg.get("min", 5))}


def seat_classes(points: pd.DataFrame) -> list[int]:
    """Map colour per school of a scenario: 2 new school (id starts with NEW), 1 pupils above its seats
    (spare < 0), 0 otherwise."""
    return [2 if str(sid).startswith("NEW") else 1 if spare < 0 else 0
            for sid, spare in zip(points["school_id"], points["spare"])]


def inside_outline(lon: float, lat: float, outline: dict | None, tolerance_m: float = 200.0) -> bool | None:
    """Whether a WGS84 point lies in the county outline (GeoJSON geometry), within ``tolerance_m``
    (≈ degrees × 111 km); None without an outline."""
    from shapely.geometry import Point, shape
    if not outline:
        return None
    return bool(shape(outline).buffer(tolerance_m / 111_000).contains(Point(lon, lat)))


def settlement_radius(children) -> float:
    """Bubble radius (px) of a settlement: √children / 2.5, kept between 2.5 and 10."""
    import math
    return max(2.5, min(10.0, math.sqrt(max(float(children), 0.0)) / 2.5))


def county_at(outlines, lon: float | None, lat: float | None) -> str | None:
    """The county whose outline holds the point (a click on the comparison map), else None.
    ``outlines``: rows with county_code and geojson (a GeoJSON geometry)."""
    import json

    from shapely.geometry import Point, shape
    if lon is None or lat is None:
        return None
    point = Point(float(lon), float(lat))
    for code, geojson in zip(outlines["county_code"], outlines["geojson"]):
        if isinstance(geojson, str) and shape(json.loads(geojson)).covers(point):
            return str(code)
    return None


def drawable_counties(outlines: pd.DataFrame, codes) -> list[str]:
    """The counties of ``codes`` that have an outline to draw (a GeoJSON text) — none: no county map."""
    wanted = set(codes)
    return [str(c) for c, g in zip(outlines["county_code"], outlines["geojson"]) if c in wanted and isinstance(g, str) and g]


def county_fills(long, indicator: str, stage: str) -> dict[str, dict]:
    """Per county the colour of one measure on the comparison map: pass / fail / unknown
    (STATUS_COLOURS), the policy classes with the line as the break; county code → {status, value, colour}."""
    import math
    part = long[(long["indicator"] == indicator) & (long["stage"] == stage)]
    out = {}
    for code, value, passed in zip(part["county_code"], part["value"], part["passed"]):
        status = "unknown" if passed is None or (isinstance(passed, float) and math.isnan(passed)) else (
            "pass" if passed else "fail")
        out[str(code)] = {"status": status, "value": None if value is None or value != value else float(value),
                          "colour": STATUS_COLOURS[status]}
    return out


def simplified_outlines(outlines, pixels: int = 1500, precision: float = 1e-4):
    """County outlines simplified for a map of the whole region: the tolerance is the region's larger extent
    over ``pixels`` (finer detail cannot be seen), with shared borders kept shared (shapely's
    coverage_simplify: neighbours neither gap nor overlap) and coordinates on a grid of ``precision``
    degrees (≈ 10 m). ``outlines``: county_code, county_name, geojson; returns the same columns."""
    import json

    import shapely
    from shapely.geometry import mapping, shape
    if outlines is None or outlines.empty:
        return outlines
    geoms = [shape(json.loads(g)) for g in outlines["geojson"]]
    bounds = shapely.total_bounds(geoms)
    tolerance = max(bounds[2] - bounds[0], bounds[3] - bounds[1]) / pixels
    simple = [shapely.set_precision(g, precision) for g in shapely.coverage_simplify(geoms, tolerance)]
    out = outlines.copy()
    out["geojson"] = [json.dumps(mapping(g), separators=(",", ":")) for g in simple]
    return out


def label_layout(lons, lats, texts, bounds, width_px: int = 900, height_px: int = 460, font_px: int = 12,
                 priority=None, pad_px: int = 4) -> list[bool]:
    """Which place names to write on a map so that none overlaps another: each label a box of
    len(text) × font_px by font_px + pad, centred on its point, at the scale the map opens with (``bounds``
    (minx, miny, maxx, maxy) fitted into width_px × height_px, Web Mercator); labels are placed greedily by
    ``priority`` (larger first; default: as given) and one that would touch a placed one is left out — its
    name stays in the tooltip. Returns one flag per label."""
    import math
    minx, miny, maxx, maxy = bounds

    def merc(lat):
        lat = max(min(float(lat), 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    span_x = max(math.radians(maxx - minx), 1e-9)
    span_y = max(merc(maxy) - merc(miny), 1e-9)
    scale = min(width_px / span_x, height_px / span_y)           # pixels per Mercator unit, as fitBounds
    n = len(texts)
    order = list(range(n)) if priority is None else sorted(range(n), key=lambda i: -float(priority[i]))
    placed, shown = [], [False] * n
    for i in order:
        if lons[i] is None or lats[i] is None or not (math.isfinite(float(lons[i])) and math.isfinite(float(lats[i]))):
            continue
        x, y = math.radians(float(lons[i])) * scale, -merc(lats[i]) * scale
        w, h = len(str(texts[i])) * font_px + pad_px, font_px + pad_px
        box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            continue
        placed.append(box)
        shown[i] = True
    return shown


def standing_fills(counties) -> dict[str, dict]:
    """Per county its overall standing's colour (STANDING_COLOURS), from :func:`service.region_verdicts`
    ``counties``: county code → {status, value (failing items), colour}."""
    return {str(c): {"status": s, "value": int(n), "colour": STANDING_COLOURS[s]}
            for c, s, n in zip(counties["county_code"], counties["standing"], counties["n_fail"])}
