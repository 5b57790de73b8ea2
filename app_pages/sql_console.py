"""数据查询: the SQL console for analysts — one SELECT over the current data version in the session's scope,
with the tables and columns beside the editor, example questions, an Excel download of the answer, and
every query in the audit log (the closed, read-only console lives in analytics.io.console)."""
import pandas as pd
import streamlit as st

from analytics.io import console, contract
from analytics.io.storage import ConsoleRefused
from analytics.report.escape import markdown_text as md
from analytics.report.escape import safe_filename
from ui import auth, data, page, state
from analytics.standards import load_standards
from ui.strings import county, tr

page.header("sql.title", needs_year=False, needs_county=False)
page.require("explore")
account = st.session_state.get(state.ACCOUNT)
sig = data.signature()
scope = data.console_scope()
row_limit, time_limit = console.limits()
st.caption(tr("sql.intro", rows=f"{row_limit:,}", seconds=f"{time_limit:g}"))
if scope:
    st.caption(tr("sql.scope", codes="、".join(scope)))


examples = console.examples(load_standards(county()))        # the lines of the standards the titles state


def use_example() -> None:
    chosen = st.session_state.get(state.SQL_EXAMPLE)
    if chosen:
        st.session_state[state.SQL_TEXT] = examples[chosen]


editor, tables = st.columns([3, 2])
with tables:
    st.markdown(f"**{tr('sql.tables')}**")
    readable = {sheet.key: tr(f"table.{sheet.key}") for sheet in contract.sheets()}
    for table, columns in data.console_tables(sig).groupby("table", sort=True):
        with st.expander(f"{table} {readable.get(table, '')}".strip()):
            page.dataframe(columns[["column", "type"]].rename(columns={"column": tr("sql.col.column"),
                                                                     "type": tr("sql.col.type")}),
                         hide_index=True, width="stretch")
with editor:
    st.selectbox(tr("sql.examples"), [""] + list(examples), key=state.SQL_EXAMPLE, on_change=use_example,
                 format_func=lambda k: tr(k) if k else tr("sql.pick_example"))
    st.session_state.setdefault(state.SQL_TEXT, examples["sql.example.schools_per_town"])
    sql = st.text_area(tr("sql.query"), key=state.SQL_TEXT, height=220)
    run = st.button(tr("sql.run"), type="primary", icon=":material/play_arrow:", key=state.SQL_RUN)

if run:
    try:
        st.session_state[state.SQL_RESULT] = (sql, data.console_run(sig, sql, account.name if account else
                                                                    tr("auth.single_user_name"),
                                                                    account.role if account else "admin"))
    except ConsoleRefused as refused:
        st.session_state.pop(state.SQL_RESULT, None)
        st.error(tr(f"sql.refused.{refused.key}", **{k: md(str(v)) for k, v in refused.params.items()}),
                 icon=":material/block:")

shown = st.session_state.get(state.SQL_RESULT)
if shown:
    text, result = shown
    st.caption(tr("sql.rows", n=f"{len(result.table):,}", seconds=f"{result.seconds:.2f}")
               + (tr("sql.truncated", n=f"{len(result.table):,}") if result.truncated else ""))
    page.dataframe(result.table, hide_index=True, width="stretch", height=420)
    page.excel_download("sql.download", lambda: {tr("sql.sheet"): result.table,
                                                 tr("sql.query_sheet"): pd.DataFrame({"SQL": [text]})},
                        safe_filename(tr("sql.title"), suffix=".xlsx"), ",".join(scope))
