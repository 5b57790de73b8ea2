"""大班额与大校额: the bands drawn are the method's (a 47–52 pupil grade on the 45 line)."""
from analytics import service
from analytics.i18n import t
from analytics.io.storage import Store
from tests.app.apptest import app, chart_specs, decode


def test_band_chart_counts_the_classes(good_db, monkeypatch):
    at = app(good_db, monkeypatch, "class_size", query={"county": "320902", "year": "2024"})
    assert not at.exception
    sizes = service.class_sizes(Store(good_db), "320902", 2024)["by_stage"].set_index("stage")
    spec = chart_specs(at)[0]
    drawn = {d["name"]: sum(decode(d["y"])) for d in spec["data"]}
    assert sum(drawn.values()) == sizes["total"].sum() == 12
    assert drawn[t("band.large")] == sizes["large"].sum() == 12                  # 49–54 pupils, line 45
