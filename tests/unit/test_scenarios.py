"""Layout scenarios: each step on a small county worked by hand, conservation of pupils and teachers,
and saving / reopening / deleting scenarios."""
import numpy as np
import pandas as pd
import pytest

from analytics.io import contract
from analytics.planning import rectification, scenarios
from analytics.report import scenario_views
from analytics.standards import load_standards
from analytics.planning.scenarios import Step

STD = load_standards("320902")
PRIMARY = contract.PRIMARY


def _stats(school_id, stage, students, classes, teachers):
    return {"school_id": school_id, "year": 2024, "stage": stage, "students": students, "classes": classes,
            "teachers": teachers, "teachers_above_degree": teachers - 2, "backbone_teachers": teachers // 5,
            "pe_teachers": 2, "music_teachers": 1, "art_teachers": 1, "certified_teachers": teachers,
            "teaching_area_m2": 4.0 * students, "sports_area_m2": 8.0 * students,
            "equipment_value_wan": 0.2 * students, "multimedia_rooms": classes, "music_rooms": 1,
            "music_room_min_m2": 96.0, "art_rooms": 1, "art_room_min_m2": 90.0}


def small_county():
    """A (300 pupils, 6 classes of 50, 30 teachers, 核定 400), B (6 classes of 75), S (60, small village
    school far out), C (初中); settlements s1 and s2 nearest A (60 and 40 children), s3 at B."""
    schools = pd.DataFrame({
        "school_id": ["A", "B", "S", "C"], "name": ["甲小学", "乙小学", "丙村小", "丁初中"],
        "county_code": "320902", "county_name": "亭湖区", "town": ["东镇", "西镇", "西镇", "东镇"],
        "school_type": ["211", "211", "211", "311"], "urban_rural_code": ["121", "121", "220", "121"],
        "urban_rural_group": ["镇区", "镇区", "乡村", "镇区"], "ownership": "公办",
        "lon": [120.30, 120.40, 120.37, 120.301], "lat": [33.40, 33.40, 33.45, 33.40], "crs": "WGS84",
        "boarding": False, "group_name": None, "capacity": [400.0, None, None, None]})
    stats = pd.DataFrame([_stats("A", PRIMARY, 300, 6, 30), _stats("B", PRIMARY, 450, 6, 30),
                          _stats("S", PRIMARY, 60, 6, 9), _stats("C", contract.JUNIOR, 500, 10, 50)])
    classes = pd.DataFrame([{"school_id": sid, "year": 2024, "grade": g, "class_name": f"{g}年级1班", "students": n}
                            for sid, n, grades in (("A", 50, range(1, 7)), ("B", 75, range(1, 7)),
                                                   ("S", 10, range(1, 7)), ("C", 50, range(7, 10)))
                            for g in grades])
    classes = pd.concat([classes, classes[classes["school_id"] == "C"].assign(class_name="2班")], ignore_index=True)
    classes = pd.concat([classes, classes[classes["school_id"] == "C"].iloc[:4].assign(class_name="3班")], ignore_index=True)
    settlements = pd.DataFrame({"county_code": "320902", "town": ["东镇", "东镇", "西镇"], "name": ["s1", "s2", "s3"],
                                "lon": [120.30, 120.33, 120.40], "lat": [33.40, 33.40, 33.40], "crs": "WGS84",
                                "residents": 1000, "age_6_11": [60, 40, 100], "age_12_14": [30, 20, 50]})
    tables = {"schools": schools, "stats": stats, "classes": classes}
    return scenarios.base_state(tables, settlements, STD, 2024)


def totals(state):
    parts = state.stats[state.stats["stage"] != contract.WHOLE_SCHOOL]
    return {"pupils": parts.groupby("stage")["students"].sum().to_dict(), "class_pupils": int(state.classes["students"].sum()),
            "teachers": float(parts["teachers"].sum())}


def test_allocate_keeps_the_total():
    assert scenarios.allocate(10, [1, 1, 1]).tolist() == [4, 3, 3]
    assert scenarios.allocate(7, [0, 2, 5]).tolist() == [0, 2, 5]
    assert scenarios.allocate(0, [1, 2]).tolist() == [0, 0]


def test_base_catchments_are_the_nearest_schools():
    state = small_county()
    assert state.catchment[PRIMARY].tolist() == ["A", "A", "B"]
    assert state.catchment[contract.JUNIOR].tolist() == ["C", "C", "C"]


def test_open_takes_pupils_in_proportion_to_the_children_who_switch():
    base = small_county()
    after = scenarios.apply(base, [Step("open", stage=PRIMARY, name="新小学", lon=120.33, lat=33.40, classes=12)], STD)
    log = after.log[-1]
    # s2 (40 of A's 100 children) is now nearest the new school: 300 × 40 / 100 = 120 pupils move
    assert log["pupils"] == 120 and log["from"] == [{"src": "A", "dst": "NEW01", "pupils": 120, "stage": PRIMARY}]
    s = after.stats.set_index(["school_id", "stage"])
    assert s.loc[("A", PRIMARY), "students"] == 180 and s.loc[("NEW01", PRIMARY), "students"] == 120
    # teachers follow: round(30 × 120/300) = 12 leave A; then hires bring L1 to the line for 120 pupils
    assert s.loc[("A", PRIMARY), "teachers"] == 18
    # what followed: above-degree round(28 × 0.4) = 11, backbone round(6 × 0.4) = 2,
    # PE round(0.8) = 1, music round(0.4) = 0, art 0. Lines for 120 pupils: L1 4.2 → 6 (met by 11),
    # L3 0.9 → ⌈1.08⌉ = 2 (1 there → 1 hire, music), L2 1.0 → ⌈1.2⌉ = 2 (2 there → none trained)
    new = s.loc[("NEW01", PRIMARY)]
    assert [new["teachers"], new["teachers_above_degree"], new["backbone_teachers"], new["pe_teachers"],
            new["music_teachers"], new["art_teachers"]] == [13, 12, 2, 1, 1, 0]
    assert log["hires"] == 1
    # 12 classes (2 per grade) of 20 pupils each; A's classes shrink to 30 each
    c = after.classes
    assert sorted(c[c["school_id"] == "NEW01"]["students"]) == [10] * 12
    assert sorted(c[c["school_id"] == "A"]["students"]) == [30] * 6
    assert after.catchment[PRIMARY].tolist() == ["A", "NEW01", "B"]
    assert totals(after)["pupils"] == totals(base)["pupils"]
    assert totals(after)["class_pupils"] == totals(base)["class_pupils"]
    assert after.cost["build"] == 12 * 45 * rectification.load_costs()["school_seat"]
    assert base.stats["students"].sum() == 1310          # the input state is not changed


def test_a_new_nine_year_school_takes_pupils_of_both_stages():
    base = small_county()
    step = Step("open", stage=scenarios.THROUGH, name="一贯制", lon=120.33, lat=33.40, classes=12, junior_classes=12)
    after = scenarios.apply(base, [step], STD)
    s = after.stats.set_index(["school_id", "stage"])["students"]
    # 小学 as before (s2: 300 × 40/100 = 120 from A); 初中: s2 and s3 are now nearer it than C (6.5 vs 9.2 km
    # for s3): C sends 500 × (20 + 50) / 100 = 350
    assert s[("NEW01", PRIMARY)] == 120 and s[("NEW01", contract.JUNIOR)] == 350 and s[("C", contract.JUNIOR)] == 150
    assert after.schools.set_index("school_id").at["NEW01", "school_type"] == "312"
    seats = scenarios.school_seats(after, STD).query("school_id == 'NEW01'").set_index("stage")["seats"]
    assert seats[PRIMARY] == 12 * 45 and seats[contract.JUNIOR] == 12 * 50
    assert totals(after)["pupils"] == totals(base)["pupils"]
    assert "小学12个班、初中12个班（1,140个学位）" in scenario_views.describe(step.as_dict(), {}, STD)


def test_a_new_school_takes_no_more_than_its_seats():
    after = scenarios.apply(small_county(), [Step("open", stage=PRIMARY, lon=120.33, lat=33.40, classes=2)], STD)
    assert after.log[-1]["pupils"] == 90                  # 2 classes × 45 seats, not the 120 who live nearer


def test_close_sends_pupils_to_the_nearest_school_with_room_and_keeps_teachers():
    base = small_county()
    after = scenarios.apply(base, [Step("close", school_id="S")], STD)
    to = pd.DataFrame(after.log[-1]["to"])
    # B is nearer but full (6 × 45 − 450 < 0); A has 400 − 300 = 100 free seats: all 60 go to A
    assert to[["school_id", "pupils", "over_capacity"]].values.tolist() == [["A", 60, False]]
    assert "S" not in set(after.schools["school_id"]) and "S" not in set(after.classes["school_id"])
    assert totals(after) == totals(base)                  # pupils, class pupils and teachers all kept
    s = after.stats.set_index(["school_id", "stage"])
    assert s.loc[("A", PRIMARY), "equipment_value_wan"] == pytest.approx(0.2 * 300 + 0.2 * 60)   # close_moves
    assert s.loc[("A", PRIMARY), "teaching_area_m2"] == 4.0 * 300                                  # buildings stay


def test_expand_splits_the_largest_classes_and_adds_seats():
    base = small_county()
    after = scenarios.apply(base, [Step("expand", school_id="B", stage=PRIMARY, classes=6, opens=2026)], STD)
    sizes = sorted(after.classes[after.classes["school_id"] == "B"]["students"])
    assert sizes == [37, 37, 37, 37, 37, 37, 38, 38, 38, 38, 38, 38]      # 75 per grade over 2 classes
    seats = scenarios.school_seats(after, STD).set_index("school_id")["seats"]
    assert seats["B"] == 12 * 45
    assert scenarios.seats_in_year(scenarios.school_seats(after, STD), after.added_seats, 2025)[
        scenarios.school_seats(after, STD)["school_id"] == "B"].iloc[0] == 6 * 45      # not before it opens
    assert after.log[-1]["hires"] == int(np.ceil(6 * STD["layout"]["teachers_per_extra_class"][PRIMARY]))
    assert totals(after)["pupils"] == totals(base)["pupils"]


def test_redraw_moves_pupils_to_the_nearest_school():
    base = small_county()
    base.catchment[PRIMARY] = np.array(["A", "A", "A"], dtype=object)     # s3 (100 children) still sent to A
    after = scenarios.apply(base, [Step("redraw")], STD)
    # s3 is nearest B: A sends 300 × 100 / (60 + 40 + 100) = 150 pupils
    assert after.log[-1]["pupils"] == 150
    s = after.stats.set_index("school_id")["students"]
    assert s["A"] == 150 and s["B"] == 600 and after.catchment[PRIMARY].tolist() == ["A", "A", "B"]
    assert totals(after)["pupils"] == totals(base)["pupils"]


def test_after_a_close_its_settlements_join_the_nearest_open_school():
    closed = scenarios.apply(small_county(), [Step("close", school_id="A")], STD)
    # A's pupils went by room (to B, the only larger school, over capacity); s1 is nearest S, s2 nearest B
    assert closed.catchment[PRIMARY].tolist() == ["S", "B", "B"]
    assert pd.DataFrame(closed.log[-1]["to"])[["school_id", "pupils", "over_capacity"]].values.tolist() == [["B", 300, True]]
    assert scenarios.apply(closed, [Step("redraw")], STD).log[-1]["pupils"] == 0


def test_steps_round_trip_and_unknown_kinds_are_refused():
    step = Step("open", stage=PRIMARY, name="新小学", lon=120.1, lat=33.2, classes=24, opens=2027)
    assert Step.from_dict(step.as_dict()) == step
    with pytest.raises(ValueError, match="unknown step kind"):
        Step.from_dict({"kind": "demolish"})


# ------------------------------------------------------------------ on the demo county



def test_scenarios_are_saved_reopened_replaced_and_deleted(tmp_path):
    from analytics.io.storage import ScenarioStore
    db = tmp_path / "equity.duckdb"
    store = ScenarioStore(db)
    assert store.list("320902").empty                     # no file yet: nothing, and nothing created
    assert not store.path.exists()
    steps = [Step("open", stage=PRIMARY, name="城东新小学", lon=120.2, lat=33.4, classes=24, opens=2027).as_dict()]
    store.save("320902", "方案一", "张三", 2024, "v3", steps)
    store.save("320902", "方案二", "李四", 2024, "v3", [{"kind": "redraw"}])
    store.save("320903", "方案一", "王五", 2024, "v3", [])
    again = ScenarioStore(db)
    assert set(again.list("320902")["name"]) == {"方案一", "方案二"}
    one = again.load("320902", "方案一")
    assert one["author"] == "张三" and one["base_version"] == "v3" and one["steps"] == steps
    assert [Step.from_dict(s) for s in one["steps"]][0].name == "城东新小学"
    again.save("320902", "方案一", "张三", 2024, "v4", [])      # same name: replaced
    assert again.load("320902", "方案一")["steps"] == [] and len(again.list("320902")) == 2
    assert again.delete("320902", "方案二") and not again.delete("320902", "方案二")
    assert list(again.list("320902")["name"]) == ["方案一"] and len(again.list("320903")) == 1


def test_kpi_deltas_by_hand():
    a = {"shortage": {"小学": 120.0, "初中": 30.0}, "shortage_year": {"小学": 2027, "初中": 2026},
         "beyond": {"小学": 0.125}, "big_classes": 4, "complying": {"小学": 20}, "cost_one_off": 5.0e6,
         "cost_recurring": 3.0e5}
    b = {"shortage": {"小学": 200.0}, "shortage_year": {"小学": 2026}, "beyond": {"小学": 0.10}, "big_classes": 9,
         "complying": {"小学": 18}, "cost_one_off": 0.0, "cost_recurring": 0.0}
    d = scenario_views.kpi_deltas(a, b, "小学")
    assert d["shortage"] == (120.0, -80.0) and d["shortage_year"] == 2027      # this 学段 only, never 小学 + 初中
    assert d["beyond"] == (0.125, 2.5)                       # percentage points
    assert d["big"] == (4, -5) and d["complying"] == (20, 2) and d["cost_one_off"] == (5.0e6, 5.0e6) and d["cost_recurring"] == (3.0e5, 3.0e5)
    assert scenario_views.kpi_deltas(a, dict(b, beyond={}), "小学")["beyond"] == (0.125, None)


def test_peak_shortage_is_one_year_of_one_stage_by_hand():
    # town A short 100 in 2026, none in 2027; town B none in 2026, 80 short in 2027; 初中 never short
    balance = pd.DataFrame({"town": ["A", "A", "B", "B", "A", "A"], "stage": ["小学"] * 4 + ["初中"] * 2,
                            "year": [2026, 2027, 2026, 2027, 2026, 2027],
                            "seats": [400, 500, 300, 220, 90, 90], "pupils": [500, 480, 290, 300, 60, 70]})
    balance["gap"] = balance["seats"] - balance["pupils"]
    seats, year = scenarios.peak_shortage(balance)
    assert seats == {"小学": 100.0, "初中": 0.0}            # 2026: 100 + 0; 2027: 0 + 80 — not 100 + 80
    assert year == {"小学": 2026, "初中": None}
    # read once a school opening in 2027 is open: its tightest year from 2027 on (80 in 2027), not 2026's 100
    assert scenarios.peak_from({"balance": balance}, "小学", 2027) == (80.0, 2027)
    assert scenarios.peak_from({"balance": balance}, "初中", 2027) == (0.0, None)


def test_a_cv_pushed_toward_its_line_is_flagged_with_the_schools_that_moved_it():
    std = load_standards("320902")
    today = {"cv": pd.DataFrame({"stage": ["初中", "初中"], "indicator": ["L6", "L1"], "cv": [0.162, 0.06],
                                 "threshold": [0.45, 0.45], "passed": [True, True]}),
             "rows": pd.DataFrame({"school_id": ["a", "b"], "stage": ["初中", "初中"], "students": [1000.0, 500.0],
                                   "L6": [2000.0, 2500.0], "L1": [5.0, 5.2]})}
    after = {"cv": pd.DataFrame({"stage": ["初中", "初中"], "indicator": ["L6", "L1"], "cv": [0.413, 0.07],
                                 "threshold": [0.45, 0.45], "passed": [True, True]}),
             "rows": pd.DataFrame({"school_id": ["a", "b", "NEW01"], "stage": ["初中"] * 3,
                                   "students": [400.0, 500.0, 600.0], "L6": [5000.0, 2500.0, 9000.0],
                                   "L1": [5.0, 5.2, 5.5]})}
    flags = scenarios.cv_flags(after, today, std)
    assert [(f["stage"], f["indicator"]) for f in flags] == [("初中", "L6")]   # L1 rose by 0.01 only, far from its line
    why = {w["school_id"]: w for w in flags[0]["why"]}
    assert set(why) == {"NEW01", "a"}                                          # b did not move
    assert why["NEW01"]["kind"] == "new" and why["a"]["kind"] == "relieved"
    assert (why["a"]["students_before"], why["a"]["students"], why["a"]["value_before"], why["a"]["value"]) == \
        (1000.0, 400.0, 2000.0, 5000.0)
    head, lines = scenario_views.describe_flag(flags[0], {"a": "甲校", "NEW01": "新建初中1"})
    assert head == "初中生均仪器设备差异系数0.162→0.413（标准≤0.45，达标）"
    assert any(line.startswith("甲校：学生1,000→400人，校舍和设备留在原校") for line in lines)
    # under the share of the line nothing is flagged, however much it rose
    assert not scenarios.cv_flags({**after, "cv": after["cv"].assign(cv=[0.35, 0.07])}, today, std)


def test_a_new_school_counts_in_the_town_chosen_or_else_the_nearest_settlements():
    settlements = pd.DataFrame({"town": ["东镇", "西镇"], "name": ["东村", "西村"], "lon": [120.30, 120.10], "lat": [33.4, 33.4]})
    assert scenarios.town_of(120.28, 33.41, settlements, 32651) == "东镇"
    assert scenarios.town_of(120.12, 33.39, settlements, 32651) == "西镇"
    assert scenarios.town_of(120.12, 33.39, settlements.iloc[0:0], 32651) == ""
    assert Step.from_dict({"kind": "open", "town": "东镇", "lon": 120.12, "lat": 33.39}).town == "东镇"


def test_scenarios_of_an_earlier_installation_move_into_the_state_database(tmp_path):
    import duckdb

    from analytics.io.storage import ScenarioStore, scenarios_path
    db = tmp_path / "equity.duckdb"
    legacy = duckdb.connect(str(scenarios_path(db)))
    legacy.execute("CREATE TABLE scenarios (county_code VARCHAR, name VARCHAR, author VARCHAR, created_at TIMESTAMP, "
                   "base_year INTEGER, base_version VARCHAR, steps VARCHAR, PRIMARY KEY (county_code, name))")
    legacy.execute("INSERT INTO scenarios VALUES ('320902', '旧方案', '张三', TIMESTAMP '2026-11-01 08:00:00', 2024, 'v2', '[]')")
    legacy.close()
    store = ScenarioStore(db)
    moved = store.load("320902", "旧方案")
    assert moved["author"] == "张三" and moved["created_at"] == "2026-11-01T08:00:00+00:00" and moved["steps"] == []
    assert not scenarios_path(db).exists() and scenarios_path(db).with_name(scenarios_path(db).name + ".migrated").exists()
    assert store.path.name == "equity.state.sqlite"
