"""Is the installation able to serve? What ``/healthz`` (server.py, behind nginx and systemd) answers:
the current dataset opens and has schools, the state database opens (and, with sign-in or the proxy, holds
accounts — as the pages' gate demands), and the audit log ends where its head says (else every audited act
would refuse). Cheap enough to be asked every few seconds: no chain walk (``audit --verify`` does that)."""
from __future__ import annotations

import os
from pathlib import Path

from analytics.io import accounts, audit, keys, state, storage
from analytics.standards import settings_section

MODE_ENV = "EQUITY_AUTH_MODE"
MODES = ("single_user", "builtin", "proxy")


def auth_mode() -> str:
    """How people are known (data/settings.yaml ``auth.mode`` or $EQUITY_AUTH_MODE): 'single_user',
    'builtin' or 'proxy' (anything else is refused by the pages' gate)."""
    return os.environ.get(MODE_ENV) or str(settings_section("auth").get("mode", "single_user"))


def state_status(location) -> str:
    """The state database as the sign-in sees it: 'ok' (accounts in it), 'empty' (readable, no account),
    'missing' (no such SQLite file), 'unreadable' (any fault reading it: PostgreSQL down, a damaged file)."""
    try:
        if not state.is_postgres(location) and not os.path.exists(str(location)):
            return "missing"
        return "ok" if accounts.any_accounts(location) else "empty"
    except Exception:  # noqa: BLE001 — whatever the fault, the door stays shut
        return "unreadable"


def data_status(db_path) -> str:
    """'ok' (the current version opens and holds schools), 'missing', 'empty' or 'unreadable'."""
    if not Path(db_path).exists():
        return "missing"
    try:
        store = storage.Store(db_path)
        try:
            return "ok" if len(store.counties()) else "empty"
        finally:
            store.close()
    except Exception:  # noqa: BLE001
        return "unreadable"


def audit_status(location) -> str:
    """'ok' (the log's end matches its head, the key is there), or the reason an append would refuse."""
    try:
        with state.connect(location) as con:
            if con is None:
                return "ok"
            last = con.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
            head = con.execute("SELECT entries, hash, mac FROM audit_head WHERE id = 1").fetchone()
        key = keys.load(location)
    except keys.KeyMissing:
        return "key_unusable"
    except Exception:  # noqa: BLE001
        return "unreadable"
    if last is None and head is None:
        return "ok"
    if key is None:
        return "key_missing"
    if head is None:
        return "head_missing"
    if not keys.same(head[2], audit.head_mac(key, int(head[0]), str(head[1]))):
        return "head_forged"
    if last is None or int(last[0]) != int(head[0]) or str(last[1]) != str(head[1]):
        return "tail_missing"
    return "ok"


def check(db_path) -> dict:
    """{'ok': bool, 'mode', 'data', 'state', 'audit'} — no path, URL or secret in it (it is served)."""
    mode = auth_mode()
    location = state.state_path(db_path)
    found = {"mode": mode if mode in MODES else "unknown", "data": data_status(db_path),
             "state": state_status(location), "audit": audit_status(location)}
    state_ok = found["state"] == "ok" if mode in ("builtin", "proxy") else found["state"] in ("missing", "empty")
    found["ok"] = bool(mode in MODES and found["data"] == "ok" and state_ok and found["audit"] == "ok")
    return found
