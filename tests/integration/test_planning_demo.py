"""Layout planning on the demo: a new school cuts its town's shortage by its seats, a merged small
school's pupils are all reassigned, accessibility shares out exactly the seats in reach."""

import numpy as np
import pytest

from analytics.standards import load_standards
from analytics.io import contract
from analytics.planning import scenarios

STD = load_standards("320902")


def _town_gap(result, town, stage):
    b = result["balance"]
    return b[(b["town"] == town) & (b["stage"] == stage)].set_index("year")["gap"]


def test_accessibility_shares_out_exactly_the_seats_in_reach(demo_db):
    """2SFCA conserves supply: Σ children_i × A_i = Σ seats of the schools with children in reach."""
    from analytics import service
    from analytics.geo import spatial
    from analytics.io.storage import Store
    store = Store(demo_db)
    acc = service.accessibility(store, "320902", 2024, "小学")
    points = spatial.stage_schools(service.school_points(store, "320902", 2024), "小学")
    settlements = store.county_table("settlements", "320902").dropna(subset=["lon", "lat"]).reset_index(drop=True)
    epsg = spatial.metric_epsg(float(points["lon"].median()))
    sx, sy = spatial.project(points["lon"], points["lat"], epsg)
    dx, dy = spatial.project(settlements["lon"], settlements["lat"], epsg)
    radius = STD["layout"]["service_radius_m"]["小学"]["rural"]
    d = np.hypot(dx[:, None] - sx[None, :], dy[:, None] - sy[None, :])
    reached = ((d <= radius) & (settlements["age_6_11"].to_numpy()[:, None] > 0)).any(axis=0)
    seats = spatial.seats(points, STD)
    assert (acc["children"] * acc["access"]).sum() == pytest.approx(seats[reached].sum())
    assert len(acc) == len(settlements) and (acc["access"] >= 0).all()


def test_opening_a_school_cuts_the_town_shortage_by_its_seats(demo_db):
    from analytics import service
    from analytics.io.storage import Store
    store = Store(demo_db)
    base = service.run_scenario(store, "320902", 2024, [])
    short = service.forecast(store, "320902")["shortages"]
    worst = short[short["stage"] == contract.JUNIOR].iloc[0]
    town = worst["town"]
    site = store.county_table("settlements", "320902").query("town == @town").iloc[0]
    step = {"kind": "open", "stage": contract.JUNIOR, "name": "新初中", "lon": float(site["lon"]),
            "lat": float(site["lat"]), "classes": 12, "opens": 2026}
    after = service.run_scenario(store, "320902", 2024, [step])
    diff = _town_gap(after, town, contract.JUNIOR) - _town_gap(base, town, contract.JUNIOR)
    assert diff[diff.index < 2026].abs().max() == 0
    assert (diff[diff.index >= 2026] == 12 * 50).all()
    seats_needed = lambda r: max(0.0, -_town_gap(r, town, contract.JUNIOR).min())  # noqa: E731
    assert seats_needed(after) == pytest.approx(max(0.0, seats_needed(base) - 600))
    assert after["cost_one_off"] + after["cost_recurring"] > 0 and after["verdict"]["status"] in ("pass", "fail", "unknown")


def test_merging_a_small_school_on_the_demo_loses_no_pupil(demo_db):
    from analytics import service
    from analytics.io.storage import Store
    store = Store(demo_db)
    small = service.small_schools(store, "320902", [2024])
    sid = small[small["small"]].sort_values("students").iloc[0]["school_id"]
    base = service.run_scenario(store, "320902", 2024, [])
    after = service.run_scenario(store, "320902", 2024, [{"kind": "close", "school_id": sid}])
    assert sid not in set(after["points"]["school_id"])
    assert after["points"]["students"].sum() == base["points"]["students"].sum()
    moved = sum(r["pupils"] for r in after["log"][-1]["to"])
    assert moved == after["log"][-1]["pupils"] > 0
    table = scenarios.compare({"现状": base, "撤并": after}, STD)
    assert {"shortage", "beyond", "cv.L1", "verdict", "cost_one_off", "cost_recurring"} <= set(table["metric"])


def test_a_new_school_placed_near_a_town_border_counts_in_the_town_the_planner_chose(demo_db):
    """Typed coordinates that lie nearer another town's settlements: without a town the school counts
    there (and the form says so before it is added); with the town chosen, that town's seats grow."""
    from analytics import service
    from analytics.geo import spatial
    from analytics.io.storage import Store
    store = Store(demo_db)
    settlements = store.county_table("settlements", "320902").dropna(subset=["lon", "lat"])
    short = service.forecast(store, "320902")["shortages"]
    town = short[short["stage"] == contract.JUNIOR].iloc[0]["town"]
    other = settlements[settlements["town"] != town].iloc[0]                  # a spot inside another town
    epsg = spatial.metric_epsg(float(service.school_points(store, "320902", 2024)["lon"].median()))
    auto = scenarios.town_of(float(other["lon"]), float(other["lat"]), settlements, epsg)
    assert auto == other["town"] != town
    step = {"kind": "open", "stage": contract.JUNIOR, "name": "新初中", "lon": float(other["lon"]),
            "lat": float(other["lat"]), "classes": 12, "opens": 2026}
    base = service.run_scenario(store, "320902", 2024, [])
    placed = service.run_scenario(store, "320902", 2024, [step])
    chosen = service.run_scenario(store, "320902", 2024, [dict(step, town=town)])
    assert placed["points"].set_index("school_id").at["NEW01", "town"] == auto
    assert chosen["points"].set_index("school_id").at["NEW01", "town"] == town
    gain = lambda r, t: (_town_gap(r, t, contract.JUNIOR) - _town_gap(base, t, contract.JUNIOR)).loc[2027]  # noqa: E731
    assert gain(chosen, town) == 600 and gain(placed, town) == 0


def test_a_school_opening_in_2027_is_judged_once_it_is_open(demo_db):
    """方案比选's headline: a new 初中 of 12 classes opening in 2027 in the town shortest of seats. Read over the
    whole period the tightest year can fall before it opens (no change); read from 2027, when every step is open,
    it cuts the shortage, and the KPI says from which year it reads."""
    from analytics import service
    from analytics.io.storage import Store
    from analytics.report import scenario_views
    store = Store(demo_db)
    short = service.forecast(store, "320902")["shortages"]
    worst = short[short["stage"] == "初中"].iloc[0]
    site = store.county_table("settlements", "320902").query("town == @worst['town']").iloc[0]
    step = {"kind": "open", "stage": "初中", "name": "新建初中", "lon": float(site["lon"]), "lat": float(site["lat"]),
            "classes": 12, "opens": 2027}
    today = service.run_scenario(store, "320902", 2024, [])
    later = service.run_scenario(store, "320902", 2024, [step])
    d = scenario_views.kpi_deltas(later, today, "初中")
    assert later["opened_by"] == 2027 and d["shortage_since"] == 2027
    assert d["shortage_year"] >= 2027 and d["shortage"][1] < 0
    assert d["shortage"][0] == scenarios.peak_from(later, "初中", 2027)[0]
