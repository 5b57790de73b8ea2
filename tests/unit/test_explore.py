"""探索分析's summaries on cases computed by hand: the pupil-weighted pivot, the weighted Lorenz curve and its
Gini (and the Gini against the `inequality` package), the share of classes above the line, the change since
last year — and unknown stays unknown."""
import numpy as np
import pandas as pd
import pytest
from inequality.gini import Gini

from analytics.method import explore
from analytics.standards import load_standards


def test_pivot_weights_by_pupils_and_counts_the_unknown():
    table = pd.DataFrame({"school_id": ["a", "b", "c", "d"], "group": ["城区", "城区", "乡村", "城区"],
                          "students": [100, 300, 50, 200], "L2": [2.0, 4.0, 1.0, np.nan]})
    out = explore.pivot(table, "group", "L2").set_index("group", drop=False)
    city = out.loc["城区"]
    assert city["weighted_mean"] == pytest.approx((100 * 2 + 300 * 4) / 400)     # d (unknown) left out: 3.5
    assert city["schools"] == 3 and city["pupils"] == 600 and city["unknown"] == 1
    assert (city["sum"], city["min"], city["max"]) == (6.0, 2.0, 4.0)
    total = out.iloc[-1]
    assert total["is_total"] and not city["is_total"] and total["weighted_mean"] == pytest.approx((200 + 1200 + 50) / 450)


def test_lorenz_and_gini_by_hand():
    curve = explore.lorenz([3, 1], [1, 1])                        # sorted: 1, 3
    assert curve["pupils_share"].tolist() == [0, 0.5, 1] and curve["resource_share"].tolist() == [0, 0.25, 1]
    assert explore.gini(curve) == pytest.approx(0.25)              # 1 − (0.5·0.25 + 0.5·1.25)
    weighted = explore.lorenz([1, 3], [3, 1])                      # = the four pupils 1, 1, 1, 3
    assert explore.gini(weighted) == pytest.approx(0.25)
    assert explore.gini(explore.lorenz([2, 2, 2], [5, 1, 9])) == pytest.approx(0)
    assert np.isnan(explore.gini(explore.lorenz([np.nan, 1], [1, 0])))   # nothing known with pupils: no curve


def test_gini_equals_the_inequality_package_with_equal_weights():
    values = np.random.default_rng(7).gamma(2.0, 3.0, size=200)
    assert explore.gini(explore.lorenz(values, np.ones_like(values))) == pytest.approx(Gini(values).g, rel=1e-9)


def test_share_of_classes_above_the_line():
    standards = load_standards()
    line = standards.class_max("小学")
    classes = pd.DataFrame({"school_id": ["a"] * 4 + ["b"], "year": [2024] * 5, "grade": [1, 2, 3, 4, 1],
                            "class_name": list("12345"), "students": [line - 5, line + 1, line + 5, 30, line]})
    shares = explore.over_line_shares(classes, standards).set_index("school_id")["over_line_share"]
    assert shares.to_dict() == {"a": 0.5, "b": 0.0}


def test_change_since_last_year_only_from_the_year_right_before(good_db):
    from analytics import service
    from analytics.io.storage import Store
    store = Store(good_db)
    try:
        rows = service.indicator_rows(store, "320902", None)
        rows = pd.concat([rows, rows.assign(year=rows["year"] + 1, students=rows["students"] + 10),
                          rows.assign(year=rows["year"] + 3, students=rows["students"] + 99)])
        school = str(rows["school_id"].iloc[0])
        funding = pd.DataFrame({"school_id": [school], "year": [int(rows["year"].min())], "public_funds": [840000],
                                "funds_per_student_standard": [700], "training_funds": [50400],
                                "inclusive_students": [1]})
        table = explore.measure_table(rows.reset_index(drop=True), store.classes("320902", None),
                                      service.standards_for("320902"), funding)
    finally:
        store.close()
    paid = (table["school_id"] == school) & (table["year"] == rows["year"].min())
    assert paid.any() and (table.loc[paid, "public_funds"] == 840000).all()         # on each 学段 row of the school
    assert table.loc[~paid, "public_funds"].isna().all()                            # no 经费 row: unknown, not 0
    first = int(rows["year"].min())
    assert table.loc[table["year"] == first, "students_change"].isna().all()
    assert (table.loc[table["year"] == first + 1, "students_change"] == 10).all()
    assert table.loc[table["year"] == first + 3, "students_change"].isna().all()     # first + 2 missing: unknown
    assert set(explore.MEASURES) <= set(table.columns) and set(explore.GROUPS) <= set(table.columns)


def test_nearest_school_by_hand_and_unknown_without_a_position():
    # three schools on one parallel near 120°E: 0.01° of longitude ≈ 0.93 km there; the third has no position
    table = pd.DataFrame({"school_id": ["a", "b", "c", "d"], "year": [2024] * 4, "stage": ["小学"] * 4,
                          "lon": [120.00, 120.01, 120.03, np.nan], "lat": [33.0] * 3 + [np.nan]})
    km = explore.nearest_school_km(table)
    one = 0.01 * np.pi / 180 * 6378.137 * np.cos(np.radians(33.0))            # ≈ 0.932 km
    assert km[0] == pytest.approx(one, rel=0.01) and km[1] == pytest.approx(one, rel=0.01)
    assert km[2] == pytest.approx(2 * one, rel=0.01) and np.isnan(km[3])


def test_trend_is_the_pupil_weighted_mean_per_group_and_year():
    table = pd.DataFrame({"school_id": ["a", "b", "a", "b"], "year": [2023, 2023, 2024, 2024],
                          "g": ["城区"] * 4, "students": [100, 300, 100, 100], "L2": [1.0, 3.0, 2.0, np.nan]})
    out = explore.trend(table, "g", "L2").set_index("year")
    assert out.loc[2023, "weighted_mean"] == pytest.approx(2.5) and out.loc[2023, "schools"] == 2
    assert out.loc[2024, "weighted_mean"] == 2.0 and out.loc[2024, "schools"] == 1   # b unknown: left out
