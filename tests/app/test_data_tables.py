"""数据浏览: every table of the county-year, as stored."""
from analytics.io.storage import Store
from tests.app.apptest import app


def test_stage_table_shows_the_stored_rows(good_db, monkeypatch):
    at = app(good_db, monkeypatch, "data_tables", query={"county": "320902", "year": "2024"})
    assert not at.exception
    at.selectbox(key="table").set_value("stage_stats").run()
    shown = at.dataframe[0].value
    stored = Store(good_db).stage_stats("320902", [2024])
    assert len(shown) == len(stored) and sorted(shown["在校生数"].dropna()) == sorted(stored["students"].dropna())
