"""账户: your own password; for an administrator, every account (add, disable, reset a password) and the
audit log with its hash chain checked."""
import streamlit as st

from analytics.io import accounts, audit
from analytics.report import tables
from analytics.report.escape import markdown_text as md
from analytics.report.escape import safe_filename
from ui import auth, data, page, state
from ui.strings import tr

page.header("accounts.title", needs_year=False, needs_county=False)
account = st.session_state.get(state.ACCOUNT)
if account is None:
    st.info(tr("auth.single_user"))
    st.stop()
path = auth.state_path()


def refused(error: accounts.AccountError) -> None:
    st.error(tr(error.key, **{k: md(v) for k, v in error.params.items()}), icon=":material/block:")   # typed text


st.subheader(tr("accounts.own_password"))
with st.form(state.ACCOUNT_PASSWORD_FORM, clear_on_submit=True):
    old = st.text_input(tr("accounts.old_password"), type="password")
    new = st.text_input(tr("accounts.new_password"), type="password")
    again = st.text_input(tr("accounts.new_again"), type="password")
    if st.form_submit_button(tr("accounts.change"), icon=":material/key:"):
        if new != again:
            st.error(tr("accounts.mismatch"))
        elif not accounts.sign_in(path, account.name, old).ok:
            auth.record(account, "account_password", "", account.name, "wrong")
            st.error(tr("auth.failed"))
        else:
            try:
                accounts.set_password(path, account.name, new)
                auth.record(account, "account_password", "", account.name)
                st.success(tr("user.password_set", name=md(account.name)))
            except accounts.AccountError as e:
                refused(e)

if account.may("accounts"):
    st.subheader(tr("accounts.all"))
    listed = accounts.listing(path)
    page.table(tables.accounts_table(listed, tr))
    with st.form(state.ACCOUNT_ADD_FORM, clear_on_submit=True):
        c1, c2, c3, c4 = st.columns(4)
        name = c1.text_input(tr("auth.name"))
        role = c2.selectbox(tr("accounts.role"), accounts.ROLES, format_func=lambda r: tr(f"role.{r}"))
        scope = c3.text_input(tr("accounts.scope"), help=tr("accounts.scope_help"))
        password = c4.text_input(tr("auth.password"), type="password")
        if st.form_submit_button(tr("accounts.add"), icon=":material/person_add:"):
            try:
                made = accounts.add(path, name.strip(), role, scope, password)
                auth.record(account, "account_add", ",".join(made.scope), f"{made.name} ({made.role})")
                st.success(tr("user.added", name=md(made.name), role=tr(f"role.{made.role}"), scope=",".join(made.scope) or "*"))
            except accounts.AccountError as e:
                refused(e)
    others = [a.name for a in listed if a.name != account.name]
    if others:
        c1, c2, c3 = st.columns([2, 2, 1])
        who = c1.selectbox(tr("accounts.who"), others, key=state.ACCOUNT_WHO)
        reset = c2.text_input(tr("accounts.reset_password"), type="password", key=state.ACCOUNT_RESET)
        if c3.button(tr("accounts.reset"), key=state.ACCOUNT_RESET_BUTTON, icon=":material/lock_reset:"):
            try:
                accounts.set_password(path, who, reset)
                auth.record(account, "account_password", "", who)
                st.success(tr("user.password_set", name=md(who)))
            except accounts.AccountError as e:
                refused(e)
        if c3.button(tr("accounts.disable"), key=state.ACCOUNT_DISABLE, icon=":material/person_off:"):
            accounts.disable(path, who)
            auth.record(account, "account_disable", "", who)
            st.rerun()
        with st.form(state.ACCOUNT_ROLE_FORM, clear_on_submit=True):
            r1, r2, r3 = st.columns([2, 2, 1])
            role = r1.selectbox(tr("accounts.new_role"), accounts.ROLES, format_func=lambda r: tr(f"role.{r}"))
            scope = r2.text_input(tr("accounts.scope"), help=tr("accounts.scope_help"))
            if r3.form_submit_button(tr("accounts.set_role"), icon=":material/manage_accounts:"):
                try:
                    changed = accounts.set_role(path, who, role, scope)
                    auth.record(account, "account_role", ",".join(changed.scope), f"{who} ({changed.role})")
                    st.success(tr("user.role_set", name=md(who), role=tr(f"role.{changed.role}"),
                                  scope=",".join(changed.scope) or "*"))
                except accounts.AccountError as e:
                    refused(e)

    st.subheader(tr("accounts.audit"))
    check = audit.verify(path, data.db_path())
    if check["ok"]:
        st.success(tr("audit.ok", n=check["count"], head=check["head"][:16]), icon=":material/verified:")
    else:
        st.error(tr(f"audit.broken.{check['reason']}", **check), icon=":material/gpp_bad:")
    entries = audit.entries(path)
    f1, f2, f3, f4 = st.columns(4)
    who = f1.multiselect(tr("audit.col.user"), sorted(entries["user"].unique()), key=state.AUDIT_USERS,
                         placeholder=tr("audit.all"))
    what = f2.multiselect(tr("audit.col.action"), sorted(entries["action"].unique()), key=state.AUDIT_ACTIONS,
                          format_func=lambda code: tables.word(tr, "audit.action.", code), placeholder=tr("audit.all"))
    where = f3.text_input(tr("audit.col.region"), key=state.AUDIT_REGION, help=tr("audit.region_help"))
    since = f4.date_input(tr("audit.since"), value=None, key=state.AUDIT_SINCE)
    shown = audit.filtered(entries, users=who, actions=what, region=where.strip(), since=since)
    log = tables.audit_table(shown, tr)
    st.caption(tr("audit.shown", n=len(shown), total=len(entries)))
    page.table(log.iloc[::-1])
    page.excel_download("download.excel", lambda: {tr("accounts.audit"): log}, safe_filename("审计日志", suffix=".xlsx"))
