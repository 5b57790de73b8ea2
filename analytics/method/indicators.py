"""The seven resource indicators per school, 学段 and year, and which schools are in scope.

Indicator k of school i in a 学段 is X_ik = Q_ik · scale_k / P_i, where P_i is the school's
students in that 学段, Q_ik the resource quantity in natural units (persons, ㎡, 元, rooms) and
scale_k the factor of the indicator's ``kind`` in the standards (``per100`` → 100, ``per_student`` → 1):

    L1 teachers above the required degree            (per 100 students)
    L2 backbone teachers (county level or above)     (per 100 students)
    L3 PE + music + fine-art teachers                (per 100 students)
    L4 teaching and auxiliary building area (㎡)      (per student)
    L5 sports hall + ground area (㎡)                 (per student)
    L6 teaching equipment value (万元 in the workbook, 元 per student)
    L7 networked multimedia classrooms               (per 100 students)

:func:`to_indicator` and :func:`to_quantity` convert between the two; the plan and the scenarios use them.

The county mean of an indicator is then Σ Q_ik·scale_k / Σ P_i (total resource over total
students), which is the student-weighted mean the CV formula uses.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.io import contract
from analytics.standards import Standards

# Indicator → the contract's columns summed for its quantity.
INDICATOR_SOURCES: dict[str, tuple[str, ...]] = {
    "L1": ("teachers_above_degree",),
    "L2": ("backbone_teachers",),
    "L3": ("pe_teachers", "music_teachers", "art_teachers"),
    "L4": ("teaching_area_m2",),
    "L5": ("sports_area_m2",),
    "L6": ("equipment_value_wan",),
    "L7": ("multimedia_rooms",),
}
# Contract column → natural unit: the workbook gives equipment in 万元, the indicator counts 元.
from analytics.formatting import YUAN_PER_WAN  # noqa: E402 (万元: the unit of L6's 仪器设备值)
NATURAL_UNIT_FACTOR = {"equipment_value_wan": YUAN_PER_WAN}
# The indicators counted in people (teachers): whole persons, moved by 交流轮岗.
TEACHER_INDICATORS = ("L1", "L2", "L3")


def natural_factor(code: str) -> float:
    """Natural units per contract unit of indicator ``code``'s columns (万元 → 元: 10 000; else 1)."""
    return NATURAL_UNIT_FACTOR.get(INDICATOR_SOURCES[code][0], 1.0)      # an indicator's columns share a unit


def to_indicator(code: str, quantity, students, standards: Standards):
    """Indicator value from a natural quantity: X = Q · scale_k / P (NaN-safe on arrays).

    Example: 9 teachers for 300 pupils, L1 (per100) → 9 · 100 / 300 = 3.0 per 100 pupils.
    """
    out = np.asarray(quantity, dtype=float) * standards.indicator_scale(code) / np.asarray(students, dtype=float)
    return float(out) if out.ndim == 0 else out


def to_quantity(code: str, value, students, standards: Standards):
    """Natural quantity (persons, ㎡, 元, rooms) behind an indicator value: Q = X · P / scale_k.

    Example: L6 at 1 000 元 per pupil for 300 pupils → 300 000 元; L7 at 3.0 per 100 for 300 → 9 rooms.
    """
    out = np.asarray(value, dtype=float) * np.asarray(students, dtype=float) / standards.indicator_scale(code)
    return float(out) if out.ndim == 0 else out
# The 高中部 of a 完全中学 / 十二年一贯制 school: it shares the 全校 resources but is not assessed.
SENIOR = "高中"
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
    value exists) + 全校 value × share_s (see :func:`split_shares`). A 全校 row with 高中在校生数
    (a 完全中学) adds the 高中 to the split — 初中 share = 1.1·P_初中 / (1.1·P_初中 + 1.32·P_高中) with
    the default weights (初中 : 高中 = 1 : 1.2) — and the 高中's part is dropped. Room-size columns take the
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
        senior = w.get("senior_students")
        if senior is not None and pd.notna(senior) and float(senior) > 0:
            students[SENIOR] = float(senior)          # the 高中部 takes its share; it is not a row of ours
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


def resource_quantities(stats: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Q_k·scale_k for each indicator as columns ``Q_L1`` … (NaN when any source is missing): the
    natural quantity times the indicator's scale, so that Q_Lk / P is the indicator."""
    out = pd.DataFrame(index=stats.index)
    for code, cols in INDICATOR_SOURCES.items():
        q = stats[list(cols)].astype("float64")
        natural = q.sum(axis=1, min_count=len(cols)).where(q.notna().all(axis=1)) * natural_factor(code)
        out[f"Q_{code}"] = natural * standards.indicator_scale(code)
    return out


def compute_indicators(stats: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Add ``Q_Lk`` (quantity in the indicator's unit) and ``Lk`` (per student) columns.

    Lk = Q_Lk / students; NaN when students is 0 or missing, or the quantity is missing.
    """
    q = resource_quantities(stats, standards)
    students = pd.to_numeric(stats["students"]).astype("float64").where(lambda p: p > 0)
    out = pd.concat([stats, q], axis=1)
    for code in INDICATOR_SOURCES:
        out[code] = q[f"Q_{code}"] / students
    return out


def scope_reason(school_type: str, ownership: str, stage_students: float, standards: Standards) -> str | None:
    """Why a school-学段 is left out of the CVs, or None when it is in scope.

    Rules (config ``scope``): special-education schools out; schools of ``min_students_types`` (教学点 by
    default) with fewer students in the 学段 than ``teaching_point_min_students`` out; private schools out unless ``include_private``;
    rows without students out.
    """
    rules = standards["scope"]
    if rules.get("exclude_special_education", True) and contract.is_special_education(school_type):
        return "special"
    if not stage_students or stage_students <= 0 or pd.isna(stage_students):
        return "no_students"
    if contract.school_type_code(school_type) in standards.min_students_types \
            and stage_students < rules.get("teaching_point_min_students", 0):
        return "small_teaching_point"
    if ownership == "民办" and not rules.get("include_private", True):
        return "private"
    return None


def in_scope_by_stage(rows: pd.DataFrame, standards: Standards):
    """(学段, its in-scope rows) for every 学段 of the standards that has any: what each county figure
    (CVs, gaps) is computed over."""
    scoped = rows[rows["in_scope"]] if len(rows) else rows
    for stage in standards.stages:
        part = scoped[scoped["stage"] == stage] if len(scoped) else scoped
        if not part.empty:
            yield stage, part


def school_stage_indicators(stats: pd.DataFrame, schools: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """One row per school × year × 学段 with the seven indicators, school attributes and scope.

    Columns: school_id, year, stage, students, classes, …, Q_L1…Q_L7, L1…L7, name, town,
    school_type, urban_rural_code, urban_rural_group, ownership, out_of_scope (reason or None),
    in_scope (bool), split_from_whole. (A caller that reads fewer school columns — the comparison of
    many counties — gets only those of name … lat it passed.)
    """
    if stats.empty:
        cols = ["school_id", "year", "stage", "students", "in_scope", "out_of_scope"] + standards.indicator_codes
        return pd.DataFrame(columns=cols)
    rows = split_whole_school(stats, standards["split_weights"])
    rows = compute_indicators(rows, standards)
    info = schools[[c for c in ("school_id", "name", "town", "school_type", "urban_rural_code",
                                "urban_rural_group", "ownership", "lon", "lat") if c in schools.columns]]
    rows = rows.merge(info, on="school_id", how="left")
    rows["out_of_scope"] = scope_reasons(rows["school_type"], rows["ownership"], rows["students"], standards)
    rows["in_scope"] = rows["out_of_scope"].isna()
    return rows


def scope_reasons(school_type: pd.Series, ownership: pd.Series, students: pd.Series, standards: Standards) -> list:
    """:func:`scope_reason` of every row, asked once per distinct case rather than once per row: the rule
    reads the students only as missing-or-none / below the 教学点 minimum / enough, so each row is its
    (type, ownership, band) case with a students count standing for its band."""
    least = float(standards["scope"].get("teaching_point_min_students", 0) or 0)
    count = pd.to_numeric(students, errors="coerce").astype("float64").to_numpy()
    band = np.where(np.isnan(count) | (count <= 0), 0, np.where(count < least, 1, 2))
    stand_in = (0.0, least / 2, max(least, 1.0))
    t_code, t_values = pd.factorize(school_type, use_na_sentinel=False)
    o_code, o_values = pd.factorize(ownership, use_na_sentinel=False)
    case = (t_code.astype(np.int64) * len(o_values) + o_code) * 3 + band
    cases, which = np.unique(case, return_inverse=True)
    answers = np.array([scope_reason(t_values[c // 3 // len(o_values)], o_values[c // 3 % len(o_values)],
                                     stand_in[c % 3], standards) for c in cases.tolist()], dtype=object)
    return answers[which.reshape(-1)].tolist()
