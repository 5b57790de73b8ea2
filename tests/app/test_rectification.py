"""整改方案: the total and the verdict after the plan are the service's."""
from analytics import service
from analytics.i18n import t
from analytics.io.storage import Store
from analytics.report.formatting import fmt_count
from tests.app.apptest import app, metric


def test_plan_page_shows_the_cost_and_the_check_after(good_db, monkeypatch):
    at = app(good_db, monkeypatch, "rectification", query={"county": "320902", "year": "2024"})
    assert not at.exception
    plan = service.plan(Store(good_db), "320902", 2024)
    assert metric(at, t("plan.total")) == fmt_count(plan["total_cost_yuan"], "zh", "元")
    assert (len(at.success) > 0) == plan["passes"]
