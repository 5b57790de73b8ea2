"""Class and school size: class bands (G5), oversized schools (G4), 乡村小规模学校."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.io import contract
from analytics.codes import stage_of_grade, stages_of_grades  # noqa: F401 (stage_of_grade: callers' name)
from analytics.standards import Standards


# ---------------------------------------------------------------- class and school size


# ≤ the 学段's line, then 偏大, 大班额 and 超大班额: the line and the band edges are in ``class_size``
BANDS = ("within", "large", "big", "huge")
# a school whose class rows are missing or disagree with its 学段 rows: no band is known (数据不全)
UNKNOWN_BAND = "unknown"


def class_band(size: float, stage: str, standards: Standards) -> str:
    """Band of one class: 'within' (≤ the 学段's line), 'large' (偏大, up to the first edge),
    'big' (大班额, up to the second edge), 'huge' (超大班额, above it); lines and edges from ``class_size``."""
    line = standards.class_max(stage)
    upper_large, upper_big = standards.class_band_upper
    if size <= line:
        return "within"
    if size <= upper_large:
        return "large"
    if size <= upper_big:
        return "big"
    return "huge"


def class_bands(classes: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Each class with its 学段 and band (columns of ``classes`` + stage, band, over_line)."""
    out = classes.copy()
    if out.empty:
        return out.assign(stage=pd.Series(dtype=object), band=pd.Series(dtype=object),
                          over_line=pd.Series(dtype=bool))
    grade = out["grade"].to_numpy(dtype=int)
    out["stage"] = stages_of_grades(grade)
    # :func:`class_band` on arrays (a province has hundreds of thousands of classes)
    size = out["students"].to_numpy(dtype=float)
    line = np.where(out["stage"] == contract.PRIMARY, standards.class_max(contract.PRIMARY),
                    standards.class_max(contract.JUNIOR))
    upper_large, upper_big = standards.class_band_upper
    out["band"] = np.select([size <= line, size <= upper_large, size <= upper_big], ["within", "large", "big"],
                            "huge").astype(object)
    out["over_line"] = out["band"] != "within"
    return out


def class_bands_from_averages(stats: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Fallback without the 班级 sheet: one pseudo-class per school × 学段 of size
    students / classes (rounded up), flagged ``estimated``."""
    s = stats[(stats["stage"] != contract.WHOLE_SCHOOL) & (stats["classes"] > 0)].copy()
    s["students"] = np.ceil(s["students"] / s["classes"])
    s["grade"] = np.where(s["stage"] == contract.PRIMARY, 1, 7)
    s["class_name"] = "平均"
    out = class_bands(s[["school_id", "year", "grade", "class_name", "students", "classes"]], standards)
    out["estimated"] = True
    return out


def band_counts(banded: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Count of classes in each band grouped by ``by`` (columns: by + the four bands + total)."""
    if banded.empty:
        return pd.DataFrame(columns=by + list(BANDS) + ["total"])
    weight = banded["classes"] if "estimated" in banded else 1
    counts = banded.assign(_n=weight).groupby(by + ["band"])["_n"].sum().unstack("band", fill_value=0)
    counts.columns.name = None
    for b in BANDS:
        if b not in counts:
            counts[b] = 0
    counts = counts[list(BANDS)]
    counts["total"] = counts.sum(axis=1)
    return counts.reset_index()


def band_summary(counts: pd.DataFrame) -> dict:
    """Totals over rows of :func:`band_counts`: classes, over the line (every band above 'within'),
    its share, 大班额 and 超大班额. Example: within 10, large 3, big 2, huge 1 → over 6 of 16 (37.5 %)."""
    total = int(counts["total"].sum()) if len(counts) else 0
    over = int(sum(counts[b].sum() for b in BANDS if b != "within")) if len(counts) else 0
    return {"total": total, "over": over, "over_share": over / total if total else 0.0,
            "big": int(counts["big"].sum()) if len(counts) else 0, "huge": int(counts["huge"].sum()) if len(counts) else 0}


def school_totals(stats: pd.DataFrame) -> pd.DataFrame:
    """Students and classes per school × year over its 学段 rows (全校 rows are not counted)."""
    parts = stats[stats["stage"] != contract.WHOLE_SCHOOL]
    return parts.groupby(["school_id", "year"], as_index=False)[["students", "classes"]].sum()


def oversized_schools(stats: pd.DataFrame, schools: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """School size against G4: config ``max_single_stage`` for a one-学段 school, ``max_combined`` for 一贯制.
    Students are the 学段 rows' sum; a school with a 高中部 adds its 全校 row's 高中在校生数 only where
    ``school_size.count_senior_students`` is true (national default: 义务教育 pupils only). Example: a 完全中学
    with 1,200 初中 and 1,230 高中 pupils counts 1,200 (within 2,000), or 2,430 (over) with the option.

    Columns: school_id, year, students, classes, limit, over (students > limit), excess.
    """
    totals = school_totals(stats).merge(schools[["school_id", "name", "town", "school_type", "urban_rural_group"]],
                                        on="school_id")
    if standards.senior_counts_in_size and "senior_students" in stats:
        whole = stats[stats["stage"] == contract.WHOLE_SCHOOL]
        senior = pd.to_numeric(whole["senior_students"], errors="coerce").groupby([whole["school_id"], whole["year"]]).sum()
        has_senior = totals["school_type"].map(contract.has_senior_part).astype(bool)
        add = pd.Series([senior.get((i, y), 0.0) for i, y in zip(totals["school_id"], totals["year"])], index=totals.index)
        totals["students"] = totals["students"] + add.where(has_senior, 0.0)
    totals["limit"] = np.where(totals["school_type"].map(contract.is_combined_school),
                               standards.school_size_max(True), standards.school_size_max(False))
    totals["over"] = totals["students"] > totals["limit"]
    totals["excess"] = (totals["students"] - totals["limit"]).clip(lower=0)
    return totals


def small_rural_schools(stats: pd.DataFrame, schools: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """乡村小规模学校: village schools (``small_school.village``: nationally 村小学 — a 小学 in a 村庄 — and 教学点
    in 乡村, 国办发〔2018〕27号) with fewer than ``small_school.max_students``.

    Returns every village school × year with students, ``small`` (< max_students) and
    ``very_small`` (< very_small_students); filter by ``small`` for the list.
    """
    rule = standards.village_schools
    village = schools[[contract.is_village_school(t, u, rule) for t, u in zip(schools["school_type"], schools["urban_rural_code"])]]
    totals = school_totals(stats).merge(village[["school_id", "name", "town", "school_type", "lon", "lat"]],
                                        on="school_id")
    totals["small"] = totals["students"] < standards.small_school_max
    totals["very_small"] = totals["students"] < standards.very_small_school_max
    return totals
