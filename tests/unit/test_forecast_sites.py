"""Forecast by the cohort method against a synthetic history with a known trend; seats; site
suggestion against brute force; two-step floating catchment by hand."""

import numpy as np
import pandas as pd
import pytest

from analytics.planning import forecast as fc
from analytics.planning import sites
from analytics.standards import load_standards

STD = load_standards("320902")


def synthetic(intake=0.9, progress=1.02, transition=0.97, years=range(2019, 2025)):
    """Two towns with exact ratios: births fall 4 % a year; grade 1 = 0.9 × births six years before."""
    births = pd.DataFrame([{"town": t, "year": y, "births": b0 * 0.96 ** (y - 2005)}
                           for t, b0 in (("城东街道", 1000.0), ("南洋镇", 400.0)) for y in range(2005, 2025)])
    b = births.set_index(["town", "year"])["births"]
    rows = []
    first = min(years)
    for t in ("城东街道", "南洋镇"):
        grades = {g: intake * b[(t, first - 6 - (g - 1))] * progress ** (g - 1) for g in range(1, 7)}
        grades.update({g: grades[6] * transition * progress ** (g - 7) for g in range(7, 10)})
        for y in years:
            if y > first:
                new = {1: intake * b[(t, y - 6)]}
                new.update({g + 1: grades[g] * progress for g in (1, 2, 3, 4, 5, 7, 8)})
                new[7] = grades[6] * transition
                grades = new
            rows += [{"school_id": f"s-{t}", "year": y, "grade": g, "class_name": "1", "students": v} for g, v in grades.items()]
    classes = pd.DataFrame(rows)
    schools = pd.DataFrame({"school_id": ["s-城东街道", "s-南洋镇"], "town": ["城东街道", "南洋镇"]})
    return classes, schools, births


def test_forecast_reproduces_a_known_trend():
    classes, schools, births = synthetic()
    out = fc.forecast(classes, schools, births, STD, urban_towns={"城东街道"}, urban_shift=0.0)
    r = out["ratios"]
    assert r["intake"]["城东街道"] == pytest.approx(0.9) and r["progress"][3] == pytest.approx(1.02)
    assert r["transition"][6] == pytest.approx(0.97)
    central = out["forecast"][out["forecast"]["variant"] == "central"].set_index(["town", "stage", "year"])["pupils"]
    # continue the same process by hand for 2025 and compare
    truth_classes, _, _ = synthetic(years=range(2019, 2027))
    truth = fc.by_stage(fc.grade_history(truth_classes, schools)).set_index(["town", "stage", "year"])["pupils"]
    for key in [("城东街道", "小学", 2025), ("南洋镇", "初中", 2026), ("城东街道", "初中", 2026)]:
        assert central[key] == pytest.approx(truth[key], rel=1e-9)
    back = out["backtest"]
    assert back["error_share"].abs().max() < 1e-9                   # an exact process is forecast exactly
    low = out["forecast"].query("variant == 'low' and stage == '小学' and year == 2033")["pupils"].sum()
    high = out["forecast"].query("variant == 'high' and stage == '小学' and year == 2033")["pupils"].sum()
    mid = central.xs("小学", level="stage").xs(2033, level="year").sum()
    assert low < mid < high                                          # the fan


def test_urbanisation_shift_moves_intake_and_keeps_the_total():
    classes, schools, births = synthetic()
    a = fc.forecast(classes, schools, births, STD, urban_towns={"城东街道"}, urban_shift=0.0)["forecast"]
    b = fc.forecast(classes, schools, births, STD, urban_towns={"城东街道"}, urban_shift=0.05)["forecast"]
    pick = lambda f, town: f.query(f"variant == 'central' and stage == '小学' and year == 2025 and town == '{town}'")["pupils"].sum()  # noqa: E731
    assert pick(b, "城东街道") > pick(a, "城东街道") and pick(b, "南洋镇") < pick(a, "南洋镇")
    assert pick(a, "城东街道") + pick(a, "南洋镇") == pytest.approx(pick(b, "城东街道") + pick(b, "南洋镇"))


def test_seats_and_first_shortage():
    stats = pd.DataFrame({"school_id": ["A", "B", "B"], "stage": ["小学", "小学", "初中"], "classes": [20, 12, 9]})
    schools = pd.DataFrame({"school_id": ["A", "B"], "town": ["城东街道", "城东街道"], "capacity": [1000.0, None]})
    seats = fc.seats(stats, schools, STD).set_index(["town", "stage"])["seats"]
    assert seats[("城东街道", "小学")] == 1000 + 12 * 45 and seats[("城东街道", "初中")] == 9 * 50
    f = pd.DataFrame({"town": "城东街道", "stage": "小学", "year": [2025, 2026, 2027], "pupils": [1500, 1560, 1600.0],
                      "variant": "central"})
    summary = fc.shortage_summary(fc.seat_balance(f, fc.seats(stats, schools, STD))).set_index("stage").loc["小学"]
    assert summary["first_shortage"] == 2026 and summary["seats_needed"] == 60


def test_site_suggestion_matches_brute_force():
    rng = np.random.default_rng(7)
    for _ in range(3):
        cost = rng.uniform(0, 6000, (40, 12))
        w = rng.integers(1, 80, 40).astype(float)
        for model, radius in (("pmedian", None), ("mclp", 1800.0)):
            got = sites.solve(cost, w, n_existing=4, k=2, model=model, radius=radius)
            best, value = sites.brute_force(cost, w, 4, 2, model, radius)
            assert got["status"] == "Optimal" and got["objective"] == pytest.approx(value)


def test_two_step_fca_by_hand():
    settlements = pd.DataFrame({"lon": [120.0, 120.05], "lat": [33.0, 33.0], "age_6_11": [100, 300], "age_12_14": 0,
                                "town": "t", "name": ["a", "b"]})
    schools = pd.DataFrame({"school_id": ["S"], "name": ["S"], "stages": ["小学"], "lon": [120.0], "lat": [33.0],
                            "students": [200]})
    fca = sites.two_step_fca(settlements, schools, "小学", 2500, 4549)
    # only settlement a (100 children) is within 2.5 km: ratio 200/100 = 2 seats per child; b gets nothing
    assert fca.tolist() == pytest.approx([2.0, 0.0])


def test_sparse_pmedian_equals_spopts_full_model():
    rng = np.random.default_rng(3)
    demand = rng.uniform(0, 20_000, (150, 2))
    facilities = np.vstack([rng.uniform(0, 20_000, (8, 2)), demand[rng.choice(150, 30, replace=False)]])
    cost = sites.cost_matrix(demand, facilities)
    w = rng.integers(10, 300, 150).astype(float)
    for k in (1, 3):
        full = sites.solve(cost, w, 8, k, sparse=False)
        sparse = sites.solve(cost, w, 8, k)
        assert full["status"] == sparse["status"] == "Optimal"
        assert sparse["objective"] == pytest.approx(full["objective"])
        assert sparse["objective"] < sites.objective(cost, w, 8, [])


def test_seats_left_by_town_and_year_by_hand():
    """A town of 900 seats with 850, 920 and 990 pupils: 50, −20, −90; with a 5 % tight line 50 left of 900
    (5.6 %) is spare, 40 left would be tight, −20 short."""
    import pandas as pd
    from analytics.planning import forecast as fc
    balance = pd.DataFrame({"town": ["甲镇"] * 3 + ["乙镇"] * 3, "stage": "小学", "year": [2025, 2026, 2027] * 2,
                            "seats": [900] * 3 + [300] * 3, "pupils": [850, 920, 990, 100, 100, 100]})
    balance["gap"] = balance["seats"] - balance["pupils"]
    gaps = fc.town_year_gaps(balance, "小学")
    assert gaps.loc["甲镇"].tolist() == [50, -20, -90] and gaps.loc["乙镇"].tolist() == [200, 200, 200]
    assert fc.town_year_gaps(balance, "初中").empty
    assert [fc.seat_class(g, 900, 0.05) for g in (50, 40, -20)] == ["spare", "tight", "short"]
    assert fc.seat_class(float("nan"), 900, 0.05) == "unknown"


def test_short_children_by_hand():
    import numpy as np
    from analytics.planning import sites
    assert sites.short_children(np.array([200.0, 200.0, 50.0]), np.array([0.7, 1.2, 0.0])) == pytest.approx([60.0, 0.0, 50.0])


def test_the_shortage_objective_places_the_school_where_children_have_no_seat():
    """Village A: 2,000 children 1.5 km from a school of 2,500 seats (all seated); village B: 100 children 15 km
    away with no school. p-median (distance of every child) puts the new school at A — 2,000 × 1.5 km saved against
    100 × 15 km; the shortage objective puts it at B, the only children without a seat, and says so."""
    import pandas as pd
    from analytics.planning import sites
    from analytics.report import scenario_views
    from analytics.standards import load_standards
    std = load_standards("320902")
    lat0, lon0, per_km = 33.35, 120.15, 1 / 111.0
    settlements = pd.DataFrame({"town": ["甲镇", "乙镇"], "name": ["A村", "B村"], "lon": [lon0, lon0],
                                "lat": [lat0 + 1.5 * per_km, lat0 + 15 * per_km], "age_6_11": [2000, 100],
                                "age_12_14": [0, 0]})
    schools = pd.DataFrame({"school_id": ["S"], "name": ["甲镇小学"], "lon": [lon0], "lat": [lat0], "stages": ["小学"],
                            "school_type": ["211"], "capacity": [2500.0], "classes": [50], "students": [2000]})
    distance = sites.suggest(settlements, schools, "小学", 1, std, "pmedian")
    shortage = sites.suggest(settlements, schools, "小学", 1, std, "shortage")
    assert distance["sites"]["name"].tolist() == ["A村"]
    assert shortage["sites"]["name"].tolist() == ["B村"]
    assert shortage["before"] == 100.0 and shortage["objective"] == 100.0
    assert scenario_views.result_words(shortage).startswith("学位不足、就近无学位可入的学龄儿童100人，所选位置服务半径内覆盖其中100人")
