"""数据管理: template, upload → validation report → confirm → import as a new version; versions,
rollback and export of the whole dataset."""
import getpass
import hashlib
import tempfile
from pathlib import Path

import streamlit as st

from analytics.report import tables
from analytics.report.escape import markdown_text as md
from analytics.report.escape import safe_filename
from analytics.io import importer
from analytics.report import template
from analytics.io import versions
from analytics.io.export import contract_workbook
from ui import auth, data, page, state
from ui.strings import lang, tr

st.title(tr("admin.title"))
account = st.session_state.get(state.ACCOUNT)              # None in single-user mode
page.require("import")
db = data.db_path()
meta = data.meta(data.signature()) if data.store() is not None else {}
if meta.get("is_demo") == "true":
    st.warning(tr("app.demo_banner"), icon=":material/science:")


@st.cache_data(show_spinner=False)
def template_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return template.write_template(Path(tmp) / "template.xlsx").read_bytes()


st.subheader(tr("admin.template"))
st.caption(tr("admin.template_help"))
st.download_button(tr("template.download"), template_bytes(), on_click="ignore", file_name="优质均衡数据填报模板.xlsx",
                   icon=":material/download:")

st.subheader(tr("admin.upload"))
upload = page.uploader("admin.upload_label", ["xlsx"], state.UPLOAD)
towns_file = page.uploader("admin.towns_label", ["geojson", "json"], state.TOWNS)
digest = hashlib.sha256(upload.getvalue() + (towns_file.getvalue() if towns_file else b"")).hexdigest() \
    if upload is not None else None
if digest is not None and digest != st.session_state.get(state.IMPORTED_HASH):
    content = upload.getvalue()
    if st.session_state.get(state.CHECKED_HASH) != digest:
        bar = st.progress(0.0)
        with tempfile.TemporaryDirectory(prefix="upload-") as tmp:   # the school data leave no copy behind
            path = Path(tmp) / Path(upload.name).name
            path.write_bytes(content)
            towns_path = None
            if towns_file is not None:
                towns_path = Path(tmp) / Path(towns_file.name).name
                towns_path.write_bytes(towns_file.getvalue())
            checked = importer.check(path, progress=lambda f, k: bar.progress(f, text=tr(k)), towns_geojson=towns_path)
        bar.empty()
        st.session_state[state.CHECKED], st.session_state[state.CHECKED_HASH] = checked, digest
    checked = st.session_state[state.CHECKED]
    st.markdown("**" + tr("admin.report") + "** · " + tr(
        "admin.counts", errors=len(checked.errors), warnings=len(checked.warnings),
        notes=len([p for p in checked.problems if p.severity == "note"])))
    if checked.problems:
        report = importer.problems_frame(checked.problems, lang())
        page.dataframe(report, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(report)))
        page.excel_download("admin.report_download", lambda: {tr("admin.report"): report},
                            safe_filename("校验结果", Path(upload.name).stem, suffix=".xlsx"))
    if checked.errors:
        st.error(tr("admin.has_errors"), icon=":material/block:")
    else:
        if checked.tables:
            counts = {tr(f"table.{k}"): f"{n:,}" for k, n in checked.row_counts().items()}
            st.caption(tr("admin.rows_found") + "：" + "、".join(f"{k} {v}" for k, v in counts.items()))
        holds = sorted(versions.submission_scope(checked.tables))
        outside = [c for c in holds if account is not None and not account.sees(c)]
        if not outside:
            if not checked.warnings:
                st.success(tr("admin.clean"), icon=":material/check_circle:")
            # which counties and years the import replaces and which it keeps, before anything is written
            st.info(tables.replacement_words(versions.replacement(db, versions.submission_scope(checked.tables)),
                                               lang()), icon=":material/swap_horiz:")
        else:                            # a manager imports for the counties in its scope only
            st.error(tr("admin.outside_scope", codes=md("、".join(outside)), scope="、".join(account.scope)), icon=":material/block:")
            if st.session_state.get(state.REFUSED_HASH) != digest:
                auth.record(account, "import", ",".join(outside), f"{Path(upload.name).name} sha256:{digest}", "outside_scope")
                st.session_state[state.REFUSED_HASH] = digest
        confirmed = not outside and (not checked.warnings or st.checkbox(tr("admin.confirm_warnings"), key=state.CONFIRM))
        user = account.name if account else st.text_input(tr("admin.user"), value=getpass.getuser(), key=state.IMPORT_USER)
        if st.button(tr("admin.import"), type="primary", disabled=not confirmed, icon=":material/upload:"):
            bar = st.progress(0.0)
            try:
                number = importer.publish(checked, db, user=user, role=auth.role_of(account),   # audited inside
                                          progress=lambda f, k: bar.progress(f, text=tr(k)))
            except versions.PublishBusy:
                bar.empty()
                st.error(tr("problem.publish_busy", minutes=int(versions.LOCK_TIMEOUT_S // 60)), icon=":material/hourglass_top:")
                st.stop()
            for key in (state.CHECKED, state.CHECKED_HASH, state.CONFIRM):
                st.session_state.pop(key, None)
            st.session_state[state.IMPORTED_HASH] = digest          # the same file is not offered again
            st.session_state[state.FLASH] = tr("admin.imported", version=number)
            st.rerun()

if state.FLASH in st.session_state:
    st.success(st.session_state.pop(state.FLASH), icon=":material/check_circle:")

st.subheader(tr("admin.versions"))
listed = versions.list_versions(db) if Path(db).exists() else []
if not listed:
    st.caption(tr("admin.no_versions"))
else:
    page.dataframe(tables.versions_table(listed, lang()), hide_index=True, width="stretch")
    numbers = [v.number for v in listed if not v.current]
    if numbers:
        c0, c1, c2 = st.columns([1, 1, 2])
        counties = data.counties(data.signature()) if data.store() is not None else None
        names = {} if counties is None else dict(zip(counties["county_code"], counties["county_name"]))
        whole = [None] if account is None or account.role == "admin" else []   # the whole dataset: admins only
        scope = c0.selectbox(tr("admin.rollback_scope"), whole + list(names), key=state.ROLLBACK_SCOPE,
                             format_func=lambda c: tr("admin.rollback_all") if c is None else names[c])
        target = c1.selectbox(tr("admin.rollback"), numbers, format_func=lambda n: f"v{n}", key=state.ROLLBACK)
        sure = c2.checkbox(tr("admin.rollback_confirm"), key=state.ROLLBACK_CONFIRM)
        if c2.button(tr("admin.rollback_button"), disabled=not sure, icon=":material/history:"):
            try:
                if scope is None:                                   # each audited inside, before the swap
                    versions.rollback(db, target, entry=versions.Entry(auth.name_of(account), auth.role_of(account), "rollback"))
                    st.session_state[state.FLASH] = tr("admin.rolled_back", version=target)
                else:
                    new = versions.rollback_county(db, scope, target, user=auth.name_of(account), role=auth.role_of(account))
                    st.session_state[state.FLASH] = tr("admin.county_rolled_back", county=md(names[scope]), version=target, new=new)
                st.session_state.pop(state.ROLLBACK_CONFIRM, None)
                st.rerun()
            except LookupError:
                st.error(tr("cli.county_not_in_version", county=md(names[scope]), version=target), icon=":material/block:")

if data.store() is not None:
    st.subheader(tr("admin.export"))
    pinned = data.store()
    mine = None if account is None or account.role == "admin" else list(data.counties(data.signature())["county_code"])
    st.caption(tr("admin.export_help") if mine is None else tr("admin.export_scope_help", n=len(mine)))
    page.excel_download("admin.export_button", lambda: contract_workbook(pinned, mine),
                        safe_filename("全部数据", f"v{meta.get('version', '')}", suffix=".xlsx"), ",".join(mine or []))
