"""Numbers formatted for Chinese readers (万, %, ㎡) with units, and their English variants."""
from __future__ import annotations

import math

from analytics.i18n import t

# Decimals shown per indicator (values are kept at full precision).
INDICATOR_DECIMALS = {"L1": 2, "L2": 2, "L3": 2, "L4": 2, "L5": 2, "L6": 0, "L7": 2}


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_count(n, lang: str = "zh", unit: str = "") -> str:
    """A count: 61 626 → '6.16万' (zh, from 10 000 up) or '61,626' (en); unit appended."""
    if _missing(n):
        return "—"
    n = float(n)
    if lang == "zh" and abs(n) >= 10_000:
        text = f"{n / 10_000:.2f}万"
    else:
        text = f"{n:,.0f}"
    return f"{text}{unit}"


def fmt_pct(x, digits: int = 1) -> str:
    """A share 0.286 → '28.6%'."""
    if _missing(x):
        return "—"
    return f"{100 * float(x):.{digits}f}%"


def fmt_cv(x) -> str:
    """A CV at 3 decimals (computed at full precision)."""
    return "—" if _missing(x) else f"{float(x):.3f}"


def fmt_indicator(code: str, value, lang: str = "zh") -> str:
    """An indicator value with its unit: L4 5.04 → '5.04 ㎡/生', L6 2397.3 → '2,397 元/生'."""
    if _missing(value):
        return "—"
    decimals = INDICATOR_DECIMALS.get(code, 2)
    return f"{float(value):,.{decimals}f} {t('unit.' + code, lang)}"


def fmt_signed(x, digits: int = 3) -> str:
    """A change with its sign: +0.012 / −0.004."""
    if _missing(x):
        return "—"
    return f"{float(x):+.{digits}f}".replace("-", "−")

