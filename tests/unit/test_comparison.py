"""区县比较's pure parts on hand cases: the county map, the slope chart, peer groups, outlines (the verdicts,
tables and ranking from the scorecards are in test_region_verdicts)."""
import pandas as pd



def long(rows):
    return pd.DataFrame(rows, columns=["county_code", "county_name", "stage", "indicator", "value", "threshold",
                                       "passed", "status", "n_scope", "n_schools"]).astype({"passed": object})


def test_the_county_map_colours_by_class_and_a_click_finds_its_county():
    import json

    from shapely.geometry import box, mapping

    from analytics.geo.mapping import STATUS_COLOURS, county_at, county_fills
    data = long([["1", "甲县", "小学", "L2", 0.40, 0.5, True, "pass", 3, 3],
                 ["2", "乙县", "小学", "L2", 0.61, 0.5, False, "fail", 3, 3],
                 ["3", "丙县", "小学", "L2", None, 0.5, None, "unknown", 3, 0],
                 ["1", "甲县", "初中", "L2", 0.70, 0.45, False, "fail", 3, 3]])
    fills = county_fills(data, "L2", "小学")
    assert {c: f["colour"] for c, f in fills.items()} == {"1": STATUS_COLOURS["pass"], "2": STATUS_COLOURS["fail"],
                                                          "3": STATUS_COLOURS["unknown"]}
    assert fills["3"]["value"] is None and fills["2"]["value"] == 0.61
    outlines = pd.DataFrame({"county_code": ["1", "2"], "geojson": [json.dumps(mapping(box(120, 33, 120.5, 33.5))),
                                                                    json.dumps(mapping(box(120.5, 33, 121, 33.5)))]})
    assert county_at(outlines, 120.7, 33.2) == "2" and county_at(outlines, 120.2, 33.4) == "1"
    assert county_at(outlines, 122.0, 33.2) is None and county_at(outlines, None, None) is None


def test_the_slope_chart_draws_each_county_from_last_year_to_this_one():
    from analytics.report import figures
    from analytics.standards import load_standards
    now = long([["1", "甲县", "小学", "L2", 0.48, 0.5, True, "pass", 3, 3],
                ["2", "乙县", "小学", "L2", 0.61, 0.5, False, "fail", 3, 3],
                ["3", "丙县", "小学", "L2", 0.30, 0.5, True, "pass", 3, 3]])
    before = long([["1", "甲县", "小学", "L2", 0.55, 0.5, False, "fail", 3, 3],
                   ["2", "乙县", "小学", "L2", 0.58, 0.5, False, "fail", 3, 3]])       # 丙县 has no last year
    fig = figures.county_slopes(now, before, "L2", "小学", 2024, "zh", load_standards("320902"))
    lines = {tr.name: (list(tr.x), list(tr.y), tr.line.color) for tr in fig.data}
    # 甲县 crossed the line (now passes: green); 乙县 failed both years: a grey line of context
    assert lines == {"甲县": (["2023", "2024"], [0.55, 0.48], "#009E73"),
                     "乙县": (["2023", "2024"], [0.58, 0.61], figures.QUIET_GREY)}
    assert fig.layout.shapes[0].y0 == 0.5                                       # the line of the standard


def test_peer_groups_by_size_terciles_and_urban_share():
    from analytics.method.peers import peer_groups
    from analytics.report.comparison import peer_label
    facts = pd.DataFrame({"county_code": list("abcdefg"),
                          "pupils": [900, 100, 500, 300, 700, 0, 200],
                          "urban_share": [0.8, 0.1, 0.5, 0.49, 0.2, None, 0.9]})
    groups = peer_groups(facts, 3, 0.5)
    # six with pupils, ranked 100 b, 200 g, 300 d, 500 c, 700 e, 900 a → two per class
    assert groups.to_dict() == {"b": "small|rural", "g": "small|urban", "d": "medium|rural", "c": "medium|urban",
                                "e": "large|rural", "a": "large|urban", "f": "unknown|unknown"}
    assert peer_label("large|urban") == "大规模·城区学生过半"
    assert peer_label("size2|rural", "en") == "Size class 2·mostly town and rural"
    two = peer_groups(facts, 2, 0.5)
    assert two["b"] == "size1|rural" and two["a"] == "size2|urban"


def test_region_outlines_simplified_keep_their_shared_border():
    import json

    from shapely.geometry import Polygon, mapping, shape

    from analytics.geo.mapping import simplified_outlines
    # two squares sharing a wiggly border of 200 small steps
    border = [(1.0 + 0.001 * ((k % 2) * 2 - 1), k / 200) for k in range(201)]
    left = Polygon([(0, 0)] + border + [(0, 1)])
    right = Polygon([(2, 0), (2, 1)] + border[::-1])
    outlines = pd.DataFrame({"county_code": ["1", "2"], "county_name": ["甲县", "乙县"],
                             "geojson": [json.dumps(mapping(left)), json.dumps(mapping(right))]})
    out = simplified_outlines(outlines, pixels=100)                  # tolerance 0.02°: the wiggles go
    a, b = (shape(json.loads(g)) for g in out["geojson"])
    assert len(a.exterior.coords) < 20 and a.is_valid and b.is_valid
    assert a.intersection(b).area < 1e-9                             # no overlap …
    assert abs(a.union(b).area - 2.0) < 1e-3                         # … and no gap between the two
    assert list(out["county_name"]) == ["甲县", "乙县"] and len(out["geojson"][0]) < len(outlines["geojson"][0]) / 5


def test_multiples_of_many_counties_keep_the_largest_cvs_and_the_undecided():
    from analytics.report.figures import county_multiples
    from analytics.standards import load_standards
    rows = [[str(k), f"县{k}", "小学", "L1", k / 100, 0.5, k / 100 <= 0.5, "pass", 3, 3] for k in range(1, 31)]
    rows.append(["99", "县99", "小学", "L1", None, 0.5, None, "unknown", 3, 0])
    fig = county_multiples(long(rows), "小学", "zh", load_standards(), top=5)
    shown = list(fig.data[0].y)
    assert sorted(shown) == sorted(["县99", "县30", "县29", "县28", "县27", "县26"])     # 5 largest + the undecided
    assert len(county_multiples(long(rows), "小学", "zh", load_standards()).data[0].y) == 31


def test_a_crowded_slope_chart_names_only_the_counties_that_crossed_the_line():
    from analytics.report import figures
    from analytics.standards import load_standards
    before = long([[str(k), f"县{k}", "小学", "L2", 0.40, 0.5, True, "pass", 3, 3] for k in range(1, 9)])
    now_rows = [[str(k), f"县{k}", "小学", "L2", 0.40 + 0.01 * k, 0.5, True, "pass", 3, 3] for k in range(1, 8)]
    now_rows.append(["8", "县8", "小学", "L2", 0.52, 0.5, False, "fail", 3, 3])          # crossed the line
    fig = figures.county_slopes(long(now_rows), before, "L2", "小学", 2024, "zh", load_standards(), labels_at_most=3)
    named = {t.name for t in fig.data if t.text[1]}
    assert named == {"县8"} and len(fig.data) == 8                                     # every line drawn, one named
    assert [t.line.color for t in fig.data if t.name == "县8"] == ["#D55E00"]
    few = figures.county_slopes(long(now_rows[:3]), before, "L2", "小学", 2024, "zh", load_standards(), labels_at_most=3)
    assert {t.name for t in few.data if t.text[1]} == {"县1", "县2", "县3"}             # a few counties: all named
    from analytics.report.comparison import most_crossed
    assert most_crossed(long(now_rows), before, "小学") == "L2" and most_crossed(long(now_rows), before.iloc[0:0], "小学") is None
