"""资源配置与差异系数: the CV table and the school grid on the small fixture, computed by hand."""
from analytics import service
from analytics.i18n import t
from analytics.io.storage import Store
from analytics.standards import load_standards
from tests.app.apptest import app, chart_specs


def test_cv_table_and_grid_match_the_method(good_db, monkeypatch):
    at = app(good_db, monkeypatch, "resources", query={"county": "320902", "year": "2024", "stage": "小学"})
    assert not at.exception
    table = at.dataframe[0].value
    cv = service.cv_report(Store(good_db), "320902", 2024)
    cv = cv[cv["stage"] == "小学"]
    assert len(table) == 7 == len(cv)                                          # the seven, no composite row
    assert table[t("col.cv")].tolist() == [f"{v:.3f}" for v in cv["cv"]]
    assert table[t("col.threshold")].unique().tolist() == [f"≤ {load_standards('320902').cv_line('小学'):.2f}"]
    grid = next(s for s in chart_specs(at) if s["data"][0]["type"] == "heatmap")["data"][0]
    # 城东小学, 南洋九年制学校 (小学 part); the 38-pupil 教学点 is out of scope
    assert sorted(grid["y"]) == ["南洋九年制学校", "城东小学"]
    assert grid["text"][0] and all(t.endswith("%") or t == "—" for row in grid["text"] for t in row)


def test_grid_colours_follow_the_one_line_rule(good_db, monkeypatch):
    at = app(good_db, monkeypatch, "resources", query={"county": "320902", "year": "2024", "stage": "初中"})
    grid = next(s for s in chart_specs(at) if s["data"][0]["type"] == "heatmap")["data"][0]
    std = load_standards("320902")
    for row_text, row_z in zip(grid["text"], grid["z"]):
        for text, z in zip(row_text, row_z):
            if text == "—":
                assert z == 0
            else:
                ratio = float(text.rstrip("%")) / 100
                expected = {"below": 1, "nearly": 2, "met": 3}[std.line_class(ratio)]
                # the text is rounded to whole per cent: only a ratio on a class edge may differ
                assert z == expected or abs(ratio - 1) < 0.006 or abs(ratio - 0.85) < 0.006, (text, z)
