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
    assert sum(drawn.values()) == sizes["total"].sum() == 26                     # 城东小学's 26 classes
    assert drawn[t("band.large")] == sizes["large"].sum() == 12                  # the 49–50-pupil ones, line 45
    assert drawn[t("band.within")] == sizes["within"].sum() == 14                # 43–44 pupils


def test_the_fix_list_shows_the_first_rows_in_words_and_offers_all_of_them_as_a_download(demo_db, monkeypatch):
    """Thousands of schools to fix (a province): the table shows the first page.TABLE_ROWS with their nearby
    schools in words, says how many more there are, and a download of the fix list has every school."""
    import ui.page
    from ui import state
    fixes = service.class_fixes(Store(demo_db), "320902", 2024)["by_school"]
    assert len(fixes) >= 2
    monkeypatch.setattr(ui.page, "TABLE_ROWS", 1)
    at = app(demo_db, monkeypatch, "class_size", query={"county": "320902", "year": "2024"})
    assert not at.exception
    table = next(df.value for df in at.dataframe if t("class.nearby") in df.value.columns)
    assert list(table[t("col.school")]) == list(fixes["name"].head(1))
    assert table[t("class.nearby")].iloc[0] != ""
    assert any(c.value == t("table.more_rows", shown=1, total=f"{len(fixes):,}") for c in at.caption), [c.value for c in at.caption]
    keys = [b.proto.id for b in at.get("download_button")]
    assert any(state.widget_key(state.DOWNLOAD, "class_fix") in k for k in keys)


def test_a_school_whose_class_rows_are_missing_one_is_unknown_not_within_the_line(tmp_path, monkeypatch):
    """城东小学 states 26 classes and 1,200 pupils; its 1年级1班 (49 pupils) row deleted leaves 25 rows and
    1,151 pupils. The class that is missing may be the one above the line, so the page does not read the 25
    rows as the school's classes: a warning names the school with both counts, its map band is 数据不全,
    and G5 reads it the same way: incomplete (its 11 known classes above the line still make G5 fail)."""
    from analytics.method import scorecard as sc
    from analytics.method.sizing import UNKNOWN_BAND
    from tests import workbooks as wbk
    from tests.helpers import load

    data = wbk.rows()
    data["班级"] = [r for r in data["班级"] if r[3] != "1年级1班"]
    db = tmp_path / "equity.duckdb"
    load(db, data, tmp_path, "missing_row.xlsx", accept_warnings=True)
    cs = service.class_sizes(Store(db), "320902", 2024)
    row = cs["disagree"].set_index("name").loc["城东小学"]
    assert (row["classes_stated"], row["class_rows"], row["pupils_stated"], row["pupils_in_rows"]) == (26, 25, 1200, 1151)
    assert cs["worst_band"]["1320902001"] == UNKNOWN_BAND
    at = app(db, monkeypatch, "class_size", query={"county": "320902", "year": "2024"})
    assert not at.exception
    assert any(w.value == t("class.disagree", n=1) for w in at.warning), [w.value for w in at.warning]
    listed = next(df.value for df in at.dataframe if t("col.class_rows") in df.value.columns)
    assert listed[t("col.school")].tolist() == ["城东小学"] and listed[t("col.class_rows")].tolist() == [25]
    g5 = next(i for i in service.scorecard(Store(db), "320902", 2024)[0] if i.code == "G5")
    assert "1320902001" in g5.coverage.missing and g5.status == sc.FAIL
