"""Every page over the whole demo: runs for every county, both 学段 and English; says so when a
county has no data; instructions without a database; the URL reopens the view."""
import pytest

from analytics.io.importer import import_workbook
from analytics.io.storage import Store
from tests import workbooks as wbk
from tests.app.apptest import app
from ui.navigation import page_ids

PAGES = page_ids()


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
    at.selectbox(key="county").set_value("").run()                      # the city's scope (全部区县)
    assert not at.exception, at.exception
    assert page in ("compare", "submissions", "data_admin", "accounts", "sql_console", "explore") or any("请在侧栏" in i.value for i in at.info)
    at.selectbox(key="county").set_value(counties[0]).run()
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

@pytest.mark.parametrize("page", [p for p in PAGES if p not in ("data_admin", "accounts")])   # no data shown there
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


def test_a_fault_in_a_page_is_a_message_with_a_reference_never_a_traceback(demo_db, monkeypatch, caplog):
    """The pages' error boundary (what a user sees when, say, the state database is down): a plain message with
    a reference id; the traceback only in the server's log under that id."""
    import ui.data
    monkeypatch.delenv("EQUITY_PAGE_ERRORS", raising=False)

    def broken(*args, **kwargs):
        raise RuntimeError("/var/run/postgresql/.s.PGSQL.5432 refused")
    monkeypatch.setattr(ui.data, "overview", broken)
    at = app(demo_db, monkeypatch, query={"county": "320902", "year": "2024"})
    assert not at.exception
    shown = [e.value for e in at.error]
    assert any("参考号" in m and "RuntimeError" in m for m in shown)
    assert not any("PGSQL" in m or "Traceback" in m for m in shown)
    ref = next(m for m in shown if "参考号" in m).split("参考号 ")[1][:8]
    assert any(ref in r.getMessage() and r.exc_info for r in caplog.records)
