"""Imports under stress: a process killed mid-import, random cell mutations, 100 000 rows of garbage —
the current data is never damaged or half-written."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.io import audit, state, storage, versions
from tests import workbooks as wbk
from tests.helpers import load, run_cli, sha
from analytics.io.importer import import_workbook
import re

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- property-based

VALUES = st.one_of(st.none(), st.just(""), st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=6), st.integers(-5, 10**7),
                   st.floats(allow_nan=False, allow_infinity=False, width=32),
                   st.sampled_from(["１２", "95%", "1,200", "是", "初中", "全校", "320902", "1320902001", "=1+1"]))



def test_killed_import_leaves_current_data_intact(tmp_path, demo_db):
    """SIGKILL the CLI at different moments of a real (demo-size) import: the database file is
    always a complete dataset, either the old one or the new version."""
    db = tmp_path / "equity.duckdb"
    load(db, wbk.rows(), tmp_path, "a.xlsx")
    workbook = Path(demo_db).with_name("demo_workbook.xlsx")
    assert workbook.exists()
    outcomes = []
    for delay in (0.8, 2.0, 3.5, 5.0, 6.5, 8.0):
        before = sha(db)
        proc = subprocess.Popen([sys.executable, "-m", "analytics", "import", str(workbook), "--db", str(db),
                                 "--accept-warnings"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        store = storage.Store(db)                              # always opens, always complete
        meta, counts = store.meta(), store.row_counts()
        store.close()
        if sha(db) == before:
            outcomes.append("old")
        else:
            assert counts == json.loads(meta["row_counts"]) and counts["schools"] > 100
            # never a current version without its audit entry (it is written inside the publish)
            imports = audit.entries(state.state_path(db)).query("action == 'import' and outcome == 'ok'")
            assert imports["object"].str.endswith(f" v{meta['version']}").any(), meta["version"]
            outcomes.append("new")
            versions.rollback(db, 1, entry=versions.Entry("test", "cli", "rollback"))   # the next round from the small one
    assert "old" in outcomes                                   # killed before the swap at least once
    # leftovers of killed runs are not taken for versions
    assert all(v.row_counts for v in versions.list_versions(db))
    assert audit.verify(state.state_path(db))["ok"]           # kills leave the chain whole


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(["学校", "学段", "班级"]), st.integers(1, 20), st.integers(0, 19), VALUES),
                      min_size=1, max_size=4))
def test_random_mutations_import_consistently_or_change_nothing(edits, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prop")
    db = tmp / "equity.duckdb"
    load(db, wbk.rows(), tmp, "base.xlsx")
    data = wbk.rows()
    for sheet, row, col, value in edits:
        rows = data[sheet]
        r = rows[(row - 1) % len(rows)] if row > 1 else rows[1]
        r[col % len(r)] = value
    before = sha(db)
    report = import_workbook(wbk.write(tmp / "m.xlsx", data), db, outline_source=wbk.box_outlines,
                             accept_warnings=True)
    if report.written:
        store = storage.Store(db)
        assert store.row_counts()["schools"] == len(report.tables["schools"])
        assert store.row_counts()["stage_stats"] == len(report.tables["stage_stats"])
        assert store.meta()["version"] == "2"
        store.close()
    else:
        assert report.errors and sha(db) == before
        assert versions.version_numbers(db) == [1]


def test_hundred_thousand_rows_of_garbage(good_db, tmp_path, capsys):
    db = good_db
    data = wbk.rows()
    data["学段"] += [["垃圾", "x", "y"] + ["?"] * 10 for _ in range(100_000)]
    path = wbk.write(tmp_path / "garbage.xlsx", data)
    before = sha(db)
    code, _, err = run_cli(["import", str(path), "--db", str(db)], capsys)
    assert code == 2
    assert "[error] 学段!8 学校标识码:" in err                       # the first garbage row is named
    assert re.search(r"另有\d{5,}处同类问题", err)                     # the rest are counted, not dropped
    assert len(err.splitlines()) < 2000
    assert sha(db) == before


def test_two_imports_at_the_same_moment_both_become_versions(tmp_path, state_backend):
    """Two processes publish into one dataset at once: the publish lock makes them take turns — two new
    versions, each whole, none lost, and the current file is one of them (state on SQLite: the file lock;
    on PostgreSQL: the file lock and the server's advisory lock)."""
    db = tmp_path / "equity.duckdb"
    load(db, wbk.rows(), tmp_path, "base.xlsx")
    books = []
    for k, pupils in enumerate((1191, 1209)):                  # within the 班级 rows' 2 %
        data = wbk.rows()
        data["学段"][1][3] = pupils
        books.append(wbk.write(tmp_path / f"w{k}.xlsx", data))
    procs = [subprocess.Popen([sys.executable, "-m", "analytics", "import", str(b), "--db", str(db)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for b in books]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert versions.version_numbers(db) == [1, 2, 3]
    seen = set()
    for n in (2, 3):
        store = storage.Store(versions.version_path(db, n))
        seen.add(int(store.stage_stats("320902", [2024]).set_index(["school_id", "stage"]).loc[("1320902001", "小学"), "students"]))
        assert store.row_counts()["schools"] == 4
        store.close()
    assert seen == {1191, 1209}                                             # neither import was lost
    assert versions.current_version(db) in (2, 3)


def test_an_import_waits_for_the_publish_lock_another_machine_holds(tmp_path, monkeypatch, postgres_cluster):
    """With the state on PostgreSQL, an import on another machine (same versions folder, its own file lock)
    holds the server's advisory lock: this import gives up with publish_busy and writes nothing; once the
    lock is released the same import publishes."""
    from analytics.io import state
    url = postgres_cluster.new_database()
    monkeypatch.setenv(state.STATE_URL_ENV, url)
    db = tmp_path / "equity.duckdb"
    load(db, wbk.rows(), tmp_path, "base.xlsx")
    before = sha(db)
    monkeypatch.setattr(versions, "LOCK_TIMEOUT_S", 0.5)
    book = wbk.write(tmp_path / "w.xlsx", wbk.rows())
    with state.advisory_lock(url, state.PUBLISH_LOCK):                      # the other machine is publishing
        report = import_workbook(book, db, outline_source=wbk.box_outlines)
    assert not report.written and [p.key for p in report.errors] == ["publish_busy"]
    assert sha(db) == before and versions.version_numbers(db) == [1]
    report = import_workbook(book, db, outline_source=wbk.box_outlines)
    assert report.written and versions.version_numbers(db) == [1, 2]


def test_an_import_that_cannot_get_the_lock_writes_nothing_and_says_so(tmp_path, monkeypatch):
    db = tmp_path / "equity.duckdb"
    load(db, wbk.rows(), tmp_path, "base.xlsx")
    before = sha(db)
    monkeypatch.setattr(versions, "LOCK_TIMEOUT_S", 0.2)
    with versions.publish_lock(db):                                          # another import is publishing
        report = import_workbook(wbk.write(tmp_path / "w.xlsx", wbk.rows()), db, outline_source=wbk.box_outlines)
    assert not report.written and [p.key for p in report.errors] == ["publish_busy"]
    assert "另一个导入" in report.errors[0].format()
    assert sha(db) == before and versions.version_numbers(db) == [1]


# ---------------------------------------------------------------- what a workbook claims about itself


def _with_dimension(path: Path, sheet_no: int, ref: str) -> Path:
    """The workbook with the <dimension> tag of its sheet ``sheet_no`` rewritten (programs write it stale)."""
    import zipfile
    name = f"xl/worksheets/sheet{sheet_no}.xml"
    out = path.with_name("stale-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == name:
                data, n = re.subn(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data)
                assert n == 1
            dst.writestr(item, data)
    return out


def test_a_stale_dimension_tag_cuts_no_row_and_no_column(tmp_path):
    """班级's tag says A1:E5 over 27 rows, 学校's says one column short (no 纬度): every class and every
    coordinate is read all the same (openpyxl's read-only mode would trust the tag: 4 classes, no latitudes)."""
    book = wbk.write(tmp_path / "a.xlsx", wbk.rows())
    book = _with_dimension(_with_dimension(book, 3, "A1:E5"), 1, "A1:I5")
    report = import_workbook(book, tmp_path / "equity.duckdb", outline_source=wbk.box_outlines)
    assert report.written, [p.format() for p in report.errors]
    store = storage.Store(tmp_path / "equity.duckdb")
    try:
        assert store.row_counts()["classes"] == len(wbk.rows()["班级"]) - 1 == 26
        assert store.schools()["lat"].notna().all()
    finally:
        store.close()


def test_a_sheet_padded_with_blank_rows_is_refused_quickly_and_nothing_is_written(good_db, tmp_path):
    """Formatting down to the end of the sheet (10,000+ blank rows) with a row after it: reading stops at the
    padding, says where, and the import is refused — never taken as the whole sheet; the data stay as they were."""
    import openpyxl

    from analytics.io import contract
    run = int(contract.raw_contract()["limits"]["max_blank_run"])
    path = wbk.write(tmp_path / "padded.xlsx", wbk.rows())
    wb = openpyxl.load_workbook(path)
    ws = wb["学段"]
    last = ws.max_row
    for r in range(last + 1, last + run + 2):              # blank cells that carry a format
        ws.cell(r, 1).number_format = "0"
    ws.append(list(wbk.rows()["学段"][1]))                   # a row after the padding
    wb.save(path)
    before = sha(good_db)
    started = time.monotonic()
    report = import_workbook(path, good_db, outline_source=wbk.box_outlines)
    assert time.monotonic() - started < 60
    assert not report.written and sha(good_db) == before
    padded = [p for p in report.errors if p.key == "padded_sheet"]
    assert padded and padded[0].sheet == "学段" and padded[0].row == last
    assert "连续空行" in padded[0].format()
