"""The city and province view on hand cases: a county's standing from its scorecard (已达标 / 接近 / 较远 /
数据不全), near-line flags and the decimals that keep 0.4996 apart from 0.500, names told apart, the tables
as numbers, the ranking, what changed since last year, the roll-up by city, the demo marks of a merge."""
import json

import pandas as pd
import pytest

from analytics.method import scorecard as sc
from analytics.report import comparison
from analytics.formatting import decimals_apart, fmt_cv_near
from analytics.standards import load_standards

pytestmark = pytest.mark.unit
RULE = {"close_margin": 0.05, "close_max_items": 2, "close_max_schools": 1}
STD = load_standards("320902")


def item(part, code, stage, value, threshold, status, failing=0, coverage=None):
    return {"part": part, "code": code, "stage": stage, "value": value, "threshold": threshold, "status": status,
            "failing_schools": [{"school_id": str(k)} for k in range(failing)], "coverage": coverage}


def standing(items):
    kinds = [sc.item_kind(i, STD) for i in items]
    fails = [(i["code"], i["stage"]) for i in items if i["status"] == "fail"]
    unknown = [(i["code"], i["stage"]) for i in items if i["status"] == "unknown"]
    status = "fail" if fails else "unknown" if unknown else "pass"
    return sc.standing({"status": status, "failing": fails, "unknown": unknown}, items, kinds, RULE)


def test_item_kinds_follow_the_standard():
    assert sc.item_kind(item("resource", "L2", "小学", 0.4, 0.5, "pass"), STD) == "cv"
    assert sc.item_kind(item("resource", "R8", "小学", 0.9, 1.0, "fail", coverage={"in_scope": []}), STD) == "schools"
    assert sc.item_kind(item("guarantee", "G1", None, 1.0, 1.0, "pass"), STD) == "yes_no"     # qualitative in the standard
    assert sc.item_kind(item("quality", "Q1", None, 0.96, 0.95, "pass"), STD) == "figure"


def test_near_the_line_on_either_side_within_the_margin_and_never_for_yes_no():
    # |0.514 − 0.5| / 0.5 = 0.028 ≤ 0.05: near (a fail a small step mends); 0.4996 → 0.0008: near (a pass)
    assert sc.is_near(item("resource", "L2", "小学", 0.514, 0.5, "fail"), "cv", 0.05)
    assert sc.is_near(item("resource", "L2", "小学", 0.4996, 0.5, "pass"), "cv", 0.05)
    assert not sc.is_near(item("resource", "L2", "小学", 0.47, 0.5, "pass"), "cv", 0.05)       # 0.06 > 0.05
    assert not sc.is_near(item("guarantee", "G1", None, 1.0, 1.0, "pass"), "yes_no", 0.05)
    assert not sc.is_near(item("resource", "L2", "小学", None, 0.5, "unknown"), "cv", 0.05)
    assert sc.relative_gap(3.0, 0.0) is None and sc.relative_gap(None, 0.5) is None


def test_standing_pass_close_far_unknown():
    ok = item("resource", "L1", "小学", 0.3, 0.5, "pass")
    assert standing([ok]) == "pass"
    assert standing([ok, item("resource", "L2", "小学", None, 0.5, "unknown")]) == "unknown"
    close_cv = item("resource", "L2", "小学", 0.52, 0.5, "fail")                     # gap 0.04
    one_school = item("guarantee", "G5", None, 1, 0.0, "fail", failing=1, coverage={"in_scope": ["a"]})
    assert standing([ok, close_cv]) == "close"
    assert standing([ok, close_cv, one_school]) == "close"                         # two small failures
    assert standing([ok, close_cv, one_school, item("resource", "L3", "初中", 0.46, 0.45, "fail")]) == "far"  # three
    assert standing([ok, item("resource", "L2", "小学", 0.53, 0.5, "fail")]) == "far"         # gap 0.06
    assert standing([item("guarantee", "G5", None, 2, 0.0, "fail", failing=2, coverage={"in_scope": ["a", "b"]})]) == "far"
    assert standing([item("guarantee", "G1", None, 0.0, 1.0, "fail")]) == "far"                # a yes/no is never small
    # a close failure stays close while another item is undecided: the verdict fails on it either way
    assert standing([close_cv, item("quality", "Q1", None, None, 0.95, "unknown")]) == "close"


def test_decimals_keep_a_value_apart_from_its_line():
    assert decimals_apart(0.4996, 0.5) == 4 and fmt_cv_near(0.4996, 0.5) == "0.4996"
    assert fmt_cv_near(0.50004, 0.5) == "0.50004" and fmt_cv_near(0.514, 0.5) == "0.514"
    assert fmt_cv_near(0.5, 0.5) == "0.500" and fmt_cv_near(None, 0.5) == "—"
    assert comparison.format_value("L2", 0.4996, 0.5) == "0.4996" and comparison.format_value("R8", 0.75) == "75.0%"


def test_two_counties_of_one_name_are_told_apart_by_their_city():
    from analytics.geo.regions import county_labels
    tree = pd.DataFrame({"county_code": ["320106", "320302", "320902", "419001"],
                         "county_name": ["鼓楼区", "鼓楼区", "亭湖区", "济源市"],
                         "province_name": ["江苏省", "江苏省", "江苏省", "河南省"],
                         "city_name": ["南京市", "徐州市", "盐城市", None]})
    assert county_labels(tree) == {"320106": "鼓楼区（南京市）", "320302": "鼓楼区（徐州市）", "320902": "亭湖区",
                                   "419001": "济源市"}


def counties_and_items():
    counties = pd.DataFrame([
        {"county_code": "320106", "county_name": "鼓楼区", "label": "鼓楼区（南京市）", "city_code": "3201",
         "city_name": "南京市", "status": "pass", "standing": "pass", "n_items": 3, "n_pass": 3, "n_fail": 0,
         "n_unknown": 0, "n_not_applicable": 0, "failing": [], "unknown": [], "near": ["L2·小学"], "is_demo": True},
        {"county_code": "320302", "county_name": "鼓楼区", "label": "鼓楼区（徐州市）", "city_code": "3203",
         "city_name": "徐州市", "status": "fail", "standing": "close", "n_items": 3, "n_pass": 2, "n_fail": 1,
         "n_unknown": 0, "n_not_applicable": 0, "failing": ["L2·小学"], "unknown": [], "near": ["L2·小学"], "is_demo": True},
        {"county_code": "320303", "county_name": "云龙区", "label": "云龙区", "city_code": "3203", "city_name": "徐州市",
         "status": "fail", "standing": "far", "n_items": 3, "n_pass": 1, "n_fail": 2, "n_unknown": 0,
         "n_not_applicable": 0, "failing": ["R8·小学", "G5"], "unknown": [], "near": [], "is_demo": True},
    ])
    rows = []
    for code, l2, l2s, r8, r8s, g5, g5s in [("320106", 0.4996, "pass", 1.0, "pass", 0, "pass"),
                                             ("320302", 0.514, "fail", 1.0, "pass", 0, "pass"),
                                             ("320303", 0.30, "pass", 0.75, "fail", 3, "fail")]:
        rows += [{"county_code": code, "part": "resource", "code": "L2", "stage": "小学", "value": l2, "threshold": 0.5,
                  "status": l2s, "kind": "cv", "gap": abs(l2 - 0.5) / 0.5, "near": abs(l2 - 0.5) / 0.5 <= 0.05,
                  "n_failing_schools": 0, "n_scope": 4},
                 {"county_code": code, "part": "resource", "code": "R8", "stage": "小学", "value": r8, "threshold": 1.0,
                  "status": r8s, "kind": "schools", "gap": None, "near": False,
                  "n_failing_schools": round((1 - r8) * 4), "n_scope": 4},
                 {"county_code": code, "part": "guarantee", "code": "G5", "stage": None, "value": g5, "threshold": 0.0,
                  "status": g5s, "kind": "schools", "gap": None, "near": False, "n_failing_schools": 1 if g5 else 0,
                  "n_scope": 4}]
    return counties, pd.DataFrame(rows)


def test_the_resource_table_is_numbers_with_marks_and_results_in_their_own_columns():
    counties, items = counties_and_items()
    table, marks = comparison.resource_table(counties, items, "zh", status_columns=True)
    assert table["区县"].tolist() == ["云龙区", "鼓楼区（徐州市）", "鼓楼区（南京市）"]     # most failing first
    assert table["区县代码"].tolist() == ["320303", "320302", "320106"] and set(table["所属市"]) == {"徐州市", "南京市"}
    assert table["小学·骨干教师"].dtype == float and table["小学·骨干教师"].tolist() == [0.30, 0.514, 0.4996]
    assert table["小学·学校达标"].tolist() == [0.75, 1.0, 1.0]
    assert marks["小学·骨干教师"].tolist() == ["", "fail", "near"] and marks["小学·学校达标"].tolist() == ["fail", "", ""]
    assert table["小学·骨干教师·结果"].tolist() == ["达标", "未达标（接近标准线）", "达标（接近标准线）"]
    assert table["结论"].tolist() == ["未达标", "未达标", "达标"] and table["达标程度"].tolist() == ["较远", "接近", "已达标"]
    assert table["未达标项数"].tolist() == [2, 1, 0]                         # over every item, G5 included


def test_the_item_table_has_every_item_as_numbers():
    counties, items = counties_and_items()
    table = comparison.items_table(counties, items, "zh")
    assert len(table) == 9 and table["数值"].dtype == float and table["标准线"].dtype == float
    row = table[(table["区县代码"] == "320303") & (table["项目"] == "班额（大班额）")].iloc[0]
    assert row["数值"] == 3 and row["结果"] == "未达标" and row["部分"] == "政府保障程度" and row["区县"] == "云龙区"
    assert table.loc[table["区县代码"] == "320106", "接近标准线"].tolist() == ["是", "", ""]


def test_ranking_on_the_whole_scorecard():
    counties, items = counties_and_items()
    r = comparison.ranking(counties, items)
    assert r["label"].tolist() == ["鼓楼区（南京市）", "鼓楼区（徐州市）", "云龙区"] and r["rank"].tolist() == [1, 2, 3]
    # 云龙区: R8 share 0.75 → 0.25, G5 a count → 1: 1.25; 鼓楼区（徐州市）: (0.514 − 0.5) / 0.5 = 0.028
    assert r.set_index("county_code")["shortfall"].round(6).to_dict() == {"320106": 0.0, "320302": 0.028, "320303": 1.25}


def test_city_rollup_counts_standings_and_pools_schools():
    counties, items = counties_and_items()
    roll = comparison.city_rollup(counties, items, "zh").set_index("市")
    assert roll.loc["徐州市", ["区县数", "已达标", "接近", "较远", "数据不全"]].tolist() == [2, 0, 1, 1, 0]
    assert roll.loc["南京市", "已达标"] == 1
    assert roll.loc["徐州市", "学校达标比例"] == pytest.approx((4 * 1.0 + 4 * 0.75) / 8)
    assert roll.loc["徐州市", "最常见的未达标项目"] == "小学·骨干教师（1个区县）、小学·学校达标（1个区县）、班额（大班额）（1个区县）"


def test_changes_list_newly_failing_and_newly_passing_counties():
    counties, items = counties_and_items()
    before_c = counties.copy()
    before_c.loc[1, ["status", "failing"]] = ["pass", []]           # 鼓楼区（徐州市） passed last year
    before_c.loc[2, "failing"] = ["R8·小学"]                       # 云龙区 failed R8 only
    before_c.at[0, "failing"] = ["L2·小学"]
    before_c.loc[0, "status"] = "fail"                             # 鼓楼区（南京市） failed last year
    before_i = items.copy()
    before_i.loc[(before_i["county_code"] == "320302") & (before_i["code"] == "L2"), "value"] = 0.49
    table = comparison.changes({"counties": counties, "items": items}, {"counties": before_c, "items": before_i}, "zh")
    assert table["区县"].tolist() == ["鼓楼区（徐州市）", "鼓楼区（南京市）", "云龙区"]
    assert table["变化"].tolist() == ["新增未达标", "新达标", "仍未达标"]
    assert table.set_index("区县").loc["云龙区", "新增未达标项目"] == "班额（大班额）"
    assert table.set_index("区县").loc["鼓楼区（南京市）", "新达标项目"] == "小学·骨干教师"
    assert table.set_index("区县").loc["鼓楼区（徐州市）", "变化最大的差异系数"] == "小学·骨干教师 +0.024"


def test_directions_count_the_counties_whose_cv_rose():
    _, items = counties_and_items()
    before = items.assign(value=items["value"] - 0.01)
    before.loc[before["county_code"] == "320303", "value"] += 0.02
    d = comparison.directions(items, before)
    row = d[d["indicator"] == "L2"].iloc[0]
    assert (row["up"], row["down"]) == (2, 1) and row["median"] == pytest.approx(0.01)
    assert comparison.direction_words(row) == "小学骨干教师差异系数：2个区县上升、1个下降（中位数+0.010）"


def test_a_real_county_merged_into_a_demo_keeps_the_others_synthetic():
    from analytics.io.versions import synthetic_counties, synthetic_meta
    demo = {"is_demo": "true"}
    marks = synthetic_meta(demo, {"a", "b", "c"}, {"is_demo": "false"}, {"a"})
    assert json.loads(marks["synthetic_counties"]) == ["b", "c"] and marks["is_demo"] == "true"
    after = synthetic_meta(marks, {"a", "b", "c"}, {"is_demo": "false"}, {"b", "c"})
    assert json.loads(after["synthetic_counties"]) == [] and after["is_demo"] == "false"
    assert synthetic_counties(marks, {"a", "b", "c"}) == {"b", "c"}
    assert synthetic_counties({"is_demo": "false"}, {"a"}) == set() and synthetic_counties(demo, {"a"}) == {"a"}


def test_place_names_that_would_overlap_are_left_to_the_tooltip():
    from analytics.geo.mapping import label_layout
    # a 1°×1° map in 900×460 px: ~460 px per degree; names 3 chars × 12 px = 36 px wide, 16 px tall
    lons, lats = [120.10, 120.12, 120.50, 120.52, 120.90], [33.5, 33.5, 33.5, 33.8, 33.1]
    texts = ["盐城市", "亭湖区", "大丰区", "东台市", "射阳县"]
    shown = label_layout(lons, lats, texts, (120.0, 33.0, 121.0, 34.0), priority=[1, 5, 1, 1, 1])
    # 120.10 and 120.12 are ~9 px apart: only the higher priority (亭湖区) is written
    assert shown == [False, True, True, True, True]
    assert label_layout([120.1, None], [33.5, 33.5], ["甲", "乙"], (120.0, 33.0, 121.0, 34.0)) == [True, False]
