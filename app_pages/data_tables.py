"""数据: browse each table for the county and year; download it as Excel with Chinese headers."""
import streamlit as st

from analytics.report.escape import safe_filename
from analytics.io import contract
from analytics.report import tables
from ui import data, page, state
from ui.strings import tr

sel = page.header("data.title", needs_year=False)
names = [s.key for s in contract.sheets()]
name = st.selectbox(tr("data.table"), names, format_func=lambda k: tr(f"table.{k}"), key=state.TABLE)
df = data.table(data.signature(), name, sel.county_code, sel.year)
shown = tables.readable_table(name, df, sel.lang)
st.caption(tr("data.rows", n=f"{len(df):,}"))
if df.empty:
    page.no_data(sel)
else:
    page.dataframe(shown, hide_index=True, width="stretch", height=520)
    page.excel_download("data.download", lambda: {contract.sheet(name).zh: tables.readable_table(name, df, "zh")},
                        safe_filename(contract.sheet(name).zh, sel.county_name, sel.year, suffix=".xlsx"), sel.county_code)
