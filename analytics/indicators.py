"""The seven resource indicators per school, 学段 and year, and which schools are in scope.

Indicator k of school i in a 学段 is X_ik = Q_ik · scale_k / P_i, where P_i is the school's
students in that 学段 and Q_ik the resource quantity:

    L1 teachers above the required degree            × 100 / P   (per 100 students)
    L2 backbone teachers (county level or above)     × 100 / P
    L3 PE + music + fine-art teachers                × 100 / P
    L4 teaching and auxiliary building area (㎡)          / P
    L5 sports hall + ground area (㎡)                     / P
    L6 teaching equipment value (万元 × 10 000 = 元)      / P
    L7 networked multimedia classrooms               × 100 / P

The county mean of an indicator is then Σ Q_ik·scale_k / Σ P_i (total resource over total
students), which is the student-weighted mean the CV formula uses.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics import contract
from analytics.config import Standards, indicator_codes

# Indicator → (columns summed for the quantity, scale to the indicator's unit).
INDICATOR_SOURCES: dict[str, tuple[tuple[str, ...], float]] = {
    "L1": (("teachers_above_degree",), 100.0),
    "L2": (("backbone_teachers",), 100.0),
    "L3": (("pe_teachers", "music_teachers", "art_teachers"), 100.0),
    "L4": (("teaching_area_m2",), 1.0),
    "L5": (("sports_area_m2",), 1.0),
    "L6": (("equipment_value_wan",), 10_000.0),
    "L7": (("multimedia_rooms",), 100.0),
}
# Resources a 一贯制 school may report only for the whole school (学段 = 全校).
SHARED_RESOURCE_COLUMNS = ("teaching_area_m2", "sports_area_m2", "equipment_value_wan",
                           "multimedia_rooms", "music_rooms", "art_rooms")
# Room sizes are properties of the rooms, not shares: a 全校 value is copied, not split.
COPIED_COLUMNS = ("music_room_min_m2", "art_room_min_m2")


def split_shares(students: dict[str, float], weights: dict[str, float]) -> dict[str, float]:
    """Share of a whole-school resource that goes to each 学段.

    share_s = w_s·P_s / Σ_t w_t·P_t  (P_s students of 学段 s, w_s its weight, e.g. 小学 1, 初中 1.1).
    Example: 166 小学 and 210 初中 students, weights 1 : 1.1 → 小学 166/397 = 0.41814.
    """
    weighted = {s: float(weights.get(s, 1.0)) * float(p) for s, p in students.items()}
    total = sum(weighted.values())
    if total <= 0:
        return {s: np.nan for s in students}
    return {s: w / total for s, w in weighted.items()}


def split_whole_school(stats: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """Fold 全校 rows into the 学段 rows of the same school and year.

    For each shared resource column: value_s = own value_s (missing counts as 0 when a 全校
    value exists) + 全校 value × share_s (see :func:`split_shares`). Room-size columns take the
    全校 value when the 学段 row has none. Adds ``split_from_whole`` (bool). Rows of other
    schools are returned unchanged.
    """
    stats = stats.copy()
    stats["split_from_whole"] = False
    whole_mask = stats["stage"] == contract.WHOLE_SCHOOL
    if not whole_mask.any():
        return stats.reset_index(drop=True)
    whole = stats[whole_mask].set_index(["school_id", "year"])
    parts = stats[~whole_mask].copy()
    for col in SHARED_RESOURCE_COLUMNS + COPIED_COLUMNS:
        parts[col] = parts[col].astype("float64")
    for (school_id, year), w in whole.iterrows():
        idx = parts.index[(parts["school_id"] == school_id) & (parts["year"] == year)]
        if len(idx) == 0:
            continue
        students = {parts.at[i, "stage"]: float(parts.at[i, "students"] or 0) for i in idx}
        shares = split_shares(students, weights)
        for i in idx:
            stage = parts.at[i, "stage"]
            for col in SHARED_RESOURCE_COLUMNS:
                if pd.notna(w[col]):
                    own = parts.at[i, col]
                    parts.at[i, col] = (0.0 if pd.isna(own) else own) + float(w[col]) * shares[stage]
            for col in COPIED_COLUMNS:
                if pd.isna(parts.at[i, col]) and pd.notna(w[col]):
                    parts.at[i, col] = float(w[col])
            parts.at[i, "split_from_whole"] = True
    return parts.reset_index(drop=True)


def resource_quantities(stats: pd.DataFrame) -> pd.DataFrame:
    """Q_k·scale_k for each indicator as columns ``Q_L1`` … (NaN when any source is missing)."""
    out = pd.DataFrame(index=stats.index)
    for code, (cols, scale) in INDICATOR_SOURCES.items():
        q = stats[list(cols)].astype("float64")
        out[f"Q_{code}"] = q.sum(axis=1, min_count=len(cols)).where(q.notna().all(axis=1)) * scale
    return out


def compute_indicators(stats: pd.DataFrame) -> pd.DataFrame:
    """Add ``Q_Lk`` (quantity in the indicator's unit) and ``Lk`` (per student) columns.

    Lk = Q_Lk / students; NaN when students is 0 or missing, or the quantity is missing.
    """
    q = resource_quantities(stats)
    students = pd.to_numeric(stats["students"]).astype("float64").where(lambda p: p > 0)
    out = pd.concat([stats, q], axis=1)
    for code in INDICATOR_SOURCES:
        out[code] = q[f"Q_{code}"] / students
    return out


def scope_reason(school_type: str, ownership: str, stage_students: float, standards: Standards) -> str | None:
    """Why a school-学段 is left out of the CVs, or None when it is in scope.

    Rules (config ``scope``): special-education schools out; 教学点 (218) with fewer students
    than ``teaching_point_min_students`` out; private schools out unless ``include_private``;
    rows without students out.
    """
    rules = standards["scope"]
    if rules.get("exclude_special_education", True) and contract.is_special_education(school_type):
        return "special"
    if not stage_students or stage_students <= 0 or pd.isna(stage_students):
        return "no_students"
    if str(school_type) == "218" and stage_students < rules.get("teaching_point_min_students", 0):
        return "small_teaching_point"
    if ownership == "民办" and not rules.get("include_private", True):
        return "private"
    return None


def school_stage_indicators(stats: pd.DataFrame, schools: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """One row per school × year × 学段 with the seven indicators, school attributes and scope.

    Columns: school_id, year, stage, students, classes, …, Q_L1…Q_L7, L1…L7, name, town,
    school_type, urban_rural_code, urban_rural_group, ownership, out_of_scope (reason or None),
    in_scope (bool), split_from_whole.
    """
    if stats.empty:
        cols = ["school_id", "year", "stage", "students", "in_scope", "out_of_scope"] + indicator_codes(standards)
        return pd.DataFrame(columns=cols)
    rows = split_whole_school(stats, standards["split_weights"])
    rows = compute_indicators(rows)
    info = schools[["school_id", "name", "town", "school_type", "urban_rural_code",
                    "urban_rural_group", "ownership", "lon", "lat"]]
    rows = rows.merge(info, on="school_id", how="left")
    rows["out_of_scope"] = [
        scope_reason(t, o, p, standards)
        for t, o, p in zip(rows["school_type"], rows["ownership"], rows["students"])
    ]
    rows["in_scope"] = rows["out_of_scope"].isna()
    return rows
