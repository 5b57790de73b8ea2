"""差异系数: the student-weighted coefficient of variation of the resource indicators (教督〔2017〕6号).

Pure functions: DataFrames and the standards in, numbers or DataFrames out, formula in each docstring.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.method.coverage import FAIL, PASS, Coverage, decide
from analytics.method.indicators import in_scope_by_stage
from analytics.standards import FLOAT_SLACK, Standards

CV_COLUMNS = ["stage", "indicator", "n_schools", "students", "mean", "sd", "cv", "threshold", "passed",
              "n_scope", "missing", "status"]

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

    Columns: stage, indicator, n_schools (schools the CV is computed over), students, mean, sd, cv,
    threshold, passed, n_scope (school-学段 rows in scope), missing (ids of those without the
    indicator), status. The CV is computed over the schools with a value; it is the county's CV only
    when none is missing: ``passed`` is cv ≤ the 学段's line at full coverage, None (status
    'unknown', the partial CV kept for display) otherwise — a partial CV can fall either way once
    the missing schools are in, so it never passes and never fails. Only the seven indicators: the
    composite is informational and has its own function, :func:`composite_cv`.
    """
    out = []
    for stage, part in in_scope_by_stage(rows, standards):
        line = standards.cv_line(stage)
        for code in standards.indicator_codes:
            res = weighted_cv(part[code], part["students"])
            coverage = Coverage.of(part["school_id"], part.loc[part[code].isna(), "school_id"])
            rule_met = None if math.isnan(res.cv) else bool(res.cv <= line * (1 + FLOAT_SLACK))
            status = decide(coverage, known_failing=False, rule_met=rule_met)
            out.append({"stage": stage, "indicator": code, "n_schools": res.n, "students": res.weight,
                        "mean": res.mean, "sd": res.sd, "cv": res.cv, "threshold": line,
                        "passed": {PASS: True, FAIL: False}.get(status), "n_scope": coverage.total,
                        "missing": list(coverage.missing), "status": status})
    return pd.DataFrame(out, columns=CV_COLUMNS).astype({"passed": object})


def composite_cv(cvs: pd.DataFrame) -> dict[str, float]:
    """Per 学段 the plain mean of its seven CVs (综合差异系数) — informational only, never a verdict:
    the county rule is per indicator. NaN when any of the seven cannot be computed."""
    out = {}
    for stage, part in cvs.groupby("stage", sort=False):
        values = part["cv"].astype(float)
        out[stage] = float(values.mean()) if len(values) and values.notna().all() else math.nan
    return out


def stage_verdicts(cvs: pd.DataFrame) -> pd.DataFrame:
    """Per 学段: does EVERY one of the seven CVs pass? Columns stage, status, failing.

    status: 'pass' (all seven ≤ line), 'fail' (any above), 'unknown' (none above but some
    cannot be computed).
    """
    out = []
    for stage, part in cvs.groupby("stage", sort=False):
        failing = part.loc[part["passed"] == False, "indicator"].tolist()  # noqa: E712
        unknown = part["passed"].isna().any()
        status = "fail" if failing else ("unknown" if unknown else "pass")
        out.append({"stage": stage, "status": status, "failing": failing})
    return pd.DataFrame(out, columns=["stage", "status", "failing"])




def county_cv_table(rows: pd.DataFrame, codes: list[str], lines: dict) -> pd.DataFrame:
    """:func:`cv_table` of MANY counties in one grouped pass (a province or the whole country at once).

    ``rows``: indicator rows of any number of counties (columns county_code, stage, school_id,
    in_scope, students and the indicator ``codes``); ``lines``: the CV line per (county_code, stage) key.
    Per county × 学段 × indicator over the in-scope rows, with the same formula as :func:`weighted_cv`:

        P = Σ P_i,  X̄ = Σ P_i·X_i / P,  S = sqrt( Σ (P_i / P)·(X_i − X̄)² ),  CV = S / X̄

    (rows without a value or without students left out), and the same decision as :func:`cv_table`:
    a missing value in scope → 'unknown' (passed None), else pass when CV ≤ line, fail otherwise.
    Columns: county_code, stage, indicator, n_schools, students, mean, sd, cv, threshold, passed,
    n_scope, n_missing, status.
    """
    keys = ["county_code", "stage", "indicator"]
    columns = keys + ["n_schools", "students", "mean", "sd", "cv", "threshold", "passed", "n_scope", "n_missing", "status"]
    scoped = rows[rows["in_scope"].astype(bool)] if len(rows) else rows
    if scoped.empty:
        return pd.DataFrame(columns=columns)
    long = scoped.melt(id_vars=["county_code", "stage", "school_id", "students"], value_vars=list(codes),
                       var_name="indicator", value_name="x")
    x = pd.to_numeric(long["x"], errors="coerce").to_numpy(dtype=float)
    w = pd.to_numeric(long["students"], errors="coerce").to_numpy(dtype=float)
    groups = long.groupby(keys, sort=True)
    out = pd.DataFrame({"n_scope": groups.size(),
                        "n_missing": pd.Series(np.isnan(x), index=long.index).groupby([long[k] for k in keys]).sum()})
    keep = np.isfinite(x) & np.isfinite(w) & (w > 0)
    valid = long.loc[keep, keys].assign(x=x[keep], w=w[keep])
    valid["wx"] = valid["w"] * valid["x"]
    by = valid.groupby(keys, sort=True)
    total = by["w"].transform("sum")
    mean = by["wx"].transform("sum") / total
    valid["dev"] = (valid["w"] / total) * (valid["x"] - mean) ** 2
    stats = pd.DataFrame({"n_schools": by.size(), "students": by["w"].sum(),
                          "mean": by["wx"].sum() / by["w"].sum(), "sd": np.sqrt(by["dev"].sum())})
    out = out.join(stats, how="left")
    out["n_schools"] = out["n_schools"].fillna(0).astype(int)
    out["students"] = out["students"].fillna(0.0)
    out["cv"] = np.where(out["mean"].fillna(0) != 0, out["sd"] / out["mean"].where(out["mean"] != 0), np.nan)
    out = out.reset_index()
    out["threshold"] = [float(lines.get((c, s), np.nan)) for c, s in zip(out["county_code"], out["stage"])]
    met = out["cv"] <= out["threshold"] * (1 + FLOAT_SLACK)
    known = (out["n_missing"] == 0) & out["cv"].notna()
    out["status"] = np.where(~known, "unknown", np.where(met, "pass", "fail"))
    out["passed"] = pd.Series(np.where(known, met, None), dtype=object).where(known, None)
    out["n_missing"] = out["n_missing"].astype(int)
    return out[columns]
