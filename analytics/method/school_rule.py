"""School compliance: at least ``min_met`` of the seven indicators met and every unmet one at least
``min_ratio_unmet`` of its line (the school rule of the standards)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.standards import BELOW, MET, MISSING, NEARLY, Standards
from analytics.method.coverage import combine, combine_flags


# ---------------------------------------------------------------- school compliance


def school_compliance(rows: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Per school × 学段: which indicators meet their line and whether the school complies.

    For indicator k with line T_k: ratio_k = X_k / T_k; class_k = met / nearly / below / missing by
    :meth:`Standards.line_class` (met: ratio ≥ 1; nearly: ≥ the rule's ``min_ratio_unmet``);
    shortfall_k = max(0, T_k − X_k) in the indicator's unit.
    Rule (``resource.school_rule``): comply when at least ``min_met`` of the 7 are met and no
    indicator is below ``min_ratio_unmet`` of its line.
    status: 'pass'; 'fail' when the known values already break the rule; 'unknown' when values
    are missing and the known ones do not break it (never counted as a pass).
    """
    rule = standards.school_rule
    codes = standards.indicator_codes
    keep = ["school_id", "name", "town", "stage", "students", "in_scope"]
    keep = [c for c in keep if c in rows.columns] if len(rows) else keep
    out = rows[keep].copy() if len(rows) else pd.DataFrame(columns=keep)
    met_count = np.zeros(len(rows), dtype=int)
    missing = np.zeros(len(rows), dtype=int)
    too_low = np.zeros(len(rows), dtype=bool)
    unmet_known = np.zeros(len(rows), dtype=int)
    stages = rows["stage"].unique() if len(rows) else []
    is_met, is_nearly, is_below, is_missing = (standards.CLASS_ORDER.index(c) for c in (MET, NEARLY, BELOW, MISSING))
    for code in codes:
        line = rows["stage"].map({s: standards.line(code, s) for s in stages}).astype(float) if len(rows) else \
            pd.Series(dtype=float)
        value = rows[code].astype(float) if len(rows) else pd.Series(dtype=float)
        ratio = value / line
        code_of = standards.line_class_codes(ratio)
        cls = pd.Categorical.from_codes(code_of, categories=list(standards.CLASS_ORDER))   # 4 values, no text copies
        out[f"ratio_{code}"] = ratio
        out[f"class_{code}"] = cls
        out[f"met_{code}"] = code_of == is_met
        out[f"shortfall_{code}"] = (line - value).clip(lower=0)
        met_count += code_of == is_met
        missing += code_of == is_missing
        unmet_known += (code_of == is_nearly) | (code_of == is_below)
        too_low |= code_of == is_below
    out["met_count"] = met_count
    out["missing_count"] = missing
    fail = too_low | (unmet_known > rule.allowed_unmet)
    out["status"] = combine_flags(fail, missing > 0)
    # the unmet codes of each row: one list per distinct pattern of the seven (a bit mask), not per row
    mask = sum(out[f"met_{c}"].to_numpy(dtype=bool).astype(np.int64) << k for k, c in enumerate(codes)) if len(out) else []
    lists = {int(m): [c for k, c in enumerate(codes) if not (int(m) >> k) & 1] for m in set(np.asarray(mask).tolist())}
    out["unmet"] = [list(lists[m]) for m in np.asarray(mask).tolist()] if len(out) else []
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




def school_status(stage_statuses: list[str], in_scope: bool) -> str:
    """One status for a school with one or two 学段 (its map colour): out of scope → 'out'; else its 学段's
    statuses combined (:func:`coverage.combine`: any fail → fail, any unknown → unknown, else pass)."""
    return combine(stage_statuses) if in_scope else "out"


def school_statuses(any_in_scope, any_failing, any_unknown):
    """:func:`school_status` over arrays, from each school's flags (a province's 10,000 schools at once)."""
    import numpy as np
    return np.where(np.asarray(any_in_scope, dtype=bool), combine_flags(any_failing, any_unknown), "out")


def r8_by(compliance: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """R8 (the school rule's pass share) per group of in-scope compliance rows (:func:`school_compliance`),
    e.g. by county and 学段: value = share of schools that pass, n_scope, n_schools (passing), status by
    :func:`coverage.combine_flags` (a school known to fail → fail; else any unknown → unknown; else pass) and
    passed (None while unknown)."""
    flags = compliance.assign(ok=compliance["status"] == "pass", bad=compliance["status"] == "fail",
                              unknown=compliance["status"] == "unknown")
    out = flags.groupby(by).agg(value=("ok", "mean"), n_scope=("ok", "size"), n_schools=("ok", "sum"),
                                bad=("bad", "any"), unknown=("unknown", "any")).reset_index()
    out["status"] = combine_flags(out["bad"], out["unknown"])
    out["passed"] = pd.Series(np.where(out["status"] == "unknown", None, out["status"] == "pass"), dtype=object)
    return out
