"""The importer: a valid workbook loads; each kind of bad input is rejected with where and what,
and the database already there stays byte-for-byte unchanged."""
import json

import pytest

from analytics.io.importer import import_workbook
from analytics.io.storage import Store
from tests import workbooks as wbk
from tests.helpers import mutate
from tests.helpers import run_cli
from tests.helpers import sha

ROOT = wbk.Path(__file__).resolve().parents[2]


def test_valid_workbook_loads_and_splits_whole_school_rows(good_db):
    store = Store(good_db)
    counts = store.row_counts()
    assert counts["schools"] == 4 and counts["stage_stats"] == 6 and counts["classes"] == 26
    from analytics import service
    rows = service.indicator_rows(store, "320902", [2024]).set_index(["school_id", "stage"])
    # 2600 ㎡ of the 九年一贯制 school split 166 : 1.1 × 210 → 小学 2600 × 166/397
    assert rows.loc[("1320902003", "小学"), "teaching_area_m2"] == pytest.approx(2600 * 166 / 397)
    # the 38-pupil 教学点 is below the 50 cut-off: out of scope
    assert rows.loc[("1320902004", "小学"), "out_of_scope"] == "small_teaching_point"
    store.close()




def test_all_problems_are_reported_at_once(good_db, tmp_path):
    data = mutate("学段", 2, "在校生数", "abc")
    data["学校"][3][wbk.header_index(data["学校"], "城乡分类代码")] = "000"
    report = import_workbook(wbk.write(tmp_path / "two.xlsx", data), good_db, outline_source=wbk.box_outlines)
    assert {(p.sheet, p.row) for p in report.errors} >= {("学段", 2), ("学校", 4)}


def test_english_keys_and_csv_folder(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    from analytics.io import contract
    for zh, data in wbk.rows().items():
        sheet = next(s for s in contract.sheets() if s.zh == zh)
        header = [next(c.key for c in sheet.columns if c.zh == h) for h in data[0]]
        with open(folder / f"{sheet.key}.csv", "w", encoding="utf-8") as fh:
            for r in [header] + data[1:]:
                fh.write(",".join("" if v is None else str(v) for v in r) + "\n")
    report = import_workbook(folder, tmp_path / "db.duckdb", outline_source=wbk.box_outlines)
    assert report.ok, [p.format() for p in report.errors]
    assert report.row_counts()["stage_stats"] == 6


def test_user_town_outlines_replace_the_approximate_ones(tmp_path, capsys):
    from shapely.geometry import box, mapping

    from analytics.cli import main
    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"town": "五星街道"}, "geometry": mapping(box(120.1, 33.3, 120.2, 33.45))},
        {"type": "Feature", "properties": {"town": "南洋镇"}, "geometry": mapping(box(120.2, 33.3, 120.5, 33.6))},
        {"type": "Feature", "properties": {}, "geometry": mapping(box(120.5, 33.3, 120.6, 33.6))}]}
    towns = tmp_path / "towns.geojson"
    towns.write_text(json.dumps(geo), encoding="utf-8")
    db = tmp_path / "db.duckdb"
    workbook = wbk.write(tmp_path / "w.xlsx", wbk.rows())
    code = main(["import", str(workbook), "--db", str(db), "--towns", str(towns)], outline_source=wbk.box_outlines)
    err = capsys.readouterr().err
    assert code == 2 and "第3个要素" in err                      # the nameless feature is a warning to confirm
    assert main(["import", str(workbook), "--db", str(db), "--towns", str(towns), "--accept-warnings"],
                outline_source=wbk.box_outlines) == 0
    areas = Store(db).town_areas("320902").set_index("town")
    assert set(areas.index) == {"五星街道", "南洋镇"} and not areas["approximate"].any()
    towns.write_text("not json", encoding="utf-8")
    assert main(["import", str(workbook), "--db", str(db), "--towns", str(towns), "--accept-warnings"],
                outline_source=wbk.box_outlines) == 2            # a broken file is an error


def drop_column(data, sheet, header):
    col = wbk.header_index(data[sheet], header)
    for r in data[sheet]:
        del r[col]
    return data


def test_a_stage_sheet_without_pupils_is_refused_and_nothing_changes(good_db, tmp_path, capsys):
    """Regression: a 学段 sheet without 在校生数 imported (exit 0) and then `cv` died with a traceback.
    Pupils weigh every CV: the column is required, and a 小学/初中 row needs its value."""
    before = sha(good_db)
    data = drop_column(wbk.rows(), "学段", "在校生数")
    code, _, err = run_cli(["import", str(wbk.write(tmp_path / "no_pupils.xlsx", data)), "--db", str(good_db)], capsys)
    assert code == 2 and "[error] 学段!1 在校生数: 缺少必需的列" in err
    assert sha(good_db) == before
    blank = mutate("学段", 2, "在校生数", None)                      # 城东小学 小学 2024
    code, _, err = run_cli(["import", str(wbk.write(tmp_path / "blank.xlsx", blank)), "--db", str(good_db)], capsys)
    assert code == 2 and "[error] 学段!2 在校生数: 必填，不能为空" in err
    assert sha(good_db) == before
    # the 全校 row of the 一贯制 school (row 6) carries shared resources only: no pupils needed there
    assert wbk.rows()["学段"][5][2] == "全校" and wbk.rows()["学段"][5][3] is None


def test_a_sheet_over_the_row_cap_is_refused_with_the_limit(good_db, tmp_path, capsys, monkeypatch):
    from analytics.io import contract
    monkeypatch.setitem(contract.raw_contract()["limits"], "max_rows_per_sheet", 10)
    code, _, err = run_cli(["import", str(wbk.write(tmp_path / "big.xlsx", wbk.rows())), "--db", str(good_db)], capsys)
    assert code == 2 and "[error] 班级: 行数超过上限10行" in err            # 12 classes in the small workbook
