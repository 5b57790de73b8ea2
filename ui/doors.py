"""What reaches the server before a page runs, checked at the door: the websocket's messages from the browser
(:func:`install` filters them before Streamlit handles them) and the HTTP routes beside the pages
(:class:`Doors`, an ASGI middleware in ``server.py``).

- ``clear_cache``, ``set_run_on_save`` and ``load_git_info`` are developer actions of Streamlit's menu: no
  client may send them (a ``clear_cache`` once a second made every user's pages three times slower).
- Before sign-in a session may only run its page (the sign-in form), keep alive and stop — no file upload
  URLs, no deferred downloads.
- ``/_stcore/metrics`` (Streamlit's own counters: sessions, cache sizes) answers 404; an upload
  (``PUT``/``DELETE /_stcore/upload_file/<session>/<file>``) is refused (403) unless its session is signed in
  with a role that imports (managers and admins: 数据管理 is the only page with an uploader).

Streamlit's runtime is pinned (requirements.txt); ``tests/browser/test_doors.py`` holds each door shut."""
from __future__ import annotations

import logging

from analytics.io import health
from ui import state

NEVER = frozenset({"clear_cache", "set_run_on_save", "load_git_info"})
BEFORE_SIGN_IN = frozenset({"rerun_script", "app_heartbeat", "stop_script"})
CLOSED_PATHS = ("/_stcore/metrics",)
UPLOAD_PATH = "/_stcore/upload_file/"
_LOG = logging.getLogger("equity.doors")


def backmsg_allowed(msg_type: str | None, signed_in: bool) -> bool:
    """Whether a message from the browser is handled: never a developer action; before sign-in only running
    the page, the heartbeat and stopping."""
    if msg_type in NEVER:
        return False
    return signed_in or msg_type in BEFORE_SIGN_IN


def signed_in(session_state, action: str | None = None) -> bool:
    """A session counts as signed in when it holds an account (whose role may ``action``, when given) — or in
    single-user mode (no accounts, loopback only: the gate refuses it otherwise), where there is no sign-in."""
    if health.auth_mode() == "single_user":
        return True
    try:
        account = session_state[state.ACCOUNT]
    except KeyError:
        return False
    return account is not None and (action is None or account.may(action))


def _session_may_upload(session_id: str) -> bool:
    """The session is signed in with a role that imports (the only page with an uploader is 数据管理)."""
    from streamlit import runtime
    if not runtime.exists():
        return False
    info = runtime.get_instance()._session_mgr.get_active_session_info(session_id)
    return info is not None and signed_in(info.session.session_state, "import")


def install() -> None:
    """Filter the browser's messages before Streamlit's AppSession handles them (once per process)."""
    from streamlit.runtime.app_session import AppSession
    if getattr(AppSession.handle_backmsg, "_equity_door", False):
        return
    handle = AppSession.handle_backmsg

    def checked(self, msg) -> None:
        kind = msg.WhichOneof("type")
        if not backmsg_allowed(kind, signed_in(self.session_state)):
            _LOG.warning("refused a %s message from session %s", kind, self.id)
            return
        handle(self, msg)
    checked._equity_door = True
    AppSession.handle_backmsg = checked


class Doors:
    """ASGI middleware: closed paths answer 404; uploads need a signed-in session (403 otherwise)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            path = scope.get("path", "")
            if any(path.rstrip("/").endswith(closed) for closed in CLOSED_PATHS):
                return await _answer(send, 404, b"not found")
            if UPLOAD_PATH in path:
                session_id = path.split(UPLOAD_PATH, 1)[1].split("/", 1)[0]
                if not _session_may_upload(session_id):
                    _LOG.warning("refused an upload for session %s (not signed in as a manager)", session_id)
                    return await _answer(send, 403, b"sign in as a manager first")
        await self.app(scope, receive, send)


async def _answer(send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})
