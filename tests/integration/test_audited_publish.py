"""An import's audit entry is written inside its publish, and each version records the audit head: the
probes were an import killed between publish and its entry landing unaudited, imports failing on a full disk
not audited, every row of the log deleted still verifying, and a killed writer's ``.building-PID`` file
staying forever."""
import errno
import json

import pytest

from analytics.io import audit, state, storage, versions
from tests import workbooks as wbk
from tests.helpers import load, mutate, run_cli


def meta_of(path) -> dict:
    store = storage.Store(path)
    try:
        return store.meta()
    finally:
        store.close()


def test_a_version_becomes_current_only_with_its_entry_and_records_the_head(tmp_path, capsys):
    db = tmp_path / "equity.duckdb"
    code, _, err = run_cli(["import", str(wbk.write(tmp_path / "a.xlsx", wbk.rows())), "--db", str(db),
                            "--user", "王芳"], capsys)
    assert code == 0, err
    log = state.state_path(db)
    rows = audit.entries(log)
    imports = rows[rows["action"] == "import"]
    assert len(imports) == 1 and imports["object"].iloc[0].startswith("a.xlsx sha256:")
    assert imports["object"].iloc[0].endswith(" v1") and imports["user"].iloc[0] == "王芳"
    assert imports["region"].iloc[0] == "320902"
    head_before = json.loads(meta_of(versions.version_path(db, 1))["audit_head"])
    # the version records the head as it was when it was written: every entry before its own
    assert head_before["entries"] == int(imports["id"].iloc[0]) - 1
    assert audit.verify(log, db)["ok"]


def test_an_entry_that_cannot_be_written_keeps_the_version_out(tmp_path, capsys, monkeypatch):
    db = tmp_path / "equity.duckdb"
    load(db, wbk.rows(), tmp_path, "a.xlsx")
    real = audit.append_entry

    def refuse(path, user, role, action, *rest):
        if action == "import":
            raise audit.AuditBroken("tail_missing", id=9)
        return real(path, user, role, action, *rest)
    monkeypatch.setattr(audit, "append_entry", refuse)
    code, _, err = run_cli(["import", str(wbk.write(tmp_path / "b.xlsx", mutate("学段", 2, "在校生数", 1190))),
                            "--db", str(db)], capsys)
    assert code == 2 and "审计日志与其链头不符" in err and "Traceback" not in err
    assert versions.current_version(db) == 1 and versions.version_numbers(db) == [1]    # no v2 left behind


def test_an_import_failing_on_a_full_disk_is_audited(tmp_path, capsys, monkeypatch):
    db = tmp_path / "equity.duckdb"
    load(db, wbk.rows(), tmp_path, "a.xlsx")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(versions.versions_dir(db)))
    monkeypatch.setattr(storage, "write_submission", full)
    code, _, err = run_cli(["import", str(wbk.write(tmp_path / "b.xlsx", mutate("学段", 2, "在校生数", 1190))),
                            "--db", str(db)], capsys)
    assert code == 2 and "磁盘" in err
    rows = audit.entries(state.state_path(db))
    last = rows.iloc[-1]
    assert last["action"] == "import" and last["outcome"] == "failed" and last["object"].endswith(" v2")
    assert versions.current_version(db) == 1 and audit.verify(state.state_path(db), db)["ok"]


def test_every_entry_deleted_is_seen_through_the_versions(tmp_path):
    """The log and its head row both deleted: the versions recorded the head at their publish."""
    db = tmp_path / "equity.duckdb"
    load(db, wbk.rows(), tmp_path, "a.xlsx")
    load(db, mutate("学段", 2, "在校生数", 1190), tmp_path, "b.xlsx")
    log = state.state_path(db)
    with state.connect(log, write=True) as con:
        con.execute("DELETE FROM audit")
        con.execute("DELETE FROM audit_head")
    assert audit.verify(log)["ok"]                                  # the table alone: a fresh-looking log …
    found = audit.verify(log, db)                                   # … but v2 was published after entry 1
    assert found["ok"] is False and found["reason"] == "emptied" and found["id"] >= 1


def test_a_killed_writers_temporary_files_go_at_the_next_publish(tmp_path):
    db = tmp_path / "equity.duckdb"
    load(db, wbk.rows(), tmp_path, "a.xlsx")
    stray = versions.versions_dir(db) / "v0002.duckdb.building-99999"    # what kill -9 during a write leaves
    stray.write_bytes(b"\0" * 4096)
    swap = db.with_name(db.name + ".swap-99999")
    swap.write_bytes(b"\0")
    load(db, mutate("学段", 2, "在校生数", 1190), tmp_path, "b.xlsx")
    assert not stray.exists() and not swap.exists()
    assert versions.version_numbers(db) == [1, 2]


@pytest.mark.parametrize("scope", ["county", "whole"])
def test_a_rollback_is_audited_before_its_swap(tmp_path, capsys, scope):
    db = tmp_path / "equity.duckdb"
    load(db, wbk.rows(), tmp_path, "a.xlsx")
    load(db, mutate("学段", 2, "在校生数", 1190), tmp_path, "b.xlsx")
    args = ["rollback", "1", "--db", str(db), "--user", "李明"] + (["--county", "320902"] if scope == "county" else [])
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    last = audit.entries(state.state_path(db)).iloc[-1]
    assert last["action"] == "rollback" and last["user"] == "李明"
    assert last["object"] == ("v1 → v3" if scope == "county" else "v1")
    assert audit.verify(state.state_path(db), db)["ok"]


def test_the_health_check_opens_the_data_and_the_state(tmp_path, monkeypatch):
    """What /healthz answers (server.py): ok only when the data opens, the state fits the sign-in mode and the
    audit log ends at its head — never a path or secret in the answer."""
    from analytics.io import accounts, health
    db = tmp_path / "equity.duckdb"
    monkeypatch.delenv("EQUITY_AUTH_MODE", raising=False)
    assert health.check(db) == {"mode": "single_user", "data": "missing", "state": "missing", "audit": "ok", "ok": False}
    load(db, wbk.rows(), tmp_path, "a.xlsx")
    assert health.check(db)["ok"]
    monkeypatch.setenv("EQUITY_AUTH_MODE", "builtin")                  # sign-in on, no account: shut
    assert health.check(db)["state"] == "empty" and not health.check(db)["ok"]
    accounts.add(state.state_path(db), "admin", "admin", None, "correct horse battery")
    assert health.check(db)["ok"]
    with state.connect(state.state_path(db), write=True) as con:          # the newest entry removed
        con.execute("DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)")
    assert health.check(db)["audit"] == "tail_missing" and not health.check(db)["ok"]
    assert str(tmp_path) not in json.dumps(health.check(db))


def test_the_key_is_rotated_with_the_whole_log_and_verify_says_what_broke(tmp_path, capsys):
    """README: `audit --rotate-key` — the log re-keyed in one go, the old key no longer verifies it, the
    versions' recorded heads acknowledged; `audit --verify` names a lost tail and exits 2."""
    from analytics.io import keys
    db = tmp_path / "equity.duckdb"
    load(db, wbk.rows(), tmp_path, "a.xlsx")
    load(db, mutate("学段", 2, "在校生数", 1190), tmp_path, "b.xlsx")
    log = state.state_path(db)
    old = keys.load(log)
    code, out, err = run_cli(["audit", "--rotate-key", "--db", str(db)], capsys)
    assert code == 0, err
    new = keys.load(log)
    assert new != old and keys.fingerprint(old) in out and keys.fingerprint(new) in out
    assert audit.verify(log, db)["ok"]
    assert audit.verify(log, key=old)["ok"] is False                 # the old key no longer verifies anything
    last = audit.entries(log).iloc[-1]
    assert last["action"] == "key_rotated" and keys.fingerprint(new) in last["object"]
    load(db, wbk.rows(), tmp_path, "c.xlsx")                         # life goes on under the new key
    assert audit.verify(log, db)["ok"]
    with state.connect(log, write=True) as con:
        con.execute("DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)")
    code, _, err = run_cli(["audit", "--verify", "--db", str(db)], capsys)
    assert code == 2 and "缺失末尾记录" in err
