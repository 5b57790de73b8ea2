"""Backup and restore (`python -m analytics backup` / `restore`), on SQLite and on a real PostgreSQL server:
an installation with two versions, a tag, accounts, a saved scenario and an audit trail is backed up and
restored into an empty place — every version byte for byte, the same current version and tags, every state
table row for row, the audit chain valid with the same head. A restore that cannot be done (the place is not
empty, the archive damaged, the state on the other engine) exits 2 and writes nothing."""
import io
import shutil
import tarfile

import pytest

from analytics.io import accounts, audit, backup, keys, saved_views, state, versions
from analytics.io.storage import ScenarioStore, Store
from tests import workbooks as wbk
from tests.helpers import load, mutate, run_cli, sha

pytestmark = pytest.mark.usefixtures("state_backend")
PASSWORD = "correct horse battery"


def installation(folder):
    """Two versions (the second changes a school's pupils), v1 tagged, two accounts, a scenario, audit entries."""
    db = folder / "equity.duckdb"
    load(db, wbk.rows(), folder, "a.xlsx")
    load(db, mutate("学段", 2, "在校生数", 1190), folder, "b.xlsx")
    versions.tag(db, 1, "省级督导 2024")
    location = state.state_path(db)
    accounts.add(location, "manager1", "manager", "320902", PASSWORD)
    accounts.add(location, "viewer1", "viewer", "320902", PASSWORD)
    ScenarioStore(db).save("320902", "新建一所小学", "manager1", 2024, "v0002", [{"kind": "new_school", "students": 900}])
    saved_views.save(location, "manager1", "explore", "骨干教师与班额", {"view": "scatter", "x": "L2"})
    for k in range(3):
        audit.append(location, "manager1", "manager", "export", "320902", f"表{k}.xlsx")
    return db


def backed_up(tmp_path, capsys, monkeypatch, new_state, name="backup.tar"):
    """An installation in ``old/`` and its backup; on PostgreSQL the state then points at a new empty database
    (where a restore goes). Returns (db, archive)."""
    (tmp_path / "old").mkdir()
    db = installation(tmp_path / "old")
    archive = tmp_path / name
    assert run_cli(["backup", "--db", str(db), "--out", str(archive)], capsys)[0] == 0
    if state.is_postgres(state.state_path(db)):
        monkeypatch.setenv(state.STATE_URL_ENV, new_state())
    return db, archive


def restore(archive, target, db) -> list[str]:
    """The restore command into ``target`` with the key of the installation ``db`` (kept apart from backups)."""
    return ["restore", str(archive), "--db", str(target), "--key-file", str(keys.key_path(state.state_path(db)))]


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
    code, out, err = run_cli(restore(archive, target, db), capsys)
    assert code == 0, err
    restored = state.state_path(target)
    if not state.is_postgres(restored):                                 # a new place: the key came with --key-file
        assert "此密钥已写入" in err and keys.load(restored) == keys.load(state.state_path(db))
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
    db, archive = backed_up(tmp_path, capsys, monkeypatch, new_state)

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
    code, _, err = run_cli(restore(damaged, target, db), capsys)
    assert code == 2 and "versions/v0001.duckdb 的校验和与清单不符" in err
    assert not target.exists() and versions.version_numbers(target) == []
    assert state.is_empty(state.state_path(target))

    other = tmp_path / "other"                                            # the state on the other engine
    if state.is_postgres(state.state_path(target)):
        monkeypatch.delenv(state.STATE_URL_ENV)
    else:
        monkeypatch.setenv(state.STATE_URL_ENV, "postgresql://nobody@/nothing?host=/nonexistent")
    code, _, err = run_cli(restore(archive, other / "equity.duckdb", db), capsys)
    assert code == 2 and "未写入任何内容" in err
    assert not other.exists() or not any(other.iterdir())

    shutil.copy(archive, tmp_path / "not-a-backup.tar.gz")
    (tmp_path / "not-a-backup.tar.gz").write_bytes(b"PK\x03\x04 something else")
    code, _, err = run_cli(["restore", str(tmp_path / "not-a-backup.tar.gz"), "--db", str(target)], capsys)
    assert code == 2 and "不是本系统的备份文件" in err


def rewritten(archive, out, change, key: bytes | None):
    """A copy of ``archive`` whose manifest is changed by ``change`` (and re-signed with ``key`` when given)."""
    import json
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        change(manifest, tar)
        if key is not None:
            manifest = backup.sign({k: v for k, v in manifest.items() if k not in ("signature", "installation")}, key)
        with tarfile.open(out, "w") as target:
            for member in tar.getmembers():
                data = json.dumps(manifest).encode() if member.name == "manifest.json" else tar.extractfile(member).read()
                member.size = len(data)
                target.addfile(member, io.BytesIO(data))
    return out


def test_a_forged_backup_and_another_installations_are_refused(tmp_path, capsys, monkeypatch, new_state):
    """The probe: a manifest edited consistently with a changed file (an account made admin) restored silently.
    The manifest is signed with the installation key, which no backup holds."""
    db, archive = backed_up(tmp_path, capsys, monkeypatch, new_state)
    target = tmp_path / "new" / "equity.duckdb"

    def versions_swapped(manifest, tar):          # v0002 listed with v0001's checksum: consistent, but not signed
        manifest["files"]["versions/v0002.duckdb"] = manifest["files"]["versions/v0001.duckdb"]
    forged = rewritten(archive, tmp_path / "forged.tar", versions_swapped, None)
    code, _, err = run_cli(restore(forged, target, db), capsys)
    assert code == 2 and "签名不符" in err and not target.exists() and state.is_empty(state.state_path(target))

    stranger = tmp_path / "stranger.key"                              # another installation's key
    stranger.write_text("f" * 64)
    code, _, err = run_cli(["restore", str(archive), "--db", str(target), "--key-file", str(stranger)], capsys)
    assert code == 2 and "不是做此备份的安装的密钥" in err and not target.exists()
    if not state.is_postgres(state.state_path(target)):               # a place with a key of its own, no --key-file
        keys.install(state.state_path(target), b"e" * 64)
        code, _, err = run_cli(["restore", str(archive), "--db", str(target)], capsys)
        assert code == 2 and "此备份来自另一套安装" in err and not target.exists()


def test_a_restore_that_fails_its_last_check_removes_everything_it_wrote(tmp_path, capsys, monkeypatch, new_state):
    """The probe: on a row-count mismatch restore exited 2 but left what it wrote, so a retry was refused as
    "已有数据". A backup signed by this installation whose manifest promises one account more than its state
    holds (what a bug in the backup would give): refused, the place empty again, and the good backup then
    restores there."""
    db, archive = backed_up(tmp_path, capsys, monkeypatch, new_state)
    target = tmp_path / "new" / "equity.duckdb"

    def one_more_account(manifest, tar):
        manifest["state"]["rows"]["accounts"] += 1
    wrong = rewritten(archive, tmp_path / "wrong.tar", one_more_account, keys.load(state.state_path(db)))
    code, _, err = run_cli(restore(wrong, target, db), capsys)
    assert code == 2 and "已写入的内容全部撤回" in err
    assert not target.exists() and versions.version_numbers(target) == []
    assert state.is_empty(state.state_path(target))
    code, _, err = run_cli(restore(archive, target, db), capsys)       # the retry is not refused
    assert code == 0, err
    assert versions.current_version(target) == 2 and audit.verify(state.state_path(target), target)["ok"]


def test_a_truncated_backup_is_a_message_and_writes_nothing(tmp_path, capsys, monkeypatch, new_state):
    """The probe: a truncated backup gave a traceback and exit 1."""
    db, archive = backed_up(tmp_path, capsys, monkeypatch, new_state, "backup.tar.gz")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size * 2 // 3])
    target = tmp_path / "new" / "equity.duckdb"
    code, _, err = run_cli(restore(cut, target, db), capsys)
    assert code == 2 and "Traceback" not in err and ("已损坏" in err or "不是本系统的备份文件" in err)
    assert not target.exists() and versions.version_numbers(target) == [] and state.is_empty(state.state_path(target))
