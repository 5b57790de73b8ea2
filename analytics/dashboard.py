"""What the pages and the CLI show, computed from a :class:`Store` (no Streamlit here).

Each function takes the store, a county and a year, and returns plain DataFrames / dicts
built from the pure metrics, so a page, the CLI and a test all see the same numbers.
"""
from __future__ import annotations

import math

import pandas as pd

from analytics import metrics
from analytics.config import Standards, load_standards
from analytics.indicators import school_stage_indicators
from analytics.storage import Store


def standards_for(county_code: str) -> Standards:
    return load_standards(county_code)


def indicator_rows(store: Store, county_code: str, years: list[int]) -> pd.DataFrame:
    """Seven indicators per school × 学段 for the county and years (with scope)."""
    stats = store.stage_stats(county_code, years)
    schools = store.schools(county_code)
    return school_stage_indicators(stats, schools, standards_for(county_code))


def cv_report(store: Store, county_code: str, year: int) -> pd.DataFrame:
    """CV table of the county and year (see :func:`metrics.cv_table`)."""
    rows = indicator_rows(store, county_code, [year])
    return metrics.cv_table(rows, standards_for(county_code))


def cv_records(store: Store, county_code: str, year: int) -> list[dict]:
    """The CV table as JSON-ready records, as printed by ``python -m analytics cv --json``."""
    table = cv_report(store, county_code, year)
    out = []
    for r in table.itertuples():
        rec = {"stage": r.stage, "indicator": r.indicator,
               "mean": None if math.isnan(r.mean) else r.mean,
               "sd": None if math.isnan(r.sd) else r.sd,
               "cv": None if math.isnan(r.cv) else r.cv,
               "threshold": r.threshold, "passed": r.passed, "n_schools": int(r.n_schools)}
        if r.indicator == metrics.COMPOSITE:
            rec["informational"] = True
        out.append(rec)
    return out


def overview(store: Store, county_code: str, year: int) -> dict:
    """Everything the 总览 page shows for a county and year.

    Keys: cv (this year), cv_previous (previous year or empty), verdicts, compliance_summary,
    gaps (largest urban–rural ratios), schools_in_scope, students_in_scope.
    """
    std = standards_for(county_code)
    rows = indicator_rows(store, county_code, [year - 1, year])
    now, prev = rows[rows["year"] == year], rows[rows["year"] == year - 1]
    cv = metrics.cv_table(now, std)
    cv_prev = metrics.cv_table(prev, std)
    compliance = metrics.school_compliance(now, std)
    gaps = metrics.urban_rural_gaps(now, std)
    scoped = now[now["in_scope"]]
    return {
        "cv": cv,
        "cv_previous": cv_prev,
        "verdicts": metrics.stage_verdicts(cv),
        "compliance": compliance,
        "compliance_summary": metrics.compliance_summary(compliance) if len(compliance) else pd.DataFrame(),
        "gaps": gaps.sort_values("ratio", ascending=False) if len(gaps) else gaps,
        "schools_in_scope": scoped.groupby("stage")["school_id"].nunique().to_dict(),
        "students_in_scope": scoped.groupby("stage")["students"].sum().to_dict(),
    }


def resources(store: Store, county_code: str, year: int) -> dict:
    """CV table, the school × indicator compliance grid and each school's variance share."""
    std = standards_for(county_code)
    rows = indicator_rows(store, county_code, [year])
    cv = metrics.cv_table(rows, std)
    compliance = metrics.school_compliance(rows, std)
    shares = []
    scoped = rows[rows["in_scope"]]
    for stage, part in scoped.groupby("stage"):
        for code in [c for c in cv["indicator"].unique() if c != metrics.COMPOSITE]:
            mean = metrics.weighted_cv(part[code], part["students"]).mean
            s = metrics.variance_shares(part[code], part["students"])
            shares.append(pd.DataFrame({"stage": stage, "indicator": code, "school_id": part["school_id"].values,
                                        "name": part["name"].values, "students": part["students"].values,
                                        "value": part[code].values, "share": s,
                                        "above_mean": part[code].values > mean}))
    shares_df = pd.concat(shares, ignore_index=True) if shares else pd.DataFrame(
        columns=["stage", "indicator", "school_id", "name", "students", "value", "share", "above_mean"])
    return {"rows": rows, "cv": cv, "compliance": compliance, "variance_shares": shares_df}


def gaps(store: Store, county_code: str, year: int) -> pd.DataFrame:
    rows = indicator_rows(store, county_code, [year])
    return metrics.urban_rural_gaps(rows, standards_for(county_code))


def class_sizes(store: Store, county_code: str, year: int) -> dict:
    """Classes in bands (from the 班级 sheet, else estimated from averages) and big schools."""
    std = standards_for(county_code)
    schools = store.schools(county_code)
    stats = store.stage_stats(county_code, [year])
    classes = store.classes(county_code, [year])
    estimated = classes.empty
    banded = metrics.class_bands_from_averages(stats, std) if estimated else metrics.class_bands(classes, std)
    info = schools[["school_id", "name", "town", "urban_rural_group", "lon", "lat"]]
    banded = banded.merge(info, on="school_id", how="left")
    by_school = metrics.band_counts(banded, ["school_id", "name", "town", "stage"])
    if len(banded):
        largest = banded.groupby(["school_id", "stage"])["students"].max().rename("max_class").reset_index()
        by_school = by_school.merge(largest, on=["school_id", "stage"], how="left")
    return {
        "estimated": estimated,
        "classes": banded,
        "by_stage": metrics.band_counts(banded, ["stage"]),
        "by_group": metrics.band_counts(banded, ["stage", "urban_rural_group"]),
        "by_school": by_school,
        "schools": metrics.oversized_schools(stats, schools, std).merge(
            schools[["school_id", "lon", "lat"]], on="school_id"),
    }


def small_schools(store: Store, county_code: str, years: list[int]) -> pd.DataFrame:
    """Village schools × years with ``small`` / ``very_small`` flags (for the trend and list)."""
    std = standards_for(county_code)
    return metrics.small_rural_schools(store.stage_stats(county_code, years), store.schools(county_code), std)


def town_summary(store: Store, county_code: str, year: int) -> pd.DataFrame:
    """Schools and students per town and 学段 for the layout page."""
    stats = store.stage_stats(county_code, [year])
    schools = store.schools(county_code)
    parts = stats[stats["stage"].isin(["小学", "初中"])].merge(schools[["school_id", "town"]], on="school_id")
    out = parts.pivot_table(index="town", columns="stage", values="students", aggfunc="sum", fill_value=0)
    out["schools"] = parts.groupby("town")["school_id"].nunique()
    return out.reset_index()


def school_points(store: Store, county_code: str, year: int) -> pd.DataFrame:
    """One row per school with students in ``year``: position, size, compliance status.

    status (for the map colour) follows :func:`analytics.mapping.school_status`: 'out' when no
    学段 is in scope, 'fail' when any in-scope 学段 fails the 6-of-7 rule, 'unknown', 'pass'.
    """
    from analytics.mapping import school_status
    rows = indicator_rows(store, county_code, [year])
    if rows.empty:
        return pd.DataFrame(columns=["school_id", "name", "town", "school_type", "lon", "lat", "students", "status"])
    comp = metrics.school_compliance(rows, standards_for(county_code))
    comp = comp.merge(rows[["school_id", "stage", "town", "school_type", "lon", "lat", "urban_rural_group"]],
                      on=["school_id", "stage"])
    out = []
    for sid, part in comp.groupby("school_id", sort=False):
        scoped = part[part["in_scope"]]
        first = part.iloc[0]
        out.append({"school_id": sid, "name": first["name"], "town": first["town"],
                    "school_type": first["school_type"], "urban_rural_group": first["urban_rural_group"],
                    "lon": first["lon"], "lat": first["lat"], "students": int(part["students"].sum()),
                    "stages": "、".join(part["stage"]), "met": "/".join(str(m) for m in part["met_count"]),
                    "status": school_status(scoped["status"].tolist(), len(scoped) > 0)})
    return pd.DataFrame(out)
