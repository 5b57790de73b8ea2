"""Every choice the standard leaves open is in data/standards/, stated in words where the item is shown, and a
province override changes both the figure and the words. Cases on the small workbook (tests/workbooks.py:
城东小学 211 with 1,200 pupils in 城区 111, 南洋九年制 312 with 166 小学 + 210 初中 pupils, 新民教学点 218 with 38
in 村庄 220) and on hand-made frames."""
import pandas as pd
import pytest

from analytics.method import scorecard as sc
from analytics.method import sizing
from analytics.method.coverage import NOT_APPLICABLE, PASS
from analytics.i18n import t
from analytics.report import briefing
from analytics.standards import Standards, deep_merge, load_standards

NATIONAL = load_standards("320902")
PRIMARY_SCHOOL, THROUGH_SCHOOL, TEACHING_POINT = "1320902001", "1320902003", "1320902004"


def province(**override) -> Standards:
    return Standards(deep_merge(NATIONAL, override))


@pytest.fixture(scope="module")
def tables(full_tables):
    return full_tables


def item(items, code, stage=None):
    return next(i for i in items if i.code == code and i.stage == stage)


def test_the_small_school_cut_off_applies_to_the_types_the_province_names(tables):
    """National: only 教学点 under 50 leave the CVs, so 小学 counts 城东小学 (1,200) and 南洋's 小学部 (166): two
    schools. A province cutting 小学 (211) below 1,300 too leaves 南洋 alone (a 九年一贯制, 312, is not cut):
    one school, whose CV is 0 by definition — and the page says so rather than showing a bare 0 as a pass."""
    national = sc.scorecard(tables, NATIONAL)
    assert int(item(national, "L1", "小学").source_args["n"]) == 2 and item(national, "L1", "小学").source == "src.cv"
    cut = province(scope={"teaching_point_min_students": 1300, "min_students_types": ["211", "218"]})
    one = item(sc.scorecard(tables, cut), "L1", "小学")
    assert one.value == 0.0 and one.source == "src.cv_single"
    assert t(one.source) == "仅1所学校，差异系数按定义为0"
    assert "小学教学点在该学段不足50人的不计" in NATIONAL.item_scope("CV")["basis"]
    assert "小学、小学教学点在该学段不足1300人的不计" in cut.item_scope("CV")["basis"]
    assert briefing.scope_sentence(cut) == "特殊教育学校不纳入，不足1300人的小学、教学点不纳入，民办学校纳入。"


def test_a_primary_school_in_a_township_centre_is_not_a_village_school_unless_the_province_says_so(tables):
    """国办发〔2018〕27号: 乡村小规模学校 are 村小学 and 教学点. The 38-pupil school made a 小学 (211) in a 乡中心区 (210):
    nationally it is a 乡镇 school, so G6 has no school to judge (not applicable) and the small-school list is
    empty; a province counting 210 小学 as village schools judges it (1 school, funded 700 × 100 = 70,000 元 ≥
    700 × max(38, 100): pass) and lists it."""
    data = {k: v.copy() for k, v in tables.items()}
    moved = data["schools"]["school_id"] == TEACHING_POINT
    data["schools"].loc[moved, ["school_type", "urban_rural_code"]] = ["211", "210"]
    assert sc.g6_item(data, NATIONAL, NATIONAL["guarantee"]["G6"]).status == NOT_APPLICABLE
    assert not sizing.small_rural_schools(data["stats"], data["schools"], NATIONAL)["small"].any()
    wide = province(small_school={"village": {"211": ["210", "220"], "218": ["210", "220"]}})
    g6 = sc.g6_item(data, wide, wide["guarantee"]["G6"])
    assert g6.status == PASS and g6.coverage.total == 1
    assert sizing.small_rural_schools(data["stats"], data["schools"], wide)["school_id"].tolist() == [TEACHING_POINT]
    assert "小学位于村庄（220）；小学教学点位于乡中心区（210）、村庄（220）" in NATIONAL.item_scope("G6")["basis"]
    assert "小学位于乡中心区（210）、村庄（220）" in wide.item_scope("G6")["basis"]


def complete_middle_school() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 完全中学 (341): 1,200 初中 pupils on its 初中 row, 1,230 高中 pupils on its 全校 row (2,430 in all)."""
    schools = pd.DataFrame([{"school_id": "S", "name": "盐城中学", "town": "五星街道", "school_type": "341",
                             "urban_rural_group": "城区"}])
    stats = pd.DataFrame([{"school_id": "S", "year": 2024, "stage": "初中", "students": 1200, "classes": 24,
                           "senior_students": None},
                          {"school_id": "S", "year": 2024, "stage": "全校", "students": None, "classes": None,
                           "senior_students": 1230}])
    return stats, schools


def test_g4_counts_a_senior_part_only_where_the_province_says_so():
    """National (第九条第四款 sizes the 义务教育 school): 1,200 ≤ 2,000, not oversized. With
    ``count_senior_students``: 1,200 + 1,230 = 2,430 > 2,000, oversized by 430."""
    stats, schools = complete_middle_school()
    national = sizing.oversized_schools(stats, schools, NATIONAL).iloc[0]
    assert (national["students"], bool(national["over"])) == (1200, False)
    whole = province(school_size={"count_senior_students": True})
    counted = sizing.oversized_schools(stats, schools, whole).iloc[0]
    assert (counted["students"], bool(counted["over"]), counted["excess"]) == (2430, True, 430)
    assert "只计义务教育在校生，不计高中" in NATIONAL.item_scope("G4")["basis"]
    assert "连同高中在校生计算" in whole.item_scope("G4")["basis"]


def test_g3_credits_a_senior_part_s_rooms_by_weighted_pupils_only_where_the_province_says_so():
    """The 完全中学 above reports 3 music and 3 art rooms (96 and 90 ㎡) on its 全校 row; 24 初中 classes need
    ⌈24/12⌉ = 2 of each. National: all 3 count → pass. ``senior_rooms: share``: the 义务教育 part is
    1.1·1,200 / (1.1·1,200 + 1.32·1,230) = 1,320 / 2,943.6 = 0.44843, so 3 × 0.44843 = 1.345 rooms of each
    kind < 2 → fail, one room of each kind to build."""
    stats, schools = complete_middle_school()
    rooms = {"music_rooms": 3, "music_room_min_m2": 96, "art_rooms": 3, "art_room_min_m2": 90}
    for key, value in rooms.items():
        stats[key] = [None, value]
    rule = NATIONAL["guarantee"]["G3"]
    national = sc.g3_rooms(stats, schools, rule, NATIONAL["split_weights"]).iloc[0]
    assert (national["music"], national["needed"], national["ok"]) == (3, 2, True)
    share = province(guarantee={"G3": {"senior_rooms": "share"}})
    split = sc.g3_rooms(stats, schools, share["guarantee"]["G3"], share["split_weights"]).iloc[0]
    assert split["music"] == pytest.approx(3 * 1320 / 2943.6) and split["music"] == pytest.approx(1.34530, abs=1e-5)
    assert (split["ok"], split["music_short"], split["art_short"]) == (False, 1, 1)
    assert "全校的专用教室全部计入其义务教育班级" in NATIONAL.item_scope("G3")["basis"]
    assert "按加权学生数拆分，只计义务教育部分" in share.item_scope("G3")["basis"]
    assert any("只计义务教育部分" in w for w in briefing.choice_sentences(share))
    with pytest.raises(ValueError, match="senior_rooms"):
        sc.g3_rooms(stats, schools, {**rule, "senior_rooms": "half"}, NATIONAL["split_weights"])


def test_each_value_says_what_it_is(tables):
    """G4 the largest school (城东小学, 1,200), G5 the classes above the line (12 of 城东小学's 26 — 49 and 50
    pupils against 45), Q4 the lowest school's share and the county's (every school 6 %: 0.06 × 700 × pupils),
    R8 with unknown schools in the denominator."""
    items = sc.scorecard(tables, NATIONAL)
    g4, g5, q4 = item(items, "G4"), item(items, "G5"), item(items, "Q4")
    assert t(g4.source, **g4.source_args).startswith("数值为在校生最多的学校（1,200人）")
    assert g5.value == 12 and t(g5.source, **g5.source_args).startswith("数值为超过标准的班级数：26个班中12个超过45/50人")
    assert t(q4.source, **q4.source_args) == "数值为占比最低的学校（6.00%）；全县合计6.00%（教师培训经费÷公用经费）"
    assert "数据不全的学校计入分母" in t("src.r8", passed=1, total=2)
    words = briefing.choice_sentences(NATIONAL)
    assert len(words) == 5 and any("全校的专用教室全部计入其义务教育班级" in w for w in words)
