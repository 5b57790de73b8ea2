"""Regions (a city, a province, the nation): submissions, the comparison of counties, their facts and peer
groups, every county's plan and verdict, the region tree."""
from __future__ import annotations

import pandas as pd

from analytics.geo import regions as geo_regions
from analytics.geo.boundaries import province_names
from analytics.io import contract, versions
from analytics.io.storage import Store
from analytics.method import peers, school_rule, variation
from analytics.method import scorecard as sc
from analytics.method.indicators import school_stage_indicators
from analytics.planning import phasing, rectification
from analytics.service.caches import once_per_version, standards_for
from analytics.service.county import scorecard
from analytics.service.planning import phased_plan, plan
from analytics.standards import settings_section, standards_group


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
    cut = settings_section("compare")
    return peers.county_facts(store.region_schools(region), store.region_stage_stats(region, [year]),
                              cut["size_groups"], cut["urban_share"])


def region_plans(store: Store, region: str, year: int, progress=None) -> dict:
    """Each county of ``region``'s costed plan for ``year`` in two tables (the plans are the county
    briefing's and the 整改方案 page's: :func:`plan`, kept per version):

    - ``counties``: county_code, county_name, one_off_yuan, recurring_yuan (per year), cumulative_yuan and
      horizon_years (the whole plan's money: :func:`rectification.cost_totals`), passes_after (the resource
      part — CVs and school compliance — passes after the plan: what the plan checks), outside_plan (the
      failing or undecided items the plan does not address: :func:`rectification.uncovered_items`),
      passes_whole_after (the resource part passes and nothing is left outside the plan), actions;
    - ``routes``: per failing CV of a county its distance to the line in natural units
      (:func:`rectification.route_distance`): stage, indicator, cv, threshold, kind, quantity, unit, one_off_yuan,
      recurring_yuan.

    ``progress(done, total, county_name)`` is called after each county (a plan can take seconds).
    A county whose plan cannot be made (no data for the year) is left out of both.
    """
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
        counties.append({"county_code": code, "county_name": names.get(code),
                         **{k: made[k] for k in rectification.MONEY_KEYS},
                         "passes_after": bool(made["passes"]), "outside_plan": len(outside),
                         "passes_whole_after": bool(made["passes"]) and not outside,
                         "actions": len(made["actions"]) + len(made["guarantee_actions"])})
        for r in made.get("cv_routes", []):
            routes.append({"county_code": code, "county_name": names.get(code), "stage": r["stage"],
                           "indicator": r["indicator"], "cv": r["cv_before"], "threshold": r["threshold"],
                           **rectification.route_distance(r)})
        if progress is not None:
            progress(k + 1, len(codes), names.get(code))
    return {"counties": pd.DataFrame(counties, columns=["county_code", "county_name", *rectification.MONEY_KEYS, "passes_after",
                                                       "outside_plan", "passes_whole_after", "actions"]),
            "routes": pd.DataFrame(routes, columns=["county_code", "county_name", "stage", "indicator", "cv", "threshold",
                                                   "kind", "quantity", "unit", "one_off_yuan", "recurring_yuan"])}


PHASE_COLUMNS = ["county_code", "county_name", "pass_year", "schedule_pass_year", "min_budget_yuan", "one_off_yuan",
                 "recurring_yuan", "cumulative_yuan", "short_at_horizon", "policy_items", "method", "jobs"]


def region_phases(store: Store, region: str, year: int, budget_wan: float | None = None,
                  recurring_cap_wan: float | None = None, hires_per_year: int | None = None, horizon: int | None = None,
                  method: str = "greedy", progress=None) -> dict:
    """Each county of ``region`` under the same budget per county (:func:`planning.phased_plan`, defaults of
    ``planning.phasing``): its pass year (None: not by the horizon), the smallest budget that passes when it does
    not, the money, the items still short and those needing policy; and ``timeline``: how many counties can
    apply in each year (cumulative) — those whose plan passes by then. The greedy schedule by default (the exact
    one agrees with it on the pass year in the tests; a region is many counties).

    ``counties`` columns: PHASE_COLUMNS; ``timeline``: year, passing (that year), cumulative, total."""
    names = store.counties().set_index("county_code")["county_name"]
    with_year = set(store.region_stage_stats(region, [year])["school_id"].map(
        store.region_schools(region).set_index("school_id")["county_code"]).dropna())
    codes = [c for c in names.index if str(c).startswith(str(region)) and c in with_year]
    rows, end = [], None
    for k, code in enumerate(codes):
        p = phased_plan(store, code, year, budget_wan=budget_wan, recurring_cap_wan=recurring_cap_wan,
                        hires_per_year=hires_per_year, horizon=horizon, method=method)
        if p:
            end = p["inputs"]["end"]
            rows.append({"county_code": code, "county_name": names.get(code), **{c: p.get(c) for c in PHASE_COLUMNS[2:]},
                         "short_at_horizon": len(p["short_at_horizon"]), "policy_items": len(p["policy_items"])})
        if progress is not None:
            progress(k + 1, len(codes), names.get(code))
    counties = pd.DataFrame(rows, columns=PHASE_COLUMNS)
    years = range(int(year) + 1, end + 1) if end is not None else []
    return {"counties": counties, "timeline": phasing.pass_timeline(counties["pass_year"], years)}


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
    return versions.synthetic_counties(store.meta(), set(store.counties()["county_code"].astype(str)))


def regions(store: Store) -> pd.DataFrame:
    """The dataset's counties with their province and city (see :func:`analytics.geo.regions.hierarchy`)."""
    return geo_regions.hierarchy(store.counties(), store.outlines(), province_names())


def region_of(store: Store, county_code: str, level: str) -> tuple[str, str]:
    """(code, name) of the city ('city') or province ('province') a county belongs to; the city's name comes
    from the county outlines (cnmaps), the province's from regions.yaml. Province-governed county-level
    units without a city (e.g. 4290xx) compare within their province."""
    tree = regions(store)
    code = geo_regions.parent_of(tree, county_code, level)
    return code, geo_regions.region_name(tree, code)
