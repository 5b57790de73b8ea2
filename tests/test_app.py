"""Every page runs without an exception, for every county of the demo, each 学段, and with
no data; what 总览 shows equals what ``python -m analytics cv --json`` prints."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import service
from analytics.report.formatting import fmt_count
from analytics.io.importer import import_workbook
from analytics.io.storage import ScenarioStore, Store
from tests import workbooks as wbk

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "scorecard", "resources", "gaps", "school_profile", "plan", "planning", "layout", "class_size",
         "small_schools", "scenarios", "data_tables", "data_admin"]


def app(db, monkeypatch, page=None, query=None) -> AppTest:
    monkeypatch.setenv("EQUITY_DB", str(db))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page and page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
    return at


def decode(values):
    """Plotly 7 sends numeric arrays as {"dtype", "bdata"} (base64 of the raw buffer)."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        import numpy as np
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_for_every_county_and_stage(page, demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, page)
    assert not at.exception, at.exception
    assert any("合成演示数据" in w.value for w in at.warning)          # the demo is labelled
    counties = Store(demo_db).counties()["county_code"].tolist()
    assert len(counties) == 9
    for county in counties:
        at.selectbox(key="county").set_value(county).run()
        assert not at.exception, (county, at.exception)
    at.radio(key="stage").set_value("初中").run()
    assert not at.exception
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value and not any("\u4e00" <= ch <= "\u9fff" for ch in at.title[0].value)


@pytest.fixture(scope="module")
def sparse_db(tmp_path_factory):
    """A dataset where one county has schools but no statistics at all."""
    tmp = tmp_path_factory.mktemp("sparse")
    data = wbk.rows()
    data["学校"].append(["1320903001", "空白小学", "320903", "盐都区", "潘黄街道", "小学", "111", "公办", 120.1, 33.3])
    report = import_workbook(wbk.write(tmp / "s.xlsx", data), tmp / "s.duckdb", outline_source=wbk.box_outlines)
    assert report.ok
    return tmp / "s.duckdb"


@pytest.mark.parametrize("page", [p for p in PAGES if p != "data_admin"])
def test_page_says_so_when_there_is_no_data(page, sparse_db, monkeypatch):
    at = app(sparse_db, monkeypatch, page, query={"county": "320903"})
    assert not at.exception, at.exception
    assert at.selectbox(key="county").value == "320903"
    if page == "data_tables":                       # the school list exists; its statistics do not
        at.selectbox(key="table").set_value("stage_stats").run()
    texts = [i.value for i in at.info] + [c.value for c in at.caption]
    assert any("没有" in t or "0行" in t for t in texts), texts


def test_no_database_gives_instructions(tmp_path, monkeypatch):
    at = app(tmp_path / "missing.duckdb", monkeypatch)
    assert not at.exception
    assert any("python -m analytics demo" in i.value for i in at.info)


def test_url_reopens_the_view(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, query={"county": "320981", "year": "2023", "stage": "初中", "lang": "en"})
    assert at.selectbox(key="county").value == "320981"
    assert at.selectbox(key="year").value == 2023
    assert at.radio(key="stage").value == "初中"
    assert at.query_params["county"] == ["320981"] or at.query_params["county"] == "320981"


def test_overview_shows_the_cvs_that_the_cli_prints(demo_db, monkeypatch):
    out = subprocess.run([sys.executable, "-m", "analytics", "cv", "--db", str(demo_db), "--county", "320902",
                          "--year", "2024", "--json"], cwd=ROOT, capture_output=True, text=True, check=True)
    cli = {(r["stage"], r["indicator"]): r for r in json.loads(out.stdout)}
    assert len(cli) == 16                                     # 2 学段 × (7 + composite)
    at = app(demo_db, monkeypatch, query={"county": "320902", "year": "2024"})
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    shown = {}
    for spec in charts[:2]:
        stage = spec["layout"]["title"]["text"]
        bar = spec["data"][0]
        for label, x in zip(decode(bar["y"]), decode(bar["x"])):
            shown[(stage, label)] = x
    assert len(shown) == 14
    from analytics.i18n import t
    for (stage, code), rec in cli.items():
        if code == "composite":
            continue
        assert shown[(stage, t("indicator_short." + code))] == pytest.approx(rec["cv"], abs=1e-12)
    # the verdict line names exactly the indicators the CLI marks as failing
    failing = {t("indicator_short." + c) for (s, c), r in cli.items() if r["passed"] is False and s == "小学"}
    text = " ".join(e.value for e in at.error) + " ".join(s.value for s in at.success)
    for name in failing:
        assert name in text


def test_data_admin_rolls_back_and_every_page_follows(tmp_path, monkeypatch):
    db = tmp_path / "equity.duckdb"
    for name, data in (("a.xlsx", wbk.rows()), ("b.xlsx", wbk.rows())):
        data["学段"][1][3] = 1200 if name == "a.xlsx" else 1300
        assert import_workbook(wbk.write(tmp_path / name, data), db, outline_source=wbk.box_outlines).written
    at = app(db, monkeypatch, "data_admin")
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 2 and table.iloc[0, 0].endswith("★")
    assert any("版本 v2" in c.value for c in at.caption) is False     # admin page has its own header
    at.selectbox(key="admin_rollback").set_value(1).run()
    at.checkbox(key="admin_rollback_confirm").check().run()
    at.button[-1].click().run()
    assert not at.exception
    assert any("v1" in s.value for s in at.success)
    assert at.dataframe[0].value.iloc[1, 0].endswith("★")            # v0001 is current now
    at.switch_page("app_pages/data_tables.py").run()
    at.selectbox(key="table").set_value("stage_stats").run()
    assert 1200 in at.dataframe[0].value["在校生数"].tolist()          # the pages read version 1 again


def test_data_admin_without_a_database_offers_the_template(tmp_path, monkeypatch):
    at = app(tmp_path / "none.duckdb", monkeypatch, "data_admin")
    assert not at.exception
    assert any("还没有导入" in c.value for c in at.caption)


def map_rows(at) -> list[list]:
    """The compact circle arrays of every map on the page (schools, settlements …)."""
    import re
    out = []
    for comp in at.get("component_instance"):
        script = json.loads(comp.proto.json_args)["script"]
        out += [json.loads(x) for x in re.findall(r"var rows = (\[.*?\]);\n", script, re.S)]
    return out


def test_maps_draw_exactly_the_schools_in_scope(demo_db, monkeypatch):
    store = Store(demo_db)
    stats = store.stage_stats("320902", [2024])
    in_scope = set(stats.loc[stats["stage"] != "全校", "school_id"])
    settlements = len(store.county_table("settlements", "320902"))
    at = app(demo_db, monkeypatch, "layout", query={"county": "320902", "year": "2024"})
    arrays = map_rows(at)
    school_ids = {r[6] for rows in arrays for r in rows if r[6]}
    assert school_ids == in_scope                                          # every school, once
    assert sorted(len(a) for a in arrays) == sorted([len(in_scope), settlements])
    payload = sum(len(c.proto.json_args) for c in at.get("component_instance"))
    assert payload < 1_000_000
    at.switch_page("app_pages/class_size.py").run()
    assert {r[6] for r in map_rows(at)[0]} == in_scope
    at.switch_page("app_pages/small_schools.py").run()
    village = service.small_schools(store, "320902", [2024])
    assert {r[6] for r in map_rows(at)[0]} == set(village["school_id"])


def test_planning_page_suggests_sites(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, "planning", query={"county": "320902", "year": "2024"})
    assert not at.exception
    at.button(key="sites_run").click().run()
    assert not at.exception
    assert any("Optimal" in c.value for c in at.caption)
    arrays = map_rows(at)
    assert sum(1 for rows in arrays for r in rows if r[3] == 1) == 2        # two suggested sites drawn


def _metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def test_scenario_page_builds_compares_saves_reopens_and_deletes(tmp_path, demo_db, monkeypatch):
    import shutil
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)                             # scenarios are written beside the database
    store = Store(db)
    short = service.forecast(store, "320902")["shortages"]
    worst = short[short["stage"] == "初中"].iloc[0]
    site = store.county_table("settlements", "320902").query("town == @worst.town").iloc[0]
    at = app(db, monkeypatch, "scenarios", query={"county": "320902", "year": "2024"})
    assert not at.exception
    today = service.run_scenario(store, "320902", 2024, [])
    assert _metric(at, "学位缺口") == fmt_count(sum(today['shortage'].values()), "zh")
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
    assert sum(expected["shortage"].values()) < sum(today["shortage"].values())
    assert _metric(at, "学位缺口") == fmt_count(sum(expected['shortage'].values()), "zh")
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
