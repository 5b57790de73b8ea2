"""The demo is credible to a bureau analyst and built through the same importer."""
import openpyxl
import pytest

from analytics.method import school_rule
from analytics.method import sizing, variation
from analytics.io import contract
from analytics import service
from analytics.demo import synthetic as demo
from analytics.io.storage import Store


@pytest.fixture(scope="module")
def store(demo_db):
    s = Store(demo_db)
    yield s
    s.close()


def test_nine_counties_with_outlines_and_tinghu_in_detail(store):
    counties = store.counties()
    assert len(counties) == 9 and "320902" in set(counties["county_code"])
    assert len(store.outlines()) == 9                              # real outlines from cnmaps
    assert store.schools("320902")["town"].nunique() == 16
    assert len(store.town_areas("320902")) == 16
    assert store.is_demo()


def test_tinghu_shape_matches_the_seed_district(store):
    stats = store.stage_stats("320902")
    parts = stats[stats["stage"] != "全校"]
    total = parts.groupby("year")["students"].sum()
    assert 55_000 <= total[2024] <= 65_000                          # about 60,000 pupils
    schools = store.schools("320902")
    urban = set(schools.loc[schools["urban_rural_group"] == "城区", "school_id"])
    by_group = parts.assign(urban=parts["school_id"].isin(urban)).groupby(["urban", "year"])["students"].sum()
    assert by_group[(True, 2024)] > by_group[(True, 2021)]          # urban rising
    assert by_group[(False, 2024)] < by_group[(False, 2021)]        # rural falling
    big = sizing.oversized_schools(stats[stats["year"] == 2024], schools, service.standards_for("320902"))
    assert (big["students"] > 2500).sum() >= 2                      # 大校额
    small = service.small_schools(store, "320902", [2024])
    share = small["small"].sum() / len(schools)
    assert 0.18 <= share <= 0.35 and small["very_small"].sum() >= 3
    type_names = schools["school_type"].map(lambda c: contract.codes()["school_type"][contract.school_type_code(c)])
    assert {"小学教学点", "九年一贯制学校", "完全中学", "特殊教育学校"} <= set(type_names)
    assert (schools["ownership"] == "民办").sum() >= 2
    assert schools["group_name"].nunique() >= 15
    names = set(schools["name"])
    assert {"青年路小学", "潮声路小学", "新景路小学", "惠民路小学"} <= names


def test_backbone_cv_bites_and_composite_does_not_hide_it(store):
    table = service.cv_report(store, "320902", 2024)
    cv = table.set_index(["stage", "indicator"])
    assert 0.45 <= cv.loc[("小学", "L2"), "cv"] <= 0.60             # near the 0.50 line
    assert variation.composite_cv(table)["小学"] < 0.50
    classes = service.class_sizes(store, "320902", 2024)["by_stage"].set_index("stage")
    assert classes["large"].sum() > 0 and classes["big"].sum() > 0 and classes["huge"].sum() > 0


def test_same_seed_gives_the_same_workbook(tmp_path, demo_db):
    a = demo.build_workbook(tmp_path / "a.xlsx", seed=7)
    b = demo.build_workbook(tmp_path / "b.xlsx", seed=7)
    sheet = lambda p: list(openpyxl.load_workbook(p, read_only=True)["学段"].iter_rows(values_only=True))  # noqa: E731
    assert sheet(a) == sheet(b)


def test_map_status_per_school_follows_the_rule(store):
    """school_points' vectorised status equals school_rule.school_status applied school by school."""
    points = service.school_points(store, "320902", 2024).set_index("school_id")
    rows = service.indicator_rows(store, "320902", [2024])
    comp = school_rule.school_compliance(rows, service.standards_for("320902"))
    for sid, part in comp.groupby("school_id"):
        scoped = part[part["in_scope"]]
        assert points.loc[sid, "status"] == school_rule.school_status(scoped["status"].tolist(), len(scoped) > 0)
    assert set(points["status"]) >= {"pass", "fail", "out"}


def test_the_province_demo_holds_jiangsus_units_under_their_cities_and_yancheng_as_ever(tmp_path, store):
    """demo --scale province: the real codes and names of 江苏省's county-level units under their cities
    (four of them here, to keep the test short; 鼓楼区 is also a name in 徐州市), 盐城市 exactly as the default demo."""
    from analytics.geo import regions
    from analytics.io.importer import import_workbook
    book = demo.build_workbook(tmp_path / "p.xlsx", scale="province", only=4)
    report = import_workbook(book, tmp_path / "p.duckdb", accept_warnings=True, is_demo=True)
    assert report.written, [p.format() for p in report.errors][:3]
    province = Store(tmp_path / "p.duckdb")
    try:
        tree = service.regions(province).set_index("county_code")
        assert len(tree) == 13 and tree.loc["320102", "county_name"] == "玄武区"
        assert tree.loc["320102", "city_name"] == "南京市" and tree.loc["320106", "county_name"] == "鼓楼区"
        assert regions.cities(tree.reset_index(), "32") == ["3201", "3209"]
        from shapely.geometry import shape
        assert 118.6 < shape(province.outline("320106")).centroid.x < 118.9      # 南京's 鼓楼区, not 徐州's (117.2°E)
        assert sorted(set(province.stage_stats("320102")["year"])) == [2023, 2024]     # two years beyond 盐城市
        assert province.schools("320902").equals(store.schools("320902"))
        ours = service.cv_report(province, "320903", 2024)["cv"].tolist()
        assert ours == service.cv_report(store, "320903", 2024)["cv"].tolist()
    finally:
        province.close()


def test_two_units_of_one_name_get_their_own_outlines():
    """南京市鼓楼区 (320106) and 徐州市鼓楼区 (320302): each takes the outline where its schools are."""
    import json

    import pandas as pd
    from shapely.geometry import shape

    from analytics.geo.boundaries import county_outlines
    outlines = county_outlines(pd.DataFrame({"county_code": ["320302", "320106"], "county_name": ["鼓楼区", "鼓楼区"],
                                             "lon": [117.19, 118.77], "lat": [34.27, 32.07]})).set_index("county_code")
    assert outlines.loc["320302", "city"] == "徐州市" and outlines.loc["320106", "city"] == "南京市"
    assert shape(json.loads(outlines.loc["320302", "geojson"])).contains(shape({"type": "Point", "coordinates": [117.19, 34.27]}))


def test_the_province_demo_has_counties_that_pass_are_close_and_newly_fail(tmp_path):
    """demo --scale province draws some counties to a standing (demo_province.yaml ``standings``): passing every
    item both years, failing one class above the 班额 line both years (接近), passing in 2023 and failing that one
    item in 2024 (newly failing) — judged here by the same scorecard as every page; the rest fail as 盐城市 does.
    A real county's import keeps the demo banner while synthetic counties remain."""
    import yaml

    from analytics.io.importer import import_workbook
    conf = yaml.safe_load(open(demo.PROVINCE_PATH, encoding="utf-8"))["standings"]
    picked = {conf["pass"][0], conf["pass"][1], conf["close"][0], conf["newly_fail"][0]}
    book = demo.build_workbook(tmp_path / "p.xlsx", scale="province", codes=picked)
    assert import_workbook(book, tmp_path / "p.duckdb", accept_warnings=True, is_demo=True).written
    province = Store(tmp_path / "p.duckdb")
    try:
        now = service.region_verdicts(province, "32", 2024)["counties"].set_index("county_code")
        before = service.region_verdicts(province, "32", 2023)["counties"].set_index("county_code")
        for code in conf["pass"][:2]:
            assert now.loc[code, "status"] == before.loc[code, "status"] == "pass", now.loc[code, "failing"]
        close = conf["close"][0]
        assert now.loc[close, "standing"] == "close" and now.loc[close, "failing"] == ["G5"]
        assert before.loc[close, "failing"] == ["G5"]
        newly = conf["newly_fail"][0]
        assert before.loc[newly, "status"] == "pass" and now.loc[newly, "failing"] == ["G5"]
        assert set(now.loc[now.index.str.startswith("3209"), "standing"]) == {"far"}
        assert now["is_demo"].all()
    finally:
        province.close()
