"""What a leader reads must not mislead (#19): rows keyed by school, directions, the resource verdict."""
import pandas as pd

from analytics.i18n import t
from analytics.method.labels import school_labels
from analytics.method.scorecard import resource_verdicts
from analytics.report import figures
from analytics.standards import load_standards

STD = load_standards("320902")


def test_labels_tell_namesakes_apart_by_town_then_by_id():
    assert school_labels(["1", "2", "3"], ["大兴小学", "大兴小学", "城东小学"], ["伍佑镇", "便仓镇", "五星街道"]) == \
        ["大兴小学（伍佑镇）", "大兴小学（便仓镇）", "城东小学"]
    assert school_labels(["1", "2"], ["大兴小学", "大兴小学"], ["伍佑镇", "伍佑镇"]) == ["大兴小学（1）", "大兴小学（2）"]


def test_the_heatmap_keeps_each_schools_values_on_its_own_row_when_names_repeat():
    """Two schools called 大兴小学 (as 亭湖区伍佑大兴小学 twice in the demo): plotly merged the two rows
    into one category and every later row shifted by one. Every cell must equal the school's ratio."""
    comp = pd.DataFrame({"school_id": ["1", "2", "3"], "name": ["大兴小学", "大兴小学", "黄海实验小学"],
                         "town": ["伍佑镇", "便仓镇", "五星街道"], "met_count": [6, 7, 5]})
    ratios = {"1": 0.314, "2": 3.144, "3": 0.704}
    for c in STD.indicator_codes:
        comp[f"ratio_{c}"] = comp["school_id"].map(ratios)
    fig = figures.compliance_grid(comp, "zh", STD)
    heat = fig.data[0]
    assert len(set(heat.y)) == len(heat.y) == 3                     # one row per school
    by_label = dict(zip(school_labels(comp["school_id"], comp["name"], comp["town"]), comp["school_id"]))
    for label, cells in zip(heat.y, heat.text):
        assert set(cells) == {f"{ratios[by_label[label]]:.0%}"}, label


def test_schools_pulling_a_cv_up_are_split_below_and_above_the_mean():
    shares = pd.DataFrame({"school_id": ["1", "2", "3"], "name": ["明达双语", "先锋第一", "城东"],
                           "share": [0.4, 0.35, 0.1], "above_mean": [False, True, False]})
    fig = figures.variance_share_bars(shares, "zh")
    traces = {tr.name: list(tr.y) for tr in fig.data}
    assert set(traces[t("col.below", "zh")]) == {"城东", "明达双语"}
    assert traces[t("col.above", "zh")] == ["先锋第一"]
    assert fig.layout.showlegend                                     # the two groups are named on the chart


def test_a_stage_is_green_only_when_its_whole_resource_part_passes():
    items = [{"part": "resource", "stage": "初中", "code": c, "status": "pass"} for c in STD.indicator_codes]
    assert resource_verdicts(items + [{"part": "resource", "stage": "初中", "code": "R8", "status": "pass"}],
                             ["初中"])["初中"] == {"status": "pass", "failing": []}
    r8_fails = items + [{"part": "resource", "stage": "初中", "code": "R8", "status": "fail"}]
    assert resource_verdicts(r8_fails, ["初中"])["初中"] == {"status": "fail", "failing": ["R8"]}  # 2 of 19 comply
    r8_unknown = items + [{"part": "resource", "stage": "初中", "code": "R8", "status": "unknown"}]
    assert resource_verdicts(r8_unknown, ["初中"])["初中"]["status"] == "unknown"


def test_a_plan_that_passes_its_own_check_lists_the_failing_items_it_does_not_cover():
    from analytics.planning.rectification import uncovered_items
    items = [{"code": c, "stage": s, "status": st, "value": None, "threshold": None}
             for c, s, st in (("L2", "小学", "fail"), ("R8", "初中", "fail"), ("G3", None, "fail"), ("G4", None, "fail"),
                              ("G9", None, "fail"), ("G12", None, "unknown"), ("Q4", None, "fail"), ("G8", None, "pass"),
                              ("Q9·数学", "小学", "fail"), ("G7", None, "not_applicable"))]
    out = {u["code"]: u["measure"] for u in uncovered_items(items)}
    # G4 (seats), G9 (training), Q4 (training funds) are bought by the plan; an unknown item needs its data first
    assert out == {"G12": "measure.unknown", "Q9·数学": "measure.Q9"}
    assert all(t(key, "zh") for key in out.values())                # every measure is worded in the catalog


def test_scorecard_values_read_with_their_units():
    from analytics.formatting import fmt_item_line, fmt_item_value
    assert fmt_item_value("G5", 670) == "670个班" and fmt_item_line("G5", 0.0) == "0个班"
    assert fmt_item_value("G4", 3300) == "3,300人" and fmt_item_line("G4", None, std=STD) == "≤2,000人（一贯制≤2,500人）"
    assert fmt_item_value("G3", 0.48) == "48.0%" and fmt_item_line("G3", 1.0) == "100.0%"
    assert fmt_item_value("G7", 7687.4) == "7,687元/生" and fmt_item_line("G7", 6000) == "≥6,000元/生"
    assert fmt_item_value("L2", 0.5145) == "0.514" and fmt_item_line("L2", 0.5) == "≤0.50"
    assert fmt_item_value("Q9·数学", 0.0947) == "0.095" and fmt_item_line("Q9·数学", 0.15) == "<0.150"
    assert fmt_item_value("G1", 1.0, "qualitative") == "是" and fmt_item_value("G1", 0.0, "qualitative") == "否"
    assert fmt_item_value("Q1", 0.964) == "96.4%" and fmt_item_line("Q1", 0.95) == "≥95.0%"
    assert fmt_item_value("G8", None) == "—"


def test_large_sums_and_times_read_as_a_chinese_reader_expects():
    from analytics.formatting import fmt_count, fmt_time
    assert fmt_count(175_051_300, "zh", "元") == "1.75亿元" and fmt_count(61_626, "zh") == "6.16万"
    assert fmt_count(175_051_300, "en") == "175,051,300"
    assert fmt_time("2026-12-01T00:57:36+00:00") == "2026-12-01 08:57（北京时间）"      # UTC + 8
    assert fmt_time("2026-12-31T20:00:00+00:00", "en") == "2027-01-01 04:00 (Beijing time)"
    assert fmt_time(None) == "—"


def test_one_colour_means_one_thing_on_every_map():
    """A settlement beyond the norm, a new school, a plain settlement and a school shown for orientation each
    have a colour no other meaning uses; map pages take colours from the palettes, never as literals."""
    import re
    from pathlib import Path
    from analytics.geo import mapping
    palettes = mapping.meaning_palettes()
    exclusive = {mapping.NEW_SCHOOL_COLOUR: ("seats", "new"), mapping.BEYOND_COLOUR: ("settlement", "beyond"),
                 mapping.WITHIN_COLOUR: ("settlement", "within"), mapping.SETTLEMENT_COLOUR: ("settlement", "plain"),
                 mapping.CONTEXT_SCHOOL_COLOUR: ("context", "school")}
    for colour, owner in exclusive.items():
        users = [(p, m) for p, meanings in palettes.items() for m, c in meanings.items() if c.upper() == colour.upper()]
        assert users == [owner], (colour, users)
    root = Path(__file__).resolve().parents[2]
    for path in list((root / "app_pages").glob("*.py")) + list((root / "ui").glob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "add_points(" in line or "legend(" in line:
                assert not re.search(r'"#[0-9A-Fa-f]{6}"', line), f"{path.name}: {line.strip()}"


def test_every_figure_has_the_house_template_and_bad_layout_values_are_still_refused():
    import plotly.graph_objects as go
    import plotly.io as pio
    import pytest
    fig = figures.style(go.Figure(go.Bar(x=[1, 2], y=["甲", "乙"], orientation="h")), height=300)
    # the registered plotly_white, whole (backgrounds, grid colours, colourway), and the house settings on top
    assert fig.layout.template.to_plotly_json() == pio.templates["plotly_white"].to_plotly_json()
    assert fig.layout.height == 300 and fig.layout.plot_bgcolor == "white"
    with pytest.raises(ValueError):            # the template went in unchecked; everything after is checked
        fig.update_layout(height="tall")


def test_map_tooltips_read_counts_with_their_unit_and_a_missing_count_as_a_dash():
    import numpy as np

    from analytics.formatting import fmt_count
    from ui import maps
    pupils = pd.Series([1200, np.nan, 1200, 35], dtype=float)
    shown = maps.formatted(pupils, lambda n: fmt_count(n, "zh", "人"))
    assert shown.tolist() == ["1,200人", "—", "1,200人", "35人"]
    names = pd.Series(["第一小学", "<b>乙</b>", None, "丙"], dtype="str")
    assert maps.tooltips(names, shown) == [["第一小学", "1,200人"], ["<b>乙</b>", "—"], ["", "1,200人"], ["丙", "35人"]]


def test_service_rings_are_one_hidden_layer_with_a_ring_per_school_that_has_a_place_and_a_radius():
    import json
    import re

    import folium
    import numpy as np

    from ui import maps
    m = folium.Map(tiles=None, max_zoom=18)
    points = pd.DataFrame({"lon": [120.1, 120.2, np.nan, 120.4], "lat": [33.1, 33.2, 33.3, 33.4]},
                          index=[10, 11, 12, 13])
    layer = maps.add_rings(m, points, pd.Series([1000, np.nan, 2000, 3000.4], index=points.index), "rings")
    html = m.get_root().render()
    rows = json.loads(re.search(r"var rings = (\[.*?\]);\n", html, re.S).group(1))
    # the school without a radius and the one without coordinates get none; the others keep their own radius
    assert rows == [[33.1, 120.1, 1000.0], [33.4, 120.4, 3000.0]] and layer.count == 2
    assert "L.circle(" in html and "interactive: false" in html
    assert html.count("L.circle(") == 1                                   # one loop, not one object per school
    group = next(c for c in m._children.values() if isinstance(c, folium.FeatureGroup))
    assert group.show is False                                            # hidden until chosen in the layer list


def test_explore_draws_every_school_as_a_dot_up_to_a_thousand_then_webgl_and_the_box_outliers():
    def schools(n: int) -> pd.DataFrame:
        return pd.DataFrame({"school_id": [f"s{k}" for k in range(n)], "name": [f"学校{k}" for k in range(n)],
                             "year": 2024, "students": 300.0, "group": ["城区", "乡村"] * (n // 2),
                             "ratio": [float(k % 50) for k in range(n)], "area": [float(k % 7) for k in range(n)]})
    labels, names = {"ratio": "生师比", "area": "生均面积"}, {"城区": "城区", "乡村": "乡村"}
    small, large = schools(figures.EVERY_DOT_UP_TO), schools(figures.EVERY_DOT_UP_TO + 2)
    assert {tr.type for tr in figures.explore_scatter(small, "ratio", "area", "group", labels, names, "zh").data} == {"scatter"}
    assert {tr.type for tr in figures.explore_scatter(large, "ratio", "area", "group", labels, names, "zh").data} == {"scattergl"}
    small_box = figures.explore_box(small, "ratio", "group", labels, names, "zh")
    large_box = figures.explore_box(large, "ratio", "group", labels, names, "zh")
    assert {tr.boxpoints for tr in small_box.data} == {"all"} and {tr.boxpoints for tr in large_box.data} == {"outliers"}
    # every school still in the box's statistics and findable by name when it is an outlier
    assert sum(len(tr.y) for tr in large_box.data) == len(large) and sum(len(tr.text) for tr in large_box.data) == len(large)


def test_budgets_read_as_people_say_them():
    from analytics.formatting import fmt_amount
    assert fmt_amount(30_000_000) == "3,000万元" and fmt_amount(48_470_535) == "4,847万元"
    assert fmt_amount(1_902_500) == "190.25万元" and fmt_amount(175_051_300) == "1.75亿元"
    assert fmt_amount(30_000_000, "en") == "30,000,000 yuan" and fmt_amount(None) == "—"
