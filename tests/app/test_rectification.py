"""整改方案: the total and the verdict after the plan are the service's."""
from analytics import service
from analytics.i18n import t
from analytics.io.storage import Store
from analytics.formatting import fmt_count
from analytics.report import plan_views
from tests.app.apptest import app, metric


def test_plan_page_shows_the_cost_and_the_check_after(good_db, monkeypatch):
    at = app(good_db, monkeypatch, "rectification", query={"county": "320902", "year": "2024"})
    assert not at.exception
    plan = service.plan(Store(good_db), "320902", 2024)
    # one-off, per year and over the horizon: never one sum of unlike money
    assert metric(at, t("money.one_off")) == fmt_count(plan["one_off_yuan"], "zh", "元")
    assert metric(at, t("money.recurring")) == fmt_count(plan["recurring_yuan"], "zh", "元") + "/年"
    assert metric(at, t("money.cumulative", years=plan["horizon_years"])) == fmt_count(plan["cumulative_yuan"], "zh", "元")
    assert (len(at.success) > 0) == plan["passes"]


def test_plan_page_lists_every_failing_item_it_does_not_cover(demo_db, monkeypatch):
    """The demo plan passes its own check while G4, G9, G12, Q2, Q4 still fail: the page must say so."""
    from analytics.planning.rectification import uncovered_items
    store = Store(demo_db)
    items, _ = service.scorecard(store, "320902", 2024)
    uncovered = uncovered_items([i.as_dict() for i in items])
    assert {u["code"] for u in uncovered} >= {"G4", "G9", "G12", "Q4"}
    at = app(demo_db, monkeypatch, "rectification", query={"county": "320902", "year": "2024"})
    assert not at.exception
    assert any(w.value == t("plan.uncovered_note", n=len(uncovered)) for w in at.warning)
    table = next(df.value for df in at.dataframe if t("plan.measure") in df.value.columns)
    assert list(table[t("plan.measure")]) == [t(u["measure"]) for u in uncovered]


def test_plan_page_gives_the_cheapest_way_to_pass_the_county_cvs(demo_db, monkeypatch):
    """The demo's 小学 L2 CV (0.514 > 0.50) is fixed by the school step, yet a route passes it alone: exchanging
    backbone teachers (a subsidy every year) or training more where they are few (once). Over the plan's 6 years
    the least is the one the page shows, with its money split and the CV after."""
    plan = service.plan(Store(demo_db), "320902", 2024)
    route = next(r for r in plan["cv_routes"] if (r["stage"], r["indicator"]) == ("小学", "L2"))
    passing = [r for r in route["routes"] if r["passes"]]
    assert route["cv_before"] > 0.5 and route["best"]["cv_after"] <= 0.5 and len(passing) == 2
    assert route["best"]["cumulative_yuan"] == min(r["cumulative_yuan"] for r in passing)
    at = app(demo_db, monkeypatch, "rectification", query={"county": "320902", "year": "2024"})
    assert not at.exception
    routes = next(df.value for df in at.dataframe if t("plan.route") in df.value.columns)
    row = routes[routes[t("col.indicator")] == t("indicator_short.L2")].iloc[0]
    assert row[t("plan.route")] == plan_views.route_words(route)
    assert row[t("plan.route_one_off")] == round(route["best"]["one_off_yuan"] / 1e4, 1)
    assert row[t("plan.route_recurring")] == round(route["best"]["recurring_yuan"] / 1e4, 1)
    assert row[t("plan.cv_then")] == round(route["best"]["cv_after"], 3)


def test_what_if_with_many_schools_asks_for_the_town_first(demo_db, monkeypatch):
    """Above page.PICK_MAX schools (a province) each school box of the what-if follows a town box and offers
    only that town's schools; the what-if still answers for the schools picked."""
    import ui.page
    from ui import state
    monkeypatch.setattr(ui.page, "PICK_MAX", 5)
    schools = Store(demo_db).schools("320902").set_index("school_id")
    at = app(demo_db, monkeypatch, "rectification", query={"county": "320902", "year": "2024"})
    assert not at.exception
    town_box = at.selectbox(key=state.WI_TOWN_TO)
    town = town_box.options[-1]
    town_box.select(town).run()
    assert not at.exception
    offered = at.selectbox(key=state.WI_TO).options
    names = set(schools.loc[schools["town"] == town, "name"])
    assert offered and set(offered) <= names
    assert len(at.selectbox(key=state.WI_FROM).options) < len(schools)
    assert any(t("plan.cv_after") in df.value.columns for df in at.dataframe)
