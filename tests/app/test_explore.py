"""探索分析 (AppTest): a link's view is what opens (view, measures, group, years from the URL) and every change is
written back to the URL; the pivot's pupil-weighted means are those computed here from the stored rows; every
view draws on the demo; a viewer does not get the page."""
import shutil

import pytest

from analytics import service
from analytics.io import accounts, state
from analytics.io.storage import Store
from tests.app.apptest import app
from tests.app.test_accounts import PASSWORD, sign_in


def test_a_link_reopens_its_view_and_changes_go_back_into_the_url(demo_db, monkeypatch):
    query = {"county": "320902", "year": "2024", "view": "box", "x": "L4", "y": "students", "group": "town",
             "years": "2023,2024"}
    at = app(demo_db, monkeypatch, "explore", query=query)
    assert not at.exception
    assert at.selectbox(key="view").value == "box" and at.selectbox(key="x").value == "L4"
    assert at.selectbox(key="group").value == "town" and at.multiselect(key="years").value == [2023, 2024]
    assert len(at.get("plotly_chart")) == 1
    at.selectbox(key="view").set_value("pivot").run()
    at.selectbox(key="group").set_value("urban_rural_group").run()
    assert at.query_params["view"] == "pivot" and at.query_params["group"] == "urban_rural_group"
    assert at.query_params["x"] == "L4" and at.query_params["years"] == "2023,2024"


def test_the_pivot_weights_by_pupils(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, "explore", query={"county": "320902", "year": "2024", "view": "pivot", "x": "L2",
                                                      "group": "urban_rural_group", "years": "2024"})
    assert not at.exception
    shown = at.dataframe[0].value.set_index("分组")
    store = Store(demo_db)
    try:
        rows = service.indicator_rows(store, "320902", [2024])
    finally:
        store.close()
    rows = rows[(rows["stage"] == "小学") & rows["in_scope"] & rows["L2"].notna()]
    for group, part in rows.groupby("urban_rural_group"):
        expected = (part["L2"] * part["students"]).sum() / part["students"].sum()
        assert shown.loc[group, "学生加权均值"] == pytest.approx(expected)
    assert shown.loc["合计", "学校数（所）"] == rows["school_id"].nunique()


@pytest.mark.parametrize("view", ["scatter", "box", "histogram", "trend", "lorenz", "pivot"])
def test_every_view_draws(demo_db, monkeypatch, view):
    at = app(demo_db, monkeypatch, "explore", query={"county": "320902", "year": "2024", "view": view, "x": "L6",
                                                      "years": "2022,2023,2024"})
    assert not at.exception and not at.error
    assert len(at.get("plotly_chart")) + len(at.dataframe) >= 1


def test_a_viewer_does_not_get_the_page(demo_db, tmp_path, monkeypatch):
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)
    accounts.add(state.state_path(db), "viewer1", "viewer", "320902", PASSWORD)
    at = app(db, monkeypatch, query={"county": "320902", "year": "2024"})
    sign_in(at, "viewer1", PASSWORD)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/explore.py")


@pytest.mark.usefixtures("state_backend")
def test_a_saved_view_opens_again(demo_db, tmp_path, monkeypatch):
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)
    at = app(db, monkeypatch, "explore", query={"county": "320902", "year": "2024", "view": "box", "x": "L4",
                                                 "group": "town", "years": "2023,2024"})
    at.text_input(key="view_name_explore").input("设备*与*乡镇").run()
    at.button(key="view_save_explore").click().run()
    assert any("设备\\*与\\*乡镇" in s.value for s in at.success)          # the name is escaped Markdown
    at.selectbox(key="view").set_value("pivot").run()
    at.selectbox(key="x").set_value("L1").run()
    at.multiselect(key="years").set_value([2024]).run()
    at.button(key="view_open_explore").click().run()
    assert at.selectbox(key="view").value == "box" and at.selectbox(key="x").value == "L4"
    assert at.multiselect(key="years").value == [2023, 2024] and at.query_params["x"] == "L4"
    assert at.selectbox(key="view_pick_explore").options == ["设备*与*乡镇"]


def test_a_city_scope_holds_every_county_and_groups_by_county(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, "explore", query={"region": "3209", "year": "2024", "view": "pivot", "x": "L2",
                                                      "group": "county_name", "years": "2024"})
    assert not at.exception and not at.error
    shown = at.dataframe[0].value.set_index("分组")
    counties = Store(demo_db).counties()
    assert set(shown.index) == set(counties["county_name"]) | {"合计"}
    store = Store(demo_db)
    try:
        rows = [service.indicator_rows(store, code, [2024]) for code in counties["county_code"]]
    finally:
        store.close()
    primary = {r.school_id for part in rows for r in part.itertuples() if r.stage == "小学" and r.in_scope}
    assert shown.loc["合计", "学校数（所）"] == len(primary)


def test_the_selection_carries_to_the_school_profile(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, "school_profile", query={"county": "320902", "year": "2024"})
    everyone = len(at.selectbox(key="profile_school").options)
    store = Store(demo_db)
    try:
        picked = sorted(store.schools("320902")["school_id"])[:3]
    finally:
        store.close()
    at.session_state["_explore_selected"] = picked                  # as a selection on 探索分析's scatter leaves it
    at.run()
    assert len(at.selectbox(key="profile_school").options) == 3 < everyone
    at.toggle(key="profile_only_selected").set_value(False).run()
    assert len(at.selectbox(key="profile_school").options) == everyone
