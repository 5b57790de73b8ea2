"""School compliance: at least ``min_met`` of the seven indicators met and every unmet one at least
``min_ratio_unmet`` of its line (the school rule of the standards)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.standards import BELOW, MET, MISSING, NEARLY, Standards


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
    for code in codes:
        line = rows["stage"].map(lambda s, c=code: standards.line(c, s)).astype(float) if len(rows) else \
            pd.Series(dtype=float)
        value = rows[code].astype(float) if len(rows) else pd.Series(dtype=float)
        ratio = value / line
        cls = standards.line_classes(ratio)
        out[f"ratio_{code}"] = ratio
        out[f"class_{code}"] = cls
        out[f"met_{code}"] = cls == MET
        out[f"shortfall_{code}"] = (line - value).clip(lower=0)
        met_count += cls == MET
        missing += cls == MISSING
        unmet_known += (cls == NEARLY) | (cls == BELOW)
        too_low |= cls == BELOW
    out["met_count"] = met_count
    out["missing_count"] = missing
    fail = too_low | (unmet_known > rule.allowed_unmet)
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


