"""Backup and restore (`python -m analytics backup` / `restore`), on SQLite and on a real PostgreSQL server:
an installation with two versions, a tag, accounts, a saved scenario and an audit trail is backed up and
restored into an empty place — every version byte for byte, the same current version and tags, every state
table row for row, the audit chain valid with the same head. A restore that cannot be done (the place is not
empty, the archive damaged, the state on the other engine) exits 2 and writes nothing."""
import io
import shutil
import tarfile

import pytest

from analytics.io import accounts, audit, saved_views, state, versions
from analytics.io.storage import ScenarioStore, Store
from tests import workbooks as wbk
from tests.helpers import load, mutate, run_cli, sha

pytestmark = pytest.mark.usefixtures("state_backend")
PASSWORD = "correct horse battery"


def installation(folder):
    """Two versions (the second changes a school's pupils), v1 tagged, two accounts, a scenario, audit entries."""
    db = folder / "equity.duckdb"
    load(db, wbk.rows(), folder, "a.xlsx")
    load(db, mutate("学段", 2, "在校生数", 999), folder, "b.xlsx")
    versions.tag(db, 1, "省级督导 2024")
    location = state.state_path(db)
    accounts.add(location, "manager1", "manager", "320902", PASSWORD)
    accounts.add(location, "viewer1", "viewer", "320902", PASSWORD)
    ScenarioStore(db).save("320902", "新建一所小学", "manager1", 2024, "v0002", [{"kind": "new_school", "students": 900}])
    saved_views.save(location, "manager1", "explore", "骨干教师与班额", {"view": "scatter", "x": "L2"})
    for k in range(3):
        audit.append(location, "manager1", "manager", "export", "320902", f"表{k}.xlsx")
    return db


def state_tables(location) -> dict:
    return {table: state.table_rows(location, table) for table in state.TABLES}


def test_backup_restores_every_version_and_table_into_an_empty_place(tmp_path, capsys, monkeypatch, new_state):
    (tmp_path / "old").mkdir()
    db = installation(tmp_path / "old")
    archive = tmp_path / "backup.tar.gz"
    code, out, err = run_cli(["backup", "--db", str(db), "--out", str(archive)], capsys)
    assert code == 0, err
    engine = "postgresql" if state.is_postgres(state.state_path(db)) else "sqlite"
    assert "2个数据版本（当前 v2）" in out and f"状态库（{engine}）" in out   # pg_dump or SQLite's backup
    source = state_tables(state.state_path(db))
    assert len(source["accounts"]) == 2 and len(source["scenarios"]) == 1
    assert source["audit"][-1][4] == "backup"                            # the backup is in its own archive

    target = tmp_path / "new" / "equity.duckdb"
    if state.is_postgres(state.state_path(db)):
        monkeypatch.setenv(state.STATE_URL_ENV, new_state())               # an empty database on the server
    code, out, err = run_cli(["restore", str(archive), "--db", str(target)], capsys)
    assert code == 0, err
    restored = state.state_path(target)
    assert versions.version_numbers(target) == [1, 2] and versions.current_version(target) == 2
    for n in (1, 2):
        assert sha(versions.version_path(target, n)) == sha(versions.version_path(db, n))
    assert versions.tags(target) == {"v0001": "省级督导 2024"}
    now, then = Store(target), Store(db)
    try:
        assert now.row_counts() == then.row_counts()
    finally:
        now.close()
        then.close()
    after = state_tables(restored)
    assert after["accounts"] == source["accounts"] and after["scenarios"] == source["scenarios"]
    assert after["saved_views"] == source["saved_views"] and len(source["saved_views"]) == 1
    assert after["audit"][:len(source["audit"])] == source["audit"]      # then the restore's own entry
    assert [row[4] for row in after["audit"][len(source["audit"]):]] == ["restore"]
    chain = audit.verify(restored)
    assert chain["ok"] and chain["count"] == len(source["audit"]) + 1
    assert accounts.sign_in(restored, "manager1", PASSWORD).ok           # the password hashes came along


def test_a_restore_that_cannot_be_done_writes_nothing(tmp_path, capsys, monkeypatch, new_state):
    (tmp_path / "old").mkdir()
    db = installation(tmp_path / "old")
    archive = tmp_path / "backup.tar"
    assert run_cli(["backup", "--db", str(db), "--out", str(archive)], capsys)[0] == 0
    if state.is_postgres(state.state_path(db)):
        monkeypatch.setenv(state.STATE_URL_ENV, new_state())

    before = {p: sha(p) for p in (tmp_path / "old").rglob("*") if p.is_file() and not p.name.endswith(".lock")}
    code, _, err = run_cli(["restore", str(archive), "--db", str(db)], capsys)       # onto the live installation
    assert code == 2 and "已有数据或数据版本" in err
    assert {p: sha(p) for p in before} == before

    damaged = tmp_path / "damaged.tar"                                   # one byte of v0001 flipped
    with tarfile.open(archive) as tar, tarfile.open(damaged, "w") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name == "versions/v0001.duckdb":
                data = data[:4096] + bytes([data[4096] ^ 1]) + data[4097:]
            out.addfile(member, io.BytesIO(data))
    target = tmp_path / "new" / "equity.duckdb"
    code, _, err = run_cli(["restore", str(damaged), "--db", str(target)], capsys)
    assert code == 2 and "versions/v0001.duckdb 的校验和与清单不符" in err
    assert not target.exists() and versions.version_numbers(target) == []
    assert state.is_empty(state.state_path(target))

    other = tmp_path / "other"                                            # the state on the other engine
    if state.is_postgres(state.state_path(target)):
        monkeypatch.delenv(state.STATE_URL_ENV)
    else:
        monkeypatch.setenv(state.STATE_URL_ENV, "postgresql://nobody@/nothing?host=/nonexistent")
    code, _, err = run_cli(["restore", str(archive), "--db", str(other / "equity.duckdb")], capsys)
    assert code == 2 and "未写入任何内容" in err
    assert not other.exists() or not any(other.iterdir())

    shutil.copy(archive, tmp_path / "not-a-backup.tar.gz")
    (tmp_path / "not-a-backup.tar.gz").write_bytes(b"PK\x03\x04 something else")
    code, _, err = run_cli(["restore", str(tmp_path / "not-a-backup.tar.gz"), "--db", str(target)], capsys)
    assert code == 2 and "不是本系统的备份文件" in err
