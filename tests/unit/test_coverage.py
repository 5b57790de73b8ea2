"""Unknown is never a pass (standard.md §5a): every figure knows the schools it stands on.

Each case blanks cells in a copy of the small full workbook's tables (as a county's first
submission would have them) and checks what the item now says — unknown, or fail where a school is
already known to fail — and never pass. Rows of the table of issue #17, on the small fixture."""
import math

import numpy as np
import pandas as pd
import pytest

from analytics.i18n import t
from analytics.method import scorecard as sc
from analytics.method.coverage import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, Coverage, decide
from analytics.standards import load_standards

STD = load_standards("320902")
COUNTY, YEAR = "320902", 2024
PRIMARY_SCHOOL, JUNIOR_SCHOOL, THROUGH_SCHOOL, TEACHING_POINT = "1320902001", "1320902002", "1320902003", "1320902004"


@pytest.fixture(scope="module")
def tables(full_tables):
    return full_tables


def copy(tables):
    return {k: v.copy() for k, v in tables.items()}


def item(data, code, stage=None) -> sc.Item:
    items = sc.scorecard(data, STD)
    return next(i for i in items if i.code == code and i.stage == stage)


def blank(df, mask, column):
    df[column] = df[column].astype("float64")
    df.loc[mask, column] = np.nan


# ------------------------------------------------------------------ the rule itself

@pytest.mark.parametrize("total, missing, known_failing, rule_met, expected", [
    (0, 0, False, True, NOT_APPLICABLE),      # nothing to judge
    (56, 9, False, True, UNKNOWN),            # 47 of 56: the partial figure passes, the item does not
    (56, 9, True, True, FAIL),                # a school known to fail: the blanks cannot repair it
    (56, 0, False, False, FAIL),
    (56, 0, False, True, PASS),
    (56, 0, False, None, UNKNOWN),            # full coverage, but the figure cannot be computed
])
def test_decide_follows_the_order_of_the_standard(total, missing, known_failing, rule_met, expected):
    ids = [str(i) for i in range(total)]
    cov = Coverage.of(ids, ids[:missing])
    assert (cov.total, cov.complete) == (total, total - missing)
    assert decide(cov, known_failing, rule_met) == expected


def test_missing_schools_outside_the_scope_are_not_counted():
    cov = Coverage.of(["a", "b"], ["b", "z"])
    assert cov.missing == ("b",) and cov.complete == 1


# ------------------------------------------------------------------ the rows of the issue

def test_a_cv_over_part_of_the_schools_is_shown_but_never_passes(tables):
    data = copy(tables)
    before = item(data, "L2", "小学")
    assert before.status in (PASS, FAIL) and before.coverage.full
    blank(data["stats"], (data["stats"]["school_id"] == THROUGH_SCHOOL) & (data["stats"]["stage"] == "小学"),
          "backbone_teachers")
    after = item(data, "L2", "小学")
    assert after.status == UNKNOWN                                  # over one school the CV is 0: a "pass" before
    assert after.value == pytest.approx(0.0)                        # the partial value is kept for display …
    assert (after.coverage.complete, after.coverage.total) == (1, 2)   # … with its coverage
    assert after.coverage.missing == (THROUGH_SCHOOL,) and "县级以上骨干教师数" in after.coverage.reason
    verdict = sc.verdict(sc.scorecard(data, STD))
    assert verdict["status"] != PASS and ("L2", "小学") in verdict["unknown"]


def test_q4_with_blank_training_funds_is_unknown_and_a_known_low_school_still_fails(tables):
    data = copy(tables)
    f = data["funding"]
    f.loc[f["school_id"] == PRIMARY_SCHOOL, "training_funds"] = 0.01 * f.loc[f["school_id"] == PRIMARY_SCHOOL, "public_funds"]
    low = item(data, "Q4")
    assert low.status == FAIL and [r["school_id"] for r in low.failing_schools] == [PRIMARY_SCHOOL]
    other = copy(data)
    blank(other["funding"], other["funding"]["school_id"] == JUNIOR_SCHOOL, "training_funds")
    assert item(other, "Q4").status == FAIL                         # the known low school decides
    hidden = copy(data)
    blank(hidden["funding"], hidden["funding"]["school_id"] == PRIMARY_SCHOOL, "training_funds")
    q4 = item(hidden, "Q4")
    assert q4.status == UNKNOWN and q4.coverage.missing == (PRIMARY_SCHOOL,)   # was a pass: dropna


def test_g3_with_blank_room_counts_or_areas_is_unknown_not_a_pass(tables):
    data = copy(tables)
    base = item(data, "G3")
    rooms = copy(data)
    blank(rooms["stats"], rooms["stats"]["music_rooms"].notna(), "music_rooms")
    assert item(rooms, "G3").status in (UNKNOWN, FAIL) and item(rooms, "G3").status != PASS
    areas = copy(data)
    blank(areas["stats"], areas["stats"].index, "music_room_min_m2")
    blank(areas["stats"], areas["stats"].index, "art_room_min_m2")
    g3 = item(areas, "G3")
    # a blank area is not "big enough": the schools with rooms and no area are unknown
    assert g3.status != PASS
    if base.status == PASS:
        assert g3.status == UNKNOWN and g3.coverage.complete < g3.coverage.total


def test_g3_with_blank_classes_does_not_shrink_the_need_to_one_room(tables):
    data = copy(tables)
    stats = data["stats"]
    stats[["music_room_min_m2", "art_room_min_m2"]] = [100.0, 100.0]   # every room big enough,
    stats.loc[stats["school_id"] == TEACHING_POINT, ["music_rooms", "art_rooms"]] = 1.0   # one each at the 教学点
    assert item(data, "G3").status == PASS
    primary = stats["school_id"] == PRIMARY_SCHOOL                   # 26 classes: 3 rooms of each kind needed
    stats.loc[primary & (stats["stage"] == "小学"), ["music_rooms", "art_rooms"]] = 1.0
    assert item(data, "G3").status == FAIL                          # 1 room for 26 classes
    blank(stats, primary, "classes")
    g3 = item(data, "G3")
    assert g3.status == UNKNOWN and PRIMARY_SCHOOL in g3.coverage.missing    # was: needs 1 room → pass
    stats.loc[primary, ["music_rooms"]] = 0.0
    assert item(data, "G3").status == FAIL                          # no room at all fails whatever the classes


def test_g5_with_the_oversized_schools_missing_from_the_class_sheet_is_unknown(tables):
    data = copy(tables)
    assert item(data, "G5").status == FAIL                          # the fixture's 49/50-pupil classes
    classes = data["classes"]
    other = pd.DataFrame({"school_id": JUNIOR_SCHOOL, "year": YEAR, "grade": 7, "class_name": "7年级1班",
                          "students": 40}, index=[0])
    data["classes"] = pd.concat([classes[classes["school_id"] != PRIMARY_SCHOOL], other], ignore_index=True)
    g5 = item(data, "G5")
    assert g5.status == UNKNOWN and PRIMARY_SCHOOL in g5.coverage.missing   # was: 0 over → pass


def test_g5_without_the_class_sheet_falls_back_to_averages_and_says_estimate(tables):
    data = copy(tables)
    data["classes"] = data["classes"].iloc[0:0]
    g5 = item(data, "G5")
    assert g5.estimate and g5.source == "src.g5_estimate" and "估算" in t(g5.source, **g5.source_args)
    assert g5.status in (PASS, FAIL, UNKNOWN)
    assert g5.coverage.total == 4                                   # the ordinary schools, 教学点 included


def test_g6_with_a_blank_fund_is_unknown_and_without_small_village_schools_not_applicable(tables):
    data = copy(tables)
    assert item(data, "G6").status == PASS and item(data, "G6").coverage.total == 1
    blank(data["funding"], data["funding"]["school_id"] == TEACHING_POINT, "public_funds")
    assert item(data, "G6").status == UNKNOWN                        # was: never "short" → pass
    none = copy(tables)
    none["stats"] = none["stats"][none["stats"]["school_id"] != TEACHING_POINT]
    assert item(none, "G6").status == NOT_APPLICABLE


def test_without_a_special_education_school_g7_does_not_apply_and_is_counted_apart(tables):
    data = copy(tables)
    items = sc.scorecard(data, STD)
    g7 = next(i for i in items if i.code == "G7")
    assert g7.status == NOT_APPLICABLE and g7.coverage.total == 0   # was: a plain pass
    verdict = sc.verdict(items)
    assert ("G7", None) in verdict["not_applicable"]
    assert ("G7", None) not in verdict["failing"] + verdict["unknown"]
    assert sum(verdict["counts"].values()) == len(items)
    assert verdict["counts"][NOT_APPLICABLE] == sum(i.status == NOT_APPLICABLE for i in items)


def test_g12_with_a_blank_count_is_unknown_and_an_uncertified_teacher_fails(tables):
    data = copy(tables)
    assert item(data, "G12").status == PASS
    blank(data["stats"], data["stats"]["school_id"] == JUNIOR_SCHOOL, "certified_teachers")
    assert item(data, "G12").status == UNKNOWN
    s = data["stats"]
    s.loc[(s["school_id"] == PRIMARY_SCHOOL) & (s["stage"] == "小学"), "certified_teachers"] = 60.0   # of 65
    g12 = item(data, "G12")
    assert g12.status == FAIL and [r["school_id"] for r in g12.failing_schools] == [PRIMARY_SCHOOL]


def test_failing_schools_are_listed_by_id_and_shown_with_names(tables):
    data = copy(tables)
    data["schools"].loc[data["schools"]["school_id"] == JUNIOR_SCHOOL, "name"] = "城东小学"   # a repeated name
    f = data["funding"]
    f["training_funds"] = 0.0                                        # every school below 5 %
    q4 = item(data, "Q4")
    refs = {r["school_id"]: r for r in q4.failing_schools}
    assert set(refs) >= {PRIMARY_SCHOOL, JUNIOR_SCHOOL}
    assert refs[PRIMARY_SCHOOL]["label"] == f"城东小学（{PRIMARY_SCHOOL}）"    # the two are told apart
    assert refs[THROUGH_SCHOOL]["label"] == "南洋九年制学校"
    assert q4.as_dict()["failing_schools"][0]["school_id"] in refs


def test_no_item_passes_when_its_scope_has_a_blank_input(tables):
    """Blank every optional input of one school: every item that judges it is unknown or fail."""
    data = copy(tables)
    s = data["stats"]
    numeric = [c for c in s.columns if c not in ("school_id", "year", "stage", "students") and
               pd.api.types.is_numeric_dtype(s[c])]
    for c in numeric:
        blank(s, s["school_id"] == PRIMARY_SCHOOL, c)
    for c in ("public_funds", "training_funds", "funds_per_student_standard"):
        blank(data["funding"], data["funding"]["school_id"] == PRIMARY_SCHOOL, c)
    for c in ("eligible", "exchanged", "backbone_exchanged", "trained_360h"):
        blank(data["exchange"], data["exchange"]["school_id"] == PRIMARY_SCHOOL, c)
    for i in sc.scorecard(data, STD):
        if i.code == "G4":
            continue                                                 # needs pupils only, which are required
        if i.coverage is not None and PRIMARY_SCHOOL in i.coverage.in_scope:
            assert i.status in (UNKNOWN, FAIL), (i.code, i.stage, i.status)
            assert i.status == FAIL or PRIMARY_SCHOOL in i.coverage.missing
        if i.value is not None:
            assert not math.isnan(i.value)


def test_two_sources_the_school_sheets_decide_and_a_different_county_figure_is_flagged(tables):
    data = copy(tables)
    trained = item(data, "G9").value                                  # 80 trained of 165 teachers
    data["county"] = pd.concat([data["county"], pd.DataFrame(
        {"county_code": COUNTY, "year": YEAR, "indicator": ["G12", "G9"], "value": [0.90, trained + 0.005]})],
        ignore_index=True)
    g12, g9 = item(data, "G12"), item(data, "G9")
    assert g12.value == pytest.approx(1.0) and g12.status == PASS       # computed from the schools: all certified
    assert g12.county_value == pytest.approx(0.90) and g12.sources_differ
    assert g9.value == pytest.approx(80 / 165) and not g9.sources_differ   # within the 0.01 tolerance
