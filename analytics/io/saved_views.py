"""Views saved under a name (探索分析): the page's URL parameters, per account and page, in the state database
(SQLite or PostgreSQL, see :mod:`analytics.io.state`), so a view is found again from any replica."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from analytics.io import state

NAME_MAX = 40


class ViewNameError(ValueError):
    """An empty or too long name."""


def clean_name(name: str) -> str:
    text = " ".join(str(name or "").split())
    if not text or len(text) > NAME_MAX:
        raise ViewNameError(text)
    return text


def save(location, owner: str, page: str, name: str, query: dict) -> str:
    """Save (or replace, same owner, page and name) a view; returns the name as stored."""
    name = clean_name(name)
    with state.connect(location, write=True) as con:
        con.execute("INSERT INTO saved_views VALUES (?, ?, ?, ?, ?) ON CONFLICT (owner, page, name) DO UPDATE SET "
                    "query = excluded.query, created_at = excluded.created_at",
                    [owner, page, name, json.dumps({k: str(v) for k, v in query.items()}, ensure_ascii=False),
                     datetime.now(timezone.utc).isoformat(timespec="seconds")])
    return name


def listing(location, owner: str, page: str) -> list[dict]:
    """The owner's views of ``page``, newest first: {name, query, created_at}."""
    with state.connect(location) as con:
        if con is None:
            return []
        rows = con.execute("SELECT name, query, created_at FROM saved_views WHERE owner = ? AND page = ? "
                           "ORDER BY created_at DESC, name", [owner, page]).fetchall()
    return [{"name": n, "query": json.loads(q), "created_at": c} for n, q, c in rows]


def delete(location, owner: str, page: str, name: str) -> None:
    with state.connect(location, write=True) as con:
        con.execute("DELETE FROM saved_views WHERE owner = ? AND page = ? AND name = ?", [owner, page, name])
