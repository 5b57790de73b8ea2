"""Peer groups of counties, for a fair comparison: counties of about the same size and urban share (cuts from
data/settings.yaml ``compare``)."""
from __future__ import annotations

import pandas as pd

from analytics.codes import is_urban

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


def county_facts(schools: pd.DataFrame, stats: pd.DataFrame, size_groups: int, urban_share: float) -> pd.DataFrame:
    """Per county: pupils (Σ students of every 学段 row of ``stats``), urban_share (the share of them in 城区
    schools, :func:`analytics.codes.is_urban`) and its peer group (:func:`peer_groups`).
    Columns: county_code, pupils, urban_share, peer."""
    columns = ["county_code", "pupils", "urban_share", "peer"]
    if schools.empty or stats.empty:
        return pd.DataFrame(columns=columns)
    info = schools.set_index("school_id")
    rows = pd.DataFrame({"county_code": stats["school_id"].map(info["county_code"]),
                         "students": pd.to_numeric(stats["students"], errors="coerce").fillna(0),
                         "urban": stats["school_id"].map(info["urban_rural_code"]).astype(str).map(is_urban)})
    rows["urban_students"] = rows["students"].where(rows["urban"], 0)
    facts = rows.groupby("county_code").agg(pupils=("students", "sum"), urban=("urban_students", "sum")).reset_index()
    facts["urban_share"] = (facts["urban"] / facts["pupils"]).where(facts["pupils"] > 0)
    facts["peer"] = facts["county_code"].map(peer_groups(facts, size_groups, urban_share))
    return facts[columns]
