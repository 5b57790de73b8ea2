"""What every page does first: the title, the demo banner, and the selection check."""
from __future__ import annotations

import time
from contextlib import contextmanager

import streamlit as st

from analytics.formatting import fmt_count, fmt_time
from analytics.io import audit, contract, keys, versions
from analytics.io.export import shown_cells, to_excel_bytes
from analytics.report import comparison
from analytics.report.escape import markdown_text as md
from ui import auth, data, state
from ui import region as view
from ui.strings import captured, lang, stage_label, tr, year_label


def header(title_key: str, needs_year: bool = True, needs_county: bool = True) -> state.Selection:
    """Title, demo banner and data source line; returns the selection, or stops the page with a
    message when there is no database, no school year for the scope, or (``needs_county``) the scope is
    a city or a province."""
    st.title(tr(title_key))
    selection = state.current()
    if selection is None:
        st.info(tr("app.no_database", path=data.db_path()))
        st.stop()
    meta = data.meta(data.signature())
    if meta.get("is_demo") == "true":
        st.warning(tr("app.demo_banner"), icon=":material/science:")
    account = st.session_state.get(state.ACCOUNT)
    scope = () if account is None or account.role == "admin" else tuple(account.scope)
    source, when = versions.source_for(meta, data.latest_submissions(data.signature()) if scope else {}, scope)
    st.caption(tr("app.data_version", version=f"v{meta['version']}" if meta.get("version") else "—",
                  source=md(source), when=fmt_time(when, lang())))
    if needs_county and selection.county_code is None:
        st.info(tr("app.needs_county", region=md(selection.region_name), level=tr(f"level.{selection.level}")),
                icon=":material/info:")
        st.page_link("app_pages/compare.py", label=tr("nav.compare"), icon=":material/leaderboard:")
        if selection.year is not None:
            region_rollup(selection)
        st.stop()
    if needs_year and selection.year is None:
        no_data(selection)
        st.stop()
    return selection


def region_rollup(selection: state.Selection) -> None:
    """What a county's page offers at city or province scope instead of a bare message: the scope's counties
    by standing (every item of their scorecards) and, for a province, the roll-up by city — the same as
    区县比较's."""
    found = view.verdicts(data.signature(), selection.region_code, selection.year)
    counties = found["counties"]
    if counties.empty:
        return
    n = comparison.standing_counts(counties)
    st.markdown("**" + tr("compare.summary_full", region=md(selection.region_name), year=year_label(selection.year),
                          n=len(counties), passed=n["pass"], close=n["close"], far=n["far"], unknown=n["unknown"]) + "**")
    if counties["city_code"].nunique() > 1:
        dataframe(comparison.city_rollup(counties, found["items"], lang()), hide_index=True, width="stretch",
                     column_config={tr("compare.city.col.schools"): st.column_config.NumberColumn(format="percent")})
    else:
        dataframe(comparison.verdict_table(counties, lang()), hide_index=True, width="stretch")


def no_data(selection: state.Selection, stage: str | None = None) -> None:
    st.info(tr("app.no_data", county=md(selection.county_name), year=selection.year or "—",
               stage=stage_label(stage) if stage else ""), icon=":material/info:")


def count(n, unit_key: str = "") -> str:
    return fmt_count(n, lang(), tr(unit_key) if unit_key else "")


def counter(unit_key: str):
    """A count formatter with the language and unit looked up once (for thousands of tooltips)."""
    language, unit = lang(), tr(unit_key)
    return lambda n: fmt_count(n, language, unit)


RUN_LOG_ENV = "EQUITY_RUN_LOG"


def log_run(url_path: str, seconds: float) -> None:
    """With ``EQUITY_RUN_LOG=file`` set, append one JSON line per script run (page, seconds the server spent,
    Unix time): which pages are slow for real users, and the server's share of a page in bench_pages."""
    import json
    import os
    target = os.environ.get(RUN_LOG_ENV)
    if not target:
        return
    with open(target, "a", encoding="utf-8") as out:
        out.write(json.dumps({"page": url_path or "", "seconds": round(seconds, 4), "at": round(time.time(), 3)}) + "\n")


TABLE_ROWS = 200
NO_TABLE_DOWNLOAD = ('<style>[data-testid="stElementToolbar"] button[aria-label="Download as CSV"],'
                     '[data-testid="stElementToolbar"] [aria-label="Download as CSV"]{display:none !important}</style>')


def may_export() -> bool:
    account = st.session_state.get(state.ACCOUNT)
    return account is None or account.may("export")


def no_table_download() -> None:
    """For a role without the export right: the tables' own "Download as CSV" button is not offered (once per
    run; Streamlit 1.67 has no switch for it — see the README's Downloads)."""
    if not may_export():
        st.html(NO_TABLE_DOWNLOAD)


def dataframe(data, **kwargs) -> None:
    """Every table a page shows (the one door to ``st.dataframe``): its text cells neutralised for a
    spreadsheet (a formula-looking name copied or taken by the table's CSV button stays text); for a role
    without the export right, at most TABLE_ROWS rows — a whole table is a file, and files need that right
    (what is on the screen may be read and copied; the toolbar's CSV button is not offered)."""
    from pandas.io.formats.style import Styler

    rows = len(data.data if isinstance(data, Styler) else data)
    cut = not may_export() and rows > TABLE_ROWS
    if isinstance(data, Styler):
        if cut:
            data = data.hide(data.data.index[TABLE_ROWS:])
        data.data = shown_cells(data.data)
    else:
        data = shown_cells(data.head(TABLE_ROWS) if cut else data)
    st.dataframe(data, **kwargs)
    if cut:
        st.caption(tr("table.viewer_rows", shown=TABLE_ROWS, total=f"{rows:,}"))
PICK_MAX = 300          # above this many schools a school box is preceded by a town box
GRID_ROWS = 80          # school rows of a school × indicator grid (the fewest indicators met first)


def table(df, total: int | None = None, **kwargs) -> None:
    """A table of at most TABLE_ROWS rows (the worst first, as sorted by the caller); a caption says
    how many more there are — the Excel download next to it has them all. ``total``: the rows there are
    when the caller built only the first ones."""
    total = len(df) if total is None else total
    dataframe(df.head(TABLE_ROWS), hide_index=True, width="stretch", **kwargs)
    if total > TABLE_ROWS:
        st.caption(tr("table.more_rows", shown=TABLE_ROWS, total=f"{total:,}"))


def briefing_downloads(files: dict | None, region: str) -> None:
    """Download buttons of a briefing just written (.docx, .pdf, .pptx — those made), and why a PDF is missing;
    each file handed out only after the session is checked again at the click (:func:`ui.auth.guard`)."""
    from pathlib import Path
    if not files:
        return
    if files["message"]:
        st.info(files["message"])
    cols = st.columns(3)
    account = st.session_state.get(state.ACCOUNT)
    for col, key in zip(cols, ("docx", "pdf", "pptx")):
        if files.get(key):
            name = Path(files[key]).name
            check = auth.guard(account, "download", region, name, needs="briefing")
            col.download_button(tr(f"briefing.download_{key}"), in_this_session(Path(files[key]).read_bytes, check),
                                on_click="ignore", file_name=name, icon=":material/download:",
                                key=state.widget_key(state.DOWNLOAD, key))


def require(action: str) -> None:
    """Stop the page unless the signed-in account's role allows ``action`` (the navigation already leaves the
    page out; this guard holds even if what the navigation registers changes)."""
    account = st.session_state.get(state.ACCOUNT)
    if account is not None and not account.may(action):
        st.error(tr("auth.not_allowed", role=tr(f"role.{account.role}")), icon=":material/block:")
        st.stop()


def excel_download(label_key: str, sheets, file_name: str, region: str = "", key: str | None = None) -> None:
    """An Excel download for the roles that may export (a viewer sees none). ``sheets`` is a callable
    returning {sheet name: table} — or the workbook's bytes — run only when the button is clicked; the
    download is then recorded in the audit log (who, region, file)."""
    account = st.session_state.get(state.ACCOUNT)
    if account is not None and not account.may("export"):
        return
    check = auth.guard(account, "export", region, file_name)
    st.download_button(tr(label_key), in_this_session(sheets, check), on_click="ignore", file_name=file_name,
                       icon=":material/download:", key=key)


def in_this_session(sheets, check):
    """A download's builder that runs with this session's language and county as they are now —
    Streamlit calls it later from a server thread outside any script run. ``check`` (:func:`ui.auth.guard`)
    runs first: a session signed out, idle, disabled or downgraded since the page was drawn gets no file
    (refused in the audit log); otherwise the file is built and logged under the account's role of now."""
    @captured
    def build() -> bytes:
        done = check()
        try:
            result = sheets()
            made = result if isinstance(result, bytes) else to_excel_bytes(result)
        except Exception:
            done("failed")
            raise
        done()
        return made
    return build


def uploader(label_key: str, types: list[str], key: str):
    """A file uploader with the data contract's size limit (data/contract.yaml ``limits.max_file_mb``, what
    the importer refuses above) and, in Chinese, Streamlit's own button and limit texts ("Upload", "200MB per
    file") in Chinese — the frontend has no translation, so the texts are swapped by a stylesheet made here
    from the catalog (no user text)."""
    limit = int(contract.raw_contract()["limits"]["max_file_mb"])
    if lang() == "zh":
        button, note = css_text(tr("upload.button")), css_text(tr("upload.limit", mb=limit, types=" / ".join(t.upper() for t in types)))
        mine = f".st-key-{key}"                   # Streamlit's class of a keyed widget: this uploader only
        st.html(                                  # a stylesheet only: Streamlit adds no visible element
            "<style>"
            f'{mine} [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p{{font-size:0}}'
            f'{mine} [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after'
            f'{{content:"{button}";font-size:0.875rem}}'
            f'{mine} [data-testid="stFileUploaderDropzoneInstructions"] span{{font-size:0}}'
            f'{mine} [data-testid="stFileUploaderDropzoneInstructions"] span::after{{content:"{note}";font-size:0.875rem}}'
            "</style>")
    return st.file_uploader(tr(label_key), type=types, key=key, max_upload_size=limit)


def css_text(text: str) -> str:
    """A catalog text as a CSS string's content: backslashes, quotes and angle brackets escaped."""
    return "".join(f"\\{ord(c):x} " if c in '\\"\'<>' else c for c in str(text))


PAGE_ERRORS_ENV = "EQUITY_PAGE_ERRORS"     # "raise": let a fault through (the tests see it as an exception)


def fault_key(exc: BaseException) -> str:
    """The catalog message of a fault: a broken audit log and a missing installation key say what to do."""
    if isinstance(exc, audit.AuditBroken):
        return "error.audit_broken"
    if isinstance(exc, keys.KeyMissing):
        return "error.key_missing"
    return "app.fault"


@contextmanager
def error_boundary():
    """The pages' one error boundary: a fault anywhere in a run (a page, the sign-in, the state database
    down) shows a plain message with a reference id; the traceback goes to the server's log under that id —
    never to the browser (it names source paths, sockets, SQL). Streamlit's stop and rerun pass through."""
    import logging
    import os
    import uuid
    try:
        yield
    except Exception as exc:  # noqa: BLE001 — the boundary
        if os.environ.get(PAGE_ERRORS_ENV) == "raise":
            raise
        ref = uuid.uuid4().hex[:8]
        logging.getLogger("equity").error("page fault %s", ref, exc_info=exc)
        try:
            st.error(tr(fault_key(exc), ref=ref, kind=type(exc).__name__), icon=":material/error:")
        except Exception:  # noqa: BLE001 — even the catalog unreadable: still no traceback
            st.error(f"内部错误（参考号 {ref}）")
