"""The served entry: the dashboard (``app.py``) plus ``/healthz`` — ``streamlit run server.py``.

Streamlit's own ``/_stcore/health`` says "ok" while the process runs, even when every page fails (the
state database down, the data file gone). ``/healthz`` opens the data and the state database and checks
the audit log's head (analytics.io.health): 200 and ``{"ok": true, …}`` when the installation can serve,
503 naming what is wrong (no path, URL or secret) when not — for nginx, systemd and monitoring. The doors
before any page (ui.doors): developer messages from browsers refused, ``/_stcore/metrics`` closed, uploads
only for signed-in sessions."""
from pathlib import Path

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent


async def healthz(request):
    from analytics.io import health
    from ui.data import db_path
    found = await run_in_threadpool(health.check, db_path())
    return JSONResponse(found, status_code=200 if found["ok"] else 503, headers={"Cache-Control": "no-store"})


from ui import doors  # noqa: E402  (after Streamlit: it patches Streamlit's AppSession)

doors.install()             # the browser's developer messages refused; before sign-in only the sign-in page runs
app = st.App(str(ROOT / "app.py"), routes=[Route("/healthz", healthz, methods=["GET", "HEAD"])],
             middleware=[Middleware(doors.Doors)])
