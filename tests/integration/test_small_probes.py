"""The small probes of the fail-closed issue, each as a user would meet it: formula-looking names survive an
export and re-import unchanged; a header naming a column twice, a 5 MB cell and a damaged shared-string
reference are refused with where and what; an export to a full disk leaves no empty file."""
import errno
import os
import re
import zipfile

from analytics.io import contract, storage
from analytics.io.export import contract_workbook
from analytics.io.importer import check
from tests import workbooks as wbk
from tests.helpers import load, run_cli


def errors_of(path) -> list:
    return [p for p in check(path, outline_source=wbk.box_outlines).errors]


def test_formula_looking_names_come_back_exactly(tmp_path):
    """The probe: neutralised formula text came back with a literal apostrophe on re-import."""
    data = wbk.rows()
    names = ["=HYPERLINK(\"http://x\",\"点我\")", "-实验小学", "+1中学", "@本部"]
    name_col = data["学校"][0].index("学校名称")
    for row, name in zip(data["学校"][1:], names):
        row[name_col] = name
    source = wbk.write(tmp_path / "a.xlsx", data)
    import openpyxl
    book = openpyxl.load_workbook(source)                     # as text cells, as a county's file holds them
    for row, name in zip(book["学校"].iter_rows(min_row=2), names):
        row[name_col].value, row[name_col].data_type = name, "s"
    book.save(source)
    from analytics.io.importer import import_workbook
    db = tmp_path / "equity.duckdb"
    assert import_workbook(source, db, outline_source=wbk.box_outlines, accept_warnings=True).written
    store = storage.Store(db)
    try:
        (tmp_path / "导出.xlsx").write_bytes(contract_workbook(store))
    finally:
        store.close()
    again = tmp_path / "again.duckdb"
    report = import_workbook(tmp_path / "导出.xlsx", again, outline_source=wbk.box_outlines, accept_warnings=True)
    assert report.written, [p.format() for p in report.problems]
    store = storage.Store(again)
    try:
        back = set(store.table("schools")["name"])
    finally:
        store.close()
    assert set(names[:len(data["学校"]) - 1]) <= back and not any(n.startswith("'") for n in back)


def test_a_column_named_twice_is_refused_as_such(tmp_path):
    """The probe: a duplicate header was called "unknown column"."""
    data = wbk.rows()
    header = data["学段"][0]
    col = header.index("在校生数")
    for row in data["学段"]:
        row.append(row[col])                                  # 在校生数 again, as the last column
    problems = errors_of(wbk.write(tmp_path / "dup.xlsx", data))
    dup = [p for p in problems if p.key == "duplicate_column"]
    assert len(dup) == 1 and dup[0].sheet == "学段" and dup[0].column == "在校生数"
    text = dup[0].format()
    letter = chr(ord("A") + col)
    assert f"第{letter}列" in text and "出现两次" in text and "未知列" not in text


def test_a_five_megabyte_cell_is_refused_with_its_row_and_column(tmp_path):
    """The probe: a 5 MB name was accepted, then cut to 32,767 characters on export (a cell beyond the line
    of the contract is refused; the test's cell is 5,000 characters, as openpyxl cannot write more than
    Excel's 32,767 — the crafted 5 MB cell is refused the same way)."""
    data = wbk.rows()
    data["学校"][2][data["学校"][0].index("学校名称")] = "很长的校名" * 1_000     # 5,000 characters
    problems = errors_of(wbk.write(tmp_path / "long.xlsx", data))
    long = [p for p in problems if p.key == "text_too_long"]
    limit = contract.raw_contract()["limits"]["max_text_chars"]
    assert len(long) == 1 and (long[0].sheet, long[0].row, long[0].column) == ("学校", 3, "学校名称")
    assert f"上限{limit:,}个" in long[0].format() and "5,000个字符" in long[0].format()
    assert len(long[0].format()) < 300                       # the value itself is not quoted


def test_a_shared_string_number_outside_the_table_is_damage(tmp_path):
    """The probe: shared-string index −1 was read as the last string of the table."""
    import xlsxwriter
    good = tmp_path / "good.xlsx"
    book = xlsxwriter.Workbook(str(good))                     # xlsxwriter writes text as shared strings
    for name, rows in wbk.rows().items():
        ws = book.add_worksheet(name)
        for r, values in enumerate(rows):
            for c, v in enumerate(values):
                ws.write(r, c, v)
    book.close()
    assert not errors_of(good)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":       # 学校: the first text cell of row 2 → −1
                data = re.sub(rb'(<c r="B2"[^>]*t="s"[^>]*><v>)\d+(</v>)', rb"\g<1>-1\g<2>", data, count=1)
                assert b"<v>-1</v>" in data
            out.writestr(item, data)
    problems = errors_of(bad)
    assert [p.key for p in problems] == ["bad_shared_string"] and problems[0].sheet == "学校"
    assert "-1" in problems[0].format()


def test_an_export_to_a_full_disk_leaves_no_file(tmp_path, capsys, monkeypatch):
    db = tmp_path / "equity.duckdb"
    load(db, wbk.rows(), tmp_path, "a.xlsx")
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)
    out = tmp_path / "export" / "数据.xlsx"
    out.parent.mkdir()
    code, _, err = run_cli(["export", "--db", str(db), "--out", str(out)], capsys)
    assert code == 2 and "磁盘" in err and "Traceback" not in err
    assert list(out.parent.iterdir()) == []                   # neither a 0-byte file nor a temporary one
