"""Numbers formatted for Chinese readers (万, %, ㎡) with units, and their English variants."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from analytics.i18n import t

# Decimals shown per indicator (values are kept at full precision).
INDICATOR_DECIMALS = {"L1": 2, "L2": 2, "L3": 2, "L4": 2, "L5": 2, "L6": 0, "L7": 2}


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_count(n, lang: str = "zh", unit: str = "") -> str:
    """A count: 61 626 → '6.16万' (zh, from 10 000 up), 175 051 300 → '1.75亿' (from 10⁸ up), or
    '61,626' (en); unit appended."""
    if _missing(n):
        return "—"
    n = float(n)
    if lang == "zh" and abs(n) >= 100_000_000:
        text = f"{n / 100_000_000:.2f}亿"
    elif lang == "zh" and abs(n) >= 10_000:
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


def decimals_apart(value, line, digits: int = 3, most: int = 6) -> int:
    """The fewest decimals (from ``digits`` up to ``most``) at which ``value`` and its ``line`` read apart —
    0.4996 against 0.50 needs 4 ('0.4996'), not 3 ('0.500' would read as on the line and passing);
    ``digits`` when they are equal or either is unknown."""
    if _missing(value) or _missing(line) or float(value) == float(line):
        return digits
    for d in range(digits, most + 1):
        if round(float(value), d) != round(float(line), d):
            return d
    return most


def fmt_cv_near(value, line) -> str:
    """A CV against its line, with as many decimals as it takes to read which side it is on
    (:func:`decimals_apart`): 0.514, 0.4996, 0.500 only when it is 0.500."""
    if _missing(value):
        return "—"
    return f"{float(value):.{decimals_apart(value, line)}f}"


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



# How a scorecard item's value reads: (kind, unit key). Shares print as %, counts with their unit.
ITEM_VALUE_KINDS = {"R8": ("share", ""), "G3": ("share", ""), "G6": ("share", ""), "G4": ("count", "unit.persons"),
                    "G5": ("count", "unit.class_count"), "G7": ("count", "unit.yuan_per_pupil"), "Q9": ("rate", "")}


def fmt_item_value(code: str, value, kind: str = "", lang: str = "zh", line=None) -> str:
    """A scorecard value with its unit: a CV as 0.514; a share of schools or a county ratio as 48.0%;
    G4 3,300人, G5 670个班, G7 7,687元/生; a qualitative item (``kind`` 'qualitative') as 是 / 否;
    Q9's rate as 0.095. "—" when there is no value."""
    if _missing(value):
        return "—"
    v = float(value)
    base = code.split("·")[0]
    if base.startswith("L"):
        return fmt_cv_near(v, line)                # with its line: 0.4996 never reads as 0.500
    if kind == "qualitative":
        return t("common.yes" if v >= 1 else "common.no", lang)
    how, unit = ITEM_VALUE_KINDS.get(base, ("share", ""))
    if how == "count":
        return f"{v:,.0f}{t(unit, lang)}"
    if how == "rate":
        return f"{v:.3f}"
    return fmt_pct(v)


YUAN_PER_WAN = 10_000.0


def fmt_cv_line(threshold, spaced: bool = False) -> str:
    """A CV line as every table and sentence writes it: ≤ and two decimals ('≤0.50'; ``spaced``: '≤ 0.50')."""
    return "—" if _missing(threshold) else f"≤{' ' if spaced else ''}{float(threshold):.2f}"


def to_wan(yuan):
    """元 → 万元 (a number or an array/Series)."""
    return yuan / YUAN_PER_WAN


def fmt_amount(yuan, lang: str = "zh") -> str:
    """A budget as people say it: whole 万元 without decimals ("3,000万元"; from 1,000万 up rounded to the 万:
    48,470,535 → "4,847万元"), from 1亿 up in 亿 ("1.75亿元"); otherwise as :func:`fmt_count` ("190.25万元");
    en in yuan with separators."""
    if _missing(yuan):
        return "—"
    unit = t("unit.yuan", lang)
    wan = float(yuan) / YUAN_PER_WAN
    if lang == "zh" and abs(float(yuan)) < 100_000_000 and abs(wan) >= 1 and (abs(wan - round(wan)) < 1e-9 or abs(wan) >= 1000):
        return f"{round(wan):,}万{unit}"
    return fmt_count(yuan, lang, unit)


def fmt_wan(yuan, decimals: int = 1) -> str:
    """An amount in 万元 as a number for a table or a sentence that names the unit itself: 12,345.6."""
    return "—" if _missing(yuan) else f"{to_wan(float(yuan)):,.{decimals}f}"


def fmt_money_split(totals: dict, lang: str = "zh") -> str:
    """A plan's money as a budget reads it, never one sum of unlike things: one-off, recurring per year and the
    cumulative over the horizon (:func:`analytics.planning.rectification.cost_totals`). Example (zh):
    "一次性投入1.23亿元；每年经常性投入5,190.00万元/年；6年累计4.35亿元"."""
    yuan = t("unit.yuan", lang)
    return t("money.split", lang, one_off=fmt_count(totals.get("one_off_yuan"), lang, yuan),
             recurring=fmt_count(totals.get("recurring_yuan"), lang, yuan), years=int(totals.get("horizon_years") or 0),
             total=fmt_count(totals.get("cumulative_yuan"), lang, yuan))


def fmt_item_line(code: str, threshold, kind: str = "", lang: str = "zh", std=None) -> str:
    """The line of a scorecard item with its direction and unit, in the form of :func:`fmt_item_value`: a CV
    line with ≤ and two decimals; a whole-share line as a percentage without a sign; other shares and
    amounts with ≥; G5's count of classes as it is; Q9 with <; a qualitative item as 是. G4 has no single
    line: both school-size lines are read from the standards (``std``)."""
    base = code.split("·")[0]
    if base == "G4" and std is not None:
        persons = t("unit.persons", lang)
        return f"≤{std.school_size_max(False):,}{persons}（{t('score.combined', lang)}≤{std.school_size_max(True):,}{persons}）"
    if _missing(threshold):
        return "—"
    text = fmt_item_value(code, threshold, kind, lang)
    if base.startswith("L"):
        return fmt_cv_line(threshold)
    if base == "Q9":
        return f"<{text}"
    if base == "G5" or kind == "qualitative" or float(threshold) >= 1 and ITEM_VALUE_KINDS.get(base, ("share",))[0] == "share":
        return text
    return f"≥{text}"


CHINA_TIME = timezone(timedelta(hours=8), "北京时间")


def fmt_time(iso: str | None, lang: str = "zh") -> str:
    """A stored ISO time (UTC) in China time, to the minute: '2026-12-01T00:57:36+00:00' →
    '2026-12-01 08:57（北京时间）' ('… 08:57 (Beijing time)' in English); '—' when blank or unreadable."""
    if not iso:
        return "—"
    try:
        when = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") + t("time.china", lang)
