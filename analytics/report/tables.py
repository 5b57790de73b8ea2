"""Tables and sentences for people, made from what ``io`` keeps: the dataset versions and submissions, the audit
log, the accounts, what an import will replace — headers and words in the reader's language (``io`` itself
holds no wording)."""
from __future__ import annotations

import pandas as pd

from analytics.formatting import fmt_pct, fmt_time
from analytics.i18n import t
from analytics.io.audit import beijing
from analytics.io.contract import DERIVED_HEADERS, NAMED_CODES, sheet
from analytics.io.importer.problems import Problem
from analytics.io.versions import VersionInfo


def year_span(years: list[int]) -> str:
    """School years as a reader writes them: 2021–2024 when consecutive, else 2021、2023."""
    ys = sorted(int(y) for y in years)
    if not ys:
        return ""
    if len(ys) > 1 and ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}–{ys[-1]}"
    return "、".join(str(y) for y in ys)


def replacement_words(plan: dict, lang: str = "zh") -> str:
    """:func:`replacement` in one sentence: 将替换：亭湖区 2021–2024；保留：其他8个区县."""
    replaced = "、".join(f"{r['county_name'] or r['county_code']} {year_span(r['years'])}".strip()
                         + (t("import.new_county", lang) if r.get("new") else "") for r in plan["replace"])
    kept = t("import.keep_others", lang, n=len(plan["keep"])) if plan["keep"] else t("import.keep_none", lang)
    return t("import.replacement", lang, replaced=replaced or "—", kept=kept)


def versions_table(listed: list[VersionInfo], lang: str = "zh") -> pd.DataFrame:
    """The version list as a table for the app (newest first), times in China time."""
    rows = []
    for v in listed:
        ch = v.changes
        summary = t("versions.first", lang) if ch.get("first") else t(
            "versions.changes", lang, added=len(ch.get("schools_added", [])), removed=len(ch.get("schools_removed", [])),
            largest="；".join(f"{c['name']} {c['before']}→{c['after']}" for c in ch.get("largest_changes", [])[:3]) or "—")
        rows.append({
            t("versions.col.version", lang): f"v{v.number}" + (" ★" if v.current else "") + (f"（{v.tag}）" if v.tag else ""),
            t("versions.col.when", lang): fmt_time(v.imported_at, lang),
            t("versions.col.who", lang): v.imported_by,
            t("versions.col.file", lang): t("versions.rollback_file", lang, version=v.rollback_of)
            if v.rollback_of else v.source_file,
            t("versions.col.counties", lang): "、".join(v.counties.values()) if v.counties is not None
            else t("versions.all_counties", lang),
            "SHA-256": v.source_sha256[:16],
            t("versions.col.rows", lang): "、".join(f"{t('table.' + k, lang)} {n:,}" for k, n in v.row_counts.items() if n),
            t("versions.col.changes", lang): summary,
        })
    return pd.DataFrame(rows)


def submissions_table(tracker: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The submission tracker (:func:`analytics.service.submissions`) as the page and its Excel show it:
    not submitted first, then incomplete, then complete; shares as percentages, times in China time."""
    order = {"missing": 0, "incomplete": 1, "complete": 2}
    rows = []
    for r in sorted(tracker.to_dict("records"), key=lambda r: (order[r["status"]], r["county_code"])):
        share = lambda k: "—" if r[k] is None or r[k] != r[k] else fmt_pct(r[k])  # noqa: E731
        warnings = r["warnings"] or []
        rows.append({
            t("col.county", lang): r["county_name"] or r["county_code"],
            t("submission.col.status", lang): t(f"submission.status.{r['status']}", lang),
            t("submission.col.years", lang): year_span(r["years"] or []),
            t("col.schools", lang): int(r["schools"] or 0),
            t("submission.col.indicators", lang): share("share_indicators"),
            t("submission.col.coordinates", lang): share("share_coordinates"),
            t("submission.col.classes", lang): share("share_classes"),
            t("submission.col.warnings", lang): "；".join(
                Problem("warning", w["key"], w["sheet"], w["row"], w["column"], w["params"]).format(lang)
                for w in warnings[:3]) + (t("submission.more_warnings", lang, n=len(warnings) - 3) if len(warnings) > 3 else "")
            or "—",
            t("submission.col.when", lang): fmt_time(r["imported_at"], lang) if r["imported_at"] else "—",
            t("versions.col.who", lang): r["imported_by"] or "—",
            t("versions.col.file", lang): (r["source_file"] or "—") + (
                t("submission.rollback_of", lang, version=int(r["rollback_of"])) if pd.notna(r.get("rollback_of")) else ""),
            "SHA-256": (r["source_sha256"] or "")[:16],
            t("submission.col.version", lang): f"v{int(r['version'])}" if pd.notna(r["version"]) else "—",
            t("submission.col.sheets", lang): "、".join(t(f"table.{k}", lang) for k in (r["sheets"] or [])) or "—",
        })
    return pd.DataFrame(rows)


def word(tr, prefix: str, code: str) -> str:
    """``code`` (an action or outcome) in the catalog's words, or as it is when the catalog lacks it."""
    text = tr(prefix + code)
    return code if text == prefix + code else text


def audit_table(rows: pd.DataFrame, tr) -> pd.DataFrame:
    """The entries with headers, actions and outcomes in words of ``tr`` (the catalog lookup of the caller's
    language; a code the catalog lacks is shown as it is), oldest first."""
    def words(column: str, prefix: str) -> pd.Series:
        names = {code: word(tr, prefix, code) for code in rows[column].unique()}
        return rows[column].map(names)
    at = beijing(rows["at"], "%Y-%m-%d %H:%M:%S")
    return pd.DataFrame({tr("audit.col.id"): rows["id"], tr("audit.col.at"): at, tr("audit.col.user"): rows["user"],
                         tr("audit.col.role"): words("role", "role."), tr("audit.col.action"): words("action", "audit.action."),
                         tr("audit.col.region"): rows["region"], tr("audit.col.object"): rows["object"],
                         tr("audit.col.outcome"): words("outcome", "audit.outcome."),
                         tr("audit.col.hash"): rows["hash"].str[:16]})


def accounts_table(listed: list[Account], tr) -> "pd.DataFrame":
    """The accounts as a table with headers and words of ``tr`` (the catalog lookup of the caller's language)."""
    import pandas as pd
    return pd.DataFrame({tr("auth.name"): [a.name for a in listed],
                         tr("accounts.role"): [tr(f"role.{a.role}") for a in listed],
                         tr("accounts.scope"): ["、".join(a.scope) or tr("auth.all_regions") for a in listed],
                         tr("accounts.state"): [tr("user.state_disabled") if a.disabled else
                                                (tr("accounts.locked") if a.locked_until else tr("user.state_active"))
                                                for a in listed]})


def readable_table(name: str, df, lang: str = "zh"):
    """A contract table for reading: every code column followed by its name (211 → 小学, 111 → 城区),
    yes/no columns as 是 / 否 (as the workbook has them), and, in Chinese, every header as the workbook's
    (derived columns from the catalog), so nothing reads as a database column name or True / False.
    The stored table is not changed."""
    out = df.copy()
    for col, (_, name_of) in NAMED_CODES.items():
        if col in out.columns:
            named = out[col].map(lambda c: "" if c is None or (isinstance(c, float) and c != c) else name_of(c))
            out.insert(out.columns.get_loc(col) + 1, f"{col}_name", named)
    for col in out.columns:
        if out[col].dtype == bool or str(out[col].dtype) == "boolean":
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else t("common.yes" if v else "common.no", lang))
    headers = {c.key: c.zh for c in sheet(name).columns} if lang == "zh" else {}
    headers.update({k: t(v, lang) for k, v in DERIVED_HEADERS.items()})
    headers.update({f"{k}_name": t(v[0], lang) for k, v in NAMED_CODES.items()})
    return out.rename(columns=headers)
