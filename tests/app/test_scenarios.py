"""布局方案比选: build a scenario step by step, compare, save, reopen, delete."""
import pytest

from analytics import service
from analytics.io.storage import ScenarioStore, Store
from analytics.formatting import fmt_count
from tests.app.apptest import app
from tests.app.apptest import map_rows, metric

pytestmark = pytest.mark.usefixtures("state_backend")   # the state on SQLite and on PostgreSQL


def test_scenario_page_builds_compares_saves_reopens_and_deletes(tmp_path, demo_db, monkeypatch):
    import shutil
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)                             # scenarios are written beside the database
    store = Store(db)
    short = service.forecast(store, "320902")["shortages"]
    worst = short[short["stage"] == "初中"].iloc[0]
    settlements = store.county_table("settlements", "320902")
    site = settlements[settlements["town"] == worst["town"]].iloc[0]
    at = app(db, monkeypatch, "scenarios", query={"county": "320902", "year": "2024", "stage": "初中"})
    assert not at.exception
    today = service.run_scenario(store, "320902", 2024, [])
    # one 学段 and its tightest year, not 小学 + 初中 and peaks of different years added up
    label = next(m.label for m in at.metric if m.label.startswith("学位缺口"))
    assert label == f"学位缺口（初中，{today['shortage_year']['初中']}年）"
    assert metric(at, "学位缺口") == fmt_count(today["shortage"]["初中"], "zh", "个")
    at.selectbox(key="scen_stage").set_value("初中").run()
    at.number_input(key="scen_lon").set_value(float(site["lon"])).run()
    at.number_input(key="scen_lat").set_value(float(site["lat"])).run()
    at.number_input(key="scen_classes").set_value(12).run()
    at.selectbox(key="scen_opens").set_value(2025).run()
    at.button(key="scen_add").click().run()
    assert not at.exception
    assert any("新建初中" in m.value and "600个学位" in m.value for m in at.markdown)
    step = {"kind": "open", "stage": "初中", "name": "新建初中1", "lon": float(site["lon"]), "lat": float(site["lat"]),
            "classes": 12, "opens": 2025}
    expected = service.run_scenario(store, "320902", 2024, [step])
    assert expected["shortage"]["初中"] < today["shortage"]["初中"]
    assert metric(at, "学位缺口") == fmt_count(expected["shortage"]["初中"], "zh", "个")
    assert len(map_rows(at)) >= 3                        # placement map + the two scenario maps
    at.text_input(key="scen_save_name").set_value("城区新建初中").run()
    at.text_input(key="scen_author").set_value("规划股").run()
    at.button(key="scen_save").click().run()
    assert any("已保存方案" in s.value for s in at.success)
    saved = ScenarioStore(db).load("320902", "城区新建初中")
    assert saved["author"] == "规划股" and saved["steps"] == [step]
    at.button(key="scen_clear").click().run()
    assert not any("新建初中1" in m.value for m in at.markdown)
    at.button(key="scen_open").click().run()
    assert any("已打开方案" in s.value for s in at.success)
    assert any("新建初中1" in m.value for m in at.markdown)
    at.selectbox(key="scen_b").set_value("saved:城区新建初中").run()    # compare the reopened one with itself
    assert not at.exception
    at.checkbox(key="scen_delete_sure").check().run()
    at.button(key="scen_delete").click().run()
    assert any("已删除方案" in s.value for s in at.success)
    assert ScenarioStore(db).list("320902").empty

