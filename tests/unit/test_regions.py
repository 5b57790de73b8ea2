"""The administrative hierarchy the sidebar's scope is built from (analytics.geo.regions), by hand."""
import pandas as pd

from analytics.geo import regions

PROVINCES = {"32": "江苏省", "42": "湖北省"}


def _tree():
    counties = pd.DataFrame({"county_code": ["320902", "320903", "320105", "429004", "420102"],
                             "county_name": ["亭湖区", "盐都区", "建邺区", "仙桃市", "江岸区"],
                             "years": [[2023, 2024], [2024], [2022], [2024], []]})
    outlines = pd.DataFrame({"county_code": ["320902", "320105", "429004"],
                             "city": ["盐城市", "南京市", "省直辖县级行政区划"]})
    return regions.hierarchy(counties, outlines, PROVINCES)


def test_each_county_hangs_under_its_city_and_province():
    tree = _tree().set_index("county_code")
    assert tree.loc["320903", "city_code"] == "3209" and tree.loc["320903", "city_name"] == "盐城市"   # named by a sibling
    assert tree.loc["320903", "province_name"] == "江苏省"
    assert pd.isna(tree.loc["429004", "city_code"]) and pd.isna(tree.loc["429004", "city_name"])   # governed by 湖北省
    assert tree.loc["420102", "city_name"] == "4201"          # no outline: the city is named by its code


def test_levels_names_and_members():
    tree = _tree()
    assert [regions.level_of(c) for c in ("32", "3209", "320902", "3", None)] == ["province", "city", "county", None, None]
    assert regions.region_name(tree, "3209") == "盐城市"
    assert regions.region_name(tree, "42") == "湖北省"
    assert regions.region_name(tree, "320105") == "建邺区"
    assert regions.region_name(tree, "3299") == "3299"
    assert regions.counties_in(tree, "3209")["county_code"].tolist() == ["320902", "320903"]
    assert regions.cities(tree, "42") == ["4201"]              # 仙桃市 has no city
    assert regions.years_in(tree, "32") == [2022, 2023, 2024]
    assert regions.years_in(tree, "4201") == []


def test_parent_of_a_province_governed_county_is_the_province():
    tree = _tree()
    assert regions.parent_of(tree, "320902", "city") == "3209"
    assert regions.parent_of(tree, "320902", "province") == "32"
    assert regions.parent_of(tree, "429004", "city") == "42"
