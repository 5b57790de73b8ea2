"""The 整改方案 (:mod:`analytics.planning.rectification`) for people: measure names, the plan's sheets for Excel,
the teacher routes as tables and sentences, and the page's view — headers and words in the reader's language
(the planning module computes; this one only words and lays out)."""
from __future__ import annotations

import pandas as pd

from analytics.formatting import fmt_cv_line, fmt_wan, to_wan
from analytics.i18n import t
from analytics.method.labels import school_labels
from analytics.standards import Standards


PLAN_UNITS = {"人": "persons", "㎡": "m2", "元": "yuan", "间": "rooms", "个班": "classes", "个学位": "seats",
              "元/年": "yuan_year"}


def unit_text(unit: str, lang: str) -> str:
    """A plan action's unit (人, ㎡, 间, 个班, 个学位, 元, 元/年) in the reader's language."""
    return t(f"plan.unit_name.{PLAN_UNITS[unit]}", lang) if unit in PLAN_UNITS else unit


def action_label(code: str, lang: str, std: Standards) -> str:
    """What an action adds: the resource indicator's short name (L1–L7) or the guarantee item (G3),
    the latter stating the lines of ``std``."""
    return t(f"indicator_short.{code}" if code.startswith("L") else f"item.{code}", lang, std=std.wording)


def plan_sheets(plan: dict, schools: pd.DataFrame, std: Standards, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The plan as Excel sheets with Chinese headers: actions, totals per school / indicator / town, check."""
    towns = dict(zip(schools["school_id"], schools["town"]))
    acts = action_frame(plan["actions"] + plan["guarantee_actions"])
    acts["town"] = acts["school_id"].map(towns)
    acts["indicator_name"] = acts["indicator"].map({c: action_label(c, lang, std) for c in acts["indicator"].unique()})
    cols = {"school_id": t("col.school_id", lang), "name": t("col.school", lang), "town": t("col.town", lang),
            "stage": t("col.stage", lang), "indicator_name": t("col.indicator", lang),
            "quantity": t("plan.quantity", lang), "unit": t("plan.unit", lang),
            "one_off_yuan": t("plan.one_off_yuan", lang), "recurring_yuan": t("plan.recurring_yuan", lang),
            "step": t("plan.step", lang)}
    sheet = acts[list(cols)].assign(step=acts["step"].map({s: t(f"plan.step_{s}", lang) for s in acts["step"].unique()}),
                                    unit=acts["unit"].map(lambda u: unit_text(u, lang))).rename(columns=cols)
    money = ["one_off_yuan", "recurring_yuan"]
    by = lambda key: acts.groupby(key, as_index=False)[money].sum().sort_values(money, ascending=False)  # noqa: E731
    after = plan["after"]["cv"]
    check = after.assign(
        indicator=lambda d: d["indicator"].map(lambda c: t(f"indicator.{c}", lang)),
        stage=lambda d: d["stage"].map(lambda x: t(f"stage.{x}", lang)),
        passed=lambda d: d["passed"].map(lambda p: t("status." + {True: "pass", False: "fail"}.get(p, "unknown"), lang)),
    )[["stage", "indicator", "cv", "threshold", "passed"]]
    routes, moves = route_table(plan, schools, lang)
    extra = {t("plan.sheet_routes", lang): routes} if len(routes) else {}
    if len(moves):
        extra[t("plan.sheet_moves", lang)] = moves
    return {t("plan.sheet_actions", lang): sheet,
            t("plan.sheet_by_school", lang): by(["school_id", "name", "town"]).rename(columns=cols),
            t("plan.sheet_by_indicator", lang): by(["indicator_name"]).rename(columns=cols),
            t("plan.sheet_by_town", lang): by(["town"]).rename(columns=cols),
            t("plan.sheet_check", lang): check.rename(columns={"stage": t("col.stage", lang), "indicator": t("col.indicator", lang),
                                                               "cv": t("col.cv", lang), "threshold": t("col.threshold", lang),
                                                               "passed": t("col.status", lang)}),
            **extra}


def action_frame(actions) -> pd.DataFrame:
    """Actions as rows, their money split: ``one_off_yuan`` (spent once) and ``recurring_yuan`` (every year)."""
    columns = ["school_id", "stage", "indicator", "quantity", "unit", "one_off_yuan", "recurring_yuan", "step", "name",
               "source_school"]
    return pd.DataFrame([{**a.as_dict(), "one_off_yuan": a.one_off_yuan} for a in actions], columns=columns)


def route_table(plan: dict, schools: pd.DataFrame, lang: str = "zh") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The CV routes (:func:`cv_routes`) as two tables with headers of ``lang``: one row per failing CV
    (its best route, cost, CV before and after, line), and the teachers each exchange moves (from,
    to, count), schools told apart by town where names repeat."""
    label = dict(zip(schools["school_id"], school_labels(schools["school_id"], schools["name"], schools["town"])))
    summary, moves = [], []
    for r in plan.get("cv_routes", []):
        best = r["best"]
        summary.append({
            t("col.stage", lang): t(f"stage.{r['stage']}", lang),
            t("col.indicator", lang): t(f"indicator_short.{r['indicator']}", lang),
            t("plan.cv_now", lang): round(r["cv_before"], 3),
            t("plan.route", lang): route_words(r, lang),
            t("plan.route_one_off", lang): None if best is None else round(to_wan(best["one_off_yuan"]), 1),
            t("plan.route_recurring", lang): None if best is None else round(to_wan(best["recurring_yuan"]), 1),
            t("plan.cv_then", lang): None if best is None else round(best["cv_after"], 3),
            t("col.threshold", lang): fmt_cv_line(r["threshold"], spaced=True)})
        if best is not None and best["kind"] == "move":
            for a in best["actions"]:
                moves.append({t("col.stage", lang): t(f"stage.{r['stage']}", lang),
                              t("col.indicator", lang): t(f"indicator_short.{r['indicator']}", lang),
                              t("plan.whatif_from", lang): label.get(a.source_school, a.source_school),
                              t("plan.move_to", lang): label.get(a.school_id, a.school_id),
                              t("plan.teachers_n", lang): int(a.quantity)})
    return pd.DataFrame(summary), pd.DataFrame(moves)


def route_words(route: dict, lang: str = "zh") -> str:
    """The best route of one failing CV in words: "交流轮岗4人（每年约8.0万元）" or
    "为15所学校补足（约45.0万元）"; "没有可行做法" when neither route passes."""
    best = route["best"]
    if best is None:
        return t("plan.route_none", lang)
    if best["kind"] == "move":
        return t("plan.route_move", lang, n=int(best["teachers"]), cost=fmt_wan(best["recurring_yuan"]))
    parts = [t(key, lang, cost=fmt_wan(best[part])) for key, part in (("plan.route_cost_once", "one_off_yuan"),
                                                                        ("plan.route_cost_yearly", "recurring_yuan"))
             if best[part] > 0]
    return t("plan.route_floor", lang, n=len({a.school_id for a in best["actions"]}), cost="，".join(parts) or "0")


def plan_view(plan: dict, schools: pd.DataFrame, std: Standards, lang: str = "zh") -> dict:
    """What the 整改方案 page shows, small enough to cache and reread on every rerun (the plan itself
    holds every school's rows before and after): totals, complying counts, the cost per measure, the
    Excel sheets, the CV routes and exchange lists, the alternatives, and each 学段's schools by id
    (and every school's town) for the what-if inputs."""
    actions = plan["actions"] + plan["guarantee_actions"]
    cost = action_frame(actions).groupby("indicator")[["one_off_yuan", "recurring_yuan"]].sum()
    cost = cost.loc[(cost["one_off_yuan"] + cost["recurring_yuan"] * plan["horizon_years"]).sort_values().index]
    rows = plan["before"]["rows"]
    routes, moves = route_table(plan, schools, lang)
    return {**{k: plan[k] for k in ("one_off_yuan", "recurring_yuan", "cumulative_yuan", "horizon_years")},
            "n_actions": len(actions), "passes": plan["passes"],
            "complying_before": plan["before"]["complying"], "complying_after": plan["after"]["complying"],
            "schools": plan["after"]["schools"], "empty": rows.empty,
            "cost_by_measure": pd.DataFrame({"code": cost.index, "label": [action_label(c, lang, std) for c in cost.index],
                                             "one_off_yuan": cost["one_off_yuan"].to_numpy(),
                                             "recurring_yuan": cost["recurring_yuan"].to_numpy()}),
            "sheets": plan_sheets(plan, schools, std, lang), "routes": routes, "moves": moves,
            "alternatives": [{"stage": a["stage"], "indicator": a["indicator"], "moves": len(a["moves"]),
                              "recurring_yuan": float(sum(m.recurring_yuan for m in a["moves"])),
                              "cv_after": a["cv_after"], "passes": a["passes"]}
                             for a in plan["alternatives"]],
            "names": {s: dict(zip(g["school_id"], g["name"])) for s, g in rows.groupby("stage")},
            "towns": dict(zip(schools["school_id"], schools["town"]))}
