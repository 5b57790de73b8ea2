"""County metrics of the 优质均衡 method: weighted CVs, school compliance, gaps, class sizes.

Every function is pure (DataFrames and the standards mapping in, DataFrames or numbers out)
and carries its formula. Thresholds come from the ``standards`` argument only.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import contract
from analytics.config import Standards, cv_max, indicator_codes, threshold

COMPOSITE = "composite"
# Comparisons with a line allow for binary floating point (201.4 万元 stored as 201.39999…): a value
# within one part in 10⁹ of its line counts as on it. Far below any figure a bureau reports.
FLOAT_SLACK = 1e-9


# ---------------------------------------------------------------- 差异系数


@dataclass(frozen=True)
class WeightedCV:
    n: int          # schools with a value and students
    weight: float   # P = Σ P_i
    mean: float     # X̄
    sd: float       # S
    cv: float       # S / X̄


def weighted_cv(values, weights) -> WeightedCV:
    """Student-weighted coefficient of variation (教督〔2017〕6号 差异系数).

        P  = Σ P_i
        X̄  = Σ P_i·X_i / P
        S  = sqrt( Σ (P_i / P)·(X_i − X̄)² )
        CV = S / X̄

    Pairs with a missing value or no weight are left out. CV is NaN when nothing is left or
    X̄ = 0. Example: students 45, 37, 89, 76, 55 and books 279, 137, 935, 160, 402 give
    X̄ = 6.334437, S = 3.263861, CV = 0.515257 (the unweighted CV would be 0.4888).
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = np.isfinite(x) & np.isfinite(w) & (w > 0)
    x, w = x[keep], w[keep]
    if len(x) == 0:
        return WeightedCV(0, 0.0, math.nan, math.nan, math.nan)
    total = w.sum()
    mean = float((w * x).sum() / total)
    sd = float(math.sqrt(((w / total) * (x - mean) ** 2).sum()))
    cv = sd / mean if mean != 0 else math.nan
    return WeightedCV(int(len(x)), float(total), mean, sd, cv)


def variance_shares(values, weights) -> np.ndarray:
    """Each school's share of the weighted variance: (P_i/P)·(X_i − X̄)² / S².

    The shares sum to 1; a large share marks a school that pulls the CV up (far from the mean
    and/or large). NaN for schools left out (missing value or no students).
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = np.isfinite(x) & np.isfinite(w) & (w > 0)
    out = np.full(len(x), np.nan)
    if keep.sum() == 0:
        return out
    res = weighted_cv(x[keep], w[keep])
    contrib = (w[keep] / res.weight) * (x[keep] - res.mean) ** 2
    total = contrib.sum()
    out[keep] = contrib / total if total > 0 else 0.0
    return out


def cv_table(rows: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """CV of every indicator per 学段 over the in-scope rows of ONE county and year.

    Columns: stage, indicator, n_schools, students, mean, sd, cv, threshold, passed.
    ``passed`` is cv ≤ threshold (None when the CV cannot be computed). One extra row per 学段
    with indicator ``composite``: the plain mean of the seven CVs, informational only —
    its ``passed`` is always None because the county rule is per indicator.
    """
    out = []
    scoped = rows[rows["in_scope"]] if len(rows) else rows
    for stage in standards["stages"]:
        part = scoped[scoped["stage"] == stage] if len(scoped) else scoped
        if part.empty:
            continue
        line = cv_max(standards, stage)
        cvs = []
        for code in indicator_codes(standards):
            res = weighted_cv(part[code], part["students"])
            passed = None if math.isnan(res.cv) else bool(res.cv <= line * (1 + FLOAT_SLACK))
            cvs.append(res.cv)
            out.append({"stage": stage, "indicator": code, "n_schools": res.n, "students": res.weight,
                        "mean": res.mean, "sd": res.sd, "cv": res.cv, "threshold": line, "passed": passed})
        composite = float(np.mean(cvs)) if not any(math.isnan(c) for c in cvs) else math.nan
        out.append({"stage": stage, "indicator": COMPOSITE, "n_schools": len(part),
                    "students": float(part["students"].sum()), "mean": math.nan, "sd": math.nan,
                    "cv": composite, "threshold": line, "passed": None})
    return pd.DataFrame(out, columns=["stage", "indicator", "n_schools", "students", "mean", "sd",
                                      "cv", "threshold", "passed"])


def stage_verdicts(cvs: pd.DataFrame) -> pd.DataFrame:
    """Per 学段: does EVERY one of the seven CVs pass? Columns stage, status, failing.

    status: 'pass' (all seven ≤ line), 'fail' (any above), 'unknown' (none above but some
    cannot be computed). The composite is never used.
    """
    out = []
    for stage, part in cvs[cvs["indicator"] != COMPOSITE].groupby("stage", sort=False):
        failing = part.loc[part["passed"] == False, "indicator"].tolist()  # noqa: E712
        unknown = part["passed"].isna().any()
        status = "fail" if failing else ("unknown" if unknown else "pass")
        out.append({"stage": stage, "status": status, "failing": failing})
    return pd.DataFrame(out, columns=["stage", "status", "failing"])


# ---------------------------------------------------------------- school compliance


def school_compliance(rows: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Per school × 学段: which indicators meet their line and whether the school complies.

    For indicator k with line T_k: met_k = X_k ≥ T_k; ratio_k = X_k / T_k;
    shortfall_k = max(0, T_k − X_k) in the indicator's unit.
    Rule (config ``school_rule``): comply when at least ``min_met`` (6) of the 7 are met and
    every unmet one has ratio ≥ ``min_ratio_unmet`` (0.85).
    status: 'pass'; 'fail' when the known values already break the rule; 'unknown' when values
    are missing and the known ones do not break it (never counted as a pass).
    """
    rule = standards["resource"]["school_rule"]
    codes = indicator_codes(standards)
    allowed_unmet = len(codes) - int(rule["min_met"])
    out = rows[["school_id", "name", "stage", "students", "in_scope"]].copy() if len(rows) else \
        pd.DataFrame(columns=["school_id", "name", "stage", "students", "in_scope"])
    met_count = np.zeros(len(rows), dtype=int)
    missing = np.zeros(len(rows), dtype=int)
    too_low = np.zeros(len(rows), dtype=bool)
    unmet_known = np.zeros(len(rows), dtype=int)
    for code in codes:
        line = rows["stage"].map(lambda s, c=code: threshold(standards, c, s)).astype(float) if len(rows) else []
        value = rows[code].astype(float) if len(rows) else []
        ratio = value / line
        out[f"ratio_{code}"] = ratio
        out[f"met_{code}"] = ratio >= 1 - FLOAT_SLACK
        out[f"shortfall_{code}"] = (line - value).clip(lower=0)
        known = np.isfinite(np.asarray(value, dtype=float))
        met = known & np.asarray(ratio >= 1 - FLOAT_SLACK, dtype=bool)
        met_count += met
        missing += ~known
        unmet_known += known & ~met
        too_low |= known & ~met & np.asarray(ratio < float(rule["min_ratio_unmet"]) - FLOAT_SLACK, dtype=bool)
    out["met_count"] = met_count
    out["missing_count"] = missing
    fail = too_low | (unmet_known > allowed_unmet)
    out["status"] = np.where(fail, "fail", np.where(missing > 0, "unknown", "pass"))
    met_rows = zip(*[out[f"met_{c}"] for c in codes])
    out["unmet"] = [[c for c, ok in zip(codes, mets) if not ok] for mets in met_rows] if len(out) else []
    return out.reset_index(drop=True)


def compliance_summary(compliance: pd.DataFrame) -> pd.DataFrame:
    """Per 学段 count of in-scope schools by status (pass / fail / unknown) and the pass share."""
    scoped = compliance[compliance["in_scope"]]
    counts = scoped.groupby(["stage", "status"]).size().unstack(fill_value=0)
    for col in ("pass", "fail", "unknown"):
        if col not in counts:
            counts[col] = 0
    counts["schools"] = counts[["pass", "fail", "unknown"]].sum(axis=1)
    counts["pass_share"] = counts["pass"] / counts["schools"]
    return counts.reset_index()[["stage", "schools", "pass", "fail", "unknown", "pass_share"]]


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
    scoped = rows[rows["in_scope"]] if len(rows) else rows
    for stage in standards["stages"]:
        part = scoped[scoped["stage"] == stage] if len(scoped) else scoped
        if part.empty:
            continue
        for code in indicator_codes(standards):
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


# ---------------------------------------------------------------- class and school size


BANDS = ("within", "large", "big", "huge")   # ≤ line, line+1–55 偏大, 56–65 大班额, 66+ 超大班额


def stage_of_grade(grade: int) -> str:
    """Grades 1–6 are 小学, 7–9 初中."""
    return contract.PRIMARY if int(grade) <= 6 else contract.JUNIOR


def class_band(size: float, stage: str, standards: Standards) -> str:
    """Band of one class: 'within' (≤ the 学段 line, 45/50), 'large' (…–55 偏大),
    'big' (56–65 大班额), 'huge' (66+ 超大班额); edges from config ``class_size``."""
    line = standards["class_size"]["max"][stage]
    upper_large, upper_big = standards["class_size"]["band_upper"]
    if size <= line:
        return "within"
    if size <= upper_large:
        return "large"
    if size <= upper_big:
        return "big"
    return "huge"


def class_bands(classes: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Each class with its 学段 and band (columns of ``classes`` + stage, band, over_line)."""
    out = classes.copy()
    if out.empty:
        return out.assign(stage=pd.Series(dtype=object), band=pd.Series(dtype=object),
                          over_line=pd.Series(dtype=bool))
    out["stage"] = out["grade"].map(stage_of_grade)
    out["band"] = [class_band(s, st, standards) for s, st in zip(out["students"], out["stage"])]
    out["over_line"] = out["band"] != "within"
    return out


def class_bands_from_averages(stats: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Fallback without the 班级 sheet: one pseudo-class per school × 学段 of size
    students / classes (rounded up), flagged ``estimated``."""
    s = stats[(stats["stage"] != contract.WHOLE_SCHOOL) & (stats["classes"] > 0)].copy()
    s["students"] = np.ceil(s["students"] / s["classes"])
    s["grade"] = np.where(s["stage"] == contract.PRIMARY, 1, 7)
    s["class_name"] = "平均"
    out = class_bands(s[["school_id", "year", "grade", "class_name", "students", "classes"]], standards)
    out["estimated"] = True
    return out


def band_counts(banded: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Count of classes in each band grouped by ``by`` (columns: by + the four bands + total)."""
    if banded.empty:
        return pd.DataFrame(columns=by + list(BANDS) + ["total"])
    weight = banded["classes"] if "estimated" in banded else 1
    counts = banded.assign(_n=weight).pivot_table(index=by, columns="band", values="_n",
                                                 aggfunc="sum", fill_value=0)
    for b in BANDS:
        if b not in counts:
            counts[b] = 0
    counts = counts[list(BANDS)]
    counts["total"] = counts.sum(axis=1)
    return counts.reset_index()


def school_totals(stats: pd.DataFrame) -> pd.DataFrame:
    """Students and classes per school × year over its 学段 rows (全校 rows are not counted)."""
    parts = stats[stats["stage"] != contract.WHOLE_SCHOOL]
    return parts.groupby(["school_id", "year"], as_index=False)[["students", "classes"]].sum()


def oversized_schools(stats: pd.DataFrame, schools: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """School size against G4: config ``max_single_stage`` for a one-学段 school, ``max_combined`` for 一贯制.

    Columns: school_id, year, students, classes, limit, over (students > limit), excess.
    """
    totals = school_totals(stats).merge(schools[["school_id", "name", "town", "school_type", "urban_rural_group"]],
                                        on="school_id")
    size = standards["school_size"]
    totals["limit"] = np.where(totals["school_type"].map(contract.is_combined_school),
                               size["max_combined"], size["max_single_stage"])
    totals["over"] = totals["students"] > totals["limit"]
    totals["excess"] = (totals["students"] - totals["limit"]).clip(lower=0)
    return totals


def small_rural_schools(stats: pd.DataFrame, schools: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """乡村小规模学校: village 小学 and 教学点 (乡村 area) with fewer than 100 students (config).

    Returns every village school × year with students, ``small`` (< max_students) and
    ``very_small`` (< very_small_students); filter by ``small`` for the list.
    """
    rule = standards["small_school"]
    village = schools[[contract.is_village_school(t, u) for t, u in zip(schools["school_type"], schools["urban_rural_code"])]]
    totals = school_totals(stats).merge(village[["school_id", "name", "town", "school_type", "lon", "lat"]],
                                        on="school_id")
    totals["small"] = totals["students"] < rule["max_students"]
    totals["very_small"] = totals["students"] < rule["very_small_students"]
    return totals
