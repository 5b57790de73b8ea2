"""Planning for a county: class fixes, small-school options, the costed rectification plan, what-if,
the enrolment forecast, site suggestions, layout scenarios and accessibility."""
from __future__ import annotations

import pandas as pd

from analytics.geo import spatial
from analytics.io import contract
from analytics.io.storage import Store
from analytics.planning import phasing, forecast as fc
from analytics.planning import rectification, scenarios, sites
from analytics.service.caches import once_per_version, standards_for
from analytics.service.county import county_year_tables, school_points, small_schools


def layout_assignment(store: Store, county_code: str, year: int, stage: str) -> dict:
    """Settlements assigned to their nearest school of ``stage`` and the share of children beyond
    the norm per town (see :mod:`analytics.spatial`)."""
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


def plan(store: Store, county_code: str, year: int) -> dict:
    """The costed rectification plan of the county and year (see :mod:`analytics.plan`), computed once
    per version."""

    def compute():
        t = county_year_tables(store, county_code, year)
        return rectification.make_plan(t["stats"], t["schools"], standards_for(county_code), classes=t["classes"], tables=t)
    return once_per_version(store, ("plan", county_code, int(year)), compute)


def phasing_inputs(std, budget_wan=None, recurring_cap_wan=None, hires_per_year=None, horizon=None) -> dict:
    """The phased plan's inputs in 元 with the defaults of ``planning.phasing`` for those not given; a ceiling or
    hires of 0 is no limit (:data:`phasing.NO_LIMIT`)."""
    rules = phasing.phasing_rules(std)
    cap = float(rules["default_recurring_cap_wan"] if recurring_cap_wan is None else recurring_cap_wan)
    hires = int(rules["default_hires_per_year"] if hires_per_year is None else hires_per_year)
    return {"budget_yuan": float(rules["default_budget_wan"] if budget_wan is None else budget_wan) * 1e4,
            "recurring_cap_yuan": cap * 1e4 if cap > 0 else phasing.NO_LIMIT,
            "hires_per_year": hires if hires > 0 else int(phasing.NO_LIMIT),
            "horizon": int(horizon or rectification.plan_horizon(std))}


def phased_plan(store: Store, county_code: str, year: int, *, budget_wan: float | None = None,
                recurring_cap_wan: float | None = None, hires_per_year: int | None = None, horizon: int | None = None,
                start: int | None = None, lead_years: int | None = None, method: str = "auto") -> dict:
    """The county-year's plan year by year under a budget (:func:`analytics.planning.phasing.phased_plan`): its
    jobs (what each year's forecast pupils need) are made once per version and kept; each budget's schedule too."""
    std = standards_for(county_code)
    inputs = phasing_inputs(std, budget_wan, recurring_cap_wan, hires_per_year, horizon)
    start = int(start if start is not None else int(year) + 1)
    years = list(range(start, start + inputs["horizon"]))
    lead_years = int(phasing.phasing_rules(std)["lead_years"] if lead_years is None else lead_years)   # one key either way

    def tables_and_forecast():
        t = county_year_tables(store, county_code, year)
        return t, forecast(store, county_code)

    def jobs():
        t, f = tables_and_forecast()
        if t["stats"].empty:
            return None
        return phasing.requirements(t, phasing.growth_factors(f, int(year)), years, std, rectification.load_costs(),
                                    lead_years)
    made = once_per_version(store, ("phase_jobs", county_code, int(year), start, inputs["horizon"], lead_years), jobs)
    if made is None:
        return {}

    def compute():
        t, f = tables_and_forecast()
        return phasing.phased_plan(t, f, std, start=start, lead_years=lead_years, method=method, jobs=made, **inputs)
    key = ("phased", county_code, int(year), start, lead_years, method, *sorted(inputs.items()))
    return once_per_version(store, key, compute)


def what_if(store: Store, county_code: str, year: int, actions: list) -> dict:
    """CVs and complying schools before and after hypothetical actions (moves or additions)."""
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
    return sites.suggest(store.county_table("settlements", county_code), school_points(store, county_code, year),
                         stage, k, standards_for(county_code), model)


def scenario_base(store: Store, county_code: str, year: int):
    """The county-year a layout scenario starts from (see :mod:`analytics.scenarios`) and its tables."""
    tables = county_year_tables(store, county_code, year)
    state = scenarios.base_state(tables, store.county_table("settlements", county_code), standards_for(county_code), year)
    return state, tables


def run_scenario(store: Store, county_code: str, year: int, steps: list, urban_shift: float | None = None,
                 forecast_out: dict | None = None) -> dict:
    """A scenario's steps applied to the county-year and evaluated (seats use the forecast; pass
    ``forecast_out`` when it is already computed — it does not depend on the steps)."""
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
