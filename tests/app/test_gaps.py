"""城乡差距: the group means drawn are the method's student-weighted means."""
from analytics import service
from analytics.io.storage import Store
from tests.app.apptest import app, chart_specs, decode


def test_dot_chart_draws_the_group_means_over_the_line(good_db, monkeypatch):
    at = app(good_db, monkeypatch, "gaps", query={"county": "320902", "year": "2024", "stage": "小学"})
    assert not at.exception
    gaps = service.gaps(Store(good_db), "320902", 2024)
    part = gaps[gaps["stage"] == "小学"].set_index("indicator")
    std = service.standards_for("320902")
    spec = chart_specs(at)[0]
    urban = next(d for d in spec["data"] if d.get("name") == "城区")
    expected = [part.at[c, "城区"] / std.line(c, "小学") for c in part.index[::-1]]
    assert decode(urban["x"]) == expected
