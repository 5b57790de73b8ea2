"""报送情况: per county, the latest submission, its sheets and how complete its data for the year are —
what a city bureau needs to chase missing or late counties."""
import streamlit as st

from analytics.report.tables import submissions_table
from analytics.report.escape import safe_filename
from ui import data, page
from ui.strings import lang, tr, year_label

sel = page.header("submissions.title", needs_county=False)
st.caption(tr("submissions.help"))
with st.spinner(tr("app.loading")):
    tracker = data.submissions(data.signature(), sel.year)
# the sidebar's city or province; at county scope the county's city (the counties a city bureau chases)
region = data.region_of(data.signature(), sel.county_code, "city")[0] if sel.county_code else sel.region_code
tracker = tracker[tracker["county_code"].astype(str).str.startswith(region)]
counts = tracker["status"].value_counts()
st.markdown("**" + tr("submissions.summary", year=year_label(sel.year), complete=int(counts.get("complete", 0)),
                      incomplete=int(counts.get("incomplete", 0)), missing=int(counts.get("missing", 0))) + "**")
k = st.columns(3)
for column, status in zip(k, ("missing", "incomplete", "complete")):
    column.metric(tr(f"submission.status.{status}"), f"{int(counts.get(status, 0))}")
table = submissions_table(tracker, lang())
page.table(table)
page.excel_download("download.excel", lambda: {tr("nav.submissions"): submissions_table(tracker, "zh")},
                    safe_filename("报送情况", sel.year, suffix=".xlsx"), region)
