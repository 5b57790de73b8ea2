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


def wide_table(long: pd.DataFrame, lang: str = "zh", peers: dict | None = None) -> pd.DataFrame:
    """One row per county: verdict, number of failing items, then per 学段 each CV (L1–L7, marked ✗ when
    above its line, ? when it cannot be decided) and R8 (the share of schools complying), counties that
    fail most first; with ``peers`` (peer group by county code) a 同类组 column. The data behind the page's
    table and its Excel download."""
    verdicts = county_verdicts(long).set_index("county_code")
    rows = []
    for code, part in long.groupby("county_code", sort=True):
        v = verdicts.loc[code]
        row = {t("col.county", lang): v["county_name"] or code, t("compare.col.verdict", lang): t(f"compare.verdict.{v['status']}", lang),
               t("compare.col.failing", lang): len(v["failing"])}
        if peers is not None:
            row[t("compare.col.peer", lang)] = peer_label(peers.get(code, "unknown|unknown"), lang)
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


SIZE_KEYS = ("small", "medium", "large")


def peer_groups(facts: pd.DataFrame, size_groups: int, urban_share: float) -> pd.Series:
    """Each county's peer group as ``'<size>|<urban>'`` (index: county_code), for a fair comparison.

    size: the counties ranked by ``pupils`` and cut into ``size_groups`` classes of (nearly) equal counts —
    class k of n holds ranks (k−1)·N/n < r ≤ k·N/n (ties broken by order) — named small / medium / large
    for three classes, else size1…sizeN; urban: 'urban' when ``urban_share`` (share of pupils in 城区
    schools) ≥ the cut, else 'rural'; a county without pupils is 'unknown|unknown'.
    ``facts``: county_code, pupils, urban_share.
    """
    known = facts[facts["pupils"].fillna(0) > 0]
    n, classes = len(known), max(1, int(size_groups))
    names = SIZE_KEYS if classes == 3 else tuple(f"size{k + 1}" for k in range(classes))
    rank = known["pupils"].rank(method="first").astype(int)
    size = ((rank - 1) * classes // max(n, 1)).map(lambda k: names[int(k)])
    urban = (known["urban_share"] >= urban_share).map({True: "urban", False: "rural"})
    out = pd.Series("unknown|unknown", index=facts["county_code"].values, dtype=object)
    out.loc[known["county_code"].values] = (size + "|" + urban).values
    return out


def peer_label(group: str, lang: str = "zh") -> str:
    """'大规模·城区为主' for 'large|urban'."""
    size, urban = group.split("|")
    size_words = t("peer.size.rank", lang, k=size[4:]) if size.startswith("size") else t("peer.size." + size, lang)
    return f"{size_words}·{t('peer.urban.' + urban, lang)}"


def ranking(long: pd.DataFrame) -> pd.DataFrame:
    """The region's counties ranked, best first: by the number of failing items (fewer is better), then by
    whether any item is undecided (decided first), then by the total relative shortfall of the failing
    items (smaller is better), then by name. Shortfall of a CV: (CV − line) / line; of R8: (1 − share)
    (the line is every school). Equal keys share the lower rank.
    Columns: rank, county_code, county_name, status, failing, shortfall."""
    verdicts = county_verdicts(long).set_index("county_code")
    bad = long[long["passed"] == False]  # noqa: E712 — None (undecided) is not False
    value, line = bad["value"].astype(float), bad["threshold"].astype(float)
    gap = ((value - line) / line).where(bad["indicator"] != "R8", 1.0 - value)
    shortfall = gap.groupby(bad["county_code"]).sum()
    out = verdicts.reset_index()
    out["n_failing"] = out["failing"].map(len)
    out["shortfall"] = out["county_code"].map(shortfall).fillna(0.0)
    out["undecided"] = (out["status"] == "unknown").astype(int)
    out = out.sort_values(["n_failing", "undecided", "shortfall", "county_name"]).reset_index(drop=True)
    keys = list(zip(out["n_failing"], out["undecided"], out["shortfall"].round(12)))
    out["rank"] = [1 + keys.index(key) for key in keys]
    return out[["rank", "county_code", "county_name", "status", "failing", "shortfall"]]


def distance_words(kind, quantity, unit: str, lang: str = "zh") -> str:
    """How far a failing CV is from its line in natural units (:func:`rectification.route_distance`):
    '交流轮岗4人', '补足1,400㎡' (floor route), or no route."""
    from analytics.report.formatting import fmt_count
    if kind is None or (isinstance(kind, float) and math.isnan(kind)):
        return t("plan.route_none", lang)
    if kind == "move":
        return t("compare.distance.move", lang, n=int(quantity))
    return t("compare.distance.floor", lang, amount=fmt_count(quantity, lang, t(f"unit.{unit}", lang)))


def distance_table(routes: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Per failing CV of each county (:func:`analytics.service.region_plans` ``routes``): the CV against its
    line, what would bring it within the line (natural units) and what that costs (万元), largest excess first."""
    from analytics.report.formatting import fmt_count
    if routes.empty:
        return pd.DataFrame()
    rows = routes.assign(_excess=(routes["cv"] - routes["threshold"]) / routes["threshold"]).sort_values(
        "_excess", ascending=False)
    return pd.DataFrame({
        t("col.county", lang): rows["county_name"].values,
        t("col.stage", lang): [t(f"stage.{s}", lang) for s in rows["stage"]],
        t("col.indicator", lang): [t(f"indicator_short.{c}", lang) for c in rows["indicator"]],
        t("col.cv", lang): [fmt_cv(v) for v in rows["cv"]],
        t("col.threshold", lang): [f"≤ {v:.2f}" for v in rows["threshold"]],
        t("compare.col.distance", lang): [distance_words(k, q, u, lang) for k, q, u in
                                          zip(rows["kind"], rows["quantity"], rows["unit"])],
        t("compare.col.route_cost", lang): [fmt_count(c, lang, t("unit.元", lang)) for c in rows["cost_yuan"]],
    })
