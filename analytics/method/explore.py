"""探索分析: every measure of every school × 学段 × year in one table, the groups to colour and split it by, and
the summaries the 探索分析 page draws — a pupil-weighted pivot, the weighted Lorenz curve with its Gini, the
Theil index split between and within groups. Pure functions: the page only draws what they return.

Measures (``MEASURES``: key → kind):
- indicator: the seven resource indicators L1–L7 in their units; ratio: each divided by its line (1 = on it);
- raw: the contract's counts and areas of the 学段 (pupils, classes, teachers, areas, equipment, rooms);
- funding: the contract's 经费 sheet per school and year (the same value on each 学段 row of a school);
- derived: average class size = pupils / classes; share of classes above the class-size line (from the
  class rows); indicators met (of 7); pupils' change since the year before (this year − last year, only
  when the school has the 学段 in the year right before); distance to the nearest other school teaching the
  same 学段 that year (km, straight line, in the county's Gauss-Krüger projection).
Groups (``GROUPS``): 城乡 (urban_rural_group), school type, town, compliance status.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.geo.spatial import metric_epsg, project
from analytics.method import school_rule, sizing
from analytics.standards import Standards

INDICATORS = ("L1", "L2", "L3", "L4", "L5", "L6", "L7")
RAW = ("students", "classes", "teachers", "teachers_above_degree", "backbone_teachers", "pe_teachers",
       "music_teachers", "art_teachers", "teaching_area_m2", "sports_area_m2", "equipment_value_wan",
       "multimedia_rooms")
FUNDING = ("funds_per_student_standard", "public_funds", "training_funds", "inclusive_students")
DERIVED = ("class_size_avg", "over_line_share", "met_count", "students_change", "nearest_school_km")
MEASURES = {**{c: "indicator" for c in INDICATORS}, **{f"{c}_ratio": "ratio" for c in INDICATORS},
            **{c: "raw" for c in RAW}, **{c: "funding" for c in FUNDING}, **{c: "derived" for c in DERIVED}}
GROUPS = ("urban_rural_group", "school_type", "town", "status")
REGION_GROUPS = GROUPS + ("county_name",)      # at city or province scope
KEY = ["school_id", "stage", "year"]


def measure_table(rows: pd.DataFrame, classes: pd.DataFrame, standards: Standards,
                  funding: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per school × 学段 × year of ``rows`` (:func:`analytics.service.indicator_rows`, every year asked
    for) with every measure of ``MEASURES`` and the groups; ``classes`` are the class rows and ``funding`` the
    经费 rows of the same schools and years. A value that cannot be computed is NaN (never 0)."""
    keep = KEY + ["name", "town", "school_type", "urban_rural_group", "lon", "lat", "in_scope"]
    keep += [c for c in ("county_code", "county_name") if c in rows.columns]
    if rows.empty:
        return pd.DataFrame(columns=keep + list(MEASURES))
    out = rows[keep].copy()
    for code in INDICATORS + RAW:
        out[code] = pd.to_numeric(rows[code], errors="coerce").astype(float)
    compliance = school_rule.school_compliance(rows, standards)
    for code in INDICATORS:
        out[f"{code}_ratio"] = compliance[f"ratio_{code}"].astype(float)
    out["met_count"] = compliance["met_count"].astype(float)
    out["status"] = compliance["status"].to_numpy()
    out["class_size_avg"] = out["students"] / out["classes"].where(out["classes"] > 0)
    out = out.merge(over_line_shares(classes, standards), on=KEY, how="left")
    previous = out[KEY + ["students"]].assign(year=out["year"] + 1).rename(columns={"students": "_before"})
    out = out.merge(previous, on=KEY, how="left")
    out["students_change"] = out["students"] - out.pop("_before")
    out["nearest_school_km"] = nearest_school_km(out)
    money = funding if funding is not None and len(funding) else pd.DataFrame(columns=["school_id", "year", *FUNDING])
    money = money[["school_id", "year", *FUNDING]].drop_duplicates(["school_id", "year"])
    out = out.merge(money.astype({c: float for c in FUNDING}), on=["school_id", "year"], how="left")
    return out


def nearest_school_km(table: pd.DataFrame) -> pd.Series:
    """Per row: km to the nearest other school of the same 学段 and year with a position (NaN without a
    position or without another school)."""
    from scipy.spatial import cKDTree

    out = pd.Series(np.nan, index=table.index, dtype=float)
    placed = table[table["lon"].notna() & table["lat"].notna()]
    if len(placed) < 2:
        return out
    epsg = metric_epsg(float(placed["lon"].median()))
    for _, part in placed.groupby(["year", "stage"]):
        if len(part) < 2:
            continue
        x, y = project(part["lon"], part["lat"], epsg)
        dist, _ = cKDTree(np.column_stack([x, y])).query(np.column_stack([x, y]), k=2)
        out.loc[part.index] = dist[:, 1] / 1000
    return out


def trend(table: pd.DataFrame, group: str, measure: str) -> pd.DataFrame:
    """Per group and year: the pupil-weighted mean of ``measure`` (over the rows where it is known) and the
    schools counted (year, group, weighted_mean, schools)."""
    known = table[table[measure].notna() & (table["students"].fillna(0) > 0)]
    if known.empty:
        return pd.DataFrame(columns=["year", "group", "weighted_mean", "schools"])
    weighted = known.assign(_xp=known[measure] * known["students"])
    out = weighted.groupby(["year", group], as_index=False).agg(_xp=("_xp", "sum"), _p=("students", "sum"),
                                                                 schools=("school_id", "nunique"))
    out["weighted_mean"] = out.pop("_xp") / out.pop("_p")
    return out.rename(columns={group: "group"})[["year", "group", "weighted_mean", "schools"]]


def over_line_shares(classes: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Share of a school's classes of a 学段 and year above the 学段's class-size line (school_id, stage, year,
    over_line_share); a school without class rows has no row (its share is unknown, not 0)."""
    if classes.empty:
        return pd.DataFrame({"school_id": pd.Series(dtype=object), "stage": pd.Series(dtype=object),
                             "year": pd.Series(dtype=int), "over_line_share": pd.Series(dtype=float)})
    banded = sizing.class_bands(classes, standards)
    return (banded.groupby(["school_id", "stage", "year"], as_index=False)["over_line"].mean()
            .rename(columns={"over_line": "over_line_share"}))


def pivot(table: pd.DataFrame, group: str, measure: str) -> pd.DataFrame:
    """Per group: schools, pupils, the pupil-weighted mean Σ PᵢXᵢ / Σ Pᵢ (over the rows where the measure is
    known), the plain sum, min and max, and how many rows have it unknown. A total row last."""
    def summary(part: pd.DataFrame) -> dict:
        known = part[part[measure].notna()]
        pupils = known["students"].fillna(0)
        return {"schools": part["school_id"].nunique(), "pupils": float(part["students"].fillna(0).sum()),
                "weighted_mean": float((known[measure] * pupils).sum() / pupils.sum()) if pupils.sum() > 0 else np.nan,
                "sum": float(known[measure].sum()) if len(known) else np.nan,
                "min": float(known[measure].min()) if len(known) else np.nan,
                "max": float(known[measure].max()) if len(known) else np.nan,
                "unknown": int(part[measure].isna().sum())}
    groups = [dict(summary(part), group=name, is_total=False)
              for name, part in table.groupby(group, sort=True, dropna=False)]
    groups.append(dict(summary(table), group=None, is_total=True))
    return pd.DataFrame(groups, columns=["group", "schools", "pupils", "weighted_mean", "sum", "min", "max", "unknown",
                                         "is_total"])


def lorenz(values, weights) -> pd.DataFrame:
    """The weighted Lorenz curve of a resource per pupil: schools sorted by ``values`` (per pupil), x = the
    cumulative share of pupils, y = the cumulative share of the resource (Σ wᵢxᵢ); starts at (0, 0). Rows
    with an unknown value or no pupils are left out."""
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = np.isfinite(x) & np.isfinite(w) & (w > 0)
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    if w.sum() <= 0 or (w * x).sum() <= 0:
        return pd.DataFrame({"pupils_share": [0.0], "resource_share": [0.0]})
    return pd.DataFrame({"pupils_share": np.concatenate([[0.0], np.cumsum(w) / w.sum()]),
                         "resource_share": np.concatenate([[0.0], np.cumsum(w * x) / (w * x).sum()])})


def gini(curve: pd.DataFrame) -> float:
    """Gini of a :func:`lorenz` curve: G = 1 − Σ (Pᵢ − Pᵢ₋₁)(Lᵢ + Lᵢ₋₁), twice the area between the curve and
    the line of equality (0: every pupil has the same; towards 1: a few have all). NaN without a curve."""
    p, share = curve["pupils_share"].to_numpy(), curve["resource_share"].to_numpy()
    if len(p) < 2:
        return float("nan")
    return float(1 - np.sum(np.diff(p) * (share[1:] + share[:-1])))
