"""The 分年度计划 (:mod:`analytics.planning.phasing`) for people: the sentence a leader reads, the year-by-year
table, the jobs with their years, every item's status by year, the chart of money and items by year, the
policy items with their departments, and a region's pass years (the planning module computes; this one words
and lays out)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.formatting import fmt_amount, to_wan
from analytics.i18n import t
from analytics.planning.phasing import NO_LIMIT
from analytics.planning.rectification import PLANNED_CODES
from analytics.report.plan_views import unit_text
from analytics.standards import Standards


def sep(lang: str) -> str:
    """Between the items of a list in a sentence: 、 in Chinese, a comma in English."""
    return t("punct.list", lang)


def _yuan(v, lang: str) -> str:
    return fmt_amount(v, lang)


def _limit(v, lang: str, unit: str = "") -> str:
    """A ceiling or hires a year as read: the amount, or 不设上限 for none."""
    if v is None or float(v) >= NO_LIMIT:
        return t("phase.no_limit", lang)
    return _yuan(v, lang) if not unit else f"{int(v)}{unit}"


def _budget(plan: dict, lang: str) -> str:
    return _yuan(plan["inputs"]["budget_yuan"], lang)


def item_name(key: str, lang: str) -> str:
    """'小学·L2' → '小学 · 骨干教师' ; 'G4' → the item's short name."""
    stage, _, code = key.rpartition("·")
    name = t(f"indicator_short.{code}", lang) if code.startswith("L") else t(f"item_short.{code}", lang)
    return f"{t(f'stage.{stage}', lang)} · {name}" if stage else name


def phased_sentence(plan: dict, lang: str = "zh") -> str:
    """The leader's sentence: "按每年3,000万元，2027年测算项目全部达标（至当年累计投入…，此后每年经常性投入…）" — or
    why not: the items still short at the horizon and the smallest budget that passes, or that no budget does
    within the recurring ceiling, the hires a year and the lead time. Policy items are named after it."""
    inputs = plan["inputs"]
    unknown = [k for k in plan.get("unknown_items", []) if k.split("·")[-1] in PLANNED_CODES]
    if unknown and plan["pass_year"] is None:
        text = t("phase.sentence_unknown", lang, items=sep(lang).join(item_name(k, lang) for k in unknown))
    elif plan["pass_year"] is not None:
        y = plan["pass_year"]
        row = next(r for r in plan["years"] if r["year"] == y)
        text = t("phase.sentence_pass", lang, budget=_budget(plan, lang), year=y,
                 spent=_yuan(row["cumulative_yuan"], lang), recurring=_yuan(plan["recurring_yuan"], lang))
    else:
        short = sep(lang).join(item_name(k, lang) for k in plan["short_at_horizon"]) or "—"
        if plan["min_budget_yuan"] is not None:
            text = t("phase.sentence_short", lang, budget=_budget(plan, lang), end=inputs["end"], n=len(plan["short_at_horizon"]),
                     items=short, need=_yuan(plan["min_budget_yuan"], lang))
        elif plan.get("min_budget_at_need_yuan") is not None:
            text = t("phase.sentence_cap", lang, budget=_budget(plan, lang), end=inputs["end"], items=short,
                     cap=_yuan(inputs["recurring_cap_yuan"], lang), need=_yuan(plan["recurring_needed_yuan"], lang),
                     least=_yuan(plan["min_budget_at_need_yuan"], lang))
        else:
            text = t("phase.sentence_never", lang, budget=_budget(plan, lang), end=inputs["end"], items=short,
                     cap=_limit(inputs["recurring_cap_yuan"], lang), hires=_limit(inputs["hires_per_year"], lang, t("unit.persons_staff", lang)),
                     lead=inputs["lead_years"], need=_yuan(plan["recurring_needed_yuan"], lang),
                     teachers=plan["hires_needed"])
    others = [k for k in plan.get("unknown_items", []) if k not in unknown]
    if others:
        text += t("phase.sentence_unknown_other", lang, items=sep(lang).join(item_name(k, lang) for k in others))
    if plan["policy_items"]:
        text += t("phase.sentence_policy", lang, n=len(plan["policy_items"]),
                  items=sep(lang).join(item_name(i["code"], lang) for i in plan["policy_items"]))
    if not plan["forecast_used"]:
        text += t("phase.no_forecast", lang)
    return text


def year_frame(plan: dict, lang: str = "zh") -> pd.DataFrame:
    """One row a year: jobs started and done, money paid (one-off, recurring), cumulative, new teachers, pupils,
    costed items passing and those still failing — numbers as numbers (万元 to one decimal, 人)."""
    rows = []
    for r in plan["years"]:
        failing = r["failing_costed"]
        costed = [k for k in r["items"] if k.split("·")[-1] in PLANNED_CODES]
        rows.append({
            t("col.year", lang): r["year"],
            t("phase.col.started", lang): len(r["started"]), t("phase.col.done", lang): len(r["done"]),
            t("phase.col.one_off", lang): round(to_wan(r["one_off_yuan"]), 1),
            t("phase.col.recurring", lang): round(to_wan(r["recurring_yuan"]), 1),
            t("phase.col.cumulative", lang): round(to_wan(r["cumulative_yuan"]), 1), t("phase.col.hires", lang): r["hires"],
            t("phase.col.primary", lang): r["pupils"].get("小学", 0), t("phase.col.junior", lang): r["pupils"].get("初中", 0),
            t("phase.col.passing", lang): len(costed) - len(failing),
            t("phase.col.failing", lang): sep(lang).join(item_name(k, lang) for k in failing) or t("phase.none", lang)})
    return pd.DataFrame(rows)


def job_frame(plan: dict, std: Standards, lang: str = "zh") -> pd.DataFrame:
    """Every job with the year it starts, the year it is done and the year it is first needed."""
    rows = []
    for r in plan["years"]:
        for j in r["started"]:
            code = j["indicator"]
            rows.append({t("phase.col.start", lang): r["year"], t("phase.col.done_year", lang): r["year"] + j["lead"],
                         t("phase.col.need", lang): j["need"], t("col.school", lang): j["name"] or t("phase.county_wide", lang),
                         t("col.stage", lang): t(f"stage.{j['stage']}", lang),
                         t("col.indicator", lang): t(f"indicator_short.{code}" if code.startswith("L") else f"item_short.{code}", lang),
                         t("plan.quantity", lang): j["quantity"], t("plan.unit", lang): unit_text(j["unit"], lang),
                         t("plan.one_off_yuan", lang): round(j["one_off_yuan"]),
                         t("plan.recurring_yuan", lang): round(j["recurring_yuan"])})
    return pd.DataFrame(rows)


def status_frame(plan: dict, lang: str = "zh") -> pd.DataFrame:
    """Every item (rows) × year (columns): its status that year, as the scorecard computes it."""
    if not plan["years"]:
        return pd.DataFrame()
    keys = list(plan["years"][0]["items"])
    data = {t("score.item", lang): [item_name(k, lang) for k in keys]}
    for r in plan["years"]:
        data[str(r["year"])] = [t(f"status.{r['items'].get(k, 'unknown')}", lang) for k in keys]
    return pd.DataFrame(data)


def phased_sheets(plan: dict, std: Standards, lang: str = "zh") -> dict[str, pd.DataFrame]:
    return {t("phase.sheet_years", lang): year_frame(plan, lang), t("phase.sheet_jobs", lang): job_frame(plan, std, lang),
            t("phase.sheet_items", lang): status_frame(plan, lang)}


def phased_chart(plan: dict, lang: str = "zh") -> go.Figure:
    """Money paid each year (one-off and recurring bars, 万元), the cumulative one-off money against the cumulative
    one-off budget (the budget is for one-off money; the recurring money has its own ceiling), and the costed items
    passing each year (right axis)."""
    years = [r["year"] for r in plan["years"]]
    budget = plan["inputs"]["budget_yuan"]
    fig = go.Figure([
        go.Bar(x=years, y=[to_wan(r["one_off_yuan"]) for r in plan["years"]], name=t("money.one_off", lang),
               marker_color="#0072B2"),
        go.Bar(x=years, y=[to_wan(r["recurring_yuan"]) for r in plan["years"]], name=t("money.recurring", lang),
               marker_color="#E69F00"),
        go.Scatter(x=years, y=list(np.cumsum([to_wan(r["one_off_yuan"]) for r in plan["years"]])),
                   name=t("phase.cumulative_one_off", lang), mode="lines+markers", line={"color": "#000000"}),
        go.Scatter(x=years, y=[to_wan(budget * (k + 1)) for k in range(len(years))], name=t("phase.budget_line", lang),
                   mode="lines", line={"color": "#999999", "dash": "dash"}),
        go.Scatter(x=years, y=[_passing(r) for r in plan["years"]], name=t("phase.items_passing", lang), yaxis="y2",
                   mode="lines+markers", line={"color": "#009E73"}),
    ])
    fig.update_layout(barmode="stack", yaxis={"title": t("unit.wan_yuan", lang)},
                      yaxis2={"title": t("phase.items_axis", lang), "overlaying": "y", "side": "right", "rangemode": "tozero",
                              "tickformat": "d", "dtick": 2},
                      xaxis={"dtick": 1, "tickformat": "d"}, legend={"orientation": "h", "y": -0.15})
    return fig


def _passing(r: dict) -> int:
    costed = [k for k in r["items"] if k.split("·")[-1] in PLANNED_CODES]
    return len(costed) - len(r["failing_costed"])


def policy_frame(items: list[dict], std: Standards, lang: str = "zh") -> pd.DataFrame:
    """The items no money buys: each with its status, its measure and the departments that carry it
    (``responsible`` of the standards)."""
    rows = []
    for u in items:
        rows.append({t("score.item", lang): item_name(u["code"] if not u.get("stage") else f"{u['stage']}·{u['code']}", lang),
                     t("col.status", lang): t(f"status.{u['status']}", lang), t("plan.measure", lang): t(u["measure"], lang),
                     t("phase.col.departments", lang): sep(lang).join(t(f"dept.{d}", lang) for d in responsible(u["base"], std))})
    return pd.DataFrame(rows)


def responsible(code: str, std: Standards) -> list[str]:
    """The departments (dept.* keys) that carry item ``code``'s policy measure."""
    table = std.get("responsible") or {}
    return list(table.get(code) or table.get("other") or ["education"])


def region_frame(out: dict, lang: str = "zh") -> pd.DataFrame:
    """A region's counties under one budget each: pass year (or 期内不能达标), the least budget when it does not
    pass (— when it does), the money funded in 万元 (one-off, recurring a year), the items short and for policy."""
    c = out["counties"]
    return pd.DataFrame({
        t("col.county", lang): c["county_name"],
        t("phase.col.pass_year", lang): [int(y) if pd.notna(y) else t("phase.not_by_end", lang) for y in c["pass_year"]],
        t("phase.col.min_budget", lang): [round(to_wan(v), 1) if pd.notna(v) else "—" for v in c["min_budget_yuan"]],
        t("money.one_off_wan", lang): to_wan(c["one_off_yuan"].astype(float)).round(1),
        t("money.recurring_wan", lang): to_wan(c["recurring_yuan"].astype(float)).round(1),
        t("phase.col.short", lang): c["short_at_horizon"], t("phase.col.policy", lang): c["policy_items"]})


def timeline_chart(out: dict, lang: str = "zh") -> go.Figure:
    """How many counties can apply in each year: bars of those passing that year, the cumulative line."""
    tl = out["timeline"]
    years = tl["year"].tolist()
    fig = go.Figure([go.Bar(x=years, y=tl["passing"].tolist(), name=t("phase.tl_new", lang), marker_color="#0072B2"),
                     go.Scatter(x=years, y=tl["cumulative"].tolist(), name=t("phase.tl_cumulative", lang),
                                mode="lines+markers", line={"color": "#000000"})])
    fig.update_layout(xaxis={"dtick": 1, "tickformat": "d"},
                      yaxis={"title": t("phase.tl_axis", lang), "rangemode": "tozero", "tickformat": "d",
                             "range": [0, max(1, int(tl["total"].max()) if len(tl) else 1)]},
                      legend={"orientation": "h", "y": -0.15})
    return fig
