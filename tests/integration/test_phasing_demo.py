"""The plan year by year on the demo (亭湖区 2024): each year is the scorecard of that year's forecast pupils with
the jobs done by then; at 3,000万 a year with the default ceiling it cannot pass and says why and what would;
that budget and ceiling then pass."""
from analytics import service
from analytics.io.storage import Store
from analytics.method import scorecard as sc
from analytics.planning import phasing as ph
from analytics.report import phasing_views as pv


def test_each_plan_year_is_the_scorecard_of_its_forecast_pupils(demo_db):
    """Ample limits: a pass year, and every year's statuses equal the scorecard on year t's tables rebuilt from
    the plan (the forecast's growth of each town and 学段, then the jobs done by t) — the same code as 达标评估."""
    store = Store(demo_db)
    plan = service.phased_plan(store, "320902", 2024, budget_wan=20000, recurring_cap_wan=12000, hires_per_year=500)
    assert plan["pass_year"] is not None and plan["forecast_used"]
    std = service.standards_for("320902")
    tables = service.county_year_tables(store, "320902", 2024)
    factors = ph.growth_factors(service.forecast(store, "320902"), 2024)
    for r in plan["years"]:
        done = [a for a, y in plan["done_actions"] if y <= r["year"]]
        rebuilt = ph.plan_year_tables(tables, factors, r["year"], done, std)
        assert {ph.item_key(i.as_dict()): i.status for i in sc.scorecard(rebuilt, std)} == r["items"], r["year"]
        parts = rebuilt["stats"][rebuilt["stats"]["stage"] != "全校"]
        assert r["pupils"] == {s: int(g["students"].sum()) for s, g in parts.groupby("stage")}
        if r["year"] >= plan["pass_year"]:
            assert not r["failing_costed"]
    # the 初中 pupils grow with the forecast: later years need more than today's plan
    assert plan["years"][-1]["pupils"]["初中"] > plan["years"][0]["pupils"]["初中"]
    assert any(j["need"] > 2025 for r in plan["years"] for j in r["started"])


def test_at_three_thousand_wan_the_plan_says_what_is_short_and_what_would_pass(demo_db):
    """3,000万 a year and a recurring ceiling of 3,000万: the teachers the forecast needs cost more every year than
    the ceiling, so no budget passes; the sentence says so and names the least budget once the ceiling meets the
    need — that budget passes, 10万 less does not. Without a ceiling the least budget is named directly."""
    store = Store(demo_db)
    plan = service.phased_plan(store, "320902", 2024, budget_wan=3000, recurring_cap_wan=3000)
    assert plan["pass_year"] is None and plan["short_at_horizon"]
    assert plan["recurring_needed_yuan"] > plan["inputs"]["recurring_cap_yuan"]
    least = plan["min_budget_at_need_yuan"]
    assert least is not None
    text = pv.phased_sentence(plan)
    assert text.startswith("按每年3,000万元，至2030年仍未达标：") and "超过上限3,000万元" in text
    enough = service.phased_plan(store, "320902", 2024, budget_wan=least / 1e4,
                                 recurring_cap_wan=plan["recurring_needed_yuan"] / 1e4)
    assert enough["pass_year"] is not None
    short = service.phased_plan(store, "320902", 2024, budget_wan=least / 1e4 - 10,
                                recurring_cap_wan=plan["recurring_needed_yuan"] / 1e4)
    assert short["schedule_pass_year"] is None
    free = service.phased_plan(store, "320902", 2024, budget_wan=3000)
    assert free["min_budget_yuan"] is not None and pv.phased_sentence(free).startswith("按每年3,000万元，至2030年仍有")
