"""Submissions by county: an import replaces exactly the counties and school years its workbook holds
and keeps every other county; one county rolls back alone; two counties submitting at once both end up
in the current version; versions are kept by the retention rule; the tracker shows who is missing."""
import json
import subprocess
import sys

from pathlib import Path

import pandas as pd

from analytics.io import storage, versions
from analytics.report import tables
from analytics.io.importer import import_workbook
from tests import workbooks as wbk
from tests.helpers import load, run_cli

ROOT = Path(__file__).resolve().parents[2]
A, B = "320902", "320903"


def county_tables(db, county, version=None):
    store = storage.Store(versions.version_path(db, version) if version else db)
    try:
        rows = store.county_rows(county)
    finally:
        store.close()
    return {k: v.sort_values(list(v.columns)).reset_index(drop=True) for k, v in rows.items()
            if k not in ("county_outlines", "extra_columns")}


def assert_same(left: dict, right: dict):
    assert left.keys() == right.keys()
    for k in left:
        pd.testing.assert_frame_equal(left[k], right[k], check_dtype=False, obj=k)


def test_importing_a_county_keeps_every_other_county_and_says_so_first(tmp_path):
    db = tmp_path / "equity.duckdb"
    load(db, wbk.full_rows(), tmp_path, "a.xlsx")
    a_before = county_tables(db, A)
    report = import_workbook(wbk.write(tmp_path / "b.xlsx", wbk.for_county(wbk.full_rows(), B, "盐都区")), db,
                             outline_source=wbk.box_outlines)
    assert report.written
    # the report said what it would do before anything was written
    assert tables.replacement_words(report.replacement) == "将替换：盐都区 2023–2024（新增区县）；保留：其他1个区县"
    assert_same(county_tables(db, A), a_before)                              # A kept, row for row
    store = storage.Store(db)
    assert sorted(store.counties()["county_code"]) == [A, B] and store.row_counts()["schools"] == 8
    store.close()
    latest = versions.list_versions(db)[0]
    assert latest.counties == {B: "盐都区"} and latest.changes["schools_removed"] == []


def test_a_resubmission_replaces_only_its_county_years(tmp_path):
    """亭湖区 sends 2024 again (one school's pupils changed): its 2023 rows stay, its 2024 rows are the
    new ones, also in sheets the new workbook leaves out (no half-old county-year)."""
    db = tmp_path / "equity.duckdb"
    load(db, wbk.full_rows(), tmp_path, "a.xlsx")
    before = county_tables(db, A)
    data = wbk.rows()                                                        # 2024 only, no 经费 sheet
    data["学段"][1][3] = 1210                                    # within the 班级 rows' 2 %
    report = load(db, data, tmp_path, "a2024.xlsx")
    assert tables.replacement_words(report.replacement) == "将替换：亭湖区 2024；保留：无其他区县"
    after = county_tables(db, A)
    for key in ("stage_stats", "classes", "funding"):
        old, new = before[key], after[key]
        pd.testing.assert_frame_equal(new[new["year"] == 2023].reset_index(drop=True),
                                      old[old["year"] == 2023].reset_index(drop=True), check_dtype=False)
    stats = after["stage_stats"].set_index(["school_id", "year", "stage"])
    assert stats.loc[("1320902001", 2024, "小学"), "students"] == 1210
    assert (after["funding"]["year"] == 2024).sum() == 0                     # 2024 funds were not sent again
    assert len(after["settlements"]) == len(before["settlements"])           # no 居民点 sheet: kept


def test_one_county_rolls_back_alone_as_a_new_version(tmp_path, capsys):
    db = tmp_path / "equity.duckdb"
    load(db, wbk.full_rows(), tmp_path, "a.xlsx")                            # v1: A
    load(db, wbk.for_county(wbk.full_rows(), B, "盐都区"), tmp_path, "b.xlsx")  # v2: B
    a_v2 = county_tables(db, A)
    changed = wbk.full_rows()
    changed["学段"][1][3] = 1190
    load(db, changed, tmp_path, "a3.xlsx")                                   # v3: A changed
    b_v3 = county_tables(db, B)
    code, out, err = run_cli(["rollback", "v2", "--county", A, "--db", str(db)], capsys)
    assert code == 0 and "v4" in out, err
    assert versions.version_numbers(db) == [1, 2, 3, 4] and versions.current_version(db) == 4
    assert_same(county_tables(db, A), a_v2)                                  # A as it was
    assert_same(county_tables(db, B), b_v3)                                  # B untouched
    listed = tables.versions_table(versions.list_versions(db))
    assert listed.iloc[0]["文件"] == "（回退：恢复为 v2 中的数据）" and listed.iloc[0]["报送区县"] == "亭湖区"
    code, _, err = run_cli(["rollback", "v1", "--county", B, "--db", str(db)], capsys)
    assert code == 2 and "v1" in err and B in err                            # B was not in v1


def test_two_counties_submitting_at_once_both_end_up_current(tmp_path):
    db = tmp_path / "equity.duckdb"
    load(db, wbk.rows(), tmp_path, "base.xlsx")
    books = [wbk.write(tmp_path / f"{code}.xlsx", wbk.for_county(wbk.rows(), code, name))
             for code, name in ((B, "盐都区"), ("320904", "大丰区"))]
    procs = [subprocess.Popen([sys.executable, "-m", "analytics", "import", str(b), "--db", str(db), "--accept-warnings"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for b in books]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    store = storage.Store(db)
    assert sorted(store.counties()["county_code"]) == [A, B, "320904"]       # none lost
    assert store.row_counts()["schools"] == 12
    store.close()


def test_versions_are_kept_by_the_retention_rule(tmp_path, capsys):
    """Newest N per county plus tagged ones (N = 1 here): older versions of a county go, a tagged one stays,
    the other county's only version stays."""
    db = tmp_path / "equity.duckdb"
    load(db, wbk.rows(), tmp_path, "a1.xlsx")                                # v1 A
    load(db, wbk.for_county(wbk.rows(), B, "盐都区"), tmp_path, "b.xlsx")    # v2 B
    code, out, _ = run_cli(["versions", "--tag", "v1", "省级督导2024", "--db", str(db)], capsys)
    assert code == 0 and "省级督导2024" in out
    for k in range(3):                                                       # v3 v4 v5 A
        data = wbk.rows()
        data["学段"][1][3] = 1201 + k
        load(db, data, tmp_path, f"a{k + 2}.xlsx")
    assert versions.version_numbers(db) == [1, 2, 3, 4, 5]                  # the installation keeps 10 per county
    removed = versions.prune(db, keep_per_county=1)
    assert removed == [3, 4] and versions.version_numbers(db) == [1, 2, 5]
    assert versions.list_versions(db)[-1].tag == "省级督导2024"


def test_the_tracker_shows_each_county_its_submission_and_what_is_missing(tmp_path, capsys):
    db = tmp_path / "equity.duckdb"
    load(db, wbk.full_rows(), tmp_path, "亭湖区报送.xlsx")                   # A: 2023 and 2024
    b = wbk.for_county(wbk.rows(), B, "盐都区")                              # B: 2024 only, one school without coordinates
    b["学校"][2][8] = None
    b["学校"][2][9] = None
    load(db, b, tmp_path, "盐都区报送.xlsx", accept_warnings=True)
    code, out, err = run_cli(["submissions", "--db", str(db), "--year", "2024", "--json"], capsys)
    assert code == 0, err
    rows = {r["county_code"]: r for r in json.loads(out)}
    a, bb = rows[A], rows[B]
    assert a["source_file"] == "亭湖区报送.xlsx" and a["version"] == 1 and len(a["source_sha256"]) == 64
    assert bb["source_file"] == "盐都区报送.xlsx" and bb["version"] == 2 and bb["years"] == [2024]
    assert "经费" not in bb["sheets"] and set(bb["sheets"]) == {"schools", "stage_stats", "classes"}
    # 4 schools with pupils each; class rows only for 城东小学; B: 3 of 4 with coordinates
    assert a["share_classes"] == 0.25 and a["share_coordinates"] == 1.0 and a["status"] == "incomplete"
    assert bb["share_coordinates"] == 0.75
    code, out, _ = run_cli(["submissions", "--db", str(db), "--year", "2023", "--json"], capsys)
    rows = {r["county_code"]: r for r in json.loads(out)}
    assert rows[B]["status"] == "missing" and rows[B]["share_indicators"] is None    # 盐都区 sent no 2023
    assert rows[A]["status"] != "missing"
    code, out, _ = run_cli(["submissions", "--db", str(db), "--year", "2023"], capsys)
    assert "盐都区  未报送" in out


def test_a_real_county_imported_into_a_demo_keeps_the_banner_while_synthetic_counties_remain(tmp_path):
    """The demo's 亭湖区 and 盐都区 (is_demo); a real workbook for 盐都区: 亭湖区 is still synthetic, so the
    version is still a demo (the banner on every page); a real 亭湖区 next ends it."""
    from analytics import service
    db = tmp_path / "equity.duckdb"
    assert import_workbook(wbk.write(tmp_path / "a.xlsx", wbk.full_rows()), db, outline_source=wbk.box_outlines,
                           is_demo=True).written
    assert import_workbook(wbk.write(tmp_path / "b.xlsx", wbk.for_county(wbk.full_rows(), B, "盐都区")), db,
                           outline_source=wbk.box_outlines, is_demo=True).written
    store = storage.Store(db)
    assert store.is_demo() and service.demo_counties(store) == {A, B}
    store.close()
    real = wbk.for_county(wbk.full_rows(), B, "盐都区")
    assert import_workbook(wbk.write(tmp_path / "c.xlsx", real), db, outline_source=wbk.box_outlines).written
    store = storage.Store(db)
    assert store.is_demo() and service.demo_counties(store) == {A}
    store.close()
    assert import_workbook(wbk.write(tmp_path / "d.xlsx", wbk.full_rows()), db, outline_source=wbk.box_outlines).written
    store = storage.Store(db)
    assert not store.is_demo() and service.demo_counties(store) == set()
    store.close()
