"""The service facade: everything the pages, the CLI and the briefing show, from a :class:`Store`.

One county-year's indicator rows (the seven indicators per school × 学段, with scope) are built once
per store and handed to every function here; the standards are loaded once per province. Each
function returns plain DataFrames / dicts computed by the pure method modules, so a page, the CLI
and a test all see the same numbers. No Streamlit here.

Data flow: workbook → io.importer → version file → io.storage.Store → method (indicators, CVs,
compliance, gaps, sizes, scorecard) → this facade → pages / CLI / report.briefing.

A package by audience: :mod:`.caches` (what every call shares), :mod:`.county`, :mod:`.planning`, :mod:`.region`;
the names of all four are this package's (``service.scorecard`` …)."""
from __future__ import annotations

from analytics.service.caches import (  # noqa: F401
    _RESULTS_LOCK, _ROWS_LOCK, clear_rows_cache, indicator_rows, once_per_version, standards_for)
from analytics.service.county import (  # noqa: F401
    class_sizes, compute_class_sizes, compute_school_points, county_year_tables, cv_change, cv_records, cv_report, explore_region, explore_table, gaps, indicator_values, overview, resources, school_card, school_points, school_profile, scorecard, small_schools, town_summary)
from analytics.service.planning import (  # noqa: F401
    accessibility, class_fixes, compute_class_fixes, forecast, layout_assignment, phased_plan, phasing_inputs, plan, positions_known, run_scenario, scenario_base, small_school_options, suggest_sites, what_if)
from analytics.service.region import (  # noqa: F401
    ITEM_COLUMNS, VERDICT_COLUMNS, compare, compare_now, county_facts, demo_counties, item_key, region_of, region_phases, region_plans, region_verdicts, regions, submissions)
from analytics.io.storage import Store


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
