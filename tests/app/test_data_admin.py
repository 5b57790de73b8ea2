"""数据管理: versions listed, a rollback that every page follows, the template without a database."""
from analytics.io.importer import import_workbook
from tests import workbooks as wbk
from tests.app.apptest import app


def test_data_admin_rolls_back_and_every_page_follows(tmp_path, monkeypatch):
    db = tmp_path / "equity.duckdb"
    for name, data in (("a.xlsx", wbk.rows()), ("b.xlsx", wbk.rows())):
        data["学段"][1][3] = 1200 if name == "a.xlsx" else 1210
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
