"""Who is asking: the sign-in page, the session's account (expired after inactivity), sign-out, and the
single-user banner when no account exists yet. Accounts and the audit log live in analytics (accounts,
audit); this module only keeps the session's part and draws the forms."""
from __future__ import annotations

import os

import streamlit as st

from analytics.io import accounts, audit
from analytics.io import state as state_db
from analytics.report.escape import markdown_text as md
from analytics.standards import settings_section
from ui import data, state
from ui.strings import tr


def state_path():
    return state_db.state_path(data.db_path())


from analytics.io import health  # noqa: E402
from analytics.standards import configuration_digest, configuration_files

MODE_ENV = health.MODE_ENV
PROXY_USER_KEY = "user"          # the st.user key the proxy's header is saved under (server.trustedUserHeaders)


MODES = health.MODES
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def mode() -> str:
    """How people are known: 'single_user' (no sign-in; only on a server listening on loopback), 'builtin'
    (the sign-in page) or 'proxy' (the bureau's single sign-on proxy names the user in a header)."""
    return health.auth_mode()


def server_address() -> str:
    """The address the server listens on (Streamlit's ``server.address``; empty: every interface)."""
    return str(st.get_option("server.address") or "")


def state_status() -> str:
    """The state database as the sign-in sees it: 'ok' (accounts in it), 'empty' (readable, no account),
    'missing' (no such SQLite file), 'unreadable' (any fault reading it: PostgreSQL down, a damaged file)."""
    return health.state_status(state_path())


def gate() -> None:
    """Fail closed, before anything is shown: an unknown mode, single-user mode on a server others can reach
    or with accounts in the state database (someone meant sign-in to be on), and — with sign-in or the proxy —
    a state database that is missing, unreadable or holds no account each stop every page with a message.
    Never falls back to open."""
    m = mode()
    if m not in MODES:
        refuse(tr("auth.bad_mode", mode=m))
    if m == "single_user":
        if server_address() not in LOOPBACK:
            refuse(tr("auth.single_user_exposed", address=server_address() or "0.0.0.0"))
        if state_status() == "ok":
            refuse(tr("auth.single_user_has_accounts"))
        return
    status = state_status()
    if status != "ok":
        location = state_path()               # no server path nor URL (it may hold a password) to a visitor
        refuse(tr(f"auth.state_{status}", path="PostgreSQL" if state_db.is_postgres(location) else os.path.basename(str(location))))


def refuse(message: str) -> None:
    st.error(message, icon=":material/block:")
    st.stop()


def proxy_account() -> accounts.Account:
    """Proxy mode: the account named by the proxy's header (st.user, from ``server.trustedUserHeaders``); roles
    and regions still come from the app's accounts. Stops the page when the header is missing or names no
    active account."""
    name = str(st.user.get(PROXY_USER_KEY) or "").strip()
    account = accounts.get(state_path(), name) if name else None
    if account is None or account.disabled:
        if not st.session_state.get(state.AUTH_FLASH):
            audit.append(state_path(), name or "—", "", "sign_in", "", "proxy", "unknown" if name else "no_header")
            st.session_state[state.AUTH_FLASH] = "refused"
        st.error(tr("auth.proxy_refused", name=md(name[:accounts.MAX_NAME]) or "—") if name else tr("auth.proxy_missing"), icon=":material/block:")
        st.stop()
    held = st.session_state.get(state.ACCOUNT)
    if held is not None and held.name == account.name:
        check = accounts.check_session(state_path(), st.session_state.get(state.SESSION), idle_minutes())
        if check.account is not None:
            st.session_state[state.ACCOUNT] = check.account
            return check.account
    if held is not None and held.name != account.name:
        end_session()                        # another person behind the same browser session
    audit.append(state_path(), account.name, account.role, "sign_in", "", "proxy", "ok")
    start_session(account)                   # a new record: after a change the proxy's user starts afresh
    return account


def accounts_on() -> bool:
    """Sign-in is on: the mode is 'builtin' (the gate has checked that accounts exist)."""
    return mode() == "builtin"


def end_session() -> None:
    """Forget everything the session holds but its language — the pinned dataset, a checked upload, the
    choices — so the next account starts afresh from the URL (a widget's stale value would otherwise come
    back as its first option)."""
    language = st.session_state.get(state.LANG)
    st.session_state.clear()
    if language:
        st.session_state[state.LANG] = language


def idle_minutes() -> float:
    return float(settings_section("auth")["idle_minutes"])


def start_session(account: accounts.Account) -> None:
    """A signed-in session: its record in the state database (which sign-out, a password reset, disabling
    the account or a role change end) and the token in this session only."""
    st.session_state[state.SESSION] = accounts.open_session(state_path(), account)
    st.session_state[state.ACCOUNT] = account


def current() -> accounts.Account | None:
    """The signed-in account of this session as it is now, or None: never signed in, or its session record
    ended — signed out (in any tab), idle too long, password reset, account disabled or its role or regions
    changed. Checked in the state database on every run, so no tab outlives its account's sign-out."""
    account = st.session_state.get(state.ACCOUNT)
    if account is None:
        return None
    check = accounts.check_session(state_path(), st.session_state.get(state.SESSION), idle_minutes())
    if check.account is None or check.account.name != account.name:
        if check.reason == "idle":
            record(account, "sign_out", outcome="idle")
        end_session()
        st.session_state[state.AUTH_FLASH] = tr(f"auth.ended.{check.reason}")
        return None
    st.session_state[state.ACCOUNT] = check.account
    return check.account


class Refused(Exception):
    """A download or another hand-out refused at the moment it runs: ``reason`` is the session check's."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def guard(account: accounts.Account | None, action: str, region: str = "", obj: str = "", needs: str = "export"):
    """For work that runs later, outside the script run (a download built on click), where the session cannot
    be read: a function that, when the work runs, checks the session's record again — open, not idle, the
    account active with the same role and regions, the role still allowed ``needs`` — and returns the
    audit-log writer under the account as it is *then*; or writes the refusal (outcome ``refused:<reason>``)
    and raises :class:`Refused`. The refused session is asked to rerun, so its page shows why at once."""
    token, path = st.session_state.get(state.SESSION), state_path()
    name, session_id = name_of(account), _session_id()
    single = account is None

    def check():
        if single:
            return lambda outcome="ok": audit.append(path, name, "admin", action, region, obj, outcome)
        now = accounts.check_session(path, token, idle_minutes(), touch=False)
        if now.account is not None and not now.account.may(needs):
            now = accounts.SessionCheck(None, "role")
        if now.account is None:
            fresh = accounts.get(path, name)
            audit.append(path, name, fresh.role if fresh else "", action, region, obj, f"refused:{now.reason}")
            _rerun(session_id)
            raise Refused(now.reason)
        who = now.account
        return lambda outcome="ok": audit.append(path, who.name, who.role, action, region, obj, outcome)
    return check


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else None


def _rerun(session_id: str | None) -> None:
    """Ask a session to run its page again (from outside its script run): a refused download's page then shows
    the sign-in and why. Streamlit's runtime, version-pinned; nothing happens when it is not there."""
    try:
        from streamlit import runtime
        info = runtime.get_instance()._session_mgr.get_active_session_info(session_id)
        if info is not None:
            info.session.request_rerun(None)
    except Exception:  # noqa: BLE001 — the refusal stands whether or not the page moves
        pass


def name_of(account: accounts.Account | None) -> str:
    """The name the audit log gives the session's account (or the single user)."""
    return account.name if account else tr("auth.single_user_name")


def role_of(account: accounts.Account | None) -> str:
    return account.role if account else "admin"


def record(account: accounts.Account | None, action: str, region: str = "", obj: str = "", outcome: str = "ok") -> None:
    """An entry in the audit log for the session's account (or the single user)."""
    audit.append(state_path(), name_of(account), role_of(account), action, region, obj, outcome)


@st.cache_resource(show_spinner=False, ttl=60)
def note_configuration(path: str) -> bool:
    """At most once a minute per process: a 'settings' entry when the standards or settings files changed
    since the last one recorded (they are edited on the server; the app sees the change on its next use)."""
    return audit.note_configuration(path, configuration_digest(), ", ".join(f.name for f in configuration_files()),
                                    "—", "app")


def record_once(account: accounts.Account | None, action: str, region: str = "", obj: str = "") -> None:
    """``record`` the first time this session does ``action`` on ``region`` / ``obj`` (a page that computes
    a plan reruns on every click; the log keeps one entry per plan looked at, not one per rerun)."""
    done = st.session_state.setdefault(state.AUDITED, set())
    if (action, region, obj) not in done:
        record(account, action, region, obj)
        done.add((action, region, obj))


@st.cache_resource(show_spinner=False)
def throttle() -> accounts.Throttle:
    """The process's sign-in throttle (settings ``auth.sign_in_per_minute`` per address and per name)."""
    return accounts.Throttle(int(settings_section("auth")["sign_in_per_minute"]))


def sign_in_page() -> None:
    """The only page until signed in: name and password; lock-out and failures are said plainly."""
    st.title(tr("auth.title"))
    flash = st.session_state.pop(state.AUTH_FLASH, None)
    if flash:
        st.info(flash)
    with st.form(state.AUTH_FORM):
        name = st.text_input(tr("auth.name"), key=state.AUTH_NAME, max_chars=accounts.MAX_NAME)
        password = st.text_input(tr("auth.password"), type="password", key=state.AUTH_PASSWORD)
        submitted = st.form_submit_button(tr("auth.submit"), icon=":material/login:")
    if submitted:
        typed = accounts.normalise_name(name)[:accounts.MAX_NAME]     # a 200 kB typed name is not logged whole
        address = accounts.client_address(st.context.ip_address, st.context.headers.get("X-Forwarded-For"))
        keys = [f"name:{typed}"] + ([f"address:{address}"] if address != "—" else [])   # (no address: a test)
        if not throttle().allow(*keys):
            st.error(tr("auth.throttled"), icon=":material/hourglass_top:")     # no password checked, nothing logged
            return
        result = accounts.sign_in(state_path(), typed, password)
        audit.append(state_path(), typed or "—", result.account.role if result.account else "",
                     "sign_in", "", "", result.reason)
        if result.ok:
            start_session(result.account)
            st.rerun()
        elif result.reason == "locked":
            st.error(tr("auth.locked", until=result.locked_until or ""), icon=":material/lock:")
        else:
            st.error(tr("auth.failed"), icon=":material/block:")      # unknown name or wrong password alike


def sidebar(account: accounts.Account | None) -> None:
    """Who is signed in and the sign-out button; in single-user mode, the banner saying so."""
    with st.sidebar:
        if account is None:
            st.caption(tr("auth.single_user"))
            return
        st.caption(tr("auth.signed_in", name=md(account.name), role=tr(f"role.{account.role}"),
                      scope="、".join(account.scope) or tr("auth.all_regions")))
        if mode() == "proxy":            # signing out is the proxy's business
            return
        if st.button(tr("auth.sign_out"), key=state.AUTH_SIGN_OUT, icon=":material/logout:"):
            record(account, "sign_out")
            accounts.sign_out(state_path(), st.session_state.get(state.SESSION))   # every tab of the account
            end_session()
            st.session_state[state.AUTH_FLASH] = tr("auth.ended.sign_out")
            st.rerun()
