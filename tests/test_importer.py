"""The importer: a valid workbook loads; each kind of bad input is rejected with where and what,
and the database already there stays byte-for-byte unchanged."""
import hashlib
import json
import subprocess
import sys

import duckdb
import pytest

from analytics.importer import import_workbook
from analytics.storage import Store
from tests import workbooks as wbk

ROOT = wbk.Path(__file__).resolve().parent.parent


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def good_db(tmp_path):
    db = tmp_path / "equity.duckdb"
    report = import_workbook(wbk.write(tmp_path / "good.xlsx", wbk.rows()), db, outline_source=wbk.box_outlines)
    assert report.ok and report.written, [p.format() for p in report.errors]
    return db


def test_valid_workbook_loads_and_splits_whole_school_rows(good_db):
    store = Store(good_db)
    counts = store.row_counts()
    assert counts["schools"] == 4 and counts["stage_stats"] == 6 and counts["classes"] == 12
    from analytics import dashboard
    rows = dashboard.indicator_rows(store, "320902", [2024]).set_index(["school_id", "stage"])
    # 2600 ㎡ of the 九年一贯制 school split 166 : 1.1 × 210 → 小学 2600 × 166/397
    assert rows.loc[("1320902003", "小学"), "teaching_area_m2"] == pytest.approx(2600 * 166 / 397)
    # the 38-pupil 教学点 is below the 50 cut-off: out of scope
    assert rows.loc[("1320902004", "小学"), "out_of_scope"] == "small_teaching_point"
    store.close()


def _mutate(sheet, row, header, value):
    data = wbk.rows()
    data[sheet][row - 1][wbk.header_index(data[sheet], header)] = value
    return data


BAD_CASES = {
    # name: (sheets, expected sheet, expected Excel row, expected column, words in the message)
    "text_in_number": (_mutate("学段", 2, "在校生数", "一千二"), "学段", 2, "在校生数", "数字"),
    "negative_count": (_mutate("学段", 3, "专任教师数", -5), "学段", 3, "专任教师数", "负数"),
    "unknown_school_type": (_mutate("学校", 3, "办学类型", "职业高中"), "学校", 3, "办学类型", "办学类型"),
    "unknown_urban_rural": (_mutate("学校", 4, "城乡分类代码", "999"), "学校", 4, "城乡分类代码", "城乡分类代码"),
    "bad_school_id": (_mutate("学校", 2, "学校标识码", "12345"), "学校", 2, "学校标识码", "10位"),
    "duplicate_school": (_mutate("学校", 3, "学校标识码", "1320902001"), "学校", 3, "学校标识码", "重复"),
    "orphan_stage_row": (_mutate("学段", 7, "学校标识码", "1320902999"), "学段", 7, "学校标识码", "不在"),
    "part_exceeds_whole": (_mutate("学段", 2, "县级以上骨干教师数", 99), "学段", 2, "县级以上骨干教师数", "超过"),
    "stage_not_in_type": (_mutate("学段", 2, "学段", "初中"), "学段", 2, "学段", "小学"),
    "missing_required_cell": (_mutate("学校", 5, "学校名称", None), "学校", 5, "学校名称", "必填"),
    "grade_out_of_range": (_mutate("班级", 2, "年级", 12), "班级", 2, "年级", "1–9"),
}


def _swap(data):
    i, j = wbk.header_index(data["学校"], "经度"), wbk.header_index(data["学校"], "纬度")
    data["学校"][1][i], data["学校"][1][j] = 33.39, 120.16
    return data


BAD_CASES["swapped_lonlat"] = (_swap(wbk.rows()), "学校", 2, "纬度", "填反")


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_cell_is_rejected_with_sheet_row_column_and_db_untouched(case, good_db, tmp_path):
    sheets, sheet, row, column, words = BAD_CASES[case]
    before = sha(good_db)
    report = import_workbook(wbk.write(tmp_path / f"{case}.xlsx", sheets), good_db, outline_source=wbk.box_outlines)
    assert not report.ok and not report.written
    hits = [p for p in report.errors if (p.sheet, p.row, p.column) == (sheet, row, column)]
    assert hits, [p.format() for p in report.errors]
    assert words in hits[0].message("zh")
    assert sha(good_db) == before


def test_missing_sheet_and_missing_column(good_db, tmp_path):
    data = wbk.rows()
    del data["学段"]
    for r in data["学校"]:
        del r[wbk.header_index(wbk.rows()["学校"], "办学类型")]
    report = import_workbook(wbk.write(tmp_path / "m.xlsx", data), good_db, outline_source=wbk.box_outlines)
    found = {(p.key, p.sheet, p.column) for p in report.errors}
    assert ("missing_sheet", "学段", None) in found
    assert ("missing_column", "学校", "办学类型") in found


def test_all_problems_are_reported_at_once(good_db, tmp_path):
    data = _mutate("学段", 2, "在校生数", "abc")
    data["学校"][3][wbk.header_index(data["学校"], "城乡分类代码")] = "000"
    report = import_workbook(wbk.write(tmp_path / "two.xlsx", data), good_db, outline_source=wbk.box_outlines)
    assert {(p.sheet, p.row) for p in report.errors} >= {("学段", 2), ("学校", 4)}


def test_not_a_workbook(good_db, tmp_path):
    fake = tmp_path / "report.xlsx"
    fake.write_text("这不是Excel文件")
    before = sha(good_db)
    report = import_workbook(fake, good_db, outline_source=wbk.box_outlines)
    assert [p.key for p in report.errors] == ["not_workbook"]
    assert sha(good_db) == before


def test_messy_numbers_are_normalised_and_reported(tmp_path):
    data = _mutate("学段", 2, "在校生数", "１,２００")
    data["学段"][2][wbk.header_index(data["学段"], "教学及辅助用房面积")] = "4800㎡"
    report = import_workbook(wbk.write(tmp_path / "messy.xlsx", data), tmp_path / "db.duckdb",
                             outline_source=wbk.box_outlines)
    assert report.ok
    stats = report.tables["stage_stats"]
    assert stats.loc[0, "students"] == 1200 and stats.loc[1, "teaching_area_m2"] == 4800
    assert any(p.key == "normalised" and p.column == "在校生数" for p in report.problems)


def test_english_keys_and_csv_folder(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    from analytics import contract
    for zh, data in wbk.rows().items():
        sheet = next(s for s in contract.sheets() if s.zh == zh)
        header = [next(c.key for c in sheet.columns if c.zh == h) for h in data[0]]
        with open(folder / f"{sheet.key}.csv", "w", encoding="utf-8") as fh:
            for r in [header] + data[1:]:
                fh.write(",".join("" if v is None else str(v) for v in r) + "\n")
    report = import_workbook(folder, tmp_path / "db.duckdb", outline_source=wbk.box_outlines)
    assert report.ok, [p.format() for p in report.errors]
    assert report.row_counts()["stage_stats"] == 6


def test_cli_rejects_with_exit_2_and_lists_problems(good_db, tmp_path):
    bad = wbk.write(tmp_path / "bad.xlsx", _mutate("学段", 3, "专任教师数", -5))
    before = sha(good_db)
    out = subprocess.run([sys.executable, "-m", "analytics", "import", str(bad), "--db", str(good_db), "--json"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2
    problems = json.loads(out.stderr[: out.stderr.rindex("]") + 1])
    assert {"sheet": "学段", "row": 3, "column": "专任教师数"}.items() <= problems[0].items()
    assert sha(good_db) == before
    duckdb.connect(str(good_db), read_only=True).close()     # still a readable database
