"""整改方案: the cheapest additions that make every school comply and every CV pass, checked by
recomputing everything with the same code the pages use.

1. Per school and 学段 (in scope, not complying): for each indicator k the quantity to reach the
   line (full) and to reach the school rule's ``min_ratio_unmet`` r of it (part), in natural units
   (whole teachers and rooms, ㎡, 元); choose the indicator j left at r·line so that
   Σ_{k≠j} cost_full(k) + cost_part(j) is least.
2. For every CV still above its line: raise every school below a floor F to F, with the least F
   that brings the CV under the line (scan the schools' values, then bisect); whole units rounded up.
3. Alternative for teacher indicators (L1–L3): move teachers (交流轮岗) one at a time from the
   best-supplied school to the worst, while the source stays at or above the line.
Unit costs: data/standards/costs.yaml, each one-off or recurring. An action's ``cost_yuan`` is its one-off part
plus one year of its recurring part (``recurring_yuan``); totals are never that sum but the split of
:func:`cost_totals`, and every choice between measures compares the money over the plan's horizon
(:func:`horizon_unit_costs`: one-off + recurring × ``planning.plan_horizon_years``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import yaml

from analytics.geo.spatial import class_fixes
from analytics.i18n import catalog
from analytics.io import contract
from analytics.method import school_rule, sizing, variation
from analytics.method.indicators import (
    TEACHER_INDICATORS,
    YUAN_PER_WAN,
    school_stage_indicators,
    to_indicator,
    to_quantity,
)
from analytics.method.scorecard import _county_value, g3_rooms, known_sums, scope_schools
from analytics.standards import STANDARDS_DIR, Standards, standards_dir

# indicator → (natural unit, cost key, integer units?)
UNITS = {"L1": ("人", "teacher_per_year", True), "L2": ("人", "backbone_training", True),
         "L3": ("人", "teacher_per_year", True), "L4": ("㎡", "teaching_area_per_m2", False),
         "L5": ("㎡", "sports_area_per_m2", False), "L6": ("元", "equipment_per_yuan", False),
         "L7": ("间", "multimedia_room", True)}


ONE_OFF, RECURRING = "one_off", "recurring"


def load_costs(path: str | None = None) -> dict:
    """Unit costs in 元 by key (costs.yaml of the standards folder, else the shipped one); what kind of money
    each is: :func:`cost_kinds`."""
    return dict(_read_costs(_costs_path(path))[0])


def cost_kinds(path: str | None = None) -> dict[str, str]:
    """Each cost key's kind: ``one_off`` (spent once) or ``recurring`` (spent every year), from costs.yaml."""
    return dict(_read_costs(_costs_path(path))[1])


def _costs_path(path: str | None) -> str:
    if path is None:
        own = standards_dir() / "costs.yaml"
        path = str(own if own.exists() else STANDARDS_DIR / "costs.yaml")
    return str(path)


@lru_cache(maxsize=4)
def _read_costs(path: str) -> tuple[tuple, tuple]:
    """(key, 元) and (key, kind) pairs. An entry is ``{yuan: N, kind: one_off|recurring}``; a local file may give a
    bare number for a key the shipped file knows (it keeps the shipped kind). Anything else is refused."""
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    shipped = raw if path == str(STANDARDS_DIR / "costs.yaml") else _read_raw_shipped()
    values, kinds = {}, {}
    for key, entry in raw.items():
        if isinstance(entry, dict):
            value, kind = entry.get("yuan"), entry.get("kind")
        else:
            value, kind = entry, (shipped.get(key) or {}).get("kind") if isinstance(shipped.get(key), dict) else None
        if not isinstance(value, (int, float)) or kind not in (ONE_OFF, RECURRING):
            raise ValueError(f"{path}: {key}: expected {{yuan: <number>, kind: one_off|recurring}}, got {entry!r}")
        values[key], kinds[key] = float(value), kind
    return tuple(values.items()), tuple(kinds.items())


@lru_cache(maxsize=1)
def _read_raw_shipped() -> dict:
    with open(STANDARDS_DIR / "costs.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def recurring_part(key: str, yuan: float, kinds: dict | None = None) -> float:
    """The per-year part of ``yuan`` spent on cost ``key``: all of it when the key is recurring, else 0."""
    return float(yuan) if (kinds or cost_kinds()).get(key) == RECURRING else 0.0


@dataclass
class Action:
    school_id: str
    stage: str
    indicator: str
    quantity: float
    unit: str
    cost_yuan: float
    step: str = "school"        # school (6-of-7 rule) / floor (CV) / move (交流轮岗 alternative)
    name: str = ""
    source_school: str | None = None
    recurring_yuan: float = 0.0  # the part of cost_yuan spent every year (人员、交流补贴); the rest is one-off
    detail: tuple = ()          # what applying it changes beyond the quantity (G3: rooms by kind; G5: classes by grade)

    @property
    def one_off_yuan(self) -> float:
        return float(self.cost_yuan) - float(self.recurring_yuan)

    def as_dict(self) -> dict:
        return dict(self.__dict__)          # shallow: the fields are plain values (asdict deep-copies, 10× slower)


def natural_quantity(code: str, value_now: float, students: float, target: float, std: Standards) -> float:
    """Natural units to add so that the indicator reaches ``target`` (0 when already there).

    gap = Q(target) − Q(now) with Q = X·P/scale (:func:`analytics.method.indicators.to_quantity`);
    rounded up to whole persons / rooms (L1–L3, L7), 1 ㎡ (L4, L5) or 1 元 (L6).
    Example: L1 at 3.0 per 100 for 300 pupils, target 4.0 → 12 − 9 = 3 teachers; target 4.1 → 3.3 → 4.
    """
    gap = to_quantity(code, target, students, std) - to_quantity(code, value_now, students, std)
    if gap <= 1e-9:
        return 0.0
    return float(math.ceil(gap - 1e-9))


def cost_totals(actions, horizon: int) -> dict:
    """What a list of actions costs, split as a budget is: one_off_yuan = Σ (cost − recurring) (spent once),
    recurring_yuan = Σ recurring (every year from then on), cumulative_yuan = one_off + recurring × horizon
    (the money over ``horizon`` years). Example: 2 classrooms (2 × 280,000, one-off) and 3.6 teachers
    (3.6 × 150,000 a year) over 6 years → one-off 560,000, recurring 540,000 a year, cumulative 3,800,000."""
    one_off = float(sum(a.one_off_yuan for a in actions))
    recurring = float(sum(a.recurring_yuan for a in actions))
    return {"one_off_yuan": one_off, "recurring_yuan": recurring, "cumulative_yuan": one_off + recurring * horizon,
            "horizon_years": int(horizon)}


MONEY_KEYS = ("one_off_yuan", "recurring_yuan", "cumulative_yuan", "horizon_years")


def combined_totals(parts) -> dict:
    """Several plans' money added up (e.g. a city's counties): each of one-off, recurring a year and cumulative
    summed; the horizon is theirs when they share it (None otherwise — a cumulative of unlike horizons is not
    stated as one)."""
    parts = list(parts)
    horizons = {int(p["horizon_years"]) for p in parts}
    out = {k: float(sum(float(p[k]) for p in parts)) for k in ("one_off_yuan", "recurring_yuan", "cumulative_yuan")}
    out["horizon_years"] = horizons.pop() if len(horizons) == 1 else None
    return out


def plan_horizon(std: Standards) -> int:
    """Years over which a plan's recurring money is counted (``planning.plan_horizon_years``)."""
    return int(std["planning"].get("plan_horizon_years", 6))


def horizon_unit_costs(costs: dict, horizon: int, kinds: dict | None = None) -> dict:
    """Each unit cost over the plan's horizon: a one-off unit as it is, a recurring one × ``horizon`` — the
    figure the plan's choices compare (a teacher at 150,000 a year costs 900,000 over 6 years, against a
    building that is paid once)."""
    kinds = kinds or cost_kinds()
    return {k: float(v) * (horizon if kinds.get(k) == RECURRING else 1) for k, v in costs.items()}


def action_cost(code: str, qty: float, costs: dict) -> float:
    """Cost in 元 of ``qty`` natural units of indicator ``code`` (unit costs in costs.yaml)."""
    return qty * float(costs[UNITS[code][1]])


def school_choice(values: dict, students: float, stage: str, std: Standards, costs: dict) -> tuple[list[tuple], float]:
    """Cheapest additions making one school-学段 comply: [(indicator, quantity)], total cost.

    Tries each indicator j as the one left at the rule's ``min_ratio_unmet`` of its line (plus 'none': all
    met) and keeps the least
    cost. Missing values cannot be planned (returns None, nan).
    """
    codes = std.indicator_codes
    ratio = std.school_rule.min_ratio_unmet
    allowed_unmet = std.school_rule.allowed_unmet
    if any(values[c] is None or (isinstance(values[c], float) and math.isnan(values[c])) for c in codes):
        return None, math.nan
    full = {c: natural_quantity(c, values[c], students, std.line(c, stage), std) for c in codes}
    part = {c: natural_quantity(c, values[c], students, ratio * std.line(c, stage), std) for c in codes}
    best, best_cost = None, math.inf
    for j in [None] + codes if allowed_unmet else [None]:
        plan = [(c, part[c] if c == j else full[c]) for c in codes]
        cost = sum(action_cost(c, q, costs) for c, q in plan)
        if cost < best_cost - 1e-9:
            best, best_cost = [(c, q) for c, q in plan if q > 0], cost
    return best, best_cost


def school_choices(rows: pd.DataFrame, std: Standards, costs: dict) -> list[tuple[list[tuple] | None, float]]:
    """:func:`school_choice` of every row (school × 学段) at once, on arrays: the same quantities
    (rounded up the same way) and the same choice (the first of none, L1 … L7 of least cost).

    For each row and indicator k: full_k = ⌈Q(line_k) − Q(X_k)⌉⁺, part_k = ⌈Q(r·line_k) − Q(X_k)⌉⁺ with
    Q = X·P/scale; cost(j) = Σ_{k≠j} u_k·full_k + u_j·part_j (and Σ u_k·full_k for none).
    """
    codes = std.indicator_codes
    if rows.empty:
        return []
    ratio = std.school_rule.min_ratio_unmet
    p = rows["students"].to_numpy(dtype=float)
    stage = rows["stage"].to_numpy()
    x = np.column_stack([rows[c].to_numpy(dtype=float, na_value=np.nan) for c in codes])
    line = np.column_stack([np.array([std.line(c, s) for s in stage], dtype=float) for c in codes])
    now = np.column_stack([to_quantity(c, x[:, k], p, std) for k, c in enumerate(codes)])

    def need(target):
        q = np.column_stack([to_quantity(c, target[:, k], p, std) for k, c in enumerate(codes)])
        gap = q - now
        return np.where(gap <= 1e-9, 0.0, np.ceil(gap - 1e-9))

    full, part = need(line), need(ratio * line)
    unit = np.array([float(costs[UNITS[c][1]]) for c in codes])
    total = (full * unit).sum(axis=1)
    options = [total] + ([total - full[:, k] * unit[k] + part[:, k] * unit[k] for k in range(len(codes))]
                         if std.school_rule.allowed_unmet else [])
    option_cost = np.column_stack(options)
    best = option_cost.argmin(axis=1)
    missing = np.isnan(x).any(axis=1)
    out = []
    for i in range(len(rows)):
        if missing[i]:
            out.append((None, math.nan))
            continue
        j = best[i] - 1                                   # −1: every indicator to its line
        plan = [(c, float(part[i, k] if k == j else full[i, k])) for k, c in enumerate(codes)]
        out.append(([(c, q) for c, q in plan if q > 0], float(option_cost[i, best[i]])))
    return out


def apply_actions(stats: pd.DataFrame, actions: list[Action]) -> pd.DataFrame:
    """The stage statistics after the actions (what a recompute from scratch reads).

    L1 adds qualified teachers (teachers too); L2 trains existing teachers as backbone; L3 adds PE /
    music / art teachers to the kind the school has fewest of; L4/L5 add ㎡; L6 adds 元 (as 万元);
    L7 adds rooms. A missing own value counts as 0 when a 全校 value is split onto the row.
    A move (``source_school``) takes the same from the source: L2 a backbone teacher (a teacher too),
    L3 one of the kind the source has most of.
    """
    out = stats.copy()
    cols = ["teachers", "teachers_above_degree", "backbone_teachers", "pe_teachers", "music_teachers",
            "art_teachers", "teaching_area_m2", "sports_area_m2", "equipment_value_wan", "multimedia_rooms"]
    # plain float arrays while applying (one pandas cell write per unit was 60 s for a province's plan)
    values = {c: out[c].to_numpy(dtype="float64", na_value=np.nan).copy() for c in cols}
    touched = {c: np.zeros(len(out), dtype=bool) for c in cols}
    index = {(sid, stage): i for i, (sid, stage) in enumerate(zip(out["school_id"], out["stage"]))
             if stage != contract.WHOLE_SCHOOL}
    kinds = ["pe_teachers", "music_teachers", "art_teachers"]

    def add(i, col, q):
        v = values[col][i]
        values[col][i] = (0.0 if v != v else v) + q
        touched[col][i] = True

    def have(i, col):
        v = values[col][i]
        return 0.0 if v != v else v

    for a in actions:
        if a.indicator not in UNITS:
            continue
        q = a.quantity
        for sid, sign in ((a.school_id, 1), (a.source_school, -1)) if a.source_school else ((a.school_id, 1),):
            i = index[(sid, a.stage)]
            if a.indicator == "L1":
                add(i, "teachers", sign * q)
                add(i, "teachers_above_degree", sign * q)
            elif a.indicator == "L2":
                add(i, "backbone_teachers", sign * q)
                if a.source_school:
                    add(i, "teachers", sign * q)
            elif a.indicator == "L3":
                for _ in range(int(q)):
                    kind = min(kinds, key=lambda k: have(i, k)) if sign > 0 else max(kinds, key=lambda k: have(i, k))
                    add(i, kind, sign)
                    add(i, "teachers", sign)
            elif a.indicator == "L4":
                add(i, "teaching_area_m2", sign * q)
            elif a.indicator == "L5":
                add(i, "sports_area_m2", sign * q)
            elif a.indicator == "L6":
                add(i, "equipment_value_wan", sign * q / YUAN_PER_WAN)
            elif a.indicator == "L7":
                add(i, "multimedia_rooms", sign * q)
    for c in cols:
        out[c] = out[c].astype("float64")
        if touched[c].any():
            out[c] = values[c]
    return out


def cv_with_floor(x: np.ndarray, p: np.ndarray, floor: float) -> float:
    return variation.weighted_cv(np.maximum(x, floor), p).cv


def least_floor(x, p, line: float, tol: float = 1e-9) -> float | None:
    """Least F such that the weighted CV of max(Xᵢ, F) is ≤ ``line`` (None if even F = max X fails).

    Scans the schools' own values (the CV is piecewise smooth between them) for the first that
    passes, then bisects between it and the previous one."""
    x, p = np.asarray(x, float), np.asarray(p, float)
    if cv_with_floor(x, p, x.min()) <= line:
        return float(x.min())
    candidates = np.unique(x)
    prev = candidates[0]
    for c in candidates[1:]:
        if cv_with_floor(x, p, c) <= line:
            lo, hi = prev, c
            while hi - lo > tol * max(1.0, abs(hi)):
                mid = (lo + hi) / 2
                lo, hi = (lo, mid) if cv_with_floor(x, p, mid) <= line else (mid, hi)
            return float(hi)
        prev = c
    return None


def recompute(stats: pd.DataFrame, schools: pd.DataFrame, std: Standards) -> dict:
    """The seven CVs and the complying schools per 学段 from scratch (same code as the pages)."""
    rows = school_stage_indicators(stats, schools, std)
    cv = variation.cv_table(rows, std)
    comp = school_rule.school_compliance(rows, std)
    scoped = comp[comp["in_scope"]]
    return {"rows": rows, "cv": cv, "compliance": comp,
            "complying": {s: int((g["status"] == "pass").sum()) for s, g in scoped.groupby("stage")},
            "schools": {s: int(len(g)) for s, g in scoped.groupby("stage")}}


def make_plan(stats: pd.DataFrame, schools: pd.DataFrame, std: Standards, costs: dict | None = None,
              classes: pd.DataFrame | None = None, tables: dict | None = None, routes: bool = True) -> dict:
    """The costed plan: actions (school step, then CV floors), totals, the check after, alternatives.
    With ``classes`` the oversized classes to split (G5) are costed too; with the county-year ``tables``
    (funding, exchange, county) the measures of G4, G9, G12 and Q4 (:func:`measure_actions`). ``routes``
    False leaves out the alternatives and the per-CV routes (the phased plan needs only the actions)."""
    costs = costs or load_costs()
    names = dict(zip(schools["school_id"], schools["name"]))
    before = recompute(stats, schools, std)
    actions: list[Action] = []
    unplanned = []
    comp = before["compliance"]
    failing = comp[comp["in_scope"] & (comp["status"] != "pass")][["school_id", "stage"]]
    rows = failing.merge(before["rows"].drop_duplicates(["school_id", "stage"]), on=["school_id", "stage"], how="left")
    # choices compare the money over the horizon (a teacher-year × years against a building paid once)
    horizon = horizon_unit_costs(costs, plan_horizon(std))
    for sid, stage, (chosen, _) in zip(rows["school_id"], rows["stage"], school_choices(rows, std, horizon)):
        if chosen is None:
            unplanned.append(sid)
            continue
        for code, q in chosen:
            cost = action_cost(code, q, costs)
            actions.append(Action(sid, stage, code, q, UNITS[code][0], cost, "school", names.get(sid, ""),
                                  recurring_yuan=recurring_part(UNITS[code][1], cost)))
    current = apply_actions(stats, actions)
    alternatives = []
    after = recompute(current, schools, std)
    for _, c in after["cv"].iterrows():
        if c["passed"] is not False:
            continue
        stage, code = c["stage"], c["indicator"]
        rows = after["rows"]
        part = rows[(rows["stage"] == stage) & rows["in_scope"] & rows[code].notna() & (rows["students"] > 0)]
        if code in TEACHER_INDICATORS and routes:
            alternatives.append(teacher_moves(part, stage, code, float(c["threshold"]), std, costs, names, current, schools))
        floor = floor_actions(part, stage, code, float(c["threshold"]), std, costs, names)
        if floor is None:
            continue
        actions.extend(floor)
        current = apply_actions(stats, actions)
        after = recompute(current, schools, std)                 # the check after: always from ``current``
    g_actions = guarantee_actions(current, schools, std, costs, names, classes)
    if tables is not None:
        g_actions += measure_actions({**tables, "stats": current}, std, costs, names)
    return {"actions": actions, "guarantee_actions": g_actions, "unplanned": unplanned, "passes": plan_passes(after),
            **cost_totals(actions + g_actions, plan_horizon(std)),
            "before": before, "after": after, "alternatives": alternatives, "stats_after": current,
            "cv_routes": cv_routes(stats, schools, before, std, costs, names) if routes else []}


def floor_actions(part: pd.DataFrame, stage: str, code: str, line: float, std: Standards, costs: dict,
                  names: dict) -> list[Action] | None:
    """Raise every school below the least floor F that brings the CV within ``line`` up to F
    (:func:`least_floor`), whole units rounded up; None when no floor can."""
    floor = least_floor(part[code], part["students"], line)
    if floor is None:
        return None
    below = part[part[code] < floor]
    students = below["students"].to_numpy(dtype=float)
    # :func:`natural_quantity` on arrays (thousands of schools below the floor at province scale)
    gap = to_quantity(code, floor, students, std) - to_quantity(code, below[code].to_numpy(dtype=float), students, std)
    quantity = np.where(gap <= 1e-9, 0.0, np.ceil(gap - 1e-9))
    unit, unit_cost = UNITS[code][0], float(costs[UNITS[code][1]])
    recurring = recurring_part(UNITS[code][1], 1.0)               # 1 when the unit is paid every year
    return [Action(sid, stage, code, float(q), unit, float(q) * unit_cost, "floor", names.get(sid, ""),
                   recurring_yuan=float(q) * unit_cost * recurring)
            for sid, q in zip(below["school_id"], quantity) if q > 0]


def cv_routes(stats: pd.DataFrame, schools: pd.DataFrame, before: dict, std: Standards, costs: dict,
              names: dict) -> list[dict]:
    """The cheapest way to bring each county CV failing today within its line, on today's data and
    without making every school comply (the costed plan does both; this is the CV part alone).

    For every failing CV: the floor route (raise the schools below the least floor F, cost Σ units ×
    unit cost) and, for the teacher indicators L1–L3, the exchange route (:func:`teacher_moves`: one
    teacher at a time from the best-supplied school that stays at its line to the worst-supplied, cost
    per teacher-year of exchange). Each route is checked by a recompute from scratch; the passing
    route of least cost is ``best`` (None when neither passes). Unknown CVs have no route.
    """
    out = []
    rows = before["rows"]
    for _, c in before["cv"].iterrows():
        if c["passed"] is not False:
            continue
        stage, code, line = c["stage"], c["indicator"], float(c["threshold"])
        part = rows[(rows["stage"] == stage) & rows["in_scope"] & rows[code].notna() & (rows["students"] > 0)]
        routes = []
        if code in TEACHER_INDICATORS:
            ex = teacher_moves(part, stage, code, line, std, costs, names, stats, schools)
            routes.append({"kind": "move", "actions": ex["moves"], "cost_yuan": ex["cost_yuan"],
                           **cost_totals(ex["moves"], plan_horizon(std)),
                           "cv_after": ex["cv_after"], "passes": ex["passes"],
                           "teachers": float(sum(m.quantity for m in ex["moves"]))})
        floor = floor_actions(part, stage, code, line, std, costs, names)
        if floor is not None:
            check = recompute(apply_actions(stats, floor), schools, std)["cv"]
            cv = check[(check["stage"] == stage) & (check["indicator"] == code)].iloc[0]
            routes.append({"kind": "floor", "actions": floor, "cost_yuan": float(sum(a.cost_yuan for a in floor)),
                           **cost_totals(floor, plan_horizon(std)),
                           "cv_after": float(cv["cv"]), "passes": bool(cv["passed"]),
                           "teachers": float(sum(a.quantity for a in floor)) if code in TEACHER_INDICATORS else 0.0})
        passing = [r for r in routes if r["passes"]]
        best = min(passing, key=lambda r: r["cumulative_yuan"]) if passing else None      # least over the horizon
        out.append({"stage": stage, "indicator": code, "cv_before": float(c["cv"]), "threshold": line,
                    "routes": routes, "best": best})
    return out


def plan_passes(after: dict) -> bool:
    """Does the county pass the resource part after the plan: every CV within its line (none unknown)
    and every in-scope school complying?"""
    cv = after["cv"]
    return bool(len(cv) and (cv["passed"] == True).all()) and after["complying"] == after["schools"]  # noqa: E712


def teacher_moves(part: pd.DataFrame, stage: str, code: str, line: float, std: Standards, costs: dict,
                  names: dict, stats: pd.DataFrame, schools: pd.DataFrame, max_moves: int = 500) -> dict:
    """Greedy 交流轮岗: move one teacher at a time from the school with the highest value to the
    lowest, keeping the source at or above the indicator's line; stop when the CV passes."""
    x = part[code].to_numpy(float).copy()
    p = part["students"].to_numpy(float)
    ids = part["school_id"].to_list()
    school_line = std.line(code, stage)
    one = to_indicator(code, 1.0, p, std)              # one teacher in the indicator's unit, per school
    moves = []
    for _ in range(max_moves):
        if variation.weighted_cv(x, p).cv <= line:
            break
        lo = int(np.argmin(x))
        hi = next((int(i) for i in np.argsort(-x) if i != lo and x[i] - one[i] >= school_line), None)
        if hi is None:
            break
        trial = x.copy()
        trial[hi] -= one[hi]
        trial[lo] += one[lo]
        if variation.weighted_cv(trial, p).cv >= variation.weighted_cv(x, p).cv:
            break
        x = trial
        moves.append(Action(ids[lo], stage, code, 1.0, "人", float(costs["teacher_exchange_per_year"]), "move",
                            names.get(ids[lo], ""), source_school=ids[hi],
                            recurring_yuan=recurring_part("teacher_exchange_per_year", costs["teacher_exchange_per_year"])))
    merged: dict = {}
    for m in moves:
        key = (m.school_id, m.source_school)
        merged[key] = merged.get(key, 0) + 1
    each = float(costs["teacher_exchange_per_year"])
    moves = [Action(t, stage, code, float(n), "人", n * each, "move", names.get(t, ""), source_school=s,
                    recurring_yuan=recurring_part("teacher_exchange_per_year", n * each)) for (t, s), n in merged.items()]
    check = recompute(apply_actions(stats, moves), schools, std)
    cv = check["cv"][(check["cv"]["stage"] == stage) & (check["cv"]["indicator"] == code)].iloc[0]
    return {"stage": stage, "indicator": code, "moves": moves, "cost_yuan": float(sum(m.cost_yuan for m in moves)),
            "cv_after": float(cv["cv"]), "passes": bool(cv["passed"]), "complying_after": check["complying"]}


def guarantee_actions(stats: pd.DataFrame, schools: pd.DataFrame, std: Standards, costs: dict, names: dict,
                      classes: pd.DataFrame | None = None) -> list[Action]:
    """G3 music/art rooms short or too small (each built at the minimum area), and G5 classes to
    split so every grade fits the line: each extra class costs a classroom and
    ``teachers_per_extra_class`` teachers for a year (see spatial.class_fixes)."""
    ordinary = schools[~schools["school_type"].map(contract.is_special_education)]
    g = g3_rooms(stats[stats["school_id"].isin(ordinary["school_id"])], ordinary, std["guarantee"]["G3"],
                 std["split_weights"])
    out = []
    bad = g[g["ok"] == False]  # noqa: E712
    rooms = bad["music_short"] + bad["art_short"] + bad["music_small"].astype(bool).astype(int) \
        + bad["art_small"].astype(bool).astype(int)
    for (_, b), n in zip(bad.iterrows(), rooms):
        if n:
            cost = n * float(costs["special_room"])
            detail = (("music", float(b["music_short"]), bool(b["music_small"])),
                      ("art", float(b["art_short"]), bool(b["art_small"])))
            out.append(Action(b["school_id"], "全校", "G3", float(n), "间", cost, "guarantee", names.get(b["school_id"], ""),
                              recurring_yuan=recurring_part("special_room", cost), detail=detail))
    if classes is not None and len(classes):
        fixes = class_fixes(classes, std)
        # each extra class: a classroom (one-off) and its teachers (every year)
        per_class = {st: (float(costs["classroom"]), n * float(costs["teacher_per_year"]))
                     for st, n in std["layout"]["teachers_per_extra_class"].items()}
        short = fixes[fixes["extra_classes"] > 0]
        extra = short.groupby(["school_id", "stage"], as_index=False)["extra_classes"].sum()
        grades = {k: tuple((int(gr), int(e)) for gr, e in zip(g["grade"], g["extra_classes"]))
                  for k, g in short.groupby(["school_id", "stage"])}
        for sid, stage, n in zip(extra["school_id"], extra["stage"], extra["extra_classes"].astype(float)):
            room, staff = per_class[stage]
            out.append(Action(sid, stage, "G5", n, "个班", n * (room + staff), "guarantee", names.get(sid, ""),
                              recurring_yuan=recurring_part("classroom", n * room) + recurring_part("teacher_per_year", n * staff),
                              detail=grades[(sid, stage)]))
    return out


def _floats(values) -> np.ndarray:
    """A column as floats with NaN for blanks (nullable integers hold pd.NA, which has no truth value)."""
    return pd.to_numeric(pd.Series(values), errors="coerce").astype("float64").to_numpy()


def measure_actions(tables: dict, std: Standards, costs: dict, names: dict | None = None,
                    only: tuple = ("G4", "G9", "G12", "Q4")) -> list[Action]:
    """The measures of the items bought by the head or by the 元 (beyond the seven indicators, G3 and G5):

    - G4 (an oversized school): its pupils above the line, seats = ⌈pupils − limit⌉, moved to a new or
      expanded school, each seat at ``school_seat`` (one-off; the new school is built to the standard, outside
      these tables). Example: 3,300 pupils at a 2,000 line → 1,300 seats × 60,000 = 7,800万元.
    - G9 (360 hours in 5 years): per school ⌈teachers × line − trained⌉ teachers at ``training_360_hours``
      (one-off); with no 师资交流 sheet, the county figure: ⌈(line − v) × teachers⌉ county-wide.
    - G12 (certified teachers): per school and 学段 ⌈teachers × line − certified⌉ at ``certification``.
    - Q4 (training funds ≥ the share of public funds): per school ⌈share × public − training⌉ 元 a year
      (``training_funds_per_yuan``, recurring).
    The same scopes as the scorecard (:func:`analytics.method.scorecard.scope_schools`); a school with a blank
    input gets no measure (the item stays unknown). ``only``: the items to measure."""
    stats, schools = tables["stats"], tables["schools"]
    names = names or dict(zip(schools["school_id"], schools["name"]))
    cfg = std["guarantee"]
    out: list[Action] = []

    def act(sid, stage, code, qty, unit, key, value=None):
        cost = float(qty) * float(costs[key]) if value is None else float(value)
        out.append(Action(sid, stage, code, float(qty), unit, cost, "measure", names.get(sid, ""),
                          recurring_yuan=recurring_part(key, cost)))

    if "G4" in only:
        scope = scope_schools(schools, stats, std, "G4")
        size = sizing.oversized_schools(stats[stats["school_id"].isin(scope["school_id"])], scope, std)
        for sid, excess in zip(size["school_id"], _floats(size["excess"])):
            if not np.isnan(excess) and excess > 0:
                act(sid, contract.WHOLE_SCHOOL, "G4", math.ceil(excess - 1e-9), "个学位", "school_seat")
    parts = stats[stats["stage"] != contract.WHOLE_SCHOOL]
    if "G9" in cfg and "G9" in only:
        line = float(cfg["G9"]["line"])
        scope = scope_schools(schools, stats, std, "G9")
        mine = parts[parts["school_id"].isin(scope["school_id"])]
        teachers = known_sums(mine, "teachers")
        ex = tables.get("exchange")
        if ex is not None and len(ex):
            e = ex.drop_duplicates("school_id").set_index("school_id")["trained_360h"]
            e = pd.Series(_floats(e), index=e.index)
            for sid in scope["school_id"]:
                t, tr = float(teachers.get(sid, np.nan)), float(e.get(sid, np.nan))
                if not np.isnan(t) and not np.isnan(tr) and tr < t * line - 1e-9:
                    act(sid, contract.WHOLE_SCHOOL, "G9", math.ceil(t * line - tr - 1e-9), "人", "training_360_hours")
        elif tables.get("county") is not None:
            v = _county_value(tables["county"], "G9")
            total = teachers.sum(min_count=1)
            if v is not None and total == total and v < line - 1e-9:
                act("", contract.WHOLE_SCHOOL, "G9", math.ceil((line - v) * total - 1e-9), "人", "training_360_hours")
    if "G12" in cfg and "G12" in only:
        line = float(cfg["G12"]["line"])
        scope = scope_schools(schools, stats, std, "G12")
        mine = parts[parts["school_id"].isin(scope["school_id"])]
        for sid, stage, tt, cc in zip(mine["school_id"], mine["stage"], _floats(mine["teachers"]),
                                      _floats(mine["certified_teachers"])):
            if not np.isnan(tt) and not np.isnan(cc) and cc < tt * line - 1e-9:
                act(sid, stage, "G12", math.ceil(tt * line - cc - 1e-9), "人", "certification")
    q4 = std["quality"].get("Q4")
    funding = tables.get("funding")
    if q4 and "Q4" in only and funding is not None and len(funding):
        share = float(q4["training_share"])
        scope = scope_schools(schools, stats, std, "Q4")
        f = scope[["school_id"]].merge(funding.drop_duplicates("school_id"), on="school_id", how="inner")
        for sid, p, tr in zip(f["school_id"], _floats(f["public_funds"]), _floats(f["training_funds"])):
            if not np.isnan(p) and not np.isnan(tr) and p > 0 and tr < share * p - 1e-9:
                gap = math.ceil(share * p - tr - 1e-9)
                act(sid, contract.WHOLE_SCHOOL, "Q4", gap, "元/年", "training_funds_per_yuan")
    return out


def plan_summary(plan: dict, std: Standards) -> dict:
    """JSON-ready plan as printed by ``python -m analytics plan --json``."""
    after = plan["after"]
    cvs = {f"{r.stage}·{r.indicator}": (None if math.isnan(r.cv) else r.cv)
           for r in after["cv"].itertuples()}
    return {
        "actions": [{k: v for k, v in a.as_dict().items() if k in ("school_id", "stage", "indicator", "quantity",
                                                                    "unit", "cost_yuan", "step", "source_school")}
                    for a in plan["actions"] + plan["guarantee_actions"]],
        **{k: plan[k] for k in ("one_off_yuan", "recurring_yuan", "cumulative_yuan", "horizon_years")},
        "after": {"cv": cvs, "cv_passed": {k: bool(v is not None and v <= std.cv_line(k.split("·")[0]))
                                           for k, v in cvs.items()},
                  "complying_schools": after["complying"], "schools": after["schools"]},
        "unplanned_schools": plan["unplanned"],
        "alternatives": [{"stage": a["stage"], "indicator": a["indicator"], "moves": len(a["moves"]),
                          "teachers_moved": sum(m.quantity for m in a["moves"]), "cost_yuan": a["cost_yuan"],
                          "cv_after": a["cv_after"], "passes": a["passes"]} for a in plan["alternatives"]],
        "cv_routes": [{"stage": r["stage"], "indicator": r["indicator"], "cv_before": r["cv_before"],
                       "threshold": r["threshold"],
                       "best": None if r["best"] is None else {
                           "kind": r["best"]["kind"], "cost_yuan": r["best"]["cost_yuan"], "cv_after": r["best"]["cv_after"],
                           "moves": [{"from": a.source_school, "to": a.school_id, "teachers": a.quantity}
                                     for a in r["best"]["actions"] if a.source_school],
                           "schools_raised": sorted({a.school_id for a in r["best"]["actions"] if not a.source_school})}}
                      for r in plan.get("cv_routes", [])],
    }


# The items the costed plan works on: the seven CVs and the school rule (school step and CV floors),
# music/art rooms (G3), oversized classes (G5) and the measures bought by the head or the 元 (G4 seats, G9 training,
# G12 certification, Q4 training funds: :func:`measure_actions`). Every other failing item needs a policy measure.
PLANNED_CODES = ("L1", "L2", "L3", "L4", "L5", "L6", "L7", "R8", "G3", "G4", "G5", "G9", "G12", "Q4")


def measure_key(code: str, status: str) -> str:
    """The catalog key of the measure an uncovered item needs (``measure.unknown`` while data are missing)."""
    base = code.split("·")[0]
    if status == "unknown":
        return "measure.unknown"
    return f"measure.{base}" if f"measure.{base}" in catalog() else "measure.other"


def uncovered_items(items: list[dict]) -> list[dict]:
    """The failing items of the scorecard the costed plan does not address, and every unknown item, each with the
    kind of measure it needs (``measure.<code>`` in the strings catalog, ``measure.other`` by default):
    a plan that passes its own check must not read as "everything passes" while these remain.

    ``items`` are scorecard records (``Item.as_dict``); returns {code, stage, status, value, threshold}.
    """
    out = []
    for i in items:
        base = i["code"].split("·")[0]
        # an unknown item is never covered by money: it needs its data first, whatever the plan buys
        if i["status"] == "unknown" or (i["status"] == "fail" and base not in PLANNED_CODES):
            out.append({"code": i["code"], "base": base, "stage": i["stage"], "status": i["status"],
                        "value": i["value"], "threshold": i["threshold"], "measure": measure_key(i["code"], i["status"])})
    return out


def route_distance(route: dict) -> dict:
    """How far one failing CV is from its line in natural units: the best route's amount (teachers moved,
    or the sum of what the floor route adds: teachers, ㎡, 元 or rooms) and its cost. ``kind`` None (no
    route passes): amount and cost unknown (None).

    quantity = Σ action.quantity over the best route's actions; unit = UNITS[indicator][0]
    (a teacher exchange counts teachers: 人); its money split one-off / recurring a year.
    """
    best = route.get("best")
    if best is None:
        return {"kind": None, "quantity": None, "unit": UNITS[route["indicator"]][0], "one_off_yuan": None,
                "recurring_yuan": None}
    return {"kind": best["kind"], "quantity": float(sum(a.quantity for a in best["actions"])),
            "unit": "人" if best["kind"] == "move" else UNITS[route["indicator"]][0],
            "one_off_yuan": float(best["one_off_yuan"]), "recurring_yuan": float(best["recurring_yuan"])}


