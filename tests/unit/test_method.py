"""Metrics against cases computed by hand and the spec's worked examples."""
import math

import numpy as np
import pandas as pd
import pytest
from inequality.theil import TheilD

from analytics.method import school_rule
from analytics.method import sizing
from analytics.method import urban_rural
from analytics.method import variation
from analytics.standards import load_standards
from analytics.method.indicators import compute_indicators, split_shares, split_whole_school

STD = load_standards()


def test_weighted_cv_reproduces_the_official_worked_example():
    students = [45, 37, 89, 76, 55]
    books = [279, 137, 935, 160, 402]
    per_student = np.array(books) / np.array(students)
    res = variation.weighted_cv(per_student, students)
    assert res.mean == pytest.approx(6.334437, abs=1e-6)
    assert res.sd == pytest.approx(3.263861, abs=1e-6)
    assert res.cv == pytest.approx(0.515257, abs=1e-6)
    # the unweighted CV of the same ratios is 0.4888: our number must not be that one
    unweighted = per_student.std() / per_student.mean()
    assert unweighted == pytest.approx(0.4888, abs=1e-4)
    assert abs(res.cv - unweighted) > 0.02


def test_weighted_cv_by_hand_two_schools():
    # X = 2 (P=1) and X = 5 (P=3): mean = (2 + 15)/4 = 4.25; var = 1/4·2.25² + 3/4·0.75² = 1.6875
    res = variation.weighted_cv([2, 5], [1, 3])
    assert res.mean == pytest.approx(4.25)
    assert res.sd == pytest.approx(math.sqrt(1.6875))
    assert res.cv == pytest.approx(math.sqrt(1.6875) / 4.25)


def test_weighted_cv_ignores_missing_values_and_empty_schools():
    res = variation.weighted_cv([2, 5, np.nan, 100], [1, 3, 10, 0])
    assert res.n == 2 and res.mean == pytest.approx(4.25)
    assert math.isnan(variation.weighted_cv([], []).cv)


def test_variance_shares_sum_to_one_and_point_at_the_outlier():
    shares = variation.variance_shares([5, 5.2, 4.9, 20], [300, 280, 310, 50])
    assert np.nansum(shares) == pytest.approx(1.0)
    assert np.argmax(shares) == 3


def test_split_of_whole_school_rows_matches_worked_example():
    shares = split_shares({"小学": 166, "初中": 210}, {"小学": 1.0, "初中": 1.1})
    assert 23226 * shares["小学"] == pytest.approx(9711.63, abs=0.005)
    assert 23226 * shares["初中"] == pytest.approx(13514.37, abs=0.005)


def _stats_row(stage, students, **kw):
    base = dict(school_id="3209020001", year=2024, stage=stage, students=students, classes=None,
                teachers=None, teachers_above_degree=None, backbone_teachers=None, pe_teachers=None,
                music_teachers=None, art_teachers=None, certified_teachers=None, teaching_area_m2=None,
                sports_area_m2=None, equipment_value_wan=None, multimedia_rooms=None, music_rooms=None,
                music_room_min_m2=None, art_rooms=None, art_room_min_m2=None)
    base.update(kw)
    return base


def test_split_whole_school_folds_shared_resources_into_stage_rows():
    stats = pd.DataFrame([
        _stats_row("小学", 166, teaching_area_m2=None, music_room_min_m2=None),
        _stats_row("初中", 210, teaching_area_m2=100.0),
        _stats_row("全校", None, teaching_area_m2=23226.0, music_room_min_m2=96.0),
    ])
    out = split_whole_school(stats, {"小学": 1.0, "初中": 1.1}).set_index("stage")
    assert set(out.index) == {"小学", "初中"}
    assert out.loc["小学", "teaching_area_m2"] == pytest.approx(9711.63, abs=0.005)
    assert out.loc["初中", "teaching_area_m2"] == pytest.approx(100 + 13514.37, abs=0.005)
    assert out.loc["小学", "music_room_min_m2"] == 96.0          # copied, not split
    assert out["split_from_whole"].all()


def test_a_complete_middle_school_keeps_the_senior_share_out_of_its_junior_part():
    """完全中学: 1350 初中 and 1080 高中 pupils share 29 106 ㎡ given on the 全校 row. With 初中 : 高中 =
    1.1 : 1.32 (1 : 1.2) the 初中 gets 1.1·1350 / (1.1·1350 + 1.32·1080) = 1485 / 2910.6 = 0.510204…
    of it, 14 850.0 ㎡ (by hand: 29 106 × 1485 / 2910.6); without 高中在校生数 it would get all of it."""
    stats = pd.DataFrame([_stats_row("初中", 1350), _stats_row("全校", None, teaching_area_m2=29106.0, senior_students=1080)])
    weights = {"小学": 1.0, "初中": 1.1, "高中": 1.32}
    out = split_whole_school(stats, weights).set_index("stage")
    assert list(out.index) == ["初中"]
    assert out.loc["初中", "teaching_area_m2"] == pytest.approx(14850.0, abs=0.01)
    without = split_whole_school(stats.assign(senior_students=None), weights).set_index("stage")
    assert without.loc["初中", "teaching_area_m2"] == pytest.approx(29106.0)


def test_indicators_by_hand():
    stats = pd.DataFrame([_stats_row("小学", 400, teachers_above_degree=20, backbone_teachers=4,
                                     pe_teachers=2, music_teachers=1, art_teachers=1,
                                     teaching_area_m2=1800, sports_area_m2=3000, equipment_value_wan=90,
                                     multimedia_rooms=10)])
    row = compute_indicators(stats, STD).iloc[0]
    assert row["L1"] == pytest.approx(5.0)       # 20 / 400 × 100
    assert row["L2"] == pytest.approx(1.0)
    assert row["L3"] == pytest.approx(1.0)       # (2+1+1)/400 × 100
    assert row["L4"] == pytest.approx(4.5)
    assert row["L5"] == pytest.approx(7.5)
    assert row["L6"] == pytest.approx(2250.0)    # 90 万元 = 900 000 元 / 400
    assert row["L7"] == pytest.approx(2.5)
    # a missing source gives a missing indicator, never zero
    stats.loc[0, "music_teachers"] = None
    assert math.isnan(compute_indicators(stats, STD).iloc[0]["L3"])


def test_published_case_composite_passes_but_county_fails():
    published = [0.297929, 0.501787, 0.401952, 0.288419, 0.37545, 0.312782, 0.394205]
    cvs = pd.DataFrame({"stage": "小学", "indicator": [f"L{i}" for i in range(1, 8)], "cv": published,
                        "passed": [c <= 0.50 for c in published]})
    assert np.mean(published) == pytest.approx(0.367503, abs=1e-6)
    verdict = variation.stage_verdicts(cvs).iloc[0]
    assert verdict["status"] == "fail" and verdict["failing"] == ["L2"]


def _county_rows(x_by_indicator, students):
    rows = pd.DataFrame({"school_id": [f"{i:010d}" for i in range(len(students))], "stage": "小学",
                         "students": students, "in_scope": True, "urban_rural_group": "城区"})
    for code, xs in x_by_indicator.items():
        rows[code] = xs
        rows[f"Q_{code}"] = np.array(xs) * np.array(students)
    return rows


def test_cv_table_county_whose_composite_passes_while_one_indicator_fails():
    students = [500, 400, 300, 200]
    even = [5.0, 5.2, 4.8, 5.1]
    xs = {f"L{i}": even for i in range(1, 8)}
    xs["L2"] = [2.5, 0.4, 0.2, 0.3]        # backbone teachers concentrated in the big school
    table = variation.cv_table(_county_rows(xs, students), STD)
    l2 = table[(table["indicator"] == "L2")].iloc[0]
    composite = variation.composite_cv(table)["小学"]
    assert l2["cv"] > 0.50 and l2["passed"] is False
    assert composite < 0.50                                   # informational only: not in the CV table
    assert composite == pytest.approx(table["cv"].mean())
    assert set(table["indicator"]) == set(STD.indicator_codes)
    verdict = variation.stage_verdicts(table).iloc[0]
    assert verdict["status"] == "fail" and verdict["failing"] == ["L2"]


def test_school_compliance_six_of_seven_and_85_percent_rule():
    lines = {"L1": 4.2, "L2": 1.0, "L3": 0.9, "L4": 4.5, "L5": 7.5, "L6": 2000, "L7": 2.3}
    ok = {c: v * 1.1 for c, v in lines.items()}
    one_at_90 = dict(ok, L5=7.5 * 0.90)                     # 6 met, 1 at 90 % → pass
    one_at_80 = dict(ok, L5=7.5 * 0.80)                     # 6 met, 1 at 80 % → fail
    two_unmet = dict(ok, L5=7.5 * 0.95, L4=4.5 * 0.95)      # 5 met → fail
    missing = dict(ok, L6=np.nan)                            # cannot tell → unknown
    rows = pd.DataFrame([ok, one_at_90, one_at_80, two_unmet, missing])
    rows["school_id"], rows["name"], rows["stage"] = list("abcde"), list("abcde"), "小学"
    rows["students"], rows["in_scope"] = 100, True
    comp = school_rule.school_compliance(rows, STD)
    assert comp["status"].tolist() == ["pass", "pass", "fail", "fail", "unknown"]
    assert comp["met_count"].tolist() == [7, 6, 6, 5, 6]
    assert comp.loc[2, "shortfall_L5"] == pytest.approx(7.5 * 0.2)
    assert comp.loc[1, "unmet"] == ["L5"]


def test_theil_unweighted_matches_pysal_inequality():
    x = np.array([3.0, 5.0, 8.0, 2.0, 9.0, 4.0])
    groups = np.array(["城区", "城区", "城区", "乡村", "乡村", "镇区"])
    ours = urban_rural.theil_decomposition(x, np.ones_like(x), groups)
    ref = TheilD(x.reshape(-1, 1), groups)
    assert ours["total"] == pytest.approx(float(np.ravel(ref.T)[0]))
    assert ours["between"] == pytest.approx(float(np.ravel(ref.bg)[0]))
    assert ours["within"] == pytest.approx(float(np.ravel(ref.wg)[0]))


def test_theil_weighted_decomposition_adds_up_and_by_hand():
    # two schools, X = 1 (P=1) and X = 3 (P=1): mean 2, T = ½(½ln½) + ½(1.5 ln 1.5)
    t = urban_rural.theil_decomposition([1, 3], [1, 1], ["a", "b"])
    assert t["total"] == pytest.approx(0.5 * 0.5 * math.log(0.5) + 0.5 * 1.5 * math.log(1.5))
    assert t["within"] == pytest.approx(0.0) and t["between"] == pytest.approx(t["total"])
    rng = np.random.default_rng(1)
    x, w = rng.uniform(1, 10, 50), rng.integers(20, 2000, 50)
    g = rng.choice(["城区", "镇区", "乡村"], 50)
    t = urban_rural.theil_decomposition(x, w, g)
    assert t["between"] + t["within"] == pytest.approx(t["total"])


def test_class_bands_edges():
    band = lambda n, s: sizing.class_band(n, s, STD)  # noqa: E731
    assert [band(n, "小学") for n in (45, 46, 55, 56, 65, 66)] == ["within", "large", "large", "big", "big", "huge"]
    assert [band(n, "初中") for n in (50, 51)] == ["within", "large"]
    assert sizing.stage_of_grade(6) == "小学" and sizing.stage_of_grade(7) == "初中"
    # every class of a table at once bands as one class at a time, at and around every edge
    sizes = [n for edge in (45, 50, 55, 65) for n in (edge - 1, edge, edge + 1)] + [20, 90]
    classes = pd.DataFrame([{"school_id": "s", "grade": g, "students": n} for g in (1, 6, 7, 9) for n in sizes])
    banded = sizing.class_bands(classes, STD)
    assert list(banded["stage"]) == [sizing.stage_of_grade(g) for g in classes["grade"]]
    assert list(banded["band"]) == [band(n, sizing.stage_of_grade(g)) for g, n in zip(classes["grade"], classes["students"])]


def test_oversized_schools_use_combined_limit():
    stats = pd.DataFrame([
        {"school_id": "a", "year": 2024, "stage": "小学", "students": 2100, "classes": 45},
        {"school_id": "b", "year": 2024, "stage": "小学", "students": 1300, "classes": 30},
        {"school_id": "b", "year": 2024, "stage": "初中", "students": 1100, "classes": 22},
        {"school_id": "b", "year": 2024, "stage": "全校", "students": None, "classes": None},
    ])
    schools = pd.DataFrame({"school_id": ["a", "b"], "name": ["A", "B"], "town": "t",
                            "school_type": ["211", "312"], "urban_rural_group": "城区"})
    out = sizing.oversized_schools(stats, schools, STD).set_index("school_id")
    assert out.loc["a", "over"] and out.loc["a", "excess"] == 100
    assert out.loc["b", "students"] == 2400 and not out.loc["b", "over"]     # 2400 ≤ 2500


def test_band_summary_by_hand():
    counts = pd.DataFrame({"stage": ["小学", "初中"], "within": [10, 4], "large": [3, 0], "big": [2, 1], "huge": [1, 0],
                           "total": [16, 5]})
    out = sizing.band_summary(counts)
    assert out == {"total": 21, "over": 7, "over_share": 7 / 21, "big": 3, "huge": 1}
    assert sizing.band_summary(counts.iloc[:0])["over_share"] == 0.0


def test_composite_is_the_plain_mean_of_the_seven_and_unknown_with_a_gap():
    cvs = pd.DataFrame({"stage": ["小学"] * 7 + ["初中"] * 7, "indicator": [f"L{i}" for i in range(1, 8)] * 2,
                        "cv": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7] + [0.2] * 6 + [float("nan")]})
    out = variation.composite_cv(cvs)
    assert out["小学"] == pytest.approx(0.4) and math.isnan(out["初中"])


def test_scope_of_many_rows_is_the_one_row_rule_row_by_row():
    """scope_reasons (one answer per distinct case) gives what scope_reason gives each row: special schools,
    rows without students, 教学点 below the minimum (50), private schools when they are left out."""
    from analytics.method.indicators import scope_reason, scope_reasons
    std = load_standards()
    std["scope"]["include_private"] = False
    types = pd.Series(["211", "218", "218", "218", "511", "211", "311", None, "218", "211"])
    owners = pd.Series(["公办", "公办", "公办", "民办", "公办", "民办", "公办", "公办", "公办", "民办"])
    pupils = pd.Series([300, 49.5, 50, 10, 90, 0, None, 120, float("nan"), 300])
    expected = [scope_reason(t, o, p, std) for t, o, p in zip(types, owners, pupils)]
    assert expected == [None, "small_teaching_point", None, "small_teaching_point", "special", "no_students",
                        "no_students", None, "no_students", "private"]
    assert scope_reasons(types, owners, pupils, std) == expected
