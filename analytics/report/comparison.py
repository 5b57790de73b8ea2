"""Counties side by side (the city or province view): the long comparison of :func:`analytics.service.compare`
turned into one row per county, and each county's verdict — pure functions, no Streamlit."""
from __future__ import annotations

import math

import pandas as pd

from analytics.i18n import t
from analytics.report.formatting import fmt_cv, fmt_pct


def format_value(indicator: str, value) -> str:
    """A compared value as read: R8 a share of schools (75.0%), a CV with three decimals; — when unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return fmt_pct(value) if indicator == "R8" else fmt_cv(value)


def county_verdicts(long: pd.DataFrame) -> pd.DataFrame:
    """Per county: ``status`` — 'fail' when any CV or R8 of any 学段 fails, 'unknown' when none fails but
    one cannot be decided, else 'pass' — and ``failing`` (the failing items as '学段·code')."""
    out = []
    for (code, name), part in long.groupby(["county_code", "county_name"], sort=True, dropna=False):
        failing = [f"{s}·{i}" for s, i, p in zip(part["stage"], part["indicator"], part["passed"]) if p is False]
        unknown = any(p is None or (isinstance(p, float) and math.isnan(p)) for p in part["passed"])
        out.append({"county_code": code, "county_name": name,
                    "status": "fail" if failing else ("unknown" if unknown else "pass"), "failing": failing})
    return pd.DataFrame(out, columns=["county_code", "county_name", "status", "failing"])


def wide_table(long: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """One row per county: verdict, number of failing items, then per 学段 each CV (L1–L7, marked ✗ when
    above its line, ? when it cannot be decided) and R8 (the share of schools complying), counties that
    fail most first. The data behind the page's table and its Excel download."""
    verdicts = county_verdicts(long).set_index("county_code")
    rows = []
    for code, part in long.groupby("county_code", sort=True):
        v = verdicts.loc[code]
        row = {t("col.county", lang): v["county_name"] or code, t("compare.col.verdict", lang): t(f"compare.verdict.{v['status']}", lang),
               t("compare.col.failing", lang): len(v["failing"])}
        for r in part.itertuples():
            label = f"{t('stage.' + r.stage, lang)}·{t('indicator_short.' + r.indicator, lang) if r.indicator != 'R8' else t('compare.r8', lang)}"
            value = format_value(r.indicator, r.value)
            mark = "" if r.passed is True else (" ✗" if r.passed is False else " ?")
            row[label] = value + mark
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.sort_values([t("compare.col.failing", lang), t("col.county", lang)], ascending=[False, True]).reset_index(drop=True)
