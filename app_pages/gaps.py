"""城乡差距: group means of each indicator across 城区/镇区/乡村, and the Theil split."""
import pandas as pd
import streamlit as st

from analytics.report.escape import safe_filename
from analytics.io.contract import codes as contract_codes
from analytics.formatting import fmt_indicator, fmt_pct
from ui import charts, data, page
from ui.strings import indicator_label, lang, tr

sel = page.header("gaps.title")
with st.spinner(tr("app.loading")):
    gaps = data.gaps(data.signature(), sel.county_code, sel.year)
part = gaps[gaps["stage"] == sel.stage] if len(gaps) else gaps
if part.empty:
    page.no_data(sel, sel.stage)
    st.stop()
groups = contract_codes()["urban_rural_groups"]

st.subheader(tr("gaps.dot_chart"))
st.plotly_chart(charts.gap_dots(gaps, sel.stage, groups), width="stretch")

st.subheader(tr("gaps.table"))
table = part.assign(**{tr("col.indicator"): part["indicator"].map(indicator_label)})
for g in groups:
    table[tr(f"group.{g}")] = [fmt_indicator(c, v, lang()) for c, v in zip(part["indicator"], part[g])]
table[tr("col.ratio")] = part["ratio"].map(lambda r: f"{r:.2f}")
shown = table[[tr("col.indicator")] + [tr(f"group.{g}") for g in groups] + [tr("col.ratio")]]
page.dataframe(shown, hide_index=True, width="stretch")

st.subheader(tr("gaps.theil"))
st.caption(tr("gaps.theil_help"))
c1, c2 = st.columns([3, 2])
c1.plotly_chart(charts.theil_bars(gaps, sel.stage), width="stretch")
theil = part.assign(**{tr("col.indicator"): part["indicator"].map(lambda c: indicator_label(c, short=True)),
                       tr("col.theil"): part["theil"].map(lambda x: f"{x:.4f}"),
                       tr("col.theil_between"): part["theil_between"].map(lambda x: f"{x:.4f}"),
                       tr("col.theil_within"): part["theil_within"].map(lambda x: f"{x:.4f}"),
                       tr("col.between_share"): part["between_share"].map(fmt_pct)}).iloc[:, -5:]
c2.dataframe(theil, hide_index=True, width="stretch")
numbers = pd.DataFrame({tr("col.indicator"): table[tr("col.indicator")].values,     # the Excel: numbers as numbers
                        tr("col.unit"): [tr(f"unit.{c}") for c in part["indicator"]],
                        **{tr(f"group.{g}"): pd.to_numeric(part[g], errors="coerce").values for g in groups},
                        tr("col.ratio"): pd.to_numeric(part["ratio"], errors="coerce").values})
theil_numbers = pd.DataFrame({tr("col.indicator"): theil[tr("col.indicator")].values,
                              **{tr(k): pd.to_numeric(part[k.split(".")[-1]], errors="coerce").values
                                 for k in ("col.theil", "col.theil_between", "col.theil_within", "col.between_share")}})
page.excel_download("download.excel", lambda: {tr("gaps.table"): numbers, tr("gaps.theil"): theil_numbers},
                    safe_filename("城乡差距", sel.county_name, sel.year, sel.stage, suffix=".xlsx"), sel.county_code)
