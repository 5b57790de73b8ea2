"""The audit log: every sign-in (and failure), import, rollback, export, briefing, plan, scenario change and
account change — time, user, role, action, region, object, outcome. Append-only and tamper-evident: each
entry carries the SHA-256 of its own content and of the entry before it, numbered 1, 2, 3 … without gaps,
so a row changed or removed by hand breaks the chain at that row (:func:`verify`). Appends are serialised
by the state database's write transaction, so concurrent writers keep the chain whole.

hash_k = SHA-256( JSON [hash_{k−1}, id_k, at, user, role, action, region, object, outcome] ), hash_0 = 64 zeros.
(Removing the newest entries leaves a shorter valid chain; :func:`verify` reports the count, which an
operator compares with the last printed or backed-up head.)
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import pandas as pd

from analytics.io import state

GENESIS = "0" * 64
COLUMNS = ["id", "at", "user", "role", "action", "region", "object", "outcome", "prev_hash", "hash"]
SELECTED = ", ".join(f'"{c}"' for c in COLUMNS)          # "user" is a reserved word in PostgreSQL


def entry_hash(prev_hash: str, entry_id: int, at: str, user: str, role: str, action: str, region: str,
               obj: str, outcome: str) -> str:
    text = json.dumps([prev_hash, int(entry_id), at, user, role, action, region, obj, outcome],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append(path, user: str, role: str, action: str, region: str = "", obj: str = "", outcome: str = "ok") -> int:
    """Add one entry at the end of the chain; returns its number."""
    at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with state.connect(path, write=True) as con:
        last = con.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        entry_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        values = [str(user or ""), str(role or ""), str(action), str(region or ""), str(obj or ""), str(outcome)]
        digest = entry_hash(prev, entry_id, at, *values)
        con.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [entry_id, at, *values, prev, digest])
    return entry_id


def note_configuration(path, digest: str, files: str, user: str, role: str) -> bool:
    """A 'settings' entry when the configuration's digest differs from the one last recorded (the standards
    and settings are files edited on the server, outside the app: the first start or command after an
    edit records it). Returns whether an entry was added."""
    with state.connect(path) as con:
        last = None if con is None else con.execute(
            "SELECT object FROM audit WHERE action = 'settings' ORDER BY id DESC LIMIT 1").fetchone()
    if last is not None and last[0].startswith(f"sha256:{digest}"):
        return False
    append(path, user, role, "settings", "", f"sha256:{digest} {files}", "changed" if last else "first_seen")
    return True


def entries(path) -> pd.DataFrame:
    """Every entry, oldest first."""
    with state.connect(path) as con:
        if con is None:
            return pd.DataFrame(columns=COLUMNS)
        return pd.DataFrame(con.execute(f"SELECT {SELECTED} FROM audit ORDER BY id").fetchall(),
                            columns=COLUMNS)


def verify(path) -> dict:
    """Check the chain: {'ok': True, 'count': n, 'head': last hash} or {'ok': False, 'id': the first broken
    entry, 'reason': 'changed' (its content does not match its hash) | 'removed' (an entry before it is
    missing) | 'relinked' (it does not follow the entry before it)}."""
    prev, expected = GENESIS, 1
    rows = entries(path)
    for r in rows.itertuples(index=False):
        if r.id != expected:
            return {"ok": False, "id": int(r.id), "reason": "removed"}
        if r.prev_hash != prev:
            return {"ok": False, "id": int(r.id), "reason": "relinked"}
        if entry_hash(r.prev_hash, r.id, r.at, r.user, r.role, r.action, r.region, r.object, r.outcome) != r.hash:
            return {"ok": False, "id": int(r.id), "reason": "changed"}
        prev, expected = r.hash, expected + 1
    return {"ok": True, "count": len(rows), "head": prev}


def beijing(at: pd.Series, fmt: str) -> pd.Series:
    """Stored UTC times as Beijing time in ``fmt``; an unreadable one kept as it is."""
    from analytics.report.formatting import CHINA_TIME
    local = pd.to_datetime(at, utc=True, errors="coerce").dt.tz_convert(CHINA_TIME).dt.strftime(fmt)
    return local.fillna(at)


def word(tr, prefix: str, code: str) -> str:
    """``code`` (an action or outcome) in the catalog's words, or as it is when the catalog lacks it."""
    text = tr(prefix + code)
    return code if text == prefix + code else text


def audit_table(rows: pd.DataFrame, tr) -> pd.DataFrame:
    """The entries with headers, actions and outcomes in words of ``tr`` (the catalog lookup of the caller's
    language; a code the catalog lacks is shown as it is), oldest first."""
    def words(column: str, prefix: str) -> pd.Series:
        names = {code: word(tr, prefix, code) for code in rows[column].unique()}
        return rows[column].map(names)
    at = beijing(rows["at"], "%Y-%m-%d %H:%M:%S")
    return pd.DataFrame({tr("audit.col.id"): rows["id"], tr("audit.col.at"): at, tr("audit.col.user"): rows["user"],
                         tr("audit.col.role"): words("role", "role."), tr("audit.col.action"): words("action", "audit.action."),
                         tr("audit.col.region"): rows["region"], tr("audit.col.object"): rows["object"],
                         tr("audit.col.outcome"): words("outcome", "audit.outcome."),
                         tr("audit.col.hash"): rows["hash"].str[:16]})


def filtered(rows: pd.DataFrame, users=(), actions=(), region: str = "", since=None) -> pd.DataFrame:
    """The entries of any of ``users`` and ``actions`` (all when empty), whose region starts with ``region``
    (a region entry naming several counties matches any of them), from the date ``since`` on — a date in Beijing
    time, as the table shows it (an entry at 17:00 UTC belongs to the next day)."""
    keep = pd.Series(True, index=rows.index)
    if users:
        keep &= rows["user"].isin(list(users))
    if actions:
        keep &= rows["action"].isin(list(actions))
    if region:
        keep &= rows["region"].map(lambda r: any(code.startswith(region) for code in str(r).split(",")))
    if since is not None:
        keep &= beijing(rows["at"], "%Y-%m-%d") >= str(since)
    return rows[keep]
