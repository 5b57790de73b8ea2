"""布局规划: forecast page, suggested sites drawn on the map."""
from tests.app.apptest import app
from tests.app.apptest import map_rows


def test_planning_page_suggests_sites(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, "forecast", query={"county": "320902", "year": "2024"})
    assert not at.exception
    at.button(key="sites_run").click().run()
    assert not at.exception
    assert any("Optimal" in c.value for c in at.caption)
    arrays = map_rows(at)
    assert sum(1 for rows in arrays for r in rows if r[3] == 1) == 2        # two suggested sites drawn
