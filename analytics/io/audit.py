"""The audit log: every sign-in (and failure), import, rollback, export, briefing, plan, scenario change and
account change — time, user, role, action, region, object, outcome. Append-only and tamper-evident:

- **a keyed chain**: each entry carries an HMAC (SHA-256, under the installation key of
  :mod:`analytics.io.keys`, which is not in the state database) of its own content and of the entry before
  it, numbered 1, 2, 3 … without gaps — a row changed, removed or the whole chain rewritten by someone
  without the key breaks it (:func:`verify`);
  hash_k = HMAC_key( JSON [hash_{k−1}, id_k, at, user, role, action, region, object, outcome] ), hash_0 = 64 zeros;
- **an anchored head**: each append writes, in the same transaction, the head row (newest number, its hash,
  and an HMAC of both); every dataset version records the head at its publish (``audit_head`` in its
  metadata). Deleting the newest entries, or all of them, no longer leaves a valid shorter chain: the head
  row, or a version, says how many there were.

Appends are serialised by the state database's write transaction, so concurrent writers keep the chain
whole. An append onto a log whose head does not match refuses (:class:`AuditBroken`): nothing is recorded
on top of a tampered log until an administrator has looked (``audit --verify``) and re-anchored it
(``audit --reanchor``, itself an entry).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pandas as pd

from analytics.formatting import CHINA_TIME
from analytics.io import keys, state, storage, versions

GENESIS = "0" * 64
COLUMNS = ["id", "at", "user", "role", "action", "region", "object", "outcome", "prev_hash", "hash"]
SELECTED = ", ".join(f'"{c}"' for c in COLUMNS)          # "user" is a reserved word in PostgreSQL


class AuditBroken(RuntimeError):
    """The log does not end where its head says (a tail removed, the table emptied, the head missing or
    forged): appending would hide it. ``reason`` as in :func:`verify`."""

    def __init__(self, reason: str, **params):
        super().__init__(f"audit log broken: {reason} {params}")
        self.reason, self.params = reason, params


def entry_hash(key: bytes, prev_hash: str, entry_id: int, at: str, user: str, role: str, action: str, region: str,
               obj: str, outcome: str) -> str:
    text = json.dumps([prev_hash, int(entry_id), at, user, role, action, region, obj, outcome],
                      ensure_ascii=False, separators=(",", ":"))
    return keys.mac(key, text)


def head_mac(key: bytes, entries: int, digest: str) -> str:
    return keys.mac(key, f"audit-head:{int(entries)}:{digest}")


def _head(con) -> tuple[int, str, str] | None:
    row = con.execute("SELECT entries, hash, mac FROM audit_head WHERE id = 1").fetchone()
    return (int(row[0]), str(row[1]), str(row[2])) if row else None


def read_head(path) -> tuple[int, str, str] | None:
    """The head row (newest number, its hash, its HMAC), or None."""
    with state.connect(path) as con:
        return None if con is None else _head(con)


def append_entry(path, user: str, role: str, action: str, region: str = "", obj: str = "",
                 outcome: str = "ok") -> tuple[int, str]:
    """Add one entry at the end of the chain and move the head to it, in one transaction; returns its number
    and hash. Refuses (:class:`AuditBroken`, :class:`keys.KeyMissing`) when the log does not end where its
    head says, or entries exist and the key is missing."""
    at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with state.connect(path, write=True) as con:
        last = con.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        head = _head(con)
        key = keys.load(path, create=last is None and head is None)
        if key is None:
            raise keys.KeyMissing(keys.where(path))
        if head is None and last is not None:
            raise AuditBroken("head_missing", id=int(last[0]))
        if head is not None:
            if not keys.same(head[2], head_mac(key, head[0], head[1])):
                raise AuditBroken("head_forged", id=head[0])
            if last is None or int(last[0]) != head[0] or str(last[1]) != head[1]:
                raise AuditBroken("tail_missing" if last is None or int(last[0]) < head[0] else "head_mismatch",
                                  id=head[0], found=int(last[0]) if last else 0)
        entry_id, prev = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
        values = [str(user or ""), str(role or ""), str(action), str(region or ""), str(obj or ""), str(outcome)]
        digest = entry_hash(key, prev, entry_id, at, *values)
        con.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [entry_id, at, *values, prev, digest])
        _set_head(con, entry_id, digest, key)
    return entry_id, digest


def _set_head(con, entries: int, digest: str, key: bytes) -> None:
    con.execute("DELETE FROM audit_head")
    con.execute("INSERT INTO audit_head VALUES (1, ?, ?, ?)", [int(entries), digest, head_mac(key, entries, digest)])


def append(path, user: str, role: str, action: str, region: str = "", obj: str = "", outcome: str = "ok") -> int:
    """Add one entry at the end of the chain; returns its number (see :func:`append_entry`)."""
    return append_entry(path, user, role, action, region, obj, outcome)[0]


def reanchor(path, user: str, role: str = "cli", db_path=None) -> dict:
    """After an administrator has looked at a broken log: an 'audit_reanchor' entry saying what was found
    (the verify result) and the head moved to the table's end — the break stays visible in the log. The
    chain itself must verify up to its end (a changed entry is not re-anchored away: restore a backup)."""
    found = verify(path, db_path)
    if found.get("ok"):
        return found
    if found["reason"] in ("changed", "removed", "relinked", "key_missing", "key_unusable"):
        raise AuditBroken(found["reason"], id=found.get("id", 0))
    key = keys.load(path)
    if db_path is not None:
        found["versions_up_to"] = max(versions.version_numbers(db_path) or [0])
    with state.connect(path, write=True) as con:
        last = con.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        if last is None:
            con.execute("DELETE FROM audit_head")
        else:
            _set_head(con, int(last[0]), str(last[1]), key)
    append(path, user, role, "audit_reanchor", "", json.dumps(found, ensure_ascii=False), found["reason"])
    return found


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


def rotate_key(path, user: str, role: str = "cli", db_path=None) -> dict:
    """A new installation key: the log must verify first; then every entry's hash and the head are computed
    again under the new key in one write transaction (no append can come between), the key file replaced
    just before it commits, and a 'key_rotated' entry records both fingerprints. The versions' recorded heads
    were under the old key: they are acknowledged by that entry (as by a re-anchoring). Refused when the key
    comes from $EQUITY_INSTALLATION_KEY (the variable is set outside; rotate the file, then set it).
    Returns {'from', 'to'} fingerprints."""
    import os
    if os.environ.get(keys.KEY_ENV):
        raise keys.KeyMissing(f"${keys.KEY_ENV}", "in_environment")
    found = verify(path, db_path)
    if not found.get("ok"):
        raise AuditBroken(found["reason"], id=found.get("id", 0))
    old = keys.load(path, create=True)
    new = keys.new_value()
    target = keys.key_path(path)
    with state.connect(path, write=True) as con:
        rows = con.execute(f"SELECT {SELECTED} FROM audit ORDER BY id").fetchall()
        prev = GENESIS
        for r in rows:
            digest = entry_hash(new, prev, r[0], *[str(v) for v in r[1:8]])
            con.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [prev, digest, r[0]])
            prev = digest
        if rows:
            _set_head(con, int(rows[-1][0]), prev, new)
        keys.install(path, new)                   # the last step before the commit
    versions_up_to = 0
    if db_path is not None:
        versions_up_to = max(versions.version_numbers(db_path) or [0])
    fingerprints = {"from": keys.fingerprint(old), "to": keys.fingerprint(new)}
    append(path, user, role, "key_rotated", "", json.dumps(dict(fingerprints, versions_up_to=versions_up_to)), "ok")
    return fingerprints


def verify(path, db_path=None, key: bytes | None = None) -> dict:
    """Check the log: {'ok': True, 'count': n, 'head': last hash} or {'ok': False, 'id': an entry number,
    'reason': …}, the reason one of
    'changed' (entry ``id``'s content does not match its hash — or the chain was rewritten without the key),
    'removed' (an entry before ``id`` is missing), 'relinked' (``id`` does not follow the entry before it),
    'tail_missing' (the head, or a dataset version, records entries up to ``id`` that are not there — 'count'
    says how many are), 'emptied' (no entries, but the head or a version says there were ``id``),
    'head_missing' (entries up to ``id`` and no head row), 'head_forged' (the head's HMAC is wrong),
    'head_mismatch' (the head names another hash for entry ``id``), 'anchor_mismatch' (version ``version``
    recorded another hash for entry ``id``), 'key_missing' / 'key_unusable' (entries exist, the
    installation key is not there or unreadable). ``db_path``: also check the heads recorded by its versions
    (but those an 'audit_reanchor' entry has acknowledged). ``key``: check with this key (a staged restore),
    not the one of ``path``."""
    if key is None:
        try:
            key = keys.load(path)
        except keys.KeyMissing:
            return {"ok": False, "id": 0, "reason": "key_unusable"}
    rows = entries(path)
    head = read_head(path)
    anchors = version_anchors(db_path) if db_path is not None else []
    if key is None:
        if len(rows) or head is not None:
            return {"ok": False, "id": 0, "reason": "key_missing"}
        key = b""
    prev, expected, hashes = GENESIS, 1, []
    for r in rows.itertuples(index=False):
        if r.id != expected:
            return {"ok": False, "id": int(r.id), "reason": "removed"}
        if r.prev_hash != prev:
            return {"ok": False, "id": int(r.id), "reason": "relinked"}
        if not keys.same(entry_hash(key, r.prev_hash, r.id, r.at, r.user, r.role, r.action, r.region, r.object,
                                    r.outcome), r.hash):
            return {"ok": False, "id": int(r.id), "reason": "changed"}
        prev, expected = r.hash, expected + 1
        hashes.append(r.hash)
    count = len(hashes)
    acknowledged = 0
    for r in rows[rows["action"].isin(["audit_reanchor", "key_rotated"])].itertuples(index=False):
        try:
            acknowledged = max(acknowledged, int(json.loads(r.object).get("versions_up_to", 0)))
        except (ValueError, AttributeError):
            pass
    anchors = [a for a in anchors if a[0] > acknowledged]
    if head is not None and not keys.same(head[2], head_mac(key, head[0], head[1])):
        return {"ok": False, "id": head[0], "reason": "head_forged"}
    recorded = [(head[0], head[1], None)] if head is not None else []
    recorded += [(n, h, v) for v, n, h in anchors]
    for number, digest, version in sorted(recorded, key=lambda x: -x[0]):
        if number > count:
            return {"ok": False, "id": number, "count": count, "reason": "emptied" if count == 0 else "tail_missing"}
        if number > 0 and hashes[number - 1] != digest:
            return {"ok": False, "id": number, "reason": "head_mismatch" if version is None else "anchor_mismatch",
                    "version": version}
    if head is None and count:
        return {"ok": False, "id": count, "reason": "head_missing"}
    if head is not None and head[0] != count:
        return {"ok": False, "id": head[0], "reason": "head_mismatch"}
    return {"ok": True, "count": count, "head": prev}


def version_anchors(db_path) -> list[tuple[int, int, str]]:
    """(version, entries, hash) of the audit head each dataset version recorded at its publish (versions
    from before heads were recorded have none)."""
    out = []
    for number in versions.version_numbers(db_path):
        store = storage.Store(versions.version_path(db_path, number))
        try:
            recorded = store.meta().get("audit_head")
        finally:
            store.close()
        if recorded:
            value = json.loads(recorded)
            out.append((number, int(value["entries"]), str(value["hash"])))
    return out


def beijing(at: pd.Series, fmt: str) -> pd.Series:
    """Stored UTC times as Beijing time in ``fmt``; an unreadable one kept as it is."""
    local = pd.to_datetime(at, utc=True, errors="coerce").dt.tz_convert(CHINA_TIME).dt.strftime(fmt)
    return local.fillna(at)



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
