"""Running the app in-process with AppTest, on an injected database (EQUITY_DB)."""
from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import numpy as np
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def app(db, monkeypatch, page=None, query=None) -> AppTest:
    """The app on ``db`` (caches cleared), opened on ``page`` (a URL path of ui.navigation)."""
    monkeypatch.setenv("EQUITY_DB", str(db))
    if "EQUITY_AUTH_MODE" not in os.environ and has_accounts(db):
        monkeypatch.setenv("EQUITY_AUTH_MODE", "builtin")     # an installation with accounts signs people in
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page and page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
    return at


def has_accounts(db) -> bool:
    """Whether the dataset's state database (beside it, or $EQUITY_STATE_URL) holds an account."""
    from analytics.io import accounts, state
    try:
        return accounts.any_accounts(state.state_path(db))
    except Exception:  # noqa: BLE001 — a test that broke the state on purpose
        return False


def with_accounts(demo_db, tmp_path, people: dict[str, tuple[str, str]], password: str):
    """A copy of the demo with accounts (name → (role, scope)) in its state database."""
    import shutil

    from analytics.io import accounts, state
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)
    for name, (role, scope) in people.items():
        accounts.add(state.state_path(db), name, role, scope, password)
    return db


def decode(values):
    """Plotly 7 sends numeric arrays as {"dtype", "bdata"} (base64 of the raw buffer)."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def chart_specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def map_rows(at) -> list[list]:
    """The compact circle arrays of every map on the page (schools, settlements …)."""
    out = []
    for comp in at.get("component_instance"):
        script = json.loads(comp.proto.json_args)["script"]
        out += [json.loads(x) for x in re.findall(r"var rows = (\[.*?\]);\n", script, re.S)]
    return out


def map_rings(at) -> list[list]:
    """The service-radius rings [lat, lon, metres] of every map on the page."""
    return [ring for comp in at.get("component_instance")
            for found in re.findall(r"var rings = (\[.*?\]);\n", json.loads(comp.proto.json_args)["script"], re.S)
            for ring in json.loads(found)]


def metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def texts(at) -> str:
    """Every message, caption and markdown text of the page, joined."""
    parts = [e.value for kind in ("success", "error", "warning", "info", "caption", "markdown") for e in getattr(at, kind)]
    return "\n".join(parts)
