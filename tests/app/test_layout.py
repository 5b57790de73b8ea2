"""学校布局 (and the two other map pages): the maps draw exactly the schools in scope."""
from analytics import service
from analytics.io.storage import Store
from tests.app.apptest import app
from tests.app.apptest import map_rings, map_rows


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
    # service rings (a hidden layer): one per primary school (the stage shown), each the norm of its town's kind
    from analytics.standards import load_standards
    norms = load_standards("320902")["layout"]["service_radius_m"]["小学"]
    rings = map_rings(at)
    assert len(rings) == stats.loc[stats["stage"] == "小学", "school_id"].nunique()
    assert {r[2] for r in rings} <= {float(norms["urban"]), float(norms["rural"])}
    at.switch_page("app_pages/class_size.py").run()
    assert {r[6] for r in map_rows(at)[0]} == in_scope
    at.switch_page("app_pages/small_schools.py").run()
    village = service.small_schools(store, "320902", [2024])
    assert {r[6] for r in map_rows(at)[0]} == set(village["school_id"])


def test_the_map_title_says_what_the_colours_mean(good_db, monkeypatch):
    from analytics.i18n import t
    from analytics.standards import load_standards
    from ui import state
    at = app(good_db, monkeypatch, "layout", query={"county": "320902", "year": "2024"})
    assert not at.exception
    words = load_standards("320902").wording()
    assert any(h.value == t("layout.map_by", by=t("layout.colour_status", std=words)) for h in at.subheader)
    at.selectbox(key=state.LAYOUT_COLOUR).set_value("L2").run()
    assert not at.exception
    by = f"{t('indicator_short.L2')}（{t('stage.小学')}）"
    assert any(h.value == t("layout.map_by", by=by) for h in at.subheader)
