"""The rectification plan on the demo counties: applying it makes every school comply and every
CV pass (recomputed from scratch), a passing county gets an empty plan, unknown never shows as pass."""

import pytest

from analytics import service
from analytics.planning import rectification
from analytics.method import scorecard as sc
from analytics.standards import load_standards
from analytics.io.storage import Store
from tests.helpers import all_pass

STD = load_standards("320902")
COSTS = rectification.load_costs()


@pytest.fixture(scope="module")
def store(demo_db):
    s = Store(demo_db)
    yield s
    s.close()


@pytest.mark.parametrize("county", ["320902", "320924"])
def test_applying_the_plan_makes_every_school_comply_and_every_cv_pass(store, county):
    t = service.county_year_tables(store, county, 2024)
    std = service.standards_for(county)
    plan = rectification.make_plan(t["stats"], t["schools"], std)
    assert plan["actions"] and not plan["unplanned"]
    assert not all_pass(rectification.recompute(t["stats"], t["schools"], std))          # it did not pass before
    after = rectification.recompute(rectification.apply_actions(t["stats"], plan["actions"]), t["schools"], std)  # from scratch
    assert all_pass(after)
    for a in plan["actions"]:                                                     # whole units where units are whole
        if a.unit in ("人", "间"):
            assert float(a.quantity).is_integer() and a.quantity > 0
    acts = plan["actions"] + plan["guarantee_actions"]
    assert plan["one_off_yuan"] + plan["recurring_yuan"] == pytest.approx(sum(a.cost_yuan for a in acts))
    # teachers are paid every year, buildings once: the split follows costs.yaml's kinds
    assert plan["recurring_yuan"] == pytest.approx(sum(a.cost_yuan for a in acts if a.indicator in ("L1", "L3")) +
                                                   sum(a.recurring_yuan for a in acts if a.indicator == "G5"))
    assert plan["recurring_yuan"] > 0 and plan["one_off_yuan"] > 0


def test_a_county_that_already_passes_gets_an_empty_plan(store):
    t = service.county_year_tables(store, "320902", 2024)
    first = rectification.make_plan(t["stats"], t["schools"], STD)
    fixed = rectification.apply_actions(t["stats"], first["actions"])
    again = rectification.make_plan(fixed, t["schools"], STD)
    assert again["actions"] == [] and all_pass(again["after"])


def test_unknown_never_shows_as_pass(store):
    t = service.county_year_tables(store, "320902", 2024)
    t["county"] = t["county"].iloc[0:0]                                        # the 县级指标 sheet removed
    items = sc.scorecard(t, STD)
    by_code = {(i.code, i.stage): i for i in items}
    for code in ("G1", "G2", "G8", "G10", "G13", "G14", "G15", "Q1", "Q2", "Q3", "Q5", "Q6", "Q7", "Q8", "S1"):
        assert by_code[(code, None)].status == "unknown"
    assert sc.verdict(items)["status"] != "pass"
    t["funding"] = t["funding"].iloc[0:0]
    items = sc.scorecard(t, STD)
    assert {i.code: i.status for i in items}["Q4"] == "unknown"
