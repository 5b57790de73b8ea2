"""One county-year for the pages and the CLI: CVs, the overview, resources and gaps, class sizes and small
schools, school points and cards, the explore table, the scorecard and a school's profile."""
from __future__ import annotations

import math

import pandas as pd

from analytics.io import contract
from analytics.io.storage import Store
from analytics.method import explore, school_rule, sizing, urban_rural, variation
from analytics.method import scorecard as sc
from analytics.planning import rectification
from analytics.service.caches import indicator_rows, once_per_version, standards_for
from analytics.standards import indicator_codes, threshold


def cv_report(store: Store, county_code: str, year: int) -> pd.DataFrame:
    """CV table of the county and year (see :func:`variation.cv_table`)."""
    rows = indicator_rows(store, county_code, [year])
    return variation.cv_table(rows, standards_for(county_code))


def cv_records(store: Store, county_code: str, year: int) -> list[dict]:
    """The CV table as JSON-ready records, as printed by ``python -m analytics cv --json``."""
    table = cv_report(store, county_code, year)
    composite = variation.composite_cv(table)
    none = lambda x: None if math.isnan(x) else x  # noqa: E731
    out = []
    for stage, part in table.groupby("stage", sort=False):
        for r in part.itertuples():
            out.append({"stage": r.stage, "indicator": r.indicator, "mean": none(r.mean), "sd": none(r.sd),
                        "cv": none(r.cv), "threshold": r.threshold, "passed": r.passed, "status": r.status,
                        "n_schools": int(r.n_schools), "n_scope": int(r.n_scope), "missing": list(r.missing)})
        rows = indicator_rows(store, county_code, [year])
        scoped = rows[rows["in_scope"] & (rows["stage"] == stage)]
        out.append({"stage": stage, "indicator": "composite", "mean": None, "sd": None,
                    "cv": none(composite[stage]), "threshold": float(part["threshold"].iloc[0]), "passed": None,
                    "n_schools": int(len(scoped)), "informational": True})
    return out


def cv_change(cv_now: pd.DataFrame, cv_prev: pd.DataFrame) -> pd.DataFrame:
    """This year's CV table with last year's CV and the change (``cv_prev``, ``change`` = now − prev)."""
    merged = cv_now.merge(cv_prev[["stage", "indicator", "cv"]], on=["stage", "indicator"], how="left",
                          suffixes=("", "_prev"))
    return merged.assign(change=merged["cv"] - merged["cv_prev"])


def overview(store: Store, county_code: str, year: int) -> dict:
    """Everything the 总览 page shows for a county and year.

    Keys: cv (this year), cv_previous (previous year or empty), verdicts, compliance_summary,
    gaps (largest urban–rural ratios), schools_in_scope, students_in_scope.
    """
    std = standards_for(county_code)
    rows = indicator_rows(store, county_code, [year - 1, year])
    now, prev = rows[rows["year"] == year], rows[rows["year"] == year - 1]
    cv = variation.cv_table(now, std)
    cv_prev = variation.cv_table(prev, std)
    compliance = school_rule.school_compliance(now, std)
    gaps = urban_rural.urban_rural_gaps(now, std)
    scoped = now[now["in_scope"]]
    return {
        "cv": cv,
        "cv_previous": cv_prev,
        "cv_change": cv_change(cv, cv_prev),
        "composite": variation.composite_cv(cv),
        "verdicts": variation.stage_verdicts(cv),
        "compliance": compliance,
        "compliance_summary": school_rule.compliance_summary(compliance) if len(compliance) else pd.DataFrame(),
        "gaps": gaps.sort_values("ratio", ascending=False) if len(gaps) else gaps,
        "schools_in_scope": scoped.groupby("stage")["school_id"].nunique().to_dict(),
        "students_in_scope": scoped.groupby("stage")["students"].sum().to_dict(),
    }


def resources(store: Store, county_code: str, year: int) -> dict:
    """CV table, the school × indicator compliance grid and each school's variance share."""
    std = standards_for(county_code)
    rows = indicator_rows(store, county_code, [year])
    cv = variation.cv_table(rows, std)
    compliance = school_rule.school_compliance(rows, std)
    shares = []
    scoped = rows[rows["in_scope"]]
    for stage, part in scoped.groupby("stage"):
        for code in list(cv["indicator"].unique()):
            mean = variation.weighted_cv(part[code], part["students"]).mean
            s = variation.variance_shares(part[code], part["students"])
            shares.append(pd.DataFrame({"stage": stage, "indicator": code, "school_id": part["school_id"].values,
                                        "name": part["name"].values, "town": part["town"].values,
                                        "students": part["students"].values,
                                        "value": part[code].values, "share": s,
                                        "above_mean": part[code].values > mean}))
    shares_df = pd.concat(shares, ignore_index=True) if shares else pd.DataFrame(
        columns=["stage", "indicator", "school_id", "name", "town", "students", "value", "share", "above_mean"])
    return {"rows": rows, "cv": cv, "compliance": compliance, "variance_shares": shares_df}


def gaps(store: Store, county_code: str, year: int) -> pd.DataFrame:
    rows = indicator_rows(store, county_code, [year])
    return urban_rural.urban_rural_gaps(rows, standards_for(county_code))


def class_sizes(store: Store, county_code: str, year: int) -> dict:
    """Classes in bands (from the 班级 sheet, else estimated from averages) and big schools; computed
    once per version (shared: callers read it, never change it)."""
    return once_per_version(store, ("class_sizes", county_code, int(year)),
                            lambda: compute_class_sizes(store, county_code, year))


def compute_class_sizes(store: Store, county_code: str, year: int) -> dict:
    """:func:`class_sizes` computed (see there)."""
    std = standards_for(county_code)
    schools = store.schools(county_code)
    stats = store.stage_stats(county_code, [year])
    classes = store.classes(county_code, [year])
    estimated = classes.empty
    banded = sizing.class_bands_from_averages(stats, std) if estimated else sizing.class_bands(classes, std)
    # (hundreds of thousands of classes at province scale: group by codes, attach names afterwards)
    banded["urban_rural_group"] = banded["school_id"].map(schools.set_index("school_id")["urban_rural_group"])
    names = schools[["school_id", "name", "town"]]
    by_school = sizing.band_counts(banded, ["school_id", "stage"])
    if len(banded):
        largest = banded.groupby(["school_id", "stage"])["students"].max().rename("max_class").reset_index()
        by_school = by_school.merge(largest, on=["school_id", "stage"], how="left")
    by_school = names.merge(by_school, on="school_id", how="right")
    if len(banded):
        rank = pd.Series(pd.Categorical(banded["band"], categories=sizing.BANDS, ordered=True).codes, index=banded.index)
        worst = rank.groupby(banded["school_id"]).max().map(dict(enumerate(sizing.BANDS)))
    else:
        worst = pd.Series(dtype=object)
    # a school whose 班级 rows are not the classes its 学段 rows state (or that has none) is not known to be
    # within the line: 数据不全, listed with both counts (G5 reads it the same way)
    agreement = contract.class_rows_agreement(stats, classes)
    disagree = names.merge(agreement[~agreement["agree"].astype(bool)].drop(columns=["agree", "year"]), on="school_id")
    if not estimated:
        in_scope = set(sc.scope_schools(schools, stats, std, "G5")["school_id"])     # G5's own scope, one definition
        unknown = set(disagree["school_id"]) | (in_scope - set(banded["school_id"]))
        worst = pd.concat([worst.drop(list(unknown & set(worst.index))),
                           pd.Series(sizing.UNKNOWN_BAND, index=sorted(unknown), dtype=object)])
    over = banded[banded["over_line"]].merge(names, on="school_id", how="left") if len(banded) else banded
    by_grade = over.groupby(["stage", "name", "grade"]).agg(classes=("students", "size"), largest=("students", "max"),
                                                            pupils=("students", "sum")).reset_index() \
        if len(over) else pd.DataFrame(columns=["stage", "name", "grade", "classes", "largest", "pupils"])
    return {
        "estimated": estimated,
        "n_classes": int(len(banded)),
        "worst_band": worst,
        "disagree": disagree,
        "over_by_grade": by_grade,
        "by_stage": sizing.band_counts(banded, ["stage"]),
        "summary": sizing.band_summary(sizing.band_counts(banded, ["stage"])),
        "by_group": sizing.band_counts(banded, ["stage", "urban_rural_group"]),
        "by_school": by_school,
        "schools": sizing.oversized_schools(stats, schools, std).merge(
            schools[["school_id", "lon", "lat"]], on="school_id"),
    }


def small_schools(store: Store, county_code: str, years: list[int]) -> pd.DataFrame:
    """Village schools × years with ``small`` / ``very_small`` flags (for the trend and list)."""
    std = standards_for(county_code)
    return sizing.small_rural_schools(store.stage_stats(county_code, years), store.schools(county_code), std)


def town_summary(store: Store, county_code: str, year: int) -> pd.DataFrame:
    """Schools and students per town and 学段 for the layout page."""
    stats = store.stage_stats(county_code, [year])
    schools = store.schools(county_code)
    parts = stats[stats["stage"].isin(contract.STAGES)].merge(schools[["school_id", "town"]], on="school_id")
    out = parts.pivot_table(index="town", columns="stage", values="students", aggfunc="sum", fill_value=0)
    out["schools"] = parts.groupby("town")["school_id"].nunique()
    return out.reset_index()


def school_points(store: Store, county_code: str, year: int) -> pd.DataFrame:
    """One row per school with students in ``year``: position, size, compliance status.

    status (for the map colour) follows :func:`analytics.method.school_rule.school_status`: 'out' when no
    学段 is in scope, 'fail' when any in-scope 学段 fails the 6-of-7 rule, 'unknown', 'pass'.
    Computed once per version (the three map pages, the plan and the briefing read it); a copy each.
    """
    return once_per_version(store, ("school_points", county_code, int(year)),
                            lambda: compute_school_points(store, county_code, year)).copy()


def compute_school_points(store: Store, county_code: str, year: int) -> pd.DataFrame:
    """:func:`school_points` computed (see there)."""
    rows = indicator_rows(store, county_code, [year])
    if rows.empty:
        return pd.DataFrame(columns=["school_id", "name", "town", "school_type", "lon", "lat", "students", "status"])
    comp = school_rule.school_compliance(rows, standards_for(county_code))
    comp = comp.merge(rows[["school_id", "stage", "school_type", "lon", "lat", "urban_rural_group", "classes"]],
                      on=["school_id", "stage"])             # (the compliance rows carry the town)
    # school_rule.school_statuses over each school's 学段 rows (10k schools: < 0.1 s)
    scoped = comp["in_scope"]
    comp = comp.assign(_fail=scoped & (comp["status"] == "fail"), _unknown=scoped & (comp["status"] == "unknown"),
                       _met=comp["met_count"].astype(str), _classes=comp["classes"].fillna(0))
    g = comp.groupby("school_id", sort=False)
    out = g.agg(name=("name", "first"), town=("town", "first"), school_type=("school_type", "first"),
                urban_rural_group=("urban_rural_group", "first"), lon=("lon", "first"), lat=("lat", "first"),
                students=("students", "sum"), classes=("_classes", "sum"), stages=("stage", "first"),
                met=("_met", "first"), n=("stage", "size"), any_scope=("in_scope", "any"),
                any_fail=("_fail", "any"), any_unknown=("_unknown", "any")).reset_index()
    several = out["n"] > 1                                   # 一贯制: join its 学段 (few schools, done one by one)
    if several.any():
        multi = comp[comp["school_id"].isin(out.loc[several, "school_id"])].groupby("school_id", sort=False)
        joined = multi.agg(stages=("stage", "、".join), met=("_met", "/".join))
        out.loc[several, ["stages", "met"]] = joined.loc[out.loc[several, "school_id"]].to_numpy()
    out = out.drop(columns="n")
    out["status"] = school_rule.school_statuses(out["any_scope"], out["any_fail"], out["any_unknown"])
    out = out.drop(columns=["any_scope", "any_fail", "any_unknown"]).astype({"students": int, "classes": int})
    points = out
    capacity = store.schools(county_code)[["school_id", "capacity"]]
    return points.merge(capacity, on="school_id", how="left")


def indicator_values(store: Store, county_code: str, year: int, stage: str, code: str) -> pd.DataFrame:
    """One indicator of one 学段 per school (school_id, value, line) for colouring a map."""
    rows = indicator_rows(store, county_code, [year])
    rows = rows[(rows["stage"] == stage) & rows["in_scope"]]
    return pd.DataFrame({"school_id": rows["school_id"], "value": rows[code],
                         "line": threshold(standards_for(county_code), code, stage)})


def explore_table(store: Store, county_code: str) -> pd.DataFrame:
    """Every measure of every school × 学段 × year of the county (:func:`analytics.method.explore.measure_table`),
    once per version; a copy each."""

    def compute():
        return explore.measure_table(indicator_rows(store, county_code, None), store.classes(county_code, None),
                                     standards_for(county_code), store.school_table("funding", county_code))
    return once_per_version(store, ("explore", county_code), compute).copy()


def explore_region(store: Store, counties: list[tuple[str, str]]) -> pd.DataFrame:
    """:func:`explore_table` of several counties ((code, name) pairs: a city's or a province's, as the caller
    may read them) in one table, with county_code and county_name; each county once per version."""
    parts = [explore_table(store, code).assign(county_code=code, county_name=name) for code, name in counties]
    parts = [p for p in parts if len(p)]
    if not parts:
        return explore.measure_table(pd.DataFrame(), pd.DataFrame(), None).assign(
            county_code=pd.Series(dtype=object), county_name=pd.Series(dtype=object))
    return pd.concat(parts, ignore_index=True)


def school_card(store: Store, county_code: str, school_id: str, year: int) -> dict:
    """Everything the click card shows: per 学段 the seven indicators against their lines, students,
    classes, capacity use, compliance, and the enrolment trend over all years."""
    std = standards_for(county_code)
    rows = indicator_rows(store, county_code, None)
    mine = rows[rows["school_id"] == school_id]
    now = mine[mine["year"] == year]
    comp = school_rule.school_compliance(now, std) if len(now) else pd.DataFrame()
    indicators = []
    for _, r in now.iterrows():
        for code in indicator_codes(std):
            line = threshold(std, code, r["stage"])
            indicators.append({"stage": r["stage"], "indicator": code, "value": r[code], "line": line,
                               "ratio": r[code] / line if pd.notna(r[code]) else None})
    school = store.schools(county_code).set_index("school_id").loc[school_id]
    students = int(now["students"].sum()) if len(now) else 0
    capacity = school["capacity"] if pd.notna(school["capacity"]) else None
    return {"name": school["name"], "town": school["town"], "students": students,
            "classes": int(now["classes"].fillna(0).sum()) if len(now) else 0,
            "capacity": capacity, "capacity_use": students / capacity if capacity else None,
            "indicators": pd.DataFrame(indicators),
            "status": dict(zip(comp["stage"], comp["status"])) if len(comp) else {},
            "trend": mine.groupby("year")["students"].sum().reset_index()}


def county_year_tables(store: Store, county_code: str, year: int) -> dict:
    """The tables of one county and school year that the scorecard and the plan read."""
    return {"schools": store.schools(county_code), "stats": store.stage_stats(county_code, [year]),
            "classes": store.classes(county_code, [year]),
            "funding": store.school_table("funding", county_code, [year]),
            "exchange": store.school_table("teacher_exchange", county_code, [year]),
            "quality": store.school_table("quality", county_code, [year]),
            "county": store.county_table("county_indicators", county_code, [year])}


def scorecard(store: Store, county_code: str, year: int):
    """Every item of the standard for the county and year, and the verdict (computed once per version)."""

    def compute():
        items = sc.scorecard(county_year_tables(store, county_code, year), standards_for(county_code))
        return items, sc.verdict(items)
    return once_per_version(store, ("scorecard", county_code, int(year)), compute)


def school_profile(store: Store, county_code: str, school_id: str, year: int) -> dict:
    """One school against the county: the card, its rank among in-scope schools of each 学段 per
    indicator (1 = best), its share of each CV's weighted variance, and what it lacks (the cheapest
    additions to comply, as in the plan)."""
    std = standards_for(county_code)
    rows = indicator_rows(store, county_code, [year])
    card = school_card(store, county_code, school_id, year)
    ranks, lacks = [], []
    for stage, part in rows[rows["in_scope"]].groupby("stage"):
        if school_id not in set(part["school_id"]):
            continue
        me = part[part["school_id"] == school_id].iloc[0]
        for code in indicator_codes(std):
            shares = variation.variance_shares(part[code], part["students"])
            pos = list(part["school_id"]).index(school_id)
            rank = int((part[code] > me[code]).sum()) + 1 if pd.notna(me[code]) else None
            ranks.append({"stage": stage, "indicator": code, "value": me[code], "rank": rank, "of": len(part),
                          "variance_share": shares[pos]})
        costs = rectification.load_costs()          # chosen as the plan chooses: the money over its horizon
        chosen, _ = rectification.school_choice({c: me[c] for c in indicator_codes(std)}, float(me["students"]), stage,
                                                std, rectification.horizon_unit_costs(costs, rectification.plan_horizon(std)))
        for code, q in chosen or []:
            cost = rectification.action_cost(code, q, costs)
            recurring = rectification.recurring_part(rectification.UNITS[code][1], cost)
            lacks.append({"stage": stage, "indicator": code, "quantity": q, "unit": rectification.UNITS[code][0],
                          "one_off_yuan": cost - recurring, "recurring_yuan": recurring})
    return {"card": card, "ranks": pd.DataFrame(ranks), "lacks": pd.DataFrame(lacks)}
