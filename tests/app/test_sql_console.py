"""数据查询 (AppTest): an analyst runs an example and her own query and sees the answer; a refused statement says
why and shows no table; a county analyst's console holds only her county whatever she asks; a viewer does
not get the page; every query is in the audit log under her name."""

import pytest

from analytics.io import audit, state
from tests.app.apptest import app, texts, with_accounts
from tests.app.test_accounts import PASSWORD, sign_in

pytestmark = pytest.mark.usefixtures("state_backend")


@pytest.fixture()
def signed_db(demo_db, tmp_path):
    return with_accounts(demo_db, tmp_path, {"analyst1": ("analyst", "320902"), "viewer1": ("viewer", "320902")}, PASSWORD)


def open_console(db, monkeypatch, name):
    at = app(db, monkeypatch, query={"county": "320902", "year": "2024"})
    sign_in(at, name, PASSWORD)
    return at.switch_page("app_pages/sql_console.py").run()


def test_an_analyst_asks_within_her_county(signed_db, monkeypatch):
    at = open_console(signed_db, monkeypatch, "analyst1")
    assert not at.exception and at.title[0].value == "数据查询（SQL）"
    assert "只含您权限范围内的数据：320902" in texts(at)
    at.selectbox(key="sql_example").set_value("sql.example.large_classes").run()
    assert "c.students > CASE WHEN c.grade <= 6 THEN 45 ELSE 50 END" in at.text_area(key="sql_text").value
    at.button(key="sql_run").click().run()
    answer = at.dataframe[-1].value
    assert len(answer) > 0 and (answer["班额"] > 45).all()

    at.text_area(key="sql_text").input("SELECT county_code, count(*) AS n FROM schools GROUP BY ALL").run()
    at.button(key="sql_run").click().run()
    assert at.dataframe[-1].value.to_dict("records") == [{"county_code": "320902", "n": 76}]   # her county only

    at.text_area(key="sql_text").input("COPY schools TO '/tmp/schools.csv'").run()
    at.button(key="sql_run").click().run()
    assert any("不执行 COPY 语句" in e.value for e in at.error)
    assert not any(d.value.shape[1] == 2 and "n" in d.value for d in at.dataframe[1:])       # the old answer is gone
    log = audit.entries(state.state_path(signed_db))
    sql = log[log["action"] == "sql"]
    assert list(sql["user"]) == ["analyst1"] * 3 and list(sql["outcome"]) == ["ok", "ok", "select_only"]
    assert set(sql["region"]) == {"320902"}


def test_a_viewer_does_not_get_the_console(signed_db, monkeypatch):
    at = app(signed_db, monkeypatch, query={"county": "320902", "year": "2024"})
    sign_in(at, "viewer1", PASSWORD)
    with pytest.raises(ValueError, match="Could not find a navigation page"):        # not in a viewer's navigation
        at.switch_page("app_pages/sql_console.py")
