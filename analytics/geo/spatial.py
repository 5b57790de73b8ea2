"""Distances and layout decisions in metres (projected CRS), as pure functions.

Points are projected to CGCS2000 / 3-degree Gauss-Krüger with the central meridian nearest the
county (EPSG:4534 + (CM − 75°)/3; 盐城 → CM 120°E → EPSG:4549), where distances are true to
well under 0.1 % within a county.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

from analytics import codes
from analytics.standards import Standards


def metric_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Krüger CRS whose central meridian is nearest ``lon``."""
    cm = 3 * round(float(lon) / 3)
    cm = min(max(cm, 75), 135)
    return 4534 + (cm - 75) // 3


@lru_cache(maxsize=16)
def _transformer(epsg: int) -> Transformer:
    return Transformer.from_crs(4326, epsg, always_xy=True)


def project(lon, lat, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    """lon/lat (WGS84 degrees) → x/y metres in ``epsg``."""
    x, y = _transformer(epsg).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def nearest(from_lon, from_lat, to_lon, to_lat, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    """For each ``from`` point, the index of the nearest ``to`` point and the distance in metres."""
    tx, ty = project(to_lon, to_lat, epsg)
    fx, fy = project(from_lon, from_lat, epsg)
    if len(tx) == 0:
        return np.full(len(fx), -1), np.full(len(fx), np.inf)
    dist, idx = cKDTree(np.column_stack([tx, ty])).query(np.column_stack([fx, fy]))
    return np.asarray(idx), np.asarray(dist)


def stage_schools(points: pd.DataFrame, stage: str) -> pd.DataFrame:
    """Ordinary schools that teach ``stage`` (``stages`` column lists them, e.g. '小学、初中'), with coordinates.
    A special-education school (特殊教育学校, type 5xx) takes its pupils from the whole county, not from a
    catchment: it is never the school a settlement's children walk to, nor seats a plan can send them to."""
    ordinary = (~points["school_type"].map(codes.is_special_education).astype(bool)
                if "school_type" in points else pd.Series(True, index=points.index))
    return points[points["stages"].str.contains(stage) & points["lon"].notna() & ordinary].reset_index(drop=True)


def town_area_kind(schools: pd.DataFrame, urban_share: float) -> dict[str, str]:
    """'urban' or 'rural' per town: urban when at least ``urban_share`` of its pupils are in 城区 schools
    (standards ``layout.town_urban_share``; a 镇 whose pupils sit in its 镇区 central school still has village
    settlements: rural walking lines)."""
    s = schools.assign(urban=schools["urban_rural_group"] == "城区")
    share = s.groupby("town").apply(lambda g: (g["students"] * g["urban"]).sum() / max(g["students"].sum(), 1),
                                    include_groups=False)
    return {t: ("urban" if v >= urban_share else "rural") for t, v in share.items()}


def assign_children(settlements: pd.DataFrame, points: pd.DataFrame, stage: str, standards: Standards,
                    epsg: int) -> pd.DataFrame:
    """Each settlement's school-age children go to the nearest school teaching ``stage``.

    Children: age_6_11 for 小学, age_12_14 for 初中. Norm: ``layout.service_radius_m`` by the
    settlement's town kind (urban / rural, see :func:`town_area_kind`). Adds columns school_id,
    school, distance_m, children, norm_m, beyond (distance > norm).
    """
    schools = stage_schools(points, stage)
    idx, dist = nearest(settlements["lon"], settlements["lat"], schools["lon"], schools["lat"], epsg)
    kind = town_area_kind(points, float(standards["layout"]["town_urban_share"]))
    radius = standards["layout"]["service_radius_m"][stage]
    out = settlements.copy()
    out["school_id"] = schools["school_id"].to_numpy()[idx] if len(schools) else None
    out["school"] = schools["name"].to_numpy()[idx] if len(schools) else None
    out["distance_m"] = dist
    out["children"] = settlements[codes.CHILDREN_COLUMN[stage]].fillna(0).astype(float)
    out["area_kind"] = settlements["town"].map(kind).fillna("rural")
    out["norm_m"] = out["area_kind"].map(radius).astype(float)
    out["beyond"] = out["distance_m"] > out["norm_m"]
    return out


def beyond_by_town(assigned: pd.DataFrame) -> pd.DataFrame:
    """Per town: children, children beyond the norm and their share, mean distance (child-weighted)."""
    g = assigned.assign(beyond_children=assigned["children"] * assigned["beyond"],
                        weighted=assigned["children"] * assigned["distance_m"])
    out = g.groupby("town").agg(children=("children", "sum"), beyond=("beyond_children", "sum"),
                                weighted=("weighted", "sum"), norm_m=("norm_m", "first")).reset_index()
    out["share_beyond"] = out["beyond"] / out["children"].where(out["children"] > 0)
    out["mean_distance_m"] = out["weighted"] / out["children"].where(out["children"] > 0)
    return out.drop(columns="weighted").sort_values("share_beyond", ascending=False)


def class_fixes(classes: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """What it takes to bring every class of a school × grade to the 学段 line.

    needed = ceil(students / line) classes for the grade; extra = max(0, needed − classes now);
    classrooms = extra (one room per class); teachers = ⌈extra × ``teachers_per_extra_class``⌉ (people are
    hired whole: 3 extra 小学 classes × 1.8 = 5.4 → 6 teachers).
    """
    if classes.empty:
        return pd.DataFrame(columns=["school_id", "grade", "stage", "students", "classes", "needed",
                                     "extra_classes", "classrooms", "teachers"])
    g = classes.groupby(["school_id", "grade"]).agg(students=("students", "sum"), classes=("students", "size"),
                                                    largest=("students", "max")).reset_index()
    g["stage"] = codes.stages_of_grades(g["grade"])
    line = g["stage"].map(standards["class_size"]["max"]).astype(float)
    g["needed"] = np.ceil(g["students"] / line).astype(int)
    g["extra_classes"] = (g["needed"] - g["classes"]).clip(lower=0)
    g["classrooms"] = g["extra_classes"]
    rate = g["stage"].map(standards["layout"]["teachers_per_extra_class"]).astype(float)
    g["teachers"] = np.ceil(g["extra_classes"] * rate - 1e-9).astype(int)
    return g


def seats(points: pd.DataFrame, standards: Standards) -> pd.Series:
    """Seats of each school: 核定学位数, else classes × the class-size line (初中 line for 初中-only schools)."""
    line = points["stages"].map(lambda s: standards["class_size"]["max"][codes.JUNIOR]
                                if s == codes.JUNIOR else standards["class_size"]["max"][codes.PRIMARY])
    return points["capacity"].where(points["capacity"].notna(), points["classes"] * line)


def spare_seats(points: pd.DataFrame, standards: Standards) -> pd.Series:
    """Seats free at each school: :func:`seats` − students; may be negative."""
    return seats(points, standards) - points["students"]


def spare_nearby(targets: pd.DataFrame, points: pd.DataFrame, standards: Standards, epsg: int, top: int = 3) -> dict:
    """For each target school, up to ``top`` schools of a shared 学段 with free seats within
    ``layout.spare_search_m``: {school_id: [(name, distance_m, spare_seats), …]}."""
    limit = standards["layout"]["spare_search_m"]
    spare = spare_seats(points, standards)
    ordinary = ~points["school_type"].map(codes.is_special_education)
    donors = points.assign(spare=spare)[(spare > 0) & ordinary].dropna(subset=["lon", "lat"]).reset_index(drop=True)
    out = {}
    if donors.empty:
        return {sid: [] for sid in targets["school_id"]}
    dx, dy = project(donors["lon"], donors["lat"], epsg)
    tree = cKDTree(np.column_stack([dx, dy]))
    tx, ty = project(targets["lon"], targets["lat"], epsg)
    ids, names, offered = donors["school_id"].to_numpy(), donors["name"].to_numpy(), donors["stages"].to_numpy()
    free = donors["spare"].to_numpy()
    for sid, stages, x, y in zip(targets["school_id"], targets["stages"], tx, ty):
        found = []
        wanted = stages.split("、")
        for j in tree.query_ball_point([x, y], r=limit):
            if ids[j] != sid and any(s in offered[j] for s in wanted):
                found.append((names[j], float(math.hypot(dx[j] - x, dy[j] - y)), int(free[j])))
        out[sid] = sorted(found, key=lambda f: f[1])[:top]
    return out


def small_school_options(small: pd.DataFrame, points: pd.DataFrame, standards: Standards, epsg: int,
                         funds_per_student: float) -> pd.DataFrame:
    """For each small village school: distance to the nearest school of the same 学段 with at
    least ``larger_min_students``; what the small-school funding floor adds (G6:
    (floor − students) × per-student standard when positive); and a neutral flag — 'discuss'
    when a larger school is within ``merge_max_distance_m``, else 'keep' (too far to merge)."""
    rules = standards["small_school_rules"]
    floor = standards["funding"]["small_school_floor_students"]
    larger = stage_schools(points, codes.PRIMARY)
    larger = larger[larger["students"] >= rules["larger_min_students"]].reset_index(drop=True)
    idx, dist = nearest(small["lon"], small["lat"], larger["lon"], larger["lat"], epsg)
    out = small.copy()
    out["nearest_larger"] = larger["name"].to_numpy()[idx] if len(larger) else None
    out["distance_m"] = dist
    out["floor_adds_yuan"] = (floor - out["students"]).clip(lower=0) * funds_per_student
    out["option"] = np.where(out["distance_m"] <= rules["merge_max_distance_m"], "discuss", "keep")
    return out
