"""布局规划: forecast page, suggested sites drawn on the map."""
from tests.app.apptest import app
from tests.app.apptest import map_rows


def test_planning_page_suggests_sites(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, "forecast", query={"county": "320902", "year": "2024"})
    assert not at.exception
    at.button(key="sites_run").click().run()
    assert not at.exception
    assert any(c.value.startswith("学龄儿童加权平均上学距离由") and "米降到" in c.value and "（最优解）" in c.value
               for c in at.caption)                                             # units and status in Chinese
    # two suggested sites drawn as stars over the schools' circles, their names in the tooltips
    import json
    script = "".join(json.loads(c.proto.json_args)["script"] for c in at.get("component_instance"))
    assert script.count("zIndexOffset") == 2 and "9733" in script         # two markers on top, each a star and not [r for rows in map_rows(at) for r in rows if r[3] == 1]


def test_a_suggested_site_is_handed_to_the_scenario_form(demo_db, monkeypatch):
    """布局规划 → 布局方案比选: the chosen site opens the form with a new school of the 学段 at its position and town."""
    from analytics import service
    from analytics.io.storage import Store
    at = app(demo_db, monkeypatch, "forecast", query={"county": "320902", "year": "2024", "stage": "初中"})
    at.button(key="sites_run").click().run()
    sites = service.suggest_sites(Store(demo_db), "320902", 2024, "初中", 2, "pmedian")["sites"]
    at.selectbox(key="sites_pick").set_value(1).run()
    at.button(key="sites_to_scenario").click().run()
    assert not at.exception
    assert at.number_input(key="scen_lon").value == round(float(sites["lon"].iloc[1]), 6)
    assert at.number_input(key="scen_lat").value == round(float(sites["lat"].iloc[1]), 6)
    assert at.selectbox(key="scen_stage").value == "初中"
    assert at.selectbox(key="scen_town").value == sites["town"].iloc[1]
    assert any(sites["town"].iloc[1] in i.value for i in at.info)      # "已带入……建议校址（town）"
