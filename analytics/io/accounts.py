"""Built-in accounts: roles, the regions each may see, argon2id password hashes, lock-out after repeated
failures. Stored in the state database (:mod:`analytics.io.state`); every change is also written to the
audit log by the caller (:mod:`analytics.io.audit`).

Roles, each with everything of the one before: ``viewer`` reads pages and briefings; ``analyst`` also
makes plans, saves scenarios, exports, explores; ``manager`` also imports and rolls back for the
counties in its scope; ``admin`` also manages accounts and settings, in every region.
"""
from __future__ import annotations

import re
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
NAME_PATTERN = re.compile(r"^[\w.\-@\u4e00-\u9fff]{2,40}$")
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


def check_password(password: str) -> None:
    least = int(settings_section("auth")["min_password_length"])
    if len(password or "") < least:
        raise AccountError("user.short_password", n=least)


def _account(row) -> Account:
    name, role, scope, disabled, locked_until = row
    return Account(name, role, tuple(c for c in scope.split(",") if c), bool(disabled), locked_until)


def add(path, name: str, role: str, scope: str | None, password: str) -> Account:
    """A new account (refused: a bad name, role, scope or short password, or a name already taken)."""
    if not NAME_PATTERN.match(name or ""):
        raise AccountError("user.bad_name", name=name)
    if role not in ROLES:
        raise AccountError("user.bad_role", role=role, roles="、".join(ROLES))
    codes = parse_scope(scope, role)
    check_password(password)
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
    with state.connect(path, write=True) as con:
        if not con.execute("UPDATE accounts SET disabled = 1 WHERE name = ?", [name]).rowcount:
            raise AccountError("user.unknown", name=name)


def set_password(path, name: str, password: str) -> None:
    """A new password (also lifts a lock-out: an admin's reset)."""
    check_password(password)
    hashed = _hasher().hash(password)
    with state.connect(path, write=True) as con:
        changed = con.execute("UPDATE accounts SET password_hash = ?, failures = 0, locked_until = NULL, "
                              "password_changed_at = ? WHERE name = ?",
                              [hashed, _now().isoformat(timespec="seconds"), name]).rowcount
        if not changed:
            raise AccountError("user.unknown", name=name)


def sign_in(path, name: str, password: str, now: datetime | None = None) -> SignIn:
    """Check a name and password. After ``lockout_failures`` wrong passwords in a row the account is locked
    for ``lockout_minutes`` (a right password during the lock is refused too); a success clears the count.
    The same answer time for an unknown name: a dummy hash is checked."""
    rules = settings_section("auth")
    now = now or _now()
    hasher = _hasher()
    with state.connect(path, write=True) as con:
        row = con.execute("SELECT name, role, scope, disabled, locked_until, password_hash, failures FROM accounts "
                          "WHERE name = ?", [name]).fetchone()
        if row is None:
            _verify(hasher, hasher.hash("not a password"), password or "")
            return SignIn(False, "unknown")
        account, hashed, failures = _account(row[:5]), row[5], int(row[6])
        if account.disabled:
            return SignIn(False, "disabled")
        if account.locked_until and datetime.fromisoformat(account.locked_until) > now:
            return SignIn(False, "locked", locked_until=account.locked_until)
        if not _verify(hasher, hashed, password or ""):
            failures += 1
            until = (now + timedelta(minutes=int(rules["lockout_minutes"]))).isoformat(timespec="seconds") \
                if failures >= int(rules["lockout_failures"]) else None
            con.execute("UPDATE accounts SET failures = ?, locked_until = ? WHERE name = ?",
                        [0 if until else failures, until, name])
            return SignIn(False, "locked" if until else "wrong", locked_until=until)
        con.execute("UPDATE accounts SET failures = 0, locked_until = NULL WHERE name = ?", [name])
    return SignIn(True, "ok", Account(account.name, account.role, account.scope, False, None))


def _verify(hasher, hashed: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError
    try:
        return hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def accounts_table(listed: list[Account], tr) -> "pd.DataFrame":
    """The accounts as a table with headers and words of ``tr`` (the catalog lookup of the caller's language)."""
    import pandas as pd
    return pd.DataFrame({tr("auth.name"): [a.name for a in listed],
                         tr("accounts.role"): [tr(f"role.{a.role}") for a in listed],
                         tr("accounts.scope"): ["、".join(a.scope) or tr("auth.all_regions") for a in listed],
                         tr("accounts.state"): [tr("user.state_disabled") if a.disabled else
                                                (tr("accounts.locked") if a.locked_until else tr("user.state_active"))
                                                for a in listed]})
