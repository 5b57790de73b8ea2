"""Urban–rural gaps: student-weighted group means (城区 / 镇区 / 乡村) and the Theil decomposition."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analytics.io import contract
from analytics.method.indicators import in_scope_by_stage
from analytics.standards import Standards


# ---------------------------------------------------------------- urban–rural gaps


def theil_decomposition(values, weights, groups) -> dict:
    """Enrolment-weighted Theil T index of X, split between and within groups.

        T   = Σ_i (P_i/P)·(X_i/X̄)·ln(X_i/X̄)
        T_B = Σ_g (P_g/P)·(X̄_g/X̄)·ln(X̄_g/X̄)
        T_W = Σ_g (P_g·X̄_g)/(P·X̄) · T_g          (T_g: the index inside group g)
        T   = T_B + T_W   (exactly)

    With x·ln x = 0 at x = 0. Returns total, between, within, between_share and per-group
    dicts. With equal weights it equals the population-share Theil of ``inequality.theil``.
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    g = np.asarray(groups, dtype=object)
    keep = np.isfinite(x) & np.isfinite(w) & (w > 0) & (x >= 0)
    x, w, g = x[keep], w[keep], g[keep]
    nan = {"total": math.nan, "between": math.nan, "within": math.nan, "between_share": math.nan, "groups": {}}
    if len(x) == 0 or (w * x).sum() <= 0:
        return nan

    def _theil(xv, wv):
        p = wv.sum()
        mean = (wv * xv).sum() / p
        r = xv / mean
        return float(((wv / p) * np.where(r > 0, r * np.log(np.where(r > 0, r, 1)), 0.0)).sum()), mean, p

    total, mean, p_total = _theil(x, w)
    between = within = 0.0
    per_group = {}
    for name in pd.unique(g):
        m = g == name
        t_g, mean_g, p_g = _theil(x[m], w[m]) if (w[m] * x[m]).sum() > 0 else (0.0, 0.0, w[m].sum())
        r = mean_g / mean
        between += (p_g / p_total) * (r * math.log(r) if r > 0 else 0.0)
        within += (p_g * mean_g) / (p_total * mean) * t_g
        per_group[name] = {"theil": t_g, "mean": mean_g, "weight": p_g}
    return {"total": total, "between": between, "within": within,
            "between_share": between / total if total > 0 else math.nan, "groups": per_group}


def urban_rural_gaps(rows: pd.DataFrame, standards: Standards, groups_order: list[str] | None = None) -> pd.DataFrame:
    """Group means per 学段 × indicator across 城区 / 镇区 / 乡村, with the gap and Theil split.

    Group mean X̄_g = Σ_{i∈g} Q_i / Σ_{i∈g} P_i (student-weighted). ratio = max_g X̄_g / min_g X̄_g.
    Columns: stage, indicator, one column per group, ratio, high_group, low_group,
    theil, theil_between, theil_within, between_share.
    """
    groups_order = groups_order or contract.codes()["urban_rural_groups"]
    out = []
    for stage, part in in_scope_by_stage(rows, standards):
        for code in standards.indicator_codes:
            valid = part[part[code].notna() & (part["students"] > 0)]
            rec = {"stage": stage, "indicator": code}
            means = {}
            for grp in groups_order:
                sub = valid[valid["urban_rural_group"] == grp]
                means[grp] = float(sub[f"Q_{code}"].sum() / sub["students"].sum()) if len(sub) else math.nan
                rec[grp] = means[grp]
            present = {k: v for k, v in means.items() if not math.isnan(v)}
            if present:
                high, low = max(present, key=present.get), min(present, key=present.get)
                rec.update(high_group=high, low_group=low,
                           ratio=present[high] / present[low] if present[low] > 0 else math.inf)
            else:
                rec.update(high_group=None, low_group=None, ratio=math.nan)
            th = theil_decomposition(valid[code], valid["students"], valid["urban_rural_group"])
            rec.update(theil=th["total"], theil_between=th["between"], theil_within=th["within"],
                       between_share=th["between_share"])
            out.append(rec)
    return pd.DataFrame(out)


