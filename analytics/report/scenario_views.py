"""布局方案比选 (:mod:`analytics.planning.scenarios`) for people: values with their units, the comparison table,
each step and each log entry in a sentence, the flags of a plan — in the reader's language (the planning module
computes; this one only words and lays out)."""
from __future__ import annotations

import math

import pandas as pd

from analytics.formatting import fmt_count, fmt_cv, fmt_indicator, fmt_pct
from analytics.i18n import catalog, t
from analytics.io import contract
from analytics.planning.scenarios import (
    METRIC_UNITS,
    THROUGH,
    YUAN_PER_WAN,
    Step,
    new_school_parts,
    peak_from,
)
from analytics.standards import Standards


def format_value(metric: str, value, lang: str = "zh") -> str:
    """One comparison cell for reading: shares as %, CVs at 3 decimals, costs in 万元, counts with units."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if metric == "beyond":
        return fmt_pct(value)
    if metric.startswith("cv."):
        return fmt_cv(value)
    if metric == "verdict":
        return t(f"status.{value}", lang)
    if metric == "shortage_year":
        return t("unit.year_of", lang, year=int(value))
    if metric == "cost_one_off":
        return f"{value / YUAN_PER_WAN:,.0f} 万元" if lang == "zh" else f"{value / 1e6:,.1f} M yuan"
    if metric == "cost_recurring":
        return f"{value / YUAN_PER_WAN:,.0f} 万元/年" if lang == "zh" else f"{value / 1e6:,.1f} M yuan a year"
    return fmt_count(value, lang, t(METRIC_UNITS[metric], lang) if metric in METRIC_UNITS else "")


def kpi_deltas(a: dict, b: dict, stage: str) -> dict:
    """The headline figures of scenario ``a`` and their change against ``b`` (what the page's KPI row shows).

    shortage: seats short in the 学段's tightest year of the plan period once every step of both scenarios has
    opened (``shortage_since``, the later ``opened_by``; the whole period when nothing opens later — before a new
    school opens its seats cannot count), Σ over towns of max(0, demand − seats) in that one year
    (:func:`scenarios.peak_from`), and ``shortage_year`` that year of ``a``; beyond: share of the 学段's children beyond the norm, change in percentage points; big:
    classes of 大班额 or more; complying: schools of the 学段 that comply; cost_one_off and cost_recurring: the
    scenario's money in 元, once and every year.
    Each value is (a, a − b); beyond's change is None when either side is unknown.
    """
    opened = [y for y in (a.get("opened_by"), b.get("opened_by")) if y is not None]
    since = max(opened) if opened else None
    (short_a, year_a), (short_b, _) = (peak_from(r, stage, since) for r in (a, b))
    ba, bb = a["beyond"].get(stage), b["beyond"].get(stage)
    ca, cb = a["complying"].get(stage, 0), b["complying"].get(stage, 0)
    return {"shortage": (short_a, short_a - short_b), "shortage_year": year_a, "shortage_since": since,
            "beyond": (ba, None if ba is None or bb is None else round(100 * (ba - bb), 1)),
            "big": (a["big_classes"], a["big_classes"] - b["big_classes"]),
            "complying": (ca, ca - cb),
            "cost_one_off": (a["cost_one_off"], a["cost_one_off"] - b["cost_one_off"]),
            "cost_recurring": (a["cost_recurring"], a["cost_recurring"] - b["cost_recurring"])}


def display_table(table: pd.DataFrame, std: Standards, lang: str = "zh") -> pd.DataFrame:
    """The comparison of :func:`compare` with labels (stating the lines of ``std``) and formatted cells
    (what the page and the Excel show)."""
    names = [c for c in table.columns if c not in ("metric", "stage")]
    label = [t(f"scen.metric.{m.split('.')[0]}", lang, std=std.wording) + (f"·{t(f'indicator_short.{m[3:]}', lang)}" if m.startswith("cv.") else "")
             for m in table["metric"]]
    out = pd.DataFrame({t("col.indicator", lang): label,
                        t("col.stage", lang): table["stage"].map(lambda s: t(f"stage.{s}", lang) if isinstance(s, str) else "")})
    for n in names:
        out[n] = [format_value(m, v, lang) for m, v in zip(table["metric"], table[n])]
    return out


def describe(step: dict, names: dict, std: Standards, lang: str = "zh") -> str:
    """A step in words for the step list: what it does, where, how many classes and seats, from when."""
    kind = step["kind"]
    stage = t(f"stage.{step.get('stage', contract.PRIMARY)}", lang)
    classes, junior = int(step.get("classes", 0)), int(step.get("junior_classes", 0))
    seats = sum(c * int(std["planning"]["seats_per_class"][st]) for st, c in new_school_parts(Step.from_dict(step))) \
        if kind == "open" else classes * int(std["planning"]["seats_per_class"][step.get("stage", contract.PRIMARY)])
    if kind == "open" and step.get("stage") == THROUGH:
        kind = "open_through"
    return t(f"scen.step.{kind}", lang, stage=stage, name=step.get("name", ""), classes=classes, junior=junior, seats=f"{seats:,}",
             opens=step.get("opens") or "—", school=names.get(step.get("school_id"), step.get("school_id", "")))


def describe_log(entry: dict, lang: str = "zh") -> str:
    """What a step did, from :attr:`State.log`: pupils moved, schools involved, hires."""
    kind = entry["kind"]
    if kind == "open":
        return t("scen.did.open", lang, name=entry["name"], n=len({r["src"] for r in entry["from"]}), pupils=f"{entry['pupils']:,}",
                 hires=entry["hires"])
    if kind == "expand":
        return t("scen.did.expand", lang, classes=entry["classes"], hires=entry["hires"])
    if kind == "close":
        over = t("scen.did.over", lang) if any(r["over_capacity"] for r in entry["to"]) else ""
        return t("scen.did.close", lang, name=entry["name"], pupils=f"{entry['pupils']:,}",
                 n=len({r["school_id"] for r in entry["to"]}), over=over)
    return t("scen.did.redraw", lang, pupils=f"{entry['pupils']:,}")


def describe_flag(flag: dict, names: dict, lang: str = "zh") -> tuple[str, list[str]]:
    """A flagged CV (:func:`cv_flags`) in words: the headline and one line per school that moved it."""
    code = flag["indicator"]
    head = t("scen.flag.head", lang, stage=t(f"stage.{flag['stage']}", lang), indicator=t(f"indicator_short.{code}", lang),
             before=fmt_cv(flag["cv_before"]), after=fmt_cv(flag["cv"]), line=f"{flag['threshold']:.2f}",
             status=t("status." + ("pass" if flag["passed"] is True else "fail"), lang))
    lines = []
    for w in flag["why"]:
        lines.append(t(f"scen.flag.{w['kind']}", lang, school=names.get(w["school_id"], w["school_id"]),
                       before=fmt_indicator(code, w["value_before"], lang), value=fmt_indicator(code, w["value"], lang),
                       p_before=f"{w['students_before'] or 0:,.0f}", p=f"{w['students']:,.0f}"))
    return head, lines


def result_words(result: dict, lang: str = "zh") -> str:
    """What a site suggestion achieved, in words with units: p-median as the pupil-weighted mean distance
    to school (米) before → after, MCLP as the children within the service radius before → after; the
    solver's status (pulp's Optimal / Not Solved / Infeasible / …) in the reader's language."""
    status_key = "sites.status." + str(result.get("status", "")).lower().replace(" ", "_")
    status = t(status_key, lang) if status_key in catalog() else str(result.get("status", ""))
    before, after, children = result.get("before"), result.get("objective"), result.get("children") or 0.0
    if after is None or (isinstance(after, float) and math.isnan(after)):
        return t("sites.words.none", lang, status=status)
    if result.get("model") == "shortage":
        return t("sites.words.shortage", lang, status=status, short="—" if before is None else f"{before:,.0f}",
                 covered=f"{after:,.0f}")
    if result.get("model") == "mclp":
        return t("sites.words.mclp", lang, status=status, before="—" if before is None else f"{before:,.0f}",
                 after=f"{after:,.0f}", children=f"{children:,.0f}")
    mean = lambda v: "—" if v is None or not children else f"{v / children:,.0f}"  # noqa: E731
    return t("sites.words.pmedian", lang, status=status, before=mean(before), after=mean(after))
