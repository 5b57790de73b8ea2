"""The application state database: what the app writes while serving (accounts, the audit log), kept apart
from the immutable dataset versions. SQLite beside the data (``data/equity.duckdb`` → ``data/equity.state.sqlite``);
every call opens its own short connection (WAL, a busy timeout), so the app's sessions, the CLI and tests
share the file safely. This is the only place with SQL for the state (accounts and audit call it).
"""
from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

STATE_ENV = "EQUITY_STATE"
BUSY_TIMEOUT_S = 30

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
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,              -- 1, 2, 3 … with no gap: a removed row shows
    at TEXT NOT NULL,                    -- UTC ISO time
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    region TEXT NOT NULL,
    object TEXT NOT NULL,
    outcome TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
"""


def state_path(db_path: str | os.PathLike) -> Path:
    """Where the state of a dataset lives: ``$EQUITY_STATE`` when set, else beside the data file
    (``equity.duckdb`` → ``equity.state.sqlite``)."""
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV])
    path = Path(db_path)
    return path.with_name(path.stem + ".state.sqlite")


@contextmanager
def connect(path: str | os.PathLike, write: bool = False):
    """A connection to the state database (created with its tables on first write). ``write``: the block
    runs in one IMMEDIATE transaction — one writer at a time, committed at the end, rolled back on error."""
    path = Path(path)
    if not write and not path.exists():
        yield None
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(SCHEMA)
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
