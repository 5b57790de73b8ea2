"""The rectification plan on synthetic counties: floors and teacher moves, brute force for the
cheapest school choice and the least floor, the ANOVA share by hand."""
import itertools
import math

import numpy as np
import pandas as pd
import pytest

from analytics.planning import rectification
from analytics.report import plan_views
from analytics.method import scorecard as sc
from analytics.standards import indicator_codes, load_standards, threshold
from tests.helpers import all_pass

STD = load_standards("320902")
COSTS = rectification.load_costs()




def _county(backbone_per100, students, others=1.3):
    """Stage statistics of a synthetic county: every indicator comfortably met except L2 as given."""
    rows = []
    for i, (x, p) in enumerate(zip(backbone_per100, students)):
        teachers = math.ceil(p / 12)
        rows.append({"school_id": f"99{i:08d}", "year": 2024, "stage": "小学", "students": p, "classes": math.ceil(p / 40),
                     "teachers": teachers, "teachers_above_degree": math.ceil(4.2 * others * p / 100),
                     "backbone_teachers": round(x * p / 100), "pe_teachers": math.ceil(0.9 * others * p / 300),
                     "music_teachers": math.ceil(0.9 * others * p / 300), "art_teachers": math.ceil(0.9 * others * p / 300),
                     "certified_teachers": teachers, "teaching_area_m2": 4.5 * others * p, "sports_area_m2": 7.5 * others * p,
                     "equipment_value_wan": 2000 * others * p / 1e4, "multimedia_rooms": math.ceil(2.3 * others * p / 100),
                     "music_rooms": 1, "music_room_min_m2": 100, "art_rooms": 1, "art_room_min_m2": 100})
    stats = pd.DataFrame(rows)
    schools = pd.DataFrame({"school_id": stats["school_id"], "name": [f"学校{i}" for i in range(len(rows))],
                            "town": "镇", "school_type": "211", "urban_rural_code": "111", "urban_rural_group": "城区",
                            "ownership": "公办", "lon": 120.0, "lat": 33.0, "capacity": None})
    return stats, schools


def test_a_cv_that_school_additions_alone_cannot_fix_gets_a_floor_and_a_move_alternative():
    # every school meets L2 ≥ 1.0, yet backbone teachers are concentrated: the CV fails
    stats, schools = _county([1.0, 1.0, 1.1, 1.0, 4.0], [800, 700, 900, 600, 500])
    before = rectification.recompute(stats, schools, STD)
    assert (before["compliance"]["status"] == "pass").all()
    assert before["cv"].set_index("indicator").loc["L2", "passed"] is False
    plan = rectification.make_plan(stats, schools, STD)
    assert {a.step for a in plan["actions"]} == {"floor"} and all_pass(plan["after"])
    after = rectification.recompute(rectification.apply_actions(stats, plan["actions"]), schools, STD)
    assert all_pass(after)
    alt = plan["alternatives"][0]
    # the floor trains backbone teachers (paid once); the exchange pays a subsidy every year
    assert plan["recurring_yuan"] == 0 and plan["one_off_yuan"] > 0
    assert alt["indicator"] == "L2" and alt["moves"] and all(m.one_off_yuan == 0 for m in alt["moves"])
    assert sum(m.recurring_yuan for m in alt["moves"]) == alt["cost_yuan"]
    moved = rectification.recompute(rectification.apply_actions(stats, alt["moves"]), schools, STD)
    cv = moved["cv"].set_index("indicator").loc["L2"]
    assert cv["passed"] == alt["passes"]                                        # the alternative is checked too
    assert (moved["compliance"]["status"] == "pass").all()                     # sources stay at their line


def test_least_floor_matches_brute_force():
    rng = np.random.default_rng(3)
    for _ in range(30):
        x = rng.uniform(0.2, 3.0, 6)
        p = rng.integers(30, 900, 6).astype(float)
        line = rng.uniform(0.1, 0.45)
        found = rectification.least_floor(x, p, line)
        grid = np.linspace(x.min(), x.max(), 20001)
        floored = np.maximum(x[None, :], grid[:, None])             # every floor of the grid at once
        mean = (floored * p).sum(axis=1) / p.sum()                   # X̄ = ΣPX/ΣP
        cvs = np.sqrt(((p / p.sum()) * (floored - mean[:, None]) ** 2).sum(axis=1)) / mean
        ok = grid[cvs <= line]
        if found is None:
            assert not len(ok)
        else:
            assert rectification.cv_with_floor(x, p, found) <= line + 1e-9
            assert found <= ok[0] + 1e-9 and found >= ok[0] - (grid[1] - grid[0])


def test_school_choice_matches_brute_force():
    rng = np.random.default_rng(5)
    codes = indicator_codes(STD)
    for _ in range(40):
        p = float(rng.integers(40, 1500))
        values = {c: threshold(STD, c, "小学") * rng.uniform(0.6, 1.2) for c in codes}
        chosen, cost = rectification.school_choice(values, p, "小学", STD, COSTS)
        best = math.inf
        for targets in itertools.product((None, 0.85, 1.0), repeat=len(codes)):
            q = {c: (rectification.natural_quantity(c, values[c], p, tg * threshold(STD, c, "小学"), STD) if tg else 0.0)
                 for c, tg in zip(codes, targets)}
            # per 100 pupils for L1–L3 and L7 (kind per100), per pupil for L4–L6, written out by hand here
            new = {c: values[c] + q[c] * (100 if c in ("L1", "L2", "L3", "L7") else 1) / p for c in codes}
            ratios = [new[c] / threshold(STD, c, "小学") for c in codes]
            met = sum(r >= 1 - 1e-12 for r in ratios)
            if met >= 6 and min(ratios) >= 0.85 - 1e-12:
                best = min(best, sum(rectification.action_cost(c, q[c], COSTS) for c in codes))
        assert cost == pytest.approx(best)


def test_every_school_at_once_chooses_as_one_school_at_a_time():
    """The array version of the school step (a province's thousands of schools) gives each school the
    quantities and cost of :func:`school_choice`, a missing value leaving the school unplanned."""
    rng = np.random.default_rng(11)
    codes = indicator_codes(STD)
    rows = []
    for i in range(200):
        stage = "小学" if i % 2 else "初中"
        r = {"school_id": f"s{i}", "stage": stage, "students": float(rng.integers(20, 2500))}
        r.update({c: threshold(STD, c, stage) * rng.uniform(0.5, 1.3) for c in codes})
        if i % 37 == 0:
            r["L4"] = math.nan
        rows.append(r)
    frame = pd.DataFrame(rows)
    together = rectification.school_choices(frame, STD, COSTS)
    for r, (chosen, cost) in zip(rows, together):
        alone, alone_cost = rectification.school_choice({c: r[c] for c in codes}, r["students"], r["stage"], STD, COSTS)
        if alone is None:
            assert chosen is None and math.isnan(cost)
        else:
            assert chosen == alone and cost == pytest.approx(alone_cost)


def test_anova_share_by_hand():
    # two schools, n = 3 each, means 60 and 70, sd 0 → all variance between schools → ICC = 1
    assert sc.between_school_share([3, 3], [60, 70], [0, 0]) == pytest.approx(1.0)
    # identical means → no between-school variance → 0
    assert sc.between_school_share([50, 40], [70, 70], [10, 12]) == 0.0
    # by hand: n=(10,10) means (70,74) sd (10,10): MSB=80, MSW=100, n0=10 → (80−100)/(80+900) < 0 → 0
    assert sc.between_school_share([10, 10], [70, 74], [10, 10]) == 0.0
    assert sc.between_school_share([10, 10], [60, 80], [10, 10]) == pytest.approx((2000 - 100) / (2000 + 900))


def test_plan_passes_only_when_every_cv_passes_and_every_school_complies():
    cv = pd.DataFrame({"passed": [True, True]}).astype(object)
    ok = {"cv": cv, "complying": {"小学": 3}, "schools": {"小学": 3}}
    assert rectification.plan_passes(ok)
    assert not rectification.plan_passes(dict(ok, complying={"小学": 2}))
    assert not rectification.plan_passes(dict(ok, cv=pd.DataFrame({"passed": [True, None]}).astype(object)))
    assert not rectification.plan_passes(dict(ok, cv=pd.DataFrame({"passed": [True, False]}).astype(object)))


def test_g6_with_a_blank_funding_standard_is_unknown_not_a_crash_or_a_pass():
    """Regression: a blank 生均公用经费拨付标准 for every small village school made the scorecard die."""
    from analytics.method import scorecard as sc
    from tests import workbooks as wbk
    schools = pd.DataFrame([dict(zip(["school_id", "name", "county_code", "county_name", "town", "school_type",
                                      "urban_rural_code", "ownership", "lon", "lat"], r)) for r in wbk.SCHOOLS])
    schools["school_type"] = ["211", "311", "312", "218"]
    stats = pd.DataFrame({"school_id": ["1320902004"], "year": [2024], "stage": ["小学"], "students": [38.0],
                          "classes": [3.0]})
    funding = pd.DataFrame({"school_id": ["1320902004"], "year": [2024], "funds_per_student_standard": [pd.NA],
                            "public_funds": [70_000.0]})
    data = {"schools": schools, "stats": stats, "funding": funding}
    item = sc.g6_item(data, STD, STD["guarantee"]["G6"])
    assert item.status == "unknown" and item.value is None
    assert item.coverage.missing == ("1320902004",) and "生均公用经费拨付标准" in item.coverage.reason
    funding["funds_per_student_standard"] = [800.0]                        # due 800 × 100 = 80 000 > 70 000
    assert sc.g6_item(data, STD, STD["guarantee"]["G6"]).status == "fail"


def _weighted_cv(x, p):
    """S/X̄ with X̄ = ΣPᵢXᵢ/ΣP and S² = ΣPᵢ(Xᵢ − X̄)²/ΣP, written out here independently of the code."""
    x, p = np.asarray(x, float), np.asarray(p, float)
    mean = (p * x).sum() / p.sum()
    return math.sqrt((p * (x - mean) ** 2).sum() / p.sum()) / mean


def test_the_cheapest_cv_route_moves_teachers_from_above_the_mean_and_is_checked_by_hand():
    # L2 backbone counts 8, 7, 10, 6, 20 for 800, 700, 900, 600, 500 pupils: every school meets 1.0 per 100,
    # the CV fails; exchanging teachers costs 2 万 per teacher-year, training new backbone teachers 3 万 each
    stats, schools = _county([1.0, 1.0, 1.1, 1.0, 4.0], [800, 700, 900, 600, 500])
    plan = rectification.make_plan(stats, schools, STD)
    route = next(r for r in plan["cv_routes"] if r["indicator"] == "L2")
    backbone = stats["backbone_teachers"].to_numpy(float)
    pupils = stats["students"].to_numpy(float)
    assert route["cv_before"] == pytest.approx(_weighted_cv(100 * backbone / pupils, pupils))
    assert route["cv_before"] > route["threshold"]
    # routes compare the money over the plan's 6 years: 2 万 a year per exchanged teacher against 3 万 once per
    # trained backbone teacher — the exchange is cheaper in its first year, the training over six
    floor = next(r for r in route["routes"] if r["kind"] == "floor")
    best = next(r for r in route["routes"] if r["kind"] == "move")
    assert best["cost_yuan"] < floor["cost_yuan"]                                  # first year
    assert best["cumulative_yuan"] == pytest.approx(6 * best["recurring_yuan"]) and best["one_off_yuan"] == 0
    assert route["best"]["kind"] == min(route["routes"], key=lambda r: r["cumulative_yuan"])["kind"] == "floor"
    moved = backbone.copy()
    ids = list(stats["school_id"])
    mean = (backbone.sum() / pupils.sum()) * 100
    for a in best["actions"]:
        src = ids.index(a.source_school)
        assert 100 * backbone[src] / pupils[src] > mean                            # from a school above the mean
        moved[src] -= a.quantity
        moved[ids.index(a.school_id)] += a.quantity
    assert (100 * moved / pupils >= STD.line("L2", "小学")).all()                   # every source keeps its line
    assert best["cv_after"] == pytest.approx(_weighted_cv(100 * moved / pupils, pupils))
    assert best["cv_after"] <= route["threshold"]
    assert best["cost_yuan"] == sum(a.quantity for a in best["actions"]) * COSTS["teacher_exchange_per_year"]
    words = plan_views.route_words({**route, "best": best})
    assert f"交流轮岗{int(sum(a.quantity for a in best['actions']))}人" in words


def test_a_cv_route_is_offered_even_when_the_school_step_alone_fixes_the_cv():
    # school 5 (L2 0.2 per 100) fails the school rule; the school step's additions also bring the CV under the line,
    # so the plan needs no floor and no exchange — yet the county CV alone could pass by a few moves
    stats, schools = _county([1.0, 1.0, 1.1, 2.4, 0.2], [800, 700, 900, 600, 500])
    plan = rectification.make_plan(stats, schools, STD)
    before = plan["before"]["cv"].set_index("indicator").loc["L2"]
    if before["passed"] is not False:
        pytest.fail(f"the synthetic county must fail L2 today (CV {before['cv']:.3f})")
    assert not plan["alternatives"] and {a.step for a in plan["actions"]} == {"school"}
    route = next(r for r in plan["cv_routes"] if r["indicator"] == "L2")
    assert route["best"] is not None and route["best"]["cv_after"] <= route["threshold"]
    summary = rectification.plan_summary(plan, STD)["cv_routes"]
    assert summary[0]["indicator"] == "L2" and summary[0]["best"]["cost_yuan"] == route["best"]["cost_yuan"]


def test_floor_actions_raise_each_school_below_the_floor_by_whole_units():
    """Every school below the least floor F gets ⌈(F − X)·P / scale⌉ units (by hand for one school: L2 at
    1.0 per 100 for 250 pupils, F = 1.5 → 1.25 → 2 backbone teachers), at the unit cost; none above F."""
    rng = np.random.default_rng(11)
    x = rng.uniform(0.3, 3.0, 40)
    p = rng.integers(40, 1500, 40).astype(float)
    part = pd.DataFrame({"school_id": [f"s{i}" for i in range(40)], "L2": x, "students": p})
    actions = rectification.floor_actions(part, "小学", "L2", 0.3, STD, COSTS, {"s0": "甲"})
    floor = rectification.least_floor(x, p, 0.3)
    expected = {f"s{i}": math.ceil((floor - x[i]) * p[i] / 100 - 1e-9) for i in range(40)
                if x[i] < floor and (floor - x[i]) * p[i] / 100 > 1e-9}
    assert {a.school_id: a.quantity for a in actions} == expected and expected
    assert all(a.cost_yuan == a.quantity * float(COSTS[rectification.UNITS["L2"][1]]) for a in actions)
    assert rectification.natural_quantity("L2", 1.0, 250, 1.5, STD) == 2.0
