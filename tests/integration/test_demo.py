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
    """school_points' vectorised status equals mapping.school_status applied school by school."""
    from analytics.geo import mapping
    points = service.school_points(store, "320902", 2024).set_index("school_id")
    rows = service.indicator_rows(store, "320902", [2024])
    comp = school_rule.school_compliance(rows, service.standards_for("320902"))
    for sid, part in comp.groupby("school_id"):
        scoped = part[part["in_scope"]]
        assert points.loc[sid, "status"] == mapping.school_status(scoped["status"].tolist(), len(scoped) > 0)
    assert set(points["status"]) >= {"pass", "fail", "out"}
