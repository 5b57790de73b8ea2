"""Built-in accounts: roles, the regions each may see, argon2id password hashes, lock-out after repeated
failures. Stored in the state database (:mod:`analytics.io.state`); every change is also written to the
audit log by the caller (:mod:`analytics.io.audit`).

Roles, each with everything of the one before: ``viewer`` reads pages and briefings; ``analyst`` also
makes plans, saves scenarios, exports, explores; ``manager`` also imports and rolls back for the
counties in its scope; ``admin`` also manages accounts and settings, in every region.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from analytics.io import state
from analytics.standards import settings_section

ROLES = ("viewer", "analyst", "manager", "admin")
ACTIONS = {                      # the least role that may do each action
    "read": "viewer", "briefing": "viewer",
    "plan": "analyst", "scenario": "analyst", "export": "analyst", "explore": "analyst",
    "import": "manager", "rollback": "manager",
    "accounts": "admin", "settings": "admin",
}
MAX_NAME = 40
# an account name: 2–40 of Chinese characters, or of Latin letters — one script, not both (a Cyrillic "і" that
# looks like a Latin "i" is refused) — with digits and . _ - @ (after NFKC: full-width letters become plain)
NAME_PATTERN = re.compile(r"^(?:[A-Za-z0-9.\-_@]|[\u4e00-\u9fff0-9.\-_@]){2,40}$")
LATIN, HAN = re.compile(r"[A-Za-z]"), re.compile(r"[\u4e00-\u9fff]")
# passwords refused whatever their length (the most common ones, and keyboard runs)
COMMON_PASSWORDS = frozenset("""
1234567890 0123456789 12345678910 1234567890a a1234567890 qwertyuiop qwertyuiop1 password12 password123
passw0rd123 iloveyou12 abcdefghij abc1234567 1qaz2wsx3edc 1q2w3e4r5t qazwsxedcr asdfghjkl1 zxcvbnm123
woaini1314 woaini520 5201314520 1314520520 admin12345 admin123456 administrator 11223344556 1122334455
""".split())
REGION_PATTERN = re.compile(r"^\d{2}(\d{2}(\d{2})?)?$")


class AccountError(ValueError):
    """A refused account change: ``key`` names the catalog message, ``params`` fill it."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key, self.params = key, params


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    scope: tuple[str, ...]           # region codes; empty for an admin: every region
    disabled: bool
    locked_until: str | None

    def may(self, action: str) -> bool:
        """Whether the role allows ``action`` (one of ACTIONS)."""
        return ROLES.index(self.role) >= ROLES.index(ACTIONS[action])

    def sees(self, county_code: str) -> bool:
        """Whether ``county_code`` is within the account's regions (an admin sees every region)."""
        return self.role == "admin" or any(str(county_code).startswith(code) for code in self.scope)


@dataclass(frozen=True)
class SignIn:
    ok: bool
    reason: str                      # ok / unknown / disabled / locked / wrong
    account: Account | None = None
    locked_until: str | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _hasher():
    from argon2 import PasswordHasher          # argon2id with the library's recommended parameters
    return PasswordHasher()


def parse_scope(text: str | None, role: str) -> tuple[str, ...]:
    """Region codes from '3209,320902' (province 2, city 4 or county 6 digits); an admin needs none."""
    codes = tuple(c.strip() for c in (text or "").replace("，", ",").split(",") if c.strip())
    bad = [c for c in codes if not REGION_PATTERN.match(c)]
    if bad:
        raise AccountError("user.bad_scope", codes="、".join(bad))
    if not codes and role != "admin":
        raise AccountError("user.needs_scope", role=role)
    return codes


def normalise_name(name: str | None) -> str:
    """An account name as stored and compared: NFKC (full-width letters and digits become plain ones), trimmed."""
    import unicodedata
    return unicodedata.normalize("NFKC", name or "").strip()


def check_name(name: str) -> None:
    """2–40 characters of one script (Chinese or Latin letters) plus digits and . _ - @."""
    if not NAME_PATTERN.match(name) or (LATIN.search(name) and HAN.search(name)):
        raise AccountError("user.bad_name", name=name[:MAX_NAME])


def check_password(password: str, name: str = "") -> None:
    """At least ``min_password_length`` characters, not one character repeated, not only spaces, not a common
    password and not the account's name."""
    least = int(settings_section("auth")["min_password_length"])
    text = password or ""
    if len(text) < least:
        raise AccountError("user.short_password", n=least)
    if not text.strip() or len(set(text)) == 1 or text.lower() in COMMON_PASSWORDS or \
            (name and name.lower() in text.lower()):
        raise AccountError("user.weak_password")


def _account(row) -> Account:
    name, role, scope, disabled, locked_until = row
    return Account(name, role, tuple(c for c in scope.split(",") if c), bool(disabled), locked_until)


def add(path, name: str, role: str, scope: str | None, password: str) -> Account:
    """A new account (refused: a bad name, role, scope or weak password, or a name already taken)."""
    name = normalise_name(name)
    check_name(name)
    if role not in ROLES:
        raise AccountError("user.bad_role", role=role, roles="、".join(ROLES))
    codes = parse_scope(scope, role)
    check_password(password, name)
    hashed, now = _hasher().hash(password), _now().isoformat(timespec="seconds")
    with state.connect(path, write=True) as con:
        if con.execute("SELECT 1 FROM accounts WHERE name = ?", [name]).fetchone():
            raise AccountError("user.exists", name=name)
        con.execute("INSERT INTO accounts VALUES (?, ?, ?, ?, 0, 0, NULL, ?, ?)",
                    [name, role, ",".join(codes), hashed, now, now])
    return Account(name, role, codes, False, None)


def listing(path) -> list[Account]:
    """Every account, by name."""
    with state.connect(path) as con:
        if con is None:
            return []
        rows = con.execute("SELECT name, role, scope, disabled, locked_until FROM accounts ORDER BY name").fetchall()
    return [_account(r) for r in rows]


def any_accounts(path) -> bool:
    """Whether sign-in is on: it is from the first account on."""
    with state.connect(path) as con:
        return con is not None and con.execute("SELECT count(*) FROM accounts").fetchone()[0] > 0


def get(path, name: str) -> Account | None:
    with state.connect(path) as con:
        row = None if con is None else con.execute(
            "SELECT name, role, scope, disabled, locked_until FROM accounts WHERE name = ?", [name]).fetchone()
    return None if row is None else _account(row)


def disable(path, name: str) -> None:
    """Stop the account signing in; its open sessions end at their next action (reason ``disabled``)."""
    with state.connect(path, write=True) as con:
        if not con.execute("UPDATE accounts SET disabled = 1 WHERE name = ?", [name]).rowcount:
            raise AccountError("user.unknown", name=name)
        _end_sessions(con, name, "disabled")


def set_role(path, name: str, role: str, scope: str | None) -> Account:
    """A new role and regions for an account; its open sessions end (reason ``role``): the next page asks it
    to sign in again, so nothing runs under the role it had."""
    if role not in ROLES:
        raise AccountError("user.bad_role", role=role, roles="、".join(ROLES))
    codes = parse_scope(scope, role)
    with state.connect(path, write=True) as con:
        if not con.execute("UPDATE accounts SET role = ?, scope = ? WHERE name = ?",
                           [role, ",".join(codes), name]).rowcount:
            raise AccountError("user.unknown", name=name)
        _end_sessions(con, name, "role")
    return get(path, name)


def set_password(path, name: str, password: str) -> None:
    """A new password (also lifts a lock-out: an admin's reset)."""
    check_password(password, name)
    hashed = _hasher().hash(password)
    with state.connect(path, write=True) as con:
        changed = con.execute("UPDATE accounts SET password_hash = ?, failures = 0, locked_until = NULL, "
                              "password_changed_at = ? WHERE name = ?",
                              [hashed, _now().isoformat(timespec="seconds"), name]).rowcount
        if not changed:
            raise AccountError("user.unknown", name=name)
        _end_sessions(con, name, "password")


_DUMMY: list[str] = []


def _dummy_hash(hasher) -> str:
    """A hash to check when there is no account's own (made once per process)."""
    if not _DUMMY:
        _DUMMY.append(hasher.hash("not a password of anyone"))
    return _DUMMY[0]


def sign_in(path, name: str, password: str, now: datetime | None = None) -> SignIn:
    """Check a name and password. After ``lockout_failures`` wrong passwords in a row the name is locked for
    ``lockout_minutes`` (a right password during the lock is refused too); a success clears the count.

    Nothing tells an existing name from an unknown one: every attempt checks exactly one argon2 hash (the
    account's, or a dummy one for an unknown, over-long or disabled name) before any answer, and unknown
    names are counted and locked out the same way (table ``sign_in_attempts``)."""
    rules = settings_section("auth")
    now = now or _now()
    hasher = _hasher()
    name = normalise_name(name)[:MAX_NAME + 1]
    with state.connect(path, write=True) as con:
        row = None if len(name) > MAX_NAME else con.execute(
            "SELECT name, role, scope, disabled, locked_until, password_hash, failures FROM accounts "
            "WHERE name = ?", [name]).fetchone()
        right = _verify(hasher, row[5] if row is not None else _dummy_hash(hasher), password or "")
        if row is None:
            return _unknown_attempt(con, name[:MAX_NAME], now, rules)
        account, failures = _account(row[:5]), int(row[6])
        if account.disabled:
            return SignIn(False, "disabled")
        if account.locked_until and datetime.fromisoformat(account.locked_until) > now:
            return SignIn(False, "locked", locked_until=account.locked_until)
        if not right:
            failures += 1
            until = (now + timedelta(minutes=int(rules["lockout_minutes"]))).isoformat(timespec="seconds") \
                if failures >= int(rules["lockout_failures"]) else None
            con.execute("UPDATE accounts SET failures = ?, locked_until = ? WHERE name = ?",
                        [0 if until else failures, until, name])
            return SignIn(False, "locked" if until else "wrong", locked_until=until)
        con.execute("UPDATE accounts SET failures = 0, locked_until = NULL WHERE name = ?", [name])
    return SignIn(True, "ok", Account(account.name, account.role, account.scope, False, None))


def _unknown_attempt(con, name: str, now: datetime, rules: dict) -> SignIn:
    """An unknown name: counted and locked out like an account, with the same answers."""
    row = con.execute("SELECT failures, locked_until FROM sign_in_attempts WHERE name = ?", [name]).fetchone()
    failures, locked_until = (int(row[0]), row[1]) if row else (0, None)
    if locked_until and datetime.fromisoformat(locked_until) > now:
        return SignIn(False, "locked", locked_until=locked_until)
    failures += 1
    until = (now + timedelta(minutes=int(rules["lockout_minutes"]))).isoformat(timespec="seconds") \
        if failures >= int(rules["lockout_failures"]) else None
    con.execute("DELETE FROM sign_in_attempts WHERE name = ?", [name])
    con.execute("INSERT INTO sign_in_attempts VALUES (?, ?, ?)", [name, 0 if until else failures, until])
    return SignIn(False, "locked" if until else "unknown", locked_until=until)


_ONE_AT_A_TIME = threading.BoundedSemaphore(1)     # argon2 checks of a process queue: one core stays for pages


def _verify(hasher, hashed: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError
    with _ONE_AT_A_TIME:
        try:
            return hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False


class Throttle:
    """At most ``per_minute`` events a minute for each key (an address, a name) — a sliding window held in
    memory, per process. ``allow`` counts the event when allowed."""

    def __init__(self, per_minute: int, clock=None):
        import time
        self.per_minute, self.clock = int(per_minute), clock or time.monotonic
        self._seen: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def allow(self, *keys: str) -> bool:
        now = self.clock()
        with self._lock:
            if len(self._seen) > 10_000:                          # a flood of made-up names: forget the old
                self._seen = {k: v for k, v in self._seen.items() if v and v[-1] > now - 60}
            recent = {k: [t for t in self._seen.get(k, []) if t > now - 60] for k in keys}
            if any(len(times) >= self.per_minute for times in recent.values()):
                self._seen.update(recent)
                return False
            for k, times in recent.items():
                self._seen[k] = times + [now]
            return True


def client_address(peer: str | None, forwarded_for: str | None) -> str:
    """Who is signing in, as an address: the peer, or — when the peer is a proxy on this machine (nginx) —
    the last address of its ``X-Forwarded-For`` (the one nginx saw; earlier ones a client can write)."""
    peer = (peer or "").strip()
    if peer in ("127.0.0.1", "::1", "localhost", "") and forwarded_for:
        return forwarded_for.split(",")[-1].strip() or peer
    return peer or "—"


# ---------------------------------------------------------------- sessions (server side: revocable)

SESSION_REASONS = ("sign_out", "idle", "password", "disabled", "role", "unknown")


@dataclass(frozen=True)
class SessionCheck:
    account: Account | None          # the account as it is now, when the session is still open
    reason: str                      # ok, or why it is not: one of SESSION_REASONS


def _token_hash(token: str) -> str:
    import hashlib
    return hashlib.sha256(token.encode()).hexdigest()


def _end_sessions(con, name: str, reason: str, now: datetime | None = None) -> None:
    con.execute("UPDATE sessions SET ended_at = ?, reason = ? WHERE name = ? AND ended_at IS NULL",
                [(now or _now()).isoformat(timespec="seconds"), reason, name])


def open_session(path, account: Account, now: datetime | None = None) -> str:
    """A session record for a sign-in; returns its token (kept only in the signed-in session, stored hashed).
    Sessions that ended more than a day ago are cleared on the way."""
    import secrets
    token, now = secrets.token_urlsafe(32), now or _now()
    with state.connect(path, write=True) as con:
        con.execute("DELETE FROM sessions WHERE ended_at IS NOT NULL AND ended_at < ?",
                    [(now - timedelta(days=1)).isoformat(timespec="seconds")])
        at = now.isoformat(timespec="seconds")
        con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
                    [_token_hash(token), account.name, account.role, ",".join(account.scope), at, at])
    return token


def check_session(path, token: str | None, idle_minutes: float, touch: bool = True,
                  now: datetime | None = None) -> SessionCheck:
    """Whether a session may act now, read from the state database (so another tab, another process or the
    CLI ending it counts at once): open, its account active with the role and regions it signed in with, and
    not idle longer than ``idle_minutes``. A session found idle, or with a disabled or changed account, is
    ended here. ``touch``: the action counts as activity (its ``seen_at`` moves to now)."""
    if not token:
        return SessionCheck(None, "unknown")
    now = now or _now()
    key = _token_hash(token)
    with state.connect(path, write=True) as con:
        row = con.execute("SELECT s.name, s.role, s.scope, s.seen_at, s.ended_at, s.reason, a.role, a.scope, "
                          "a.disabled, a.locked_until FROM sessions s LEFT JOIN accounts a ON a.name = s.name "
                          "WHERE s.token_hash = ?", [key]).fetchone()
        if row is None:
            return SessionCheck(None, "unknown")
        name, role, scope, seen, ended, reason, now_role, now_scope, disabled, locked = row
        if ended is not None:
            return SessionCheck(None, reason or "unknown")
        why = ("disabled" if now_role is None or disabled else
               "role" if (now_role, now_scope) != (role, scope) else
               "idle" if now - datetime.fromisoformat(seen) > timedelta(minutes=float(idle_minutes)) else "")
        if why:
            con.execute("UPDATE sessions SET ended_at = ?, reason = ? WHERE token_hash = ?",
                        [now.isoformat(timespec="seconds"), why, key])
            return SessionCheck(None, why)
        if touch:
            con.execute("UPDATE sessions SET seen_at = ? WHERE token_hash = ?", [now.isoformat(timespec="seconds"), key])
    return SessionCheck(_account((name, now_role, now_scope, disabled, locked)), "ok")


def sign_out(path, token: str | None) -> str | None:
    """End every open session of the token's account — all its tabs and browsers (a sign-out is meant for
    the person, not the tab). Returns the account's name, or None for an unknown token."""
    if not token:
        return None
    with state.connect(path, write=True) as con:
        row = con.execute("SELECT name FROM sessions WHERE token_hash = ?", [_token_hash(token)]).fetchone()
        if row is None:
            return None
        _end_sessions(con, row[0], "sign_out")
    return row[0]


