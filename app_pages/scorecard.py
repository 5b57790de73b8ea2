"""达标评估: every item of the standard — value, line, status, coverage, failing and missing schools,
the schools it judges — and the verdict (pass / fail / unknown / not applicable counted apart)."""
import pandas as pd
import streamlit as st

from analytics.report.escape import markdown_text, safe_filename
from analytics.method.scorecard import COUNTY_SOURCE, verdict_key
from ui import data, page
from analytics.formatting import fmt_item_line, fmt_item_value
from analytics.standards import load_standards
from ui.strings import lang, stage_label, tr

sel = page.header("score.title")
with st.spinner(tr("app.loading")):
    items, verdict = data.scorecard(data.signature(), sel.county_code, sel.year)
if not items:
    page.no_data(sel)
    st.stop()
box = {"pass": st.success, "fail": st.error, "unknown": st.warning}[verdict["status"]]
box(tr(verdict_key(verdict), n=len(verdict["failing"]), m=len(verdict["unknown"])),
    icon=":material/gavel:")
df = pd.DataFrame(items)
std = load_standards(sel.county_code)
kinds = {code: rule["kind"] for part in ("guarantee", "quality") for code, rule in std[part].items()}
counts = verdict["counts"]
st.caption(tr("score.counts", p=counts["pass"], f=counts["fail"], u=counts["unknown"], na=counts["not_applicable"]))


def label(row) -> str:
    base = tr("item." + row["code"].split("·")[0])
    extra = f" · {row['code'].split('·')[1]}" if "·" in row["code"] else ""
    return base + extra + (tr("score.estimate") if row["estimate"] else "")


def value(row) -> str:
    """The value (over part of the schools when 数据完整 says so), and the county's own figure beside it."""
    cov = row["coverage"]
    text = fmt_item_value(row["code"], row["value"], kinds.get(row["code"], ""), lang(), row["threshold"])
    if cov and row["county_value"] is not None and not pd.isna(row["county_value"]):
        key = "score.county_differs" if row["sources_differ"] else "score.county_reported"
        text += f"（{tr(key, value=fmt_item_value(row['code'], row['county_value'], '', lang()))}）"
    return text


def coverage(row) -> str:
    cov = row["coverage"]
    if not cov or not cov["in_scope"]:
        return tr("score.county_figure") if not cov and row["source"] == COUNTY_SOURCE else "—"
    return tr("score.coverage_value", complete=cov["complete"], total=cov["in_scope"])


def school_list(refs, limit: int | None = 8, ids: bool = False) -> str:
    """Schools as read: the first ``limit`` and how many in all (the whole list is in the expander below
    the table and in the Excel); ``ids``: each with its 学校标识码."""
    names = [(r["label"] if "label" in r else r["name"] or r["school_id"]) + (f"（{r['school_id']}）" if ids else "")
             for r in refs]
    shown = names if limit is None else names[:limit]
    return "、".join(shown) + ("" if len(shown) == len(names) else tr("score.and_more", n=len(names)))


def pullers(refs) -> str:
    """A failing CV's schools on each side of the mean: below (need resources), above (could share)."""
    parts = [f"{tr(key)}：{school_list([r for r in refs if r['above_mean'] == above])}"
             for above, key in ((False, "col.below"), (True, "col.above")) if any(r["above_mean"] == above for r in refs)]
    return "；".join(parts)


def missing(cov, limit: int | None = 8, ids: bool = False) -> str:
    if not cov or not cov["missing"]:
        return ""
    return f"{school_list(cov['missing'], limit, ids)}（{tr('score.missing_what')}：{cov['reason']}）"


def full_list(refs) -> pd.DataFrame:
    return pd.DataFrame({tr("col.school_id"): [r["school_id"] for r in refs],
                         tr("col.school"): [r["label"] if "label" in r else r["name"] or r["school_id"] for r in refs]})


table = pd.DataFrame({
    tr("score.part"): df["part"].map(lambda p: tr(f"part.{p}")),
    tr("col.stage"): df["stage"].map(lambda s: stage_label(s) if isinstance(s, str) else ""),
    tr("score.item"): df.apply(label, axis=1),
    tr("col.value"): df.apply(value, axis=1),
    tr("col.threshold"): [fmt_item_line(c, x, kinds.get(c, ""), lang(), std) for c, x in zip(df["code"], df["threshold"])],
    tr("col.status"): df["status"].map(lambda s: tr(f"status.{s}")),
    tr("score.coverage"): df.apply(coverage, axis=1),
    tr("score.failing"): [school_list(f) if len(f) else pullers(p) for f, p in zip(df["failing_schools"], df["pullers"])],
    tr("score.missing"): df["coverage"].map(missing),
    tr("score.scope"): df["basis"],
    tr("score.source"): [tr(k, **a) if k else "" for k, a in zip(df["source"], df["source_args"])],
})
colours = {tr("status.pass"): "#E3F4EC", tr("status.fail"): "#FBE3D6", tr("status.unknown"): "#EEEEEE",
           tr("status.not_applicable"): "#F4F4F4"}
for part in ("resource", "guarantee", "quality", "recognition"):
    st.subheader(tr(f"part.{part}"))
    rows = (df["part"] == part).to_numpy()
    page.dataframe(table[rows].style.apply(
        lambda r: [f"background-color: {colours.get(r[tr('col.status')], '')}"] * len(r), axis=1),
        hide_index=True, width="stretch", height=35 * (int(rows.sum()) + 1) + 3)     # every item, no inner scroll
    bases = [(label(df.iloc[k]), df.iloc[k]["basis"]) for k in range(len(df)) if rows[k] and df.iloc[k]["basis"]]
    if bases:                                      # the clause and the choices each item reads, whole
        with st.expander(tr("score.scope_all", n=len(bases))):
            st.markdown("\n".join(f"- **{markdown_text(item)}**：{markdown_text(basis)}" for item, basis in bases))
    for k in [k for k in range(len(df)) if rows[k]]:
        row = df.iloc[k]
        if row["sources_differ"]:                  # the two-source note whole, not cut by the column's width
            st.caption(f"{label(row)}：{value(row)}")
        for refs, key in ((row["failing_schools"], "score.failing_all"),
                          ((row["coverage"] or {}).get("missing") or [], "score.missing_all")):
            if len(refs) > 8:                      # the whole list, with each school's 学校标识码
                with st.expander(tr(key, item=label(row), n=len(refs))):
                    page.dataframe(full_list(refs), hide_index=True, width="stretch")
st.caption(tr("score.vetoes"))
excel = table.assign(**{tr("score.failing"): [school_list(f, None, True) if len(f) else pullers(p) for f, p in
                                              zip(df["failing_schools"], df["pullers"])],
                        tr("score.missing"): df["coverage"].map(lambda c: missing(c, None, True))})
# numbers as numbers beside the words: the value and its line, the count of schools failing
excel.insert(4, tr("score.value_number"), pd.to_numeric(df["value"], errors="coerce").values)
excel.insert(5, tr("score.line_number"), pd.to_numeric(df["threshold"], errors="coerce").values)
excel.insert(6, tr("score.failing_count"), df["failing_schools"].map(len).values)
page.excel_download("download.excel", lambda: {tr("score.title"): excel},
                    safe_filename("达标评估", sel.county_name, sel.year, suffix=".xlsx"), sel.county_code)
