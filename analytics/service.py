"""The service facade: everything the pages, the CLI and the briefing show, from a :class:`Store`.

One county-year's indicator rows (the seven indicators per school × 学段, with scope) are built once
per store and handed to every function here; the standards are loaded once per province. Each
function returns plain DataFrames / dicts computed by the pure method modules, so a page, the CLI
and a test all see the same numbers. No Streamlit here.

Data flow: workbook → io.importer → version file → io.storage.Store → method (indicators, CVs,
compliance, gaps, sizes, scorecard) → this facade → pages / CLI / report.briefing.
"""
from __future__ import annotations

import math
import threading
import weakref

import numpy as np
import pandas as pd

from analytics.io import contract
from analytics.io.storage import Store
from analytics.method import school_rule, sizing, urban_rural, variation
from analytics.method.indicators import school_stage_indicators
from analytics.standards import Standards, load_standards


def standards_for(county_code: str) -> Standards:
    """The standards of the county's province (national default with its province file merged in)."""
    return load_standards(county_code)


_ROWS: "weakref.WeakKeyDictionary[Store, dict]" = weakref.WeakKeyDictionary()
_ROWS_LOCK = threading.Lock()


def clear_rows_cache() -> None:
    """Forget every store's indicator rows (benchmarks that time the computation itself)."""
    with _ROWS_LOCK:
        _ROWS.clear()


def indicator_rows(store: Store, county_code: str, years: list[int] | None) -> pd.DataFrame:
    """Seven indicators per school × 学段 for the county and years (with scope), built once per store.

    A store is one immutable dataset version, so the rows of a (county, years) never change while it
    is open; each caller gets its own copy.
    """
    key = (county_code, None if years is None else tuple(sorted(int(y) for y in years)))
    with _ROWS_LOCK:
        cached = _ROWS.setdefault(store, {}).get(key)
    if cached is None:
        stats = store.stage_stats(county_code, years)
        schools = store.schools(county_code)
        cached = school_stage_indicators(stats, schools, standards_for(county_code))
        with _ROWS_LOCK:
            per_store = _ROWS.setdefault(store, {})
            if len(per_store) > 64:
                per_store.clear()
            per_store[key] = cached
    return cached.copy()


_RESULTS: "weakref.WeakKeyDictionary[Store, dict]" = weakref.WeakKeyDictionary()
_RESULTS_LOCK = threading.Lock()


def once_per_version(store: Store, key: tuple, compute):
    """``compute()`` once per store (one immutable dataset version) and key, shared by every caller and
    thread; a caller arriving while it runs waits for it instead of computing it again. A failure is
    not kept (the next caller tries again). Results are shared: callers read them, never change them."""
    with _RESULTS_LOCK:
        per_store = _RESULTS.setdefault(store, {})
        entry = per_store.get(key)
        if entry is None:
            if len(per_store) >= 256:                          # bounded: forget the oldest results
                for old in list(per_store)[:32]:
                    per_store.pop(old)
            entry = per_store[key] = {"lock": threading.Lock(), "done": False, "value": None}
    with entry["lock"]:
        if not entry["done"]:
            entry["value"] = compute()
            entry["done"] = True
    return entry["value"]


def warm_up(store: Store) -> None:
    """Compute what the pages of the default view read (the first county, its latest school year:
    indicator rows, school points, scorecard, class sizes and fixes, plan, the explore table of every
    school × year; the spatial libraries loaded; then every county's verdict of its province, this year
    and last, for 区县比较) so that the first analyst does not wait for them; meant for a
    background thread when a version is first opened. Errors are left to the pages (they show them)."""
    try:
        counties = store.counties()
        if counties.empty:
            return
        first = counties.iloc[0]
        years = sorted(int(y) for y in (first["years"] if first["years"] is not None else []) if y is not None)
        if not years:
            return
        county, year = str(first["county_code"]), years[-1]
        from analytics.geo import spatial  # noqa: F401 — geopandas and pyproj load in seconds: not on a page
        indicator_rows(store, county, [year - 1, year])
        school_points(store, county, year)
        scorecard(store, county, year)
        class_sizes(store, county, year)
        class_fixes(store, county, year)
        plan(store, county, year)
        explore_table(store, county)      # 数据探索: 0.9 s at 10,000 schools, the page's whole first visit
        for y in (year, year - 1):        # 区县比较 and the city/province views: every county's scorecard
            region_verdicts(store, county[:2], y)   # (~0.2 s a county: 20 s for a province of 95)
    except Exception:  # noqa: BLE001 — a warm-up never fails anything; the page computes and reports
        return


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
    over = banded[banded["over_line"]].merge(names, on="school_id", how="left") if len(banded) else banded
    by_grade = over.groupby(["stage", "name", "grade"]).agg(classes=("students", "size"), largest=("students", "max"),
                                                            pupils=("students", "sum")).reset_index() \
        if len(over) else pd.DataFrame(columns=["stage", "name", "grade", "classes", "largest", "pupils"])
    return {
        "estimated": estimated,
        "n_classes": int(len(banded)),
        "worst_band": worst,
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
    from analytics.standards import threshold
    return pd.DataFrame({"school_id": rows["school_id"], "value": rows[code],
                         "line": threshold(standards_for(county_code), code, stage)})


def explore_table(store: Store, county_code: str) -> pd.DataFrame:
    """Every measure of every school × 学段 × year of the county (:func:`analytics.method.explore.measure_table`),
    once per version; a copy each."""
    from analytics.method import explore

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
        from analytics.method import explore
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
    from analytics.standards import indicator_codes, threshold
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


def layout_assignment(store: Store, county_code: str, year: int, stage: str) -> dict:
    """Settlements assigned to their nearest school of ``stage`` and the share of children beyond
    the norm per town (see :mod:`analytics.spatial`)."""
    from analytics.geo import spatial
    settlements = store.county_table("settlements", county_code).dropna(subset=["lon", "lat"])
    points = school_points(store, county_code, year)
    if settlements.empty or points.empty:
        return {"settlements": settlements, "by_town": pd.DataFrame(), "epsg": None}
    epsg = spatial.metric_epsg(float(points["lon"].median()))
    assigned = spatial.assign_children(settlements, points, stage, standards_for(county_code), epsg)
    return {"settlements": assigned, "by_town": spatial.beyond_by_town(assigned), "epsg": epsg}


def class_fixes(store: Store, county_code: str, year: int) -> dict:
    """Extra classes, classrooms and teachers to bring every class to the line, per school and town,
    and nearby schools with free seats for the schools that need them; computed once per version
    (shared: callers read it, never change it)."""
    return once_per_version(store, ("class_fixes", county_code, int(year)),
                            lambda: compute_class_fixes(store, county_code, year))


def compute_class_fixes(store: Store, county_code: str, year: int) -> dict:
    """:func:`class_fixes` computed (see there)."""
    from analytics.geo import spatial
    std = standards_for(county_code)
    classes = store.classes(county_code, [year])
    fixes = spatial.class_fixes(classes, std)
    points = school_points(store, county_code, year)
    if fixes.empty or points.empty:
        return {"by_grade": fixes, "by_school": pd.DataFrame(), "by_town": pd.DataFrame(), "nearby": {}}
    info = points[["school_id", "name", "town"]]
    by_grade = fixes.merge(info, on="school_id")
    by_school = by_grade.groupby(["school_id", "name", "town"], as_index=False)[
        ["extra_classes", "classrooms", "teachers"]].sum()
    by_school = by_school[by_school["extra_classes"] > 0].sort_values("extra_classes", ascending=False)
    by_town = by_school.groupby("town", as_index=False)[["extra_classes", "classrooms", "teachers"]].sum()
    totals = {k: float(by_town[k].sum()) for k in ("extra_classes", "classrooms", "teachers")}
    epsg = spatial.metric_epsg(float(points["lon"].median()))
    targets = points[points["school_id"].isin(by_school["school_id"])]
    return {"by_grade": by_grade[by_grade["extra_classes"] > 0], "by_school": by_school, "by_town": by_town,
            "totals": totals,
            "nearby": spatial.spare_nearby(targets, points, std, epsg)}


def small_school_options(store: Store, county_code: str, year: int) -> pd.DataFrame:
    """Small village schools of ``year`` with distance to the nearest larger school, what the
    small-school funding floor adds to their funds and the neutral keep / discuss flag."""
    from analytics.geo import spatial
    std = standards_for(county_code)
    small = small_schools(store, county_code, [year])
    small = small[small["small"]]
    points = school_points(store, county_code, year)
    if small.empty or points.empty:
        return small.assign(nearest_larger=None, distance_m=None, floor_adds_yuan=None, option=None)
    funding = store.school_table("funding", county_code, [year])
    per_student = (float(funding["funds_per_student_standard"].median())
                   if len(funding) and funding["funds_per_student_standard"].notna().any()
                   else float(std["funding"]["per_student"][contract.PRIMARY]))
    epsg = spatial.metric_epsg(float(points["lon"].median()))
    return spatial.small_school_options(small, points, std, epsg, per_student)


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
    from analytics.method import scorecard as sc

    def compute():
        items = sc.scorecard(county_year_tables(store, county_code, year), standards_for(county_code))
        return items, sc.verdict(items)
    return once_per_version(store, ("scorecard", county_code, int(year)), compute)


def plan(store: Store, county_code: str, year: int) -> dict:
    """The costed rectification plan of the county and year (see :mod:`analytics.plan`), computed once
    per version."""
    from analytics.planning import rectification

    def compute():
        t = county_year_tables(store, county_code, year)
        return rectification.make_plan(t["stats"], t["schools"], standards_for(county_code), classes=t["classes"])
    return once_per_version(store, ("plan", county_code, int(year)), compute)


def school_profile(store: Store, county_code: str, school_id: str, year: int) -> dict:
    """One school against the county: the card, its rank among in-scope schools of each 学段 per
    indicator (1 = best), its share of each CV's weighted variance, and what it lacks (the cheapest
    additions to comply, as in the plan)."""
    from analytics.planning import rectification
    from analytics.standards import indicator_codes
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
        chosen, cost = rectification.school_choice({c: me[c] for c in indicator_codes(std)}, float(me["students"]), stage,
                                              std, rectification.load_costs())
        for code, q in chosen or []:
            lacks.append({"stage": stage, "indicator": code, "quantity": q, "unit": rectification.UNITS[code][0],
                          "cost_yuan": rectification.action_cost(code, q, rectification.load_costs())})
    return {"card": card, "ranks": pd.DataFrame(ranks), "lacks": pd.DataFrame(lacks)}


def what_if(store: Store, county_code: str, year: int, actions: list) -> dict:
    """CVs and complying schools before and after hypothetical actions (moves or additions)."""
    from analytics.planning import rectification
    t = county_year_tables(store, county_code, year)
    std = standards_for(county_code)
    before = rectification.recompute(t["stats"], t["schools"], std)
    after = rectification.recompute(rectification.apply_actions(t["stats"], actions), t["schools"], std)
    cv = before["cv"][["stage", "indicator", "cv", "threshold"]].merge(
        after["cv"][["stage", "indicator", "cv", "passed"]], on=["stage", "indicator"], suffixes=("_before", "_after"))
    return {"cv": cv, "complying_before": before["complying"],
            "complying_after": after["complying"], "schools": after["schools"]}


def forecast(store: Store, county_code: str, urban_shift: float | None = None) -> dict:
    """Enrolment forecast per town × 学段 (low / central / high), backtest, seats and the balance."""
    from analytics.planning import forecast as fc
    from analytics.geo import spatial
    std = standards_for(county_code)
    classes, schools = store.classes(county_code), store.schools(county_code)
    births = store.county_table("population", county_code)
    births = births.dropna(subset=["births"]) if "births" in births else births.iloc[0:0]
    if classes.empty or births.empty:                # no classes or no births: no forecast (the page says so)
        return {}
    last = int(classes["year"].max())
    points = school_points(store, county_code, last)
    urban = {t for t, k in spatial.town_area_kind(points, float(std["layout"]["town_urban_share"])).items()
             if k == "urban"}
    out = fc.forecast(classes, schools, births, std, urban, urban_shift)
    seats = fc.seats(store.stage_stats(county_code, [last]), schools, std)
    out["seats"] = seats
    out["balance"] = fc.seat_balance(out["forecast"], seats)
    out["shortages"] = fc.shortage_summary(out["balance"])
    return out


def positions_known(store: Store, county_code: str) -> bool:
    """Does any school of the county have its position? Maps, catchments, sites and scenarios need it."""
    schools = store.schools(county_code)
    return bool(len(schools) and schools["lon"].notna().any() and schools["lat"].notna().any())


def suggest_sites(store: Store, county_code: str, year: int, stage: str, k: int, model: str = "pmedian") -> dict:
    """k new school sites for ``stage`` (existing schools fixed), see :mod:`analytics.sites`."""
    from analytics.planning import sites
    return sites.suggest(store.county_table("settlements", county_code), school_points(store, county_code, year),
                         stage, k, standards_for(county_code), model)


def scenario_base(store: Store, county_code: str, year: int):
    """The county-year a layout scenario starts from (see :mod:`analytics.scenarios`) and its tables."""
    from analytics.planning import scenarios
    tables = county_year_tables(store, county_code, year)
    state = scenarios.base_state(tables, store.county_table("settlements", county_code), standards_for(county_code), year)
    return state, tables


def run_scenario(store: Store, county_code: str, year: int, steps: list, urban_shift: float | None = None,
                 forecast_out: dict | None = None) -> dict:
    """A scenario's steps applied to the county-year and evaluated (seats use the forecast; pass
    ``forecast_out`` when it is already computed — it does not depend on the steps)."""
    from analytics.planning import scenarios
    std = standards_for(county_code)
    state, tables = scenario_base(store, county_code, year)
    after = scenarios.apply(state, [s if isinstance(s, scenarios.Step) else scenarios.Step.from_dict(s) for s in steps], std)
    if forecast_out is None:
        forecast_out = forecast(store, county_code, urban_shift)
    return scenarios.evaluate(after, tables, forecast_out, std)


def accessibility(store: Store, county_code: str, year: int, stage: str) -> pd.DataFrame:
    """Seats per child within reach of every settlement (2SFCA, see sites.two_step_fca): supply is each
    school's seats (核定学位, else classes × the class-size line), the catchment radius the rural walking
    norm of the 学段 (``access`` takes one radius for all settlements)."""
    from analytics.planning import sites
    from analytics.geo import spatial
    settlements = store.county_table("settlements", county_code).dropna(subset=["lon", "lat"]).reset_index(drop=True)
    points = school_points(store, county_code, year)
    if settlements.empty or points.empty:
        return pd.DataFrame(columns=["town", "name", "children", "access"])
    std = standards_for(county_code)
    epsg = spatial.metric_epsg(float(points["lon"].median()))
    radius = float(std["layout"]["service_radius_m"][stage]["rural"])
    access = sites.two_step_fca(settlements, points.assign(seats=spatial.seats(points, std)), stage, radius, epsg,
                                supply="seats")
    kids = settlements[contract.CHILDREN_COLUMN[stage]].fillna(0)
    return pd.DataFrame({"town": settlements["town"], "name": settlements["name"], "children": kids, "access": access})


def submissions(db_path, year: int | None = None) -> pd.DataFrame:
    """The submission tracker: one row per county of the dataset — its latest submission (version,
    time, user, file, SHA-256, years, sheets, warnings accepted) and, for ``year`` (default: the latest
    school year of the dataset), whether it has data and how complete they are:

    - ``share_indicators``: schools whose every in-scope 学段 has all seven indicators,
    - ``share_coordinates``: schools with both coordinates,
    - ``share_classes``: schools with pupils that have class rows (班级) for the year,

    each over the county's schools with pupils in ``year`` (None when it has none). ``status``:
    'missing' (no data for the year), 'incomplete' (any share below 1), 'complete'.
    All counties in one pass: grouped frames, not a loop of per-county queries.
    """
    from analytics.io import versions
    store = Store(db_path)
    try:
        counties = store.counties()
        years_all = sorted({int(y) for ys in counties["years"] if ys is not None for y in ys if y is not None})
        year = int(year if year is not None else (years_all[-1] if years_all else 0))
        schools = store.schools()
        stats = store.stage_stats(None, [year])
        classes = store.schools_with_classes(year)
    finally:
        store.close()
    latest = versions.latest_submissions(db_path)
    parts = []
    from analytics.standards import standards_group
    provinces = schools["county_code"].astype(str).str[:2]
    by_standards = provinces.map({p: standards_group(p) for p in provinces.unique()})
    for _, group in schools.groupby(by_standards):      # one pass per set of standards, not per province
        std = standards_for(str(group["county_code"].iloc[0]))
        part = stats[stats["school_id"].isin(group["school_id"])]
        if len(part):
            parts.append(school_stage_indicators(part, group, std)[["school_id", "in_scope"] + std.indicator_codes])
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["school_id", "in_scope"])
    codes = [c for c in rows.columns if c.startswith("L")]
    rows["complete"] = rows[codes].notna().all(axis=1) | ~rows["in_scope"].astype(bool)
    per_school = rows.groupby("school_id")["complete"].all()
    with_pupils = stats[stats["students"].fillna(0) > 0]["school_id"].unique()
    info = schools[schools["school_id"].isin(with_pupils)].assign(
        indicators=lambda d: d["school_id"].map(per_school).fillna(False).astype(bool),
        coordinates=lambda d: d["lon"].notna() & d["lat"].notna(),
        class_rows=lambda d: d["school_id"].isin(classes))
    shares = info.groupby("county_code").agg(schools=("school_id", "size"), share_indicators=("indicators", "mean"),
                                            share_coordinates=("coordinates", "mean"), share_classes=("class_rows", "mean"))
    out = []
    for code, name in zip(counties["county_code"].astype(str), counties["county_name"]):
        sub = latest.get(code, {})
        s = shares.loc[code] if code in shares.index else None
        has_year = s is not None and s["schools"] > 0
        record = {"county_code": code, "county_name": name, "year": year, "has_year": bool(has_year),
                  "version": sub.get("version"), "imported_at": sub.get("imported_at"),
                  "imported_by": sub.get("imported_by"), "source_file": sub.get("source_file"),
                  "source_sha256": sub.get("source_sha256"), "years": sub.get("years", []),
                  "sheets": sub.get("sheets"), "rollback_of": sub.get("rollback_of"),
                  "warnings": sub.get("warnings", []),
                  "schools": int(s["schools"]) if has_year else 0}
        for k in ("share_indicators", "share_coordinates", "share_classes"):
            record[k] = float(s[k]) if has_year else None
        complete = has_year and all(record[k] == 1.0 for k in ("share_indicators", "share_coordinates", "share_classes"))
        record["status"] = "missing" if not has_year else ("complete" if complete else "incomplete")
        out.append(record)
    return pd.DataFrame(out, columns=["county_code", "county_name", "year", "has_year", "status", "version",
                                      "imported_at", "imported_by", "source_file", "source_sha256", "years",
                                      "sheets", "rollback_of", "warnings", "schools", "share_indicators",
                                      "share_coordinates", "share_classes"])


def compare(store: Store, region: str, year: int) -> pd.DataFrame:
    """Every county of ``region`` (a province, city or county code prefix) side by side for ``year``:
    per county × 学段 the seven CVs (value = the CV, against the line) and R8 (value = the share of
    in-scope schools that comply; it passes only when every school does). Computed for all counties
    in one grouped pass per province file (:func:`variation.county_cv_table`), not a loop over counties.

    Columns: county_code, county_name, stage, indicator, value, threshold, passed (None: unknown),
    status, n_scope, n_schools. Kept per version (callers read the frame, never change it).
    """
    return once_per_version(store, ("compare", str(region), int(year)), lambda: compare_now(store, region, year))


def compare_now(store: Store, region: str, year: int) -> pd.DataFrame:
    """:func:`compare` computed now (not kept)."""
    schools = store.region_schools(region, ["school_id", "county_code", "county_name", "school_type", "urban_rural_code",
                                            "urban_rural_group", "ownership"])
    stats = store.region_stage_stats(region, [year])
    columns = ["county_code", "county_name", "stage", "indicator", "value", "threshold", "passed", "status",
               "n_scope", "n_schools"]
    if schools.empty or stats.empty:
        return pd.DataFrame(columns=columns)
    county_of = schools.set_index("school_id")["county_code"]
    names = schools.groupby("county_code")["county_name"].first()
    parts = []
    from analytics.standards import standards_group
    provinces = schools["county_code"].astype(str).str[:2]
    by_standards = provinces.map({p: standards_group(p) for p in provinces.unique()})
    for _, group in schools.groupby(by_standards):      # one pass per set of standards, not per province
        std = standards_for(str(group["county_code"].iloc[0]))
        rows = school_stage_indicators(stats[stats["school_id"].isin(group["school_id"])], group, std)
        if rows.empty:
            continue
        rows["county_code"] = rows["school_id"].map(county_of)
        lines = {(c, s): std.cv_line(s) for c in rows["county_code"].unique() for s in std.stages}
        cv = variation.county_cv_table(rows, std.indicator_codes, lines)
        parts.append(cv.rename(columns={"cv": "value"})[["county_code", "stage", "indicator", "value", "threshold",
                                                         "passed", "status", "n_scope", "n_schools"]])
        comp = school_rule.school_compliance(rows, std).assign(county_code=rows["county_code"].to_numpy())
        comp = comp[comp["in_scope"].astype(bool)]
        if len(comp):
            r8 = school_rule.r8_by(comp, ["county_code", "stage"])
            parts.append(r8.assign(indicator="R8", threshold=1.0)[["county_code", "stage", "indicator", "value",
                                                                   "threshold", "passed", "status", "n_scope", "n_schools"]])
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)
    out["county_name"] = out["county_code"].map(names)
    order = {code: k for k, code in enumerate(list(std.indicator_codes) + ["R8"])}
    stage_order = {stage: k for k, stage in enumerate(contract.STAGES)}
    out = out.assign(_s=out["stage"].map(stage_order), _o=out["indicator"].map(order)).sort_values(
        ["county_code", "_s", "_o"]).drop(columns=["_s", "_o"])
    return out[columns].reset_index(drop=True)


def county_facts(store: Store, region: str, year: int) -> pd.DataFrame:
    """Per county of ``region`` in ``year``: pupils, urban_share and peer group (:func:`peers.county_facts`,
    cuts from data/settings.yaml ``compare``). Columns: county_code, pupils, urban_share, peer."""
    from analytics.method import peers
    from analytics.standards import settings_section
    cut = settings_section("compare")
    return peers.county_facts(store.region_schools(region), store.region_stage_stats(region, [year]),
                              cut["size_groups"], cut["urban_share"])


def region_plans(store: Store, region: str, year: int, progress=None) -> dict:
    """Each county of ``region``'s costed plan for ``year`` in two tables (the plans are the county
    briefing's and the 整改方案 page's: :func:`plan`, kept per version):

    - ``counties``: county_code, county_name, total_cost_yuan (the whole plan), passes_after (the resource
      part — CVs and school compliance — passes after the plan: what the plan checks), outside_plan (the
      failing or undecided items the plan does not address: :func:`rectification.uncovered_items`),
      passes_whole_after (the resource part passes and nothing is left outside the plan), actions;
    - ``routes``: per failing CV of a county its distance to the line in natural units
      (:func:`rectification.route_distance`): stage, indicator, cv, threshold, kind, quantity, unit, cost_yuan.

    ``progress(done, total, county_name)`` is called after each county (a plan can take seconds).
    A county whose plan cannot be made (no data for the year) is left out of both.
    """
    from analytics.planning import rectification
    names = store.counties().set_index("county_code")["county_name"]
    codes = [c for c in names.index if str(c).startswith(str(region))]
    with_year = set(store.region_stage_stats(region, [year])["school_id"].map(
        store.region_schools(region).set_index("school_id")["county_code"]).dropna())
    codes = [c for c in codes if c in with_year]
    counties, routes = [], []
    for k, code in enumerate(codes):
        made = plan(store, code, year)
        items, _ = scorecard(store, code, year)
        outside = rectification.uncovered_items([i.as_dict() for i in items])
        counties.append({"county_code": code, "county_name": names.get(code), "total_cost_yuan": made["total_cost_yuan"],
                         "passes_after": bool(made["passes"]), "outside_plan": len(outside),
                         "passes_whole_after": bool(made["passes"]) and not outside,
                         "actions": len(made["actions"]) + len(made["guarantee_actions"])})
        for r in made.get("cv_routes", []):
            routes.append({"county_code": code, "county_name": names.get(code), "stage": r["stage"],
                           "indicator": r["indicator"], "cv": r["cv_before"], "threshold": r["threshold"],
                           **rectification.route_distance(r)})
        if progress is not None:
            progress(k + 1, len(codes), names.get(code))
    return {"counties": pd.DataFrame(counties, columns=["county_code", "county_name", "total_cost_yuan", "passes_after",
                                                       "outside_plan", "passes_whole_after", "actions"]),
            "routes": pd.DataFrame(routes, columns=["county_code", "county_name", "stage", "indicator", "cv", "threshold",
                                                   "kind", "quantity", "unit", "cost_yuan"])}


ITEM_COLUMNS = ["county_code", "part", "code", "stage", "value", "threshold", "status", "kind", "gap", "near",
                "n_failing_schools", "n_scope"]
VERDICT_COLUMNS = ["county_code", "county_name", "label", "city_code", "city_name", "status", "standing", "n_items",
                   "n_pass", "n_fail", "n_unknown", "n_not_applicable", "failing", "unknown", "near", "is_demo"]


def region_verdicts(store: Store, region: str, year: int, progress=None) -> dict:
    """Every county of ``region`` judged by its own scorecard (:func:`scorecard`, the 达标评估 page's):
    the one verdict shown at every scope — 区县比较, its Excel, the regional briefings, ``compare --json``.
    Kept per version.

    - ``counties``: one row per county with data in ``year``: county_code, county_name, label (the name told
      apart where two counties share it: 鼓楼区（南京市）), city_code, city_name, status (pass / fail /
      unknown), standing (pass / close / far / unknown: :func:`scorecard.standing`, rule in
      data/settings.yaml ``compare``), the item counts, failing / unknown / near (item keys
      'code' or 'code·学段'), is_demo (the county's data are synthetic);
    - ``items``: every item of every county: county_code, part, code, stage, value, threshold, status,
      kind (:func:`scorecard.item_kind`), gap (|value − line| / line of a CV or county figure), near (within
      the margin of its line), n_failing_schools, n_scope (the schools it judges; None for a county figure).

    ``progress(done, total, county_name)`` after each county (a county's scorecard takes ~0.3 s).
    """
    def compute():
        from analytics.geo import regions as geo_regions
        from analytics.method import scorecard as sc
        from analytics.standards import settings_section
        rule = settings_section("compare")
        tree = regions(store)
        labels = geo_regions.county_labels(tree)
        tree = geo_regions.counties_in(tree, region)
        tree = tree[tree["years"].map(lambda ys: ys is not None and int(year) in {int(y) for y in ys if y is not None})]
        demo = demo_counties(store)
        rows, items = [], []
        for k, r in enumerate(tree.itertuples()):
            found, v = scorecard(store, r.county_code, year)
            records = [i.as_dict() for i in found]
            std = standards_for(r.county_code)
            kinds = [sc.item_kind(i, std) for i in records]
            near = []
            found_items = list(found)
            for n, (i, kind) in enumerate(zip(records, kinds)):
                close = sc.is_near(i, kind, float(rule["close_margin"]))
                if close:
                    near.append(item_key(i["code"], i["stage"]))
                items.append({"county_code": r.county_code, "part": i["part"], "code": i["code"], "stage": i["stage"],
                              "value": i["value"], "threshold": i["threshold"], "status": i["status"], "kind": kind,
                              "gap": sc.relative_gap(i["value"], i["threshold"]) if kind in ("cv", "figure") else None,
                              "near": close, "n_failing_schools": len(i["failing_schools"] or []),
                              "n_scope": None if found_items[n].coverage is None else found_items[n].coverage.total})
            counts = v["counts"]
            rows.append({"county_code": r.county_code, "county_name": r.county_name, "label": labels.get(r.county_code),
                         "city_code": r.city_code, "city_name": r.city_name, "status": v["status"],
                         "standing": sc.standing(v, records, kinds, rule), "n_items": sum(counts.values()),
                         "n_pass": counts["pass"], "n_fail": counts["fail"], "n_unknown": counts["unknown"],
                         "n_not_applicable": counts["not_applicable"],
                         "failing": [item_key(c, s) for c, s in v["failing"]],
                         "unknown": [item_key(c, s) for c, s in v["unknown"]], "near": near,
                         "is_demo": r.county_code in demo})
            if progress is not None:
                progress(k + 1, len(tree), r.county_name)
        return {"counties": pd.DataFrame(rows, columns=VERDICT_COLUMNS),
                "items": pd.DataFrame(items, columns=ITEM_COLUMNS)}
    return once_per_version(store, ("region_verdicts", str(region), int(year)), compute)


def item_key(code: str, stage: str | None) -> str:
    """An item as one key: 'L2·小学' for an item of a 学段, 'G5' for a county-wide one."""
    return f"{code}·{stage}" if stage else str(code)


def demo_counties(store: Store) -> set[str]:
    """The counties whose data are synthetic: every county of a demo dataset except those a real
    workbook has since replaced (:func:`versions.synthetic_counties`)."""
    from analytics.io import versions
    return versions.synthetic_counties(store.meta(), set(store.counties()["county_code"].astype(str)))


def regions(store: Store) -> pd.DataFrame:
    """The dataset's counties with their province and city (see :func:`analytics.geo.regions.hierarchy`)."""
    from analytics.geo import regions as geo_regions
    from analytics.geo.boundaries import province_names
    return geo_regions.hierarchy(store.counties(), store.outlines(), province_names())


def region_of(store: Store, county_code: str, level: str) -> tuple[str, str]:
    """(code, name) of the city ('city') or province ('province') a county belongs to; the city's name comes
    from the county outlines (cnmaps), the province's from regions.yaml. Province-governed county-level
    units without a city (e.g. 4290xx) compare within their province."""
    from analytics.geo import regions as geo_regions
    tree = regions(store)
    code = geo_regions.parent_of(tree, county_code, level)
    return code, geo_regions.region_name(tree, code)
