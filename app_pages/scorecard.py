"""达标评估: every item of the standard — value, line, status, failing schools, basis — and the verdict."""
import pandas as pd
import streamlit as st

from analytics.report.escape import safe_filename
from analytics.io.export import to_excel_bytes
from ui import data, page
from ui.strings import stage_label, tr

sel = page.header("score.title")
with st.spinner(tr("app.loading")):
    items, verdict = data.scorecard(data.signature(), sel.county_code, sel.year)
if not items:
    page.no_data(sel)
    st.stop()
box = {"pass": st.success, "fail": st.error, "unknown": st.warning}[verdict["status"]]
box(tr(f"verdict.{verdict['status']}", n=len(verdict["failing"]), m=len(verdict["unknown"])),
    icon=":material/gavel:")
df = pd.DataFrame(items)
st.caption(tr("score.counts", p=int((df["status"] == "pass").sum()), f=int((df["status"] == "fail").sum()),
              u=int((df["status"] == "unknown").sum())))


def label(row) -> str:
    base = tr("item." + row["code"].split("·")[0])
    extra = f" · {row['code'].split('·')[1]}" if "·" in row["code"] else ""
    return base + extra + (tr("score.estimate") if row["estimate"] else "")


def fmt(v):
    return "—" if v is None or pd.isna(v) else (f"{v:.3f}" if abs(v) < 10 else f"{v:,.0f}")


table = pd.DataFrame({
    tr("score.part"): df["part"].map(lambda p: tr(f"part.{p}")),
    tr("col.stage"): df["stage"].map(lambda s: stage_label(s) if isinstance(s, str) else ""),
    tr("score.item"): df.apply(label, axis=1),
    tr("col.value"): df["value"].map(fmt),
    tr("col.threshold"): df["threshold"].map(fmt),
    tr("col.status"): df["status"].map(lambda s: tr(f"status.{s}")),
    tr("score.failing"): df["failing_schools"].map(lambda names: "、".join(names[:8]) + ("……" if len(names) > 8 else "")),
    tr("score.source"): df["source"],
})
colours = {tr("status.pass"): "#E3F4EC", tr("status.fail"): "#FBE3D6", tr("status.unknown"): "#EEEEEE"}
for part in ("resource", "guarantee", "quality", "recognition"):
    st.subheader(tr(f"part.{part}"))
    rows = (df["part"] == part).to_numpy()
    st.dataframe(table[rows].style.apply(
        lambda r: [f"background-color: {colours.get(r[tr('col.status')], '')}"] * len(r), axis=1),
        hide_index=True, width="stretch")
st.caption(tr("score.vetoes"))
st.download_button(tr("download.excel"), lambda: to_excel_bytes({tr("score.title"): table}),
                   file_name=safe_filename("达标评估", sel.county_name, sel.year, suffix=".xlsx"), icon=":material/download:")
