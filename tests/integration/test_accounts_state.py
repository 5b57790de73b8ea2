"""Built-in accounts and the audit log (hand cases): roles and regions, lock-out after repeated failures, the
hash chain that shows a row changed or removed by hand, appends from several processes at once — each on
SQLite and on a PostgreSQL server (``new_state``; argon2 hashes, subprocesses, a server: integration tier)."""
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from analytics.io import accounts, audit, keys, state
from analytics.report import tables
from analytics.standards import settings_section

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


def test_roles_may_what_their_rank_allows_and_see_only_their_regions(new_state):
    path = new_state()
    viewer = accounts.add(path, "viewer1", "viewer", "320902", PASSWORD)
    manager = accounts.add(path, "王芳", "manager", "3209，320105", PASSWORD)    # a Chinese comma is fine
    admin = accounts.add(path, "admin", "admin", None, PASSWORD)
    assert viewer.may("read") and viewer.may("briefing") and not viewer.may("export") and not viewer.may("import")
    assert manager.may("import") and manager.may("plan") and not manager.may("accounts")
    assert admin.may("accounts")
    assert viewer.sees("320902") and not viewer.sees("320903")
    assert manager.sees("320903") and manager.sees("320105") and not manager.sees("320102")
    assert admin.sees("429004")
    assert [a.name for a in accounts.listing(path)] == sorted(["viewer1", "王芳", "admin"])
    assert accounts.any_accounts(path) and not accounts.any_accounts(new_state())


@pytest.mark.parametrize("name, role, scope, password, key", [
    ("a", "viewer", "3209", PASSWORD, "user.bad_name"),
    ("ok_name", "boss", "3209", PASSWORD, "user.bad_role"),
    ("ok_name", "viewer", "320", PASSWORD, "user.bad_scope"),
    ("ok_name", "analyst", "", PASSWORD, "user.needs_scope"),
    ("ok_name", "viewer", "3209", "short", "user.short_password"),
])
def test_bad_accounts_are_refused_with_the_reason(new_state, name, role, scope, password, key):
    path = new_state()
    with pytest.raises(accounts.AccountError) as e:
        accounts.add(path, name, role, scope, password)
    assert e.value.key == key
    assert not accounts.any_accounts(path)


def test_sign_in_locks_out_after_repeated_failures_and_a_reset_lifts_it(new_state):
    path = new_state()
    accounts.add(path, "li", "analyst", "3209", PASSWORD)
    rules = settings_section("auth")
    now = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    assert accounts.sign_in(path, "li", PASSWORD, now).ok
    assert accounts.sign_in(path, "nobody", PASSWORD, now).reason == "unknown"
    for k in range(int(rules["lockout_failures"]) - 1):
        assert accounts.sign_in(path, "li", "wrong password", now).reason == "wrong"
    locked = accounts.sign_in(path, "li", "wrong password", now)
    assert locked.reason == "locked" and locked.locked_until
    assert accounts.sign_in(path, "li", PASSWORD, now + timedelta(minutes=1)).reason == "locked"   # even the right one
    later = now + timedelta(minutes=int(rules["lockout_minutes"]) + 1)
    assert accounts.sign_in(path, "li", PASSWORD, later).ok                                      # the cool-down passed
    for k in range(int(rules["lockout_failures"])):
        accounts.sign_in(path, "li", "wrong password", later)
    accounts.set_password(path, "li", "a new long password")
    assert accounts.sign_in(path, "li", "a new long password", later).ok                         # an admin's reset
    accounts.disable(path, "li")
    assert accounts.sign_in(path, "li", "a new long password", later).reason == "disabled"
    with state.connect(path) as con:
        stored = con.execute("SELECT password_hash FROM accounts").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def tamper(path, sql: str, params=None) -> None:
    """Change the stored rows by hand, as someone with the database's password could."""
    with state.connect(path, write=True) as con:
        con.execute(sql, params or [])


def test_the_audit_chain_shows_a_row_changed_or_removed_by_hand(new_state):
    def five_entries():
        path = new_state()
        for k in range(5):
            audit.append(path, "王芳", "manager", "import", "320902", f"亭湖区{k}.xlsx sha256:…")
        return path
    path = five_entries()
    assert audit.verify(path) == {"ok": True, "count": 5, "head": audit.entries(path)["hash"].iloc[-1]}
    changed = five_entries()
    tamper(changed, "UPDATE audit SET outcome = 'rejected' WHERE id = 3")
    assert audit.verify(changed) == {"ok": False, "id": 3, "reason": "changed"}
    removed = five_entries()
    tamper(removed, "DELETE FROM audit WHERE id = 2")
    assert audit.verify(removed) == {"ok": False, "id": 3, "reason": "removed"}
    rehashed = five_entries()                                   # a row changed and its own hash recomputed
    r = audit.entries(rehashed).set_index("id").loc[2]
    digest = audit.entry_hash(keys.load(rehashed), r["prev_hash"], 2, r["at"], "someone else", r["role"], r["action"],
                              r["region"], r["object"], "ok")
    tamper(rehashed, 'UPDATE audit SET "user" = \'someone else\', hash = ? WHERE id = 2', [digest])
    assert audit.verify(rehashed) == {"ok": False, "id": 3, "reason": "relinked"}


def five(path):
    for k in range(5):
        audit.append(path, "王芳", "manager", "export", "320902", f"表{k}.xlsx")
    return path


def test_the_newest_entries_or_all_of_them_removed_are_seen(new_state):
    """The probe: deleting the last rows — or every row — still verified "审计日志完整". The head row written with
    each append says how many there were; an append on top refuses rather than hide the loss."""
    tail = five(new_state())
    tamper(tail, "DELETE FROM audit WHERE id >= 4")
    assert audit.verify(tail) == {"ok": False, "id": 5, "count": 3, "reason": "tail_missing"}
    with pytest.raises(audit.AuditBroken) as refused:
        audit.append(tail, "李明", "admin", "sign_in")
    assert refused.value.reason == "tail_missing" and len(audit.entries(tail)) == 3      # nothing written on top
    emptied = five(new_state())
    tamper(emptied, "DELETE FROM audit")
    assert audit.verify(emptied) == {"ok": False, "id": 5, "count": 0, "reason": "emptied"}
    both = five(new_state())                                        # the rows and the head row: the head missing
    tamper(both, "DELETE FROM audit_head")
    assert audit.verify(both) == {"ok": False, "id": 5, "reason": "head_missing"}
    with pytest.raises(audit.AuditBroken):
        audit.append(both, "李明", "admin", "sign_in")


def test_a_chain_rewritten_without_the_key_or_a_forged_head_fails(new_state):
    """The chain is keyed: whoever can write the state database but not read the installation key cannot
    make a rewritten chain — or a head moved back over removed entries — verify."""
    import hashlib
    import json
    path = five(new_state())
    rows = audit.entries(path)
    prev = audit.GENESIS                                            # every hash recomputed, SHA-256 with no key
    for r in rows.itertuples(index=False):
        text = json.dumps([prev, int(r.id), r.at, r.user, r.role, r.action, r.region, r.object, r.outcome],
                          ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256(text.encode()).hexdigest()
        tamper(path, "UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [prev, digest, int(r.id)])
        prev = digest
    tamper(path, "UPDATE audit_head SET hash = ?", [prev])
    assert audit.verify(path)["ok"] is False and audit.verify(path)["reason"] in ("changed", "head_forged")
    assert audit.verify(path)["id"] in (1, 5)
    moved = five(new_state())                                       # tail removed, head set to the new last entry
    tamper(moved, "DELETE FROM audit WHERE id = 5")
    last = audit.entries(moved)["hash"].iloc[-1]
    tamper(moved, "UPDATE audit_head SET entries = 4, hash = ?", [last])
    assert audit.verify(moved) == {"ok": False, "id": 4, "reason": "head_forged"}


def test_a_missing_key_is_an_error_never_a_new_key(new_state, monkeypatch):
    path = five(new_state())
    where = keys.key_path(path)
    where.rename(where.with_name("elsewhere.key"))
    assert audit.verify(path) == {"ok": False, "id": 0, "reason": "key_missing"}
    with pytest.raises(keys.KeyMissing):
        audit.append(path, "李明", "admin", "sign_in")
    assert not where.exists()                                       # no fresh key made over existing entries
    monkeypatch.setenv(keys.KEY_ENV, where.with_name("elsewhere.key").read_text().strip())
    assert audit.verify(path)["ok"]                                 # the same key from the environment


def test_reanchor_records_what_was_found_and_refuses_a_changed_entry(new_state):
    path = five(new_state())
    tamper(path, "DELETE FROM audit WHERE id = 5")
    found = audit.reanchor(path, "root", "cli")
    assert found["reason"] == "tail_missing"
    rows = audit.entries(path)
    assert rows["action"].iloc[-1] == "audit_reanchor" and rows["outcome"].iloc[-1] == "tail_missing"
    assert audit.verify(path)["ok"] and audit.verify(path)["count"] == 5     # 4 kept + the re-anchor entry
    changed = five(new_state())
    tamper(changed, "UPDATE audit SET object = 'x' WHERE id = 2")
    with pytest.raises(audit.AuditBroken):
        audit.reanchor(changed, "root", "cli")


def test_appends_from_several_processes_at_once_keep_the_chain(new_state):
    path = new_state()
    script = ("import sys; from analytics.io import audit\n"
              "for k in range(25): audit.append(sys.argv[1], sys.argv[2], 'analyst', 'export', '3209', str(k))")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), f"user{n}"], cwd=ROOT) for n in range(6)]
    assert all(p.wait(120) == 0 for p in procs)
    result = audit.verify(path)
    assert result["ok"] and result["count"] == 150
    assert audit.entries(path)["user"].value_counts().to_dict() == {f"user{n}": 25 for n in range(6)}


def test_the_log_filters_by_user_action_region_and_date(tmp_path):
    import pandas as pd
    rows = pd.DataFrame({"user": ["王芳", "李明", "王芳"], "action": ["import", "sign_in", "rollback"],
                         "region": ["320902,320903", "", "320981"],
                         "at": ["2026-11-30T15:00:00+00:00", "2026-11-30T17:00:00+00:00", "2026-12-01T02:00:00+00:00"]})
    assert audit.filtered(rows, users=["王芳"])["action"].tolist() == ["import", "rollback"]
    assert audit.filtered(rows, region="320903")["action"].tolist() == ["import"]     # one of several counties
    assert audit.filtered(rows, region="3209", actions=["rollback"])["user"].tolist() == ["王芳"]
    # a Beijing date: 17:00 UTC on 30 November is 01:00 on 1 December in Beijing, 15:00 UTC is still the 30th
    assert audit.filtered(rows, since="2026-12-01")["action"].tolist() == ["sign_in", "rollback"]


def test_the_audit_table_reads_in_chinese_with_beijing_time():
    """What the 账户 page and its Excel show: actions, outcomes and roles in words, the time in Beijing time
    (a UTC entry at 16:00 is the next day's 00:00), a code the catalog lacks kept as it is."""
    import pandas as pd

    from analytics.i18n import t
    from analytics.io import audit
    rows = pd.DataFrame({"id": [1, 2], "at": ["2026-12-01T00:57:36+00:00", "2026-12-01T16:00:00+00:00"],
                         "user": ["王芳", "ops"], "role": ["manager", "cli"], "action": ["import", "something_new"],
                         "region": ["320903", ""], "object": ["", ""], "outcome": ["outside_scope", "ok"],
                         "hash": ["a" * 64, "b" * 64]})
    table = tables.audit_table(rows, lambda key, **kw: t(key, "zh"))
    assert list(table["时间（北京时间）"]) == ["2026-12-01 08:57:36", "2026-12-02 00:00:00"]
    assert list(table["操作"]) == ["导入", "something_new"] and list(table["结果"]) == ["超出权限范围", "成功"]
    assert list(table["角色"]) == ["数据管理员", "命令行"]


def test_names_and_passwords_that_are_refused_and_unknown_names_locked_alike(new_state):
    """The probes: `aaaaaaaaaa` and ten spaces accepted as passwords; a Cyrillic look-alike `lі` created; only
    existing accounts ever got "locked" (an attacker could tell them apart)."""
    path = new_state()
    for weak in ("aaaaaaaaaa", " " * 10, "1234567890", "lina-secret-1"):
        with pytest.raises(accounts.AccountError) as refused:
            accounts.add(path, "lina", "viewer", "320902", weak)
        assert refused.value.key in ("user.weak_password", "user.short_password")
    for bad in ("lі" + "na", "王芳wang", "x"):                           # Cyrillic і, two scripts, too short
        with pytest.raises(accounts.AccountError):
            accounts.add(path, bad, "viewer", "320902", PASSWORD)
    made = accounts.add(path, "ｌｉｎａ", "viewer", "320902", PASSWORD)     # full-width letters: NFKC → "lina"
    assert made.name == "lina" and accounts.sign_in(path, "lina", PASSWORD).ok
    limit = int(settings_section("auth")["lockout_failures"])
    answers = [accounts.sign_in(path, "nobody", "wrong password!").reason for _ in range(limit)]
    assert answers[-1] == "locked" and set(answers[:-1]) == {"unknown"}
    assert accounts.sign_in(path, "x" * 200_000, "wrong password!").reason == "unknown"


def test_a_session_ends_for_every_tab_at_sign_out_password_disable_role_and_idle(new_state):
    path = new_state()
    li = accounts.add(path, "li", "analyst", "320902", PASSWORD)
    idle = 30
    tab1, tab2 = accounts.open_session(path, li), accounts.open_session(path, li)
    assert accounts.check_session(path, tab1, idle).account == li
    assert accounts.check_session(path, tab2, idle).reason == "ok"
    assert accounts.sign_out(path, tab1) == "li"                      # signing out in one tab ...
    assert accounts.check_session(path, tab2, idle) == accounts.SessionCheck(None, "sign_out")   # ... ends the other
    assert accounts.check_session(path, "made-up token", idle).reason == "unknown"
    assert accounts.check_session(path, None, idle).reason == "unknown"

    for change, reason in [(lambda: accounts.set_password(path, "li", "another horse staple"), "password"),
                           (lambda: accounts.set_role(path, "li", "viewer", "320902"), "role"),
                           (lambda: accounts.set_role(path, "li", "viewer", "3209"), "role"),   # regions too
                           (lambda: accounts.disable(path, "li"), "disabled")]:
        now = accounts.get(path, "li")
        if now.disabled:
            break
        token = accounts.open_session(path, now)
        assert accounts.check_session(path, token, idle).reason == "ok"
        change()
        assert accounts.check_session(path, token, idle).reason == reason
        assert accounts.check_session(path, token, idle).account is None          # and it stays ended

    other = accounts.add(path, "wang", "viewer", "320903", PASSWORD)
    start = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)
    token = accounts.open_session(path, other, now=start)
    assert accounts.check_session(path, token, idle, now=start + timedelta(minutes=29)).reason == "ok"
    # the check above counted as activity: 29 + 29 minutes is still within 30 of the last action
    assert accounts.check_session(path, token, idle, now=start + timedelta(minutes=58)).reason == "ok"
    # a download's check does not count as activity: 31 minutes after the last action it is idle
    assert accounts.check_session(path, token, idle, touch=False,
                                  now=start + timedelta(minutes=89)).reason == "idle"
    assert accounts.check_session(path, token, idle, now=start + timedelta(minutes=90)).reason == "idle"
