"""Layout decisions by hand: projection, nearest-school assignment, norms, class fixes, spare
seats, small-school options, map classes and GCJ display."""
import math

import numpy as np
import pandas as pd
import pytest

from analytics.geo import coords
from analytics.geo import mapping
from analytics.geo import spatial
from analytics.standards import Standards, deep_merge, load_standards

STD = load_standards()
EPSG = spatial.metric_epsg(120.16)


def test_metric_crs_for_yancheng_is_cgcs2000_cm120():
    assert EPSG == 4549
    assert spatial.metric_epsg(117.2) == 4548 and spatial.metric_epsg(87.6) == 4538      # CM 117°E, CM 87°E


def test_projected_distance_matches_geodesic():
    # 0.01° of latitude at 33.4°N is 1,109.0 m on the ellipsoid
    x, y = spatial.project([120.16, 120.16], [33.40, 33.41], EPSG)
    assert math.hypot(x[1] - x[0], y[1] - y[0]) == pytest.approx(1109.0, rel=2e-3)


def _points():
    return pd.DataFrame({
        "school_id": ["A", "B", "C"], "name": ["城区小学", "镇中心小学", "城区初中"],
        "stages": ["小学", "小学", "初中"], "lon": [120.160, 120.300, 120.165], "lat": [33.380, 33.420, 33.380],
        "students": [1800, 400, 1200], "urban_rural_group": ["城区", "镇区", "城区"],
        "town": ["五星街道", "南洋镇", "五星街道"], "school_type": ["211", "211", "311"],
        "classes": [36, 10, 24], "capacity": [None, None, 1500]})


def test_children_go_to_the_nearest_school_of_their_stage_and_norms_by_area():
    settlements = pd.DataFrame({"town": ["五星街道", "南洋镇", "南洋镇"], "name": ["社区", "一村", "远村"],
                                "lon": [120.160, 120.305, 120.400], "lat": [33.386, 33.420, 33.420],
                                "age_6_11": [300, 80, 40], "age_12_14": [150, 40, 20]})
    a = spatial.assign_children(settlements, _points(), "小学", STD, EPSG)
    assert a["school_id"].tolist() == ["A", "B", "B"]
    assert a["distance_m"].iloc[0] == pytest.approx(0.006 * 110_900, rel=5e-3)       # ≈ 665 m north
    assert a["norm_m"].tolist() == [500, 2500, 2500]                                  # urban / rural norms
    assert a["beyond"].tolist() == [True, False, True]                                # 665 > 500; ~9 km > 2.5 km
    by_town = spatial.beyond_by_town(a).set_index("town")
    assert by_town.loc["南洋镇", "share_beyond"] == pytest.approx(40 / 120)
    junior = spatial.assign_children(settlements, _points(), "初中", STD, EPSG)
    assert set(junior["school_id"]) == {"C"} and junior["children"].sum() == 210


def test_a_special_education_school_next_door_is_never_a_settlements_catchment_school():
    settlements = pd.DataFrame({"town": ["五星街道"], "name": ["社区"], "lon": [120.160], "lat": [33.386],
                                "age_6_11": [300], "age_12_14": [150]})
    # 特殊教育学校 (type 511) teaching 小学 at the settlement itself; the ordinary school A is ≈ 665 m away
    special = pd.DataFrame({"school_id": ["S"], "name": ["特殊教育学校"], "stages": ["小学、初中"], "lon": [120.160],
                            "lat": [33.386], "students": [120], "urban_rural_group": ["城区"], "town": ["五星街道"],
                            "school_type": ["511"], "classes": [12], "capacity": [None]})
    points = pd.concat([_points(), special], ignore_index=True)
    a = spatial.assign_children(settlements, points, "小学", STD, EPSG)
    assert a["school_id"].tolist() == ["A"] and a["beyond"].tolist() == [True]      # 665 m > the 500 m urban norm
    assert "S" not in set(spatial.stage_schools(points, "初中")["school_id"])


def test_class_fixes_by_hand():
    classes = pd.DataFrame({"school_id": "A", "grade": [1, 1, 1, 7, 7],
                            "students": [56, 56, 56, 52, 48]})
    fixes = spatial.class_fixes(classes, STD).set_index("grade")
    # grade 1: 168 pupils need ceil(168/45) = 4 classes, have 3 → 1 more class, 1 room, 1.8 → 2 teachers (whole)
    assert (fixes.loc[1, "needed"], fixes.loc[1, "extra_classes"], fixes.loc[1, "teachers"]) == (4, 1, 2)
    # grade 7: 100 pupils, line 50 → 2 classes needed, 2 there → nothing although one class has 52
    assert fixes.loc[7, "needed"] == 2 and fixes.loc[7, "extra_classes"] == 0


def test_spare_seats_and_where_they_are():
    pts = _points()
    spare = spatial.spare_seats(pts, STD)
    assert spare.tolist() == [36 * 45 - 1800, 10 * 45 - 400, 1500 - 1200]             # −180, 50, 300
    nearby = spatial.spare_nearby(pts[pts["school_id"] == "A"], pts, STD, EPSG)
    assert nearby["A"] == []                                # B has seats but is 14 km away; C teaches 初中
    pts.loc[1, ["lon", "lat"]] = [120.170, 33.385]          # move B to ~1.1 km from A
    nearby = spatial.spare_nearby(pts[pts["school_id"] == "A"], pts, STD, EPSG)
    assert [n[0] for n in nearby["A"]] == ["镇中心小学"] and nearby["A"][0][2] == 50


def test_small_school_options_keep_or_discuss():
    small = pd.DataFrame({"school_id": ["S1", "S2"], "name": ["近村小学", "远村教学点"], "students": [60, 30],
                          "lon": [120.310, 120.600], "lat": [33.420, 33.420]})
    out = spatial.small_school_options(small, _points(), STD, EPSG, funds_per_student=840).set_index("school_id")
    assert out.loc["S1", "nearest_larger"] == "镇中心小学" and out.loc["S1", "option"] == "discuss"
    assert out.loc["S2", "option"] == "keep"                                          # ~28 km away
    assert out.loc["S1", "floor_adds_yuan"] == 40 * 840 and out.loc["S2", "floor_adds_yuan"] == 70 * 840


def test_map_classes_and_gcj_display():
    assert mapping.policy_classes([5.0, 4.0, 3.0, float("nan")], 4.5, STD) == ["met", "nearly", "below", "missing"]
    # the ratio of the school rule decides 'nearly': at 0.90 a value at 88 % of its line is 'below'
    strict = Standards(deep_merge(STD, {"resource": {"school_rule": {"min_ratio_unmet": 0.90}}}))
    assert mapping.policy_classes([4.5 * 0.88, 4.5 * 0.90], 4.5, strict) == ["below", "nearly"]
    classes, bins = mapping.quantile_classes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], k=5)
    assert classes == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4] and bins[-1] == 10
    lon, lat = mapping.display_coords([120.0], [40.0], "GCJ02")
    assert (float(lon[0]), float(lat[0])) == pytest.approx(tuple(map(float, coords.wgs84_to_gcj02(120.0, 40.0))))
    square = {"type": "Polygon", "coordinates": [[[120, 33], [120.1, 33], [120.1, 33.1], [120, 33.1], [120, 33]]]}
    moved = mapping.display_geojson(square, "GCJ02")
    assert moved["coordinates"][0][0][0] == pytest.approx(float(coords.wgs84_to_gcj02(120, 33)[0]))
    assert mapping.display_geojson(square, "WGS84") is square
    assert np.all(np.isfinite(moved["coordinates"][0]))


def test_click_picks_the_school_under_the_pointer():
    pts = _points()
    assert mapping.clicked_school(pts, 33.3801, 120.1601) == "A"
    assert mapping.clicked_school(pts, 33.50, 120.50) is None                         # nothing within 300 m
    glon, glat = coords.wgs84_to_gcj02(120.300, 33.420)
    assert mapping.clicked_school(pts, float(glat), float(glon), "GCJ02") == "B"      # on 高德 tiles


def test_map_click_becomes_wgs84_and_scenario_colours():
    import pandas as pd

    from analytics.geo import coords
    from analytics.geo import mapping
    assert mapping.clicked_point(None) is None and mapping.clicked_point({"lat": None, "lng": 120.1}) is None
    assert mapping.clicked_point({"lat": 33.4, "lng": 120.2}) == (120.2, 33.4)
    gx, gy = coords.wgs84_to_gcj02([120.2], [33.4])            # a click on 高德 tiles is GCJ-02
    lon, lat = mapping.clicked_point({"lat": float(gy[0]), "lng": float(gx[0])}, "GCJ02")
    assert abs(lon - 120.2) < 1e-5 and abs(lat - 33.4) < 1e-5
    pts = pd.DataFrame({"school_id": ["NEW01", "1", "2"], "spare": [-10, -1, 0]})
    assert mapping.seat_classes(pts) == [2, 1, 0]


def test_a_new_school_outside_the_county_is_flagged():
    from analytics.geo import mapping
    box = {"type": "Polygon", "coordinates": [[[120.0, 33.0], [120.5, 33.0], [120.5, 33.5], [120.0, 33.5], [120.0, 33.0]]]}
    assert mapping.inside_outline(120.2, 33.2, box) is True
    assert mapping.inside_outline(120.6, 33.2, box) is False
    assert mapping.inside_outline(120.501, 33.2, box) is True        # 111 m outside: within the 200 m tolerance
    assert mapping.inside_outline(120.2, 33.2, None) is None


def test_settlement_bubble_grows_with_the_root_of_its_children():
    from analytics.geo.mapping import settlement_radius
    assert settlement_radius(100) == 4.0 and settlement_radius(0) == 2.5 and settlement_radius(10_000) == 10.0


def test_the_maps_file_is_read_again_when_it_changes_and_callers_cannot_change_it(tmp_path, monkeypatch):
    import os
    import shutil

    from analytics.geo import mapping
    maps_file = tmp_path / "maps.yaml"
    shutil.copy(mapping.MAPS_CONFIG, maps_file)
    monkeypatch.setattr(mapping, "MAPS_CONFIG", maps_file)
    assert mapping.map_zoom_options() == {"max_zoom": 18, "min_zoom": 5}
    mapping.base_layers()[0]["key"] = "changed by a caller"
    assert mapping.base_layers()[0]["key"] == "none"
    maps_file.write_text(maps_file.read_text(encoding="utf-8").replace("zoom: {min: 5, max: 18}", "zoom: {min: 6, max: 16}"),
                         encoding="utf-8")
    os.utime(maps_file, ns=(maps_file.stat().st_atime_ns, maps_file.stat().st_mtime_ns + 10**9))
    assert mapping.map_zoom_options() == {"max_zoom": 16, "min_zoom": 6}


def test_a_county_map_is_drawn_only_for_counties_with_an_outline():
    import pandas as pd

    from analytics.geo.mapping import drawable_counties
    outlines = pd.DataFrame({"county_code": ["320902", "320903", "320904"],
                             "geojson": ['{"type": "Polygon", "coordinates": []}', None, ""]})
    assert drawable_counties(outlines, {"320902": {}, "320903": {}}) == ["320902"]
    assert drawable_counties(outlines, {"320903": {}, "320904": {}, "329999": {}}) == []
    assert drawable_counties(outlines.iloc[:0], {"320902": {}}) == []
