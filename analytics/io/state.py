"""The application state database: what the app writes while serving (accounts, the audit log, saved
scenarios), kept apart from the immutable dataset versions. Two engines, the same tables and SQL:

- SQLite beside the data (``data/equity.duckdb`` → ``data/equity.state.sqlite``; ``$EQUITY_STATE`` moves it):
  the default, for one machine. Every call opens its own short connection (WAL, a busy timeout), so the
  app's sessions, the CLI and tests share the file safely.
- PostgreSQL when ``$EQUITY_STATE_URL`` is set (``postgresql://user@host/db``, psycopg 3): for several app
  processes on several machines. Writes are serialised by a transaction-scoped advisory lock, as SQLite's
  ``BEGIN IMMEDIATE`` does, so the audit chain stays whole with concurrent writers; the tables are created
  once per process under another advisory lock.

This is the only place that connects to the state (accounts, audit, scenarios and saved views call it). Callers write
SQLite's dialect with ``?`` placeholders and ``"user"`` quoted (a reserved word in PostgreSQL).
"""
from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

STATE_ENV = "EQUITY_STATE"
STATE_URL_ENV = "EQUITY_STATE_URL"
BUSY_TIMEOUT_S = 30
# advisory lock keys (any 64-bit numbers no other application on the server uses)
WRITE_LOCK, SCHEMA_LOCK, PUBLISH_LOCK = 0x45515459_0001, 0x45515459_0002, 0x45515459_0003

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    scope TEXT NOT NULL,                 -- region codes, comma separated ('' = every region: admins)
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0, -- failed sign-ins in a row
    locked_until TEXT,                   -- UTC ISO time, NULL when not locked
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scenarios (
    county_code TEXT NOT NULL,
    name TEXT NOT NULL,
    author TEXT,
    created_at TEXT NOT NULL,            -- UTC ISO time
    base_year INTEGER,
    base_version TEXT,
    steps TEXT NOT NULL,                 -- the steps as JSON
    PRIMARY KEY (county_code, name)
);
CREATE TABLE IF NOT EXISTS saved_views (
    owner TEXT NOT NULL,                 -- the account (or the single user's name)
    page TEXT NOT NULL,                  -- the page's URL path, e.g. explore
    name TEXT NOT NULL,
    query TEXT NOT NULL,                 -- the view's URL parameters as JSON
    created_at TEXT NOT NULL,            -- UTC ISO time
    PRIMARY KEY (owner, page, name)
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,              -- 1, 2, 3 … with no gap: a removed row shows
    at TEXT NOT NULL,                    -- UTC ISO time
    "user" TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    region TEXT NOT NULL,
    object TEXT NOT NULL,
    outcome TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sign_in_attempts (
    name TEXT PRIMARY KEY,               -- a name that is no account: counted and locked out like one
    failures INTEGER NOT NULL,
    locked_until TEXT
);
CREATE TABLE IF NOT EXISTS audit_head (
    id INTEGER PRIMARY KEY,              -- always 1: the chain's head, written in each append's transaction
    entries INTEGER NOT NULL,            -- the number of the newest entry
    hash TEXT NOT NULL,                  -- its hash
    mac TEXT NOT NULL                    -- HMAC of both under the installation key (a head cannot be forged)
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,         -- SHA-256 of the session's token (the token itself is only in the session)
    name TEXT NOT NULL,                  -- the account
    role TEXT NOT NULL,                  -- its role and scope when signed in: a change ends the session
    scope TEXT NOT NULL,
    created_at TEXT NOT NULL,            -- UTC ISO times
    seen_at TEXT NOT NULL,               -- the session's last action (idle sign-out, also for downloads)
    ended_at TEXT,                       -- NULL while open
    reason TEXT                          -- why it ended: sign_out, idle, password, disabled, role, restore
);
"""
TABLES = ("accounts", "scenarios", "saved_views", "audit", "audit_head", "sign_in_attempts", "sessions")


def state_path(db_path: str | os.PathLike) -> Path | str:
    """Where the state of a dataset lives: ``$EQUITY_STATE_URL`` (a PostgreSQL URL) when set, else
    ``$EQUITY_STATE`` (a SQLite file), else a SQLite file beside the data (``equity.duckdb`` →
    ``equity.state.sqlite``)."""
    if os.environ.get(STATE_URL_ENV):
        return os.environ[STATE_URL_ENV]
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV])
    path = Path(db_path)
    return path.with_name(path.stem + ".state.sqlite")


def is_postgres(location) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


@contextmanager
def connect(location, write: bool = False):
    """A connection to the state database (created with its tables on first write; for PostgreSQL, once per
    process). ``write``: the block runs in one transaction, one writer at a time, committed at the end and
    rolled back on error. A SQLite file that does not exist yet gives ``None`` to a reader."""
    if is_postgres(location):
        with _postgres(str(location), write) as con:
            yield con
        return
    path = Path(location)
    if not write and not path.exists():
        yield None
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        _when_unlocked(lambda: _sqlite_setup(con))
        if write:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        else:
            yield con
    finally:
        con.close()


def _when_unlocked(step, timeout_s: float = BUSY_TIMEOUT_S) -> None:
    """Run a setup ``step``, again while SQLite says "database is locked": switching a new file to WAL and
    the first ``BEGIN IMMEDIATE`` can fail at once, without the busy wait, while another process is doing the
    same (seen in CI with six processes appending to a new file)."""
    import time
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_setup(con) -> None:
    """WAL (kept in the file once set, so only the first connection switches it) and the tables."""
    if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        con.execute("PRAGMA journal_mode=WAL")
    _sqlite_schema(con)


def _sqlite_schema(con) -> None:
    """The tables, created in a write transaction when one is missing: a plain ``CREATE TABLE IF NOT EXISTS``
    reads first and then writes, which SQLite refuses at once (no busy wait) when another process created
    the tables in between — seen with six processes appending to a new file."""
    present = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if present.issuperset(TABLES):
        return
    con.execute("BEGIN IMMEDIATE")
    try:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                con.execute(statement)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


class PostgresConnection:
    """A psycopg connection that takes the SQLite dialect the callers write: ``?`` placeholders."""

    def __init__(self, con):
        self.raw = con

    @staticmethod
    def dialect(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params=None):
        return self.raw.execute(self.dialect(sql), params) if params else self.raw.execute(sql)

    def executemany(self, sql: str, rows):
        with self.raw.cursor() as cursor:
            cursor.executemany(self.dialect(sql), list(rows))


_SCHEMA_READY: set[str] = set()
_SCHEMA_GUARD = threading.Lock()


@contextmanager
def _postgres(url: str, write: bool):
    import psycopg
    con = psycopg.connect(url, autocommit=True, connect_timeout=BUSY_TIMEOUT_S)
    try:
        _ensure_schema(con, url)
        if write:
            with con.transaction():
                con.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
                yield PostgresConnection(con)
        else:
            yield PostgresConnection(con)
    finally:
        con.close()


def _ensure_schema(con, url: str) -> None:
    with _SCHEMA_GUARD:
        if url in _SCHEMA_READY:
            return
        with con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK])
            con.execute(SCHEMA)
        _SCHEMA_READY.add(url)


@contextmanager
def advisory_lock(url: str, key: int = PUBLISH_LOCK, timeout_s: float | None = None):
    """A lock held across processes and machines while the block runs (a PostgreSQL session advisory lock
    on a connection of its own). ``timeout_s``: give up after it, raising :class:`TimeoutError`."""
    import time

    import psycopg
    con = psycopg.connect(url, autocommit=True, connect_timeout=BUSY_TIMEOUT_S)
    try:
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while not con.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"advisory lock {key} held by another process")
            time.sleep(0.1)
        try:
            yield
        finally:
            con.execute("SELECT pg_advisory_unlock(%s)", [key])
    finally:
        con.close()


# ---------------------------------------------------------------- backup and restore (analytics.io.backup)

def table_rows(location, table: str) -> list[tuple]:
    """Every row of a state table in its key order ([] when the database or table is not there yet)."""
    if table not in TABLES:
        raise ValueError(table)
    order = {"accounts": "name", "scenarios": "county_code, name", "saved_views": "owner, page, name", "audit": "id",
             "audit_head": "id", "sign_in_attempts": "name", "sessions": "token_hash"}[table]
    if not is_postgres(location) and not Path(location).exists():
        return []
    with connect(location) as con:
        return [tuple(row) for row in con.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()]


def is_empty(location) -> bool:
    """No row in any state table (a SQLite file that does not exist is empty)."""
    return not any(table_rows(location, table) for table in TABLES)


def dump(location, out: Path) -> str:
    """A consistent copy of the state in ``out`` while the app may be writing: SQLite's online backup into a new
    file, or ``pg_dump --format=custom`` for PostgreSQL. Returns the kind, 'sqlite' or 'postgresql'."""
    import subprocess
    if is_postgres(location):
        done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(out),
                               "--dbname", str(location)], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"pg_dump failed: {done.stderr.strip()}")
        return "postgresql"
    source = sqlite3.connect(str(location)) if Path(location).exists() else sqlite3.connect(":memory:")
    try:
        if not Path(location).exists():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    source.execute(statement)
        target = sqlite3.connect(str(out))
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    return "sqlite"


def load_dump(location, kind: str, dumped: Path) -> None:
    """Restore a :func:`dump` into an empty state ``location`` of the same engine, whole or not at all:
    a SQLite file is written beside and renamed into place; PostgreSQL gets the tables as this version makes
    them and the dump's rows in one transaction (``pg_restore --data-only --single-transaction``)."""
    import shutil
    import subprocess
    if kind != ("postgresql" if is_postgres(location) else "sqlite"):
        raise ValueError(f"the backup's state is {kind}, the target is not")
    if is_postgres(location):
        with connect(location, write=True):            # the tables as this version creates them; rows from the dump
            pass
        done = subprocess.run(["pg_restore", "--data-only", "--single-transaction", "--exit-on-error",
                               "--dbname", str(location), str(dumped)], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"pg_restore failed: {done.stderr.strip()}")
        return
    target = Path(location)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".restoring-{os.getpid()}")
    shutil.copyfile(dumped, tmp)
    for journal in ("-wal", "-shm"):                   # of an empty file being replaced: not of the restored one
        Path(str(target) + journal).unlink(missing_ok=True)
    os.replace(tmp, target)
