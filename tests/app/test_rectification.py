"""整改方案: the total and the verdict after the plan are the service's."""
from analytics import service
from analytics.i18n import t
from analytics.io.storage import Store
from analytics.formatting import fmt_amount
from analytics.report import plan_views
from tests.app.apptest import app, metric


def test_plan_page_shows_the_cost_and_the_check_after(good_db, monkeypatch):
    at = app(good_db, monkeypatch, "rectification", query={"county": "320902", "year": "2024"})
    assert not at.exception
    plan = service.plan(Store(good_db), "320902", 2024)
    # one-off, per year and over the horizon: never one sum of unlike money
    assert metric(at, t("money.one_off")) == fmt_amount(plan["one_off_yuan"], "zh")
    assert metric(at, t("money.recurring")) == fmt_amount(plan["recurring_yuan"], "zh") + "/年"
    assert metric(at, t("money.cumulative", years=plan["horizon_years"])) == fmt_amount(plan["cumulative_yuan"], "zh")
    assert (len(at.success) > 0) == plan["passes"]


def test_plan_page_lists_every_failing_item_it_does_not_cover(demo_db, monkeypatch):
    """The demo plan buys G4 (seats), G9 (360-hour training), G12 (certification) and Q4 (training funds); Q2
    (残疾儿童入学率) is a decision, not money: the page still warns, lists it with its measure and the departments."""
    from analytics.planning.rectification import uncovered_items
    store = Store(demo_db)
    items, _ = service.scorecard(store, "320902", 2024)
    uncovered = uncovered_items([i.as_dict() for i in items])
    assert [u["code"] for u in uncovered] == ["Q2"]
    plan = service.plan(store, "320902", 2024)
    bought = {a.indicator for a in plan["guarantee_actions"]}
    assert {"G4", "G9", "G12", "Q4"} <= bought
    at = app(demo_db, monkeypatch, "rectification", query={"county": "320902", "year": "2024"})
    assert not at.exception
    assert any(w.value == t("plan.uncovered_note", n=len(uncovered)) for w in at.warning)
    table = next(df.value for df in at.dataframe if t("phase.col.departments") in df.value.columns)
    assert list(table[t("plan.measure")]) == [t(u["measure"]) for u in uncovered]
    assert list(table[t("phase.col.departments")]) == ["教育局、残疾人联合会、卫生健康委"]


def test_the_year_by_year_plan_says_when_the_county_passes_under_two_budgets(demo_db, monkeypatch):
    """分年度计划: with 2亿 and 1,000万 a year (recurring ceiling 1.2亿, 500 hires) the page shows the service's
    sentence for each — the first names its pass year, the second what is short and the least budget — and the
    year table has one row per plan year with the money paid."""
    from analytics.report import phasing_views
    from analytics.report.escape import markdown_text
    from ui import state
    at = app(demo_db, monkeypatch, "rectification", query={"county": "320902", "year": "2024"})
    at.number_input(key=state.PHASE_BUDGET).set_value(20000.0)
    at.number_input(key=state.PHASE_BUDGET_B).set_value(1000.0)
    at.number_input(key=state.PHASE_CAP).set_value(12000.0)
    at.number_input(key=state.PHASE_HIRES).set_value(500)
    next(b for b in at.button if b.label == t("phase.run")).click().run()
    assert not at.exception
    common = {"recurring_cap_wan": 12000.0, "hires_per_year": 500, "horizon": 6, "start": 2025, "lead_years": 2}
    store = Store(demo_db)
    rich = service.phased_plan(store, "320902", 2024, budget_wan=20000.0, **common)
    poor = service.phased_plan(store, "320902", 2024, budget_wan=1000.0, **common)
    assert rich["pass_year"] is not None and poor["pass_year"] is None and poor["min_budget_yuan"] > 1000e4
    shown = [s.value for s in at.success] + [w.value for w in at.warning]
    for p in (rich, poor):
        assert markdown_text(phasing_views.phased_sentence(p)) in shown
    years = next(df.value for df in at.dataframe if t("phase.col.one_off") in df.value.columns)
    assert years[t("col.year")].tolist() == list(range(2025, 2031))
    assert years[t("phase.col.one_off")].tolist() == [round(r["one_off_yuan"] / 1e4, 1) for r in rich["years"]]   # 万元


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
