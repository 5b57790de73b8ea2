"""Schools told apart: names repeat within a county (two 亭湖区伍佑大兴小学 in the demo); ids do not."""
from __future__ import annotations

import math
from collections import Counter


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def school_labels(ids, names, towns=None) -> list[str]:
    """A label per school that tells schools with the same name apart, for rows, axes and lists:
    the name; name（town）when another school has the name; name（id）when even that repeats.

    Example: ids 1, 2, 3 named 大兴小学, 大兴小学, 城东小学 in 伍佑镇, 便仓镇, 五星街道 →
    大兴小学（伍佑镇）, 大兴小学（便仓镇）, 城东小学. Charts and tables keyed by these labels cannot
    shift a value onto a namesake (plotly merges equal category names)."""
    ids = [str(i) for i in ids]
    names = ["" if _missing(n) else str(n) for n in names]
    towns = [""] * len(ids) if towns is None else ["" if _missing(t) else str(t) for t in towns]
    by_name = Counter(names)
    by_name_town = Counter(zip(names, towns))
    out = []
    for i, n, t in zip(ids, names, towns):
        if by_name[n] == 1 and n:
            out.append(n)
        elif t and by_name_town[(n, t)] == 1:
            out.append(f"{n}（{t}）")
        else:
            out.append(f"{n}（{i}）" if n else i)
    return out
