"""County outlines (cnmaps, at import time only) and approximate town areas.

cnmaps ships the national administrative boundaries offline; it is slow to import (~3 s,
~390 MB) so it is only used while a dataset is built, and the outlines are stored in the
database as GeoJSON. Town (乡镇街道) outlines are not published: unless the user supplies
them, each town gets the Voronoi cell of its seat (the mean position of its schools and
settlements) clipped to the county — flagged ``approximate`` and labelled 示意 on maps.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import yaml
from shapely.geometry import MultiPoint, mapping, shape

REGIONS_PATH = Path(__file__).resolve().parents[2] / "data" / "regions.yaml"
OUTLINE_COLUMNS = ["county_code", "county_name", "province", "city", "geojson", "source"]
SIMPLIFY_DEGREES = 0.0005        # ≈ 50 m: keeps a county outline small for the browser


@lru_cache(maxsize=1)
def province_names() -> dict[str, str]:
    with open(REGIONS_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)["provinces"]


@lru_cache(maxsize=8)
def province_counties(province: str):
    """Every county outline of a province from cnmaps (WGS84), cached; heavy — only when data are built."""
    from cnmaps import get_adm_maps      # heavy: imported only when a dataset is built
    gdf = get_adm_maps(province=province, level="区县", engine="geopandas")
    return gdf.set_crs(4326, allow_override=True)


def county_outlines(counties: pd.DataFrame) -> pd.DataFrame:
    """Outline of each county (columns county_code, county_name, optional lon / lat: where its schools
    are) from cnmaps, by province + name. Where a province has two units of one name (南京市鼓楼区 and
    徐州市鼓楼区) the one holding (else nearest to) the county's lon / lat is taken.

    Counties whose name is missing or not found are left out; the caller reports them.
    """
    rows = []
    for _, c in counties.iterrows():
        province = province_names().get(str(c["county_code"])[:2])
        name = c.get("county_name")
        if not province or not isinstance(name, str):
            continue
        gdf = province_counties(province)
        match = gdf[gdf["district"] == name]
        if match.empty:
            continue
        row = match.iloc[0]
        lon, lat = c.get("lon"), c.get("lat")
        if len(match) > 1 and pd.notna(lon) and pd.notna(lat):      # a name used twice in the province
            here = shapely.Point(float(lon), float(lat))
            row = match.iloc[int(np.argmin([g.distance(here) for g in match.geometry]))]
        geom = shapely.make_valid(row.geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True))
        rows.append({"county_code": c["county_code"], "county_name": name, "province": province,
                     "city": row["city"], "geojson": json.dumps(mapping(geom)), "source": "cnmaps"})
    return pd.DataFrame(rows, columns=OUTLINE_COLUMNS)


def outline_shapes(outlines: pd.DataFrame | None) -> dict:
    if outlines is None or outlines.empty:
        return {}
    return {r.county_code: shape(json.loads(r.geojson)) for r in outlines.itertuples()}


def points_within(geom, lon: np.ndarray, lat: np.ndarray, tolerance_m: float = 0.0) -> np.ndarray:
    """Which points lie inside ``geom`` (lon/lat degrees), allowing ``tolerance_m`` metres outside."""
    if tolerance_m:
        geom = geom.buffer(tolerance_m / 111_000.0)
    return shapely.contains_xy(geom, lon, lat)


def town_seats(schools: pd.DataFrame, settlements: pd.DataFrame | None = None) -> pd.DataFrame:
    """Seat of each town: the mean lon/lat of its schools and settlements."""
    parts = [schools[["county_code", "town", "lon", "lat"]]]
    if settlements is not None and len(settlements):
        parts.append(settlements[["county_code", "town", "lon", "lat"]])
    pts = pd.concat(parts).dropna()
    pts = pts.astype({"lon": float, "lat": float})
    return pts.groupby(["county_code", "town"], as_index=False)[["lon", "lat"]].mean()


def approximate_town_areas(schools: pd.DataFrame, settlements: pd.DataFrame | None,
                           outlines: pd.DataFrame | None) -> pd.DataFrame:
    """Voronoi cells of the town seats clipped to the county outline (approximate = True)."""
    shapes = outline_shapes(outlines)
    rows = []
    for county, seats in town_seats(schools, settlements).groupby("county_code"):
        outline = shapes.get(county)
        if outline is None or len(seats) == 0:
            continue
        if len(seats) == 1:
            cells = [outline]
        else:
            pts = MultiPoint(list(zip(seats["lon"], seats["lat"])))
            regions = shapely.voronoi_polygons(pts, extend_to=outline.envelope.buffer(0.5))
            cells = []
            for x, y in zip(seats["lon"], seats["lat"]):
                cell = next(g for g in regions.geoms if g.covers(shapely.Point(x, y)))
                cells.append(cell.intersection(outline))
        for town, cell in zip(seats["town"], cells):
            if not cell.is_empty:
                rows.append({"county_code": county, "town": town,
                             "geojson": json.dumps(mapping(cell)), "approximate": True})
    return pd.DataFrame(rows, columns=["county_code", "town", "geojson", "approximate"])


def read_town_geojson(path, counties: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, dict]]]:
    """Town outlines supplied by the user: a GeoJSON FeatureCollection whose features carry a
    ``town`` property (and ``county_code`` when the workbook has several counties).

    Returns (rows for the town_areas table with approximate = False, problems as (key, params)).
    """
    problems: list[tuple[str, dict]] = []
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        features = data["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return pd.DataFrame(columns=["county_code", "town", "geojson", "approximate"]), [
            ("towns_not_geojson", {"detail": type(exc).__name__})]
    only_county = counties["county_code"].iloc[0] if len(counties) == 1 else None
    rows = []
    for i, f in enumerate(features, start=1):
        props = f.get("properties") or {}
        town = props.get("town") or props.get("乡镇街道") or props.get("name")
        county = str(props.get("county_code") or props.get("区县代码") or only_county or "")
        try:
            geom = shapely.make_valid(shape(f["geometry"]))
        except Exception:  # noqa: BLE001 — any malformed geometry
            problems.append(("towns_bad_feature", {"n": i}))
            continue
        if not town or not county or geom.is_empty:
            problems.append(("towns_bad_feature", {"n": i}))
            continue
        rows.append({"county_code": county, "town": str(town).strip(), "geojson": json.dumps(mapping(geom)),
                     "approximate": False})
    return pd.DataFrame(rows, columns=["county_code", "town", "geojson", "approximate"]), problems


def merge_town_areas(approximate: pd.DataFrame, supplied: pd.DataFrame | None) -> pd.DataFrame:
    """Supplied outlines replace the approximate ones of the same county; other counties keep theirs."""
    if supplied is None or supplied.empty:
        return approximate
    keep = approximate[~approximate["county_code"].isin(set(supplied["county_code"]))]
    return pd.concat([keep, supplied], ignore_index=True)
