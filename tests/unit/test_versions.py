"""Versions: every import kept, current swapped atomically, rollback, what changed."""
from pathlib import Path


from analytics.io import storage
from analytics.io import versions
from analytics.cli import main
from tests import workbooks as wbk
from tests.helpers import load
from tests.helpers import sha

ROOT = Path(__file__).resolve().parents[2]






def second_year_data():
    """The good workbook with one school closed, one opened and one school grown."""
    data = wbk.rows()
    data["学校"] = [r for r in data["学校"] if r[0] != "1320902004"]
    data["学段"] = [r for r in data["学段"] if r[0] != "1320902004"]
    data["学校"].append(["1320902005", "青年路小学", "320902", "亭湖区", "文峰街道", "小学", "111", "公办", 120.15, 33.37])
    data["学段"].append(["1320902005", 2024, "小学", 420, 10] + [20, 19, 3, 2, 1, 1, 20, 2000, 3200, 110, 12, 1, 96, 1, 90])
    data["学段"][1][3], data["学段"][1][4] = 1500, 33                    # grown by 7 classes, 300 pupils
    data["班级"] += [["1320902001", 2024, g, f"{g}年级6班", 43] for g in range(1, 7)] + [["1320902001", 2024, 6, "6年级7班", 42]]
    return data


def test_versions_listed_with_who_what_and_changes(tmp_path, capsys):
    db = tmp_path / "equity.duckdb"
    v1 = load(db, wbk.rows(), tmp_path, "a.xlsx", user="张老师")
    v2 = load(db, second_year_data(), tmp_path, "b.xlsx", user="李老师")
    assert (v1.version, v2.version) == (1, 2)
    listed = versions.list_versions(db)
    assert [v.number for v in listed] == [2, 1] and listed[0].current and not listed[1].current
    newest = listed[0]
    assert newest.imported_by == "李老师" and newest.source_file == "b.xlsx"
    assert newest.source_sha256 == sha(tmp_path / "b.xlsx")
    assert newest.row_counts["schools"] == 4
    assert [s["school_id"] for s in newest.changes["schools_added"]] == ["1320902005"]
    assert [s["school_id"] for s in newest.changes["schools_removed"]] == ["1320902004"]
    top = newest.changes["largest_changes"][0]
    assert (top["school_id"], top["before"], top["after"]) == ("1320902005", 0, 420) or \
        (top["school_id"], top["before"], top["after"]) == ("1320902001", 1200, 1500)
    assert main(["versions", "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("* v2 ") and out[1].startswith("  v1 ")


def test_rollback_returns_to_a_version_and_readers_notice(tmp_path, capsys):
    db = tmp_path / "equity.duckdb"
    load(db, wbk.rows(), tmp_path, "a.xlsx")
    load(db, second_year_data(), tmp_path, "b.xlsx")
    reader = storage.Store(db)                                   # the app holding the current file open
    assert set(reader.schools()["school_id"]) >= {"1320902005"}
    assert main(["rollback", "1", "--db", str(db)]) == 0
    assert reader.is_stale()                                     # the app sees a new file and reopens
    assert "1320902005" in set(reader.schools()["school_id"])    # …while its old handle still reads
    fresh = storage.Store(db)
    assert "1320902005" not in set(fresh.schools()["school_id"]) and fresh.meta()["version"] == "1"
    assert versions.current_version(db) == 1
    assert main(["rollback", "9", "--db", str(db)]) == 2
    assert len(versions.list_versions(db)) == 2                   # nothing deleted by a rollback


def test_unversioned_database_is_archived_before_it_is_replaced(tmp_path):
    db = tmp_path / "equity.duckdb"
    storage.write_database(db, {}, meta={"source_file": "old.xlsx"})
    before = sha(db)
    load(db, wbk.rows(), tmp_path, "a.xlsx")
    listed = versions.list_versions(db)
    assert [v.number for v in listed] == [2, 1]
    assert sha(versions.version_path(db, 1)) == before and listed[1].source_file == "old.xlsx"
