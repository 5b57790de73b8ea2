"""分年度计划: the rectification plan laid out year by year under a county's budget, and the year it passes.

1. **Pupils of year y.** Each school-学段's pupils (学段 rows and its 班级 rows) × the growth of its town and 学段
   in the enrolment forecast (central variant): g(y) = pupils(town, 学段, y) / pupils(town, 学段, data year)
   (:func:`growth_factors`); a class keeps its grade, its pupils are rounded so that each school-grade sums to
   the rounded product (largest remainders). Teachers, rooms, ㎡ and money stay as reported. Without a forecast
   (no 班级 history or no births) every year has the data year's pupils, and the plan says so.
2. **What each year needs (jobs).** For y = start … end: the costed plan (:func:`rectification.make_plan` with
   its measures, G4 first) on year y's pupils with every job found so far done; whatever it still adds is
   *needed by* y. Repeated within the year until nothing is added (class splits call for music/art rooms).
3. **Schedule.** A job started in year s is done in s + L (L: ``planning.phasing.lead_years`` for construction,
   0 otherwise — a school decided in 2025 opens in 2027); its one-off money is paid evenly over its build years
   s … s+L−1 (in s when L = 0), its recurring money every year from s + L, its new teachers are hired in s + L.
   The county **passes in P** when every job is done by max(need, P): from P on, every year's pupils are met.
   Constraints every year t: one-off paid ≤ budget, recurring paid ≤ the recurring ceiling, new teachers ≤ hires.
   *Exact* (:func:`schedule_exact`, PuLP/CBC, a multi-period knapsack with deadlines and lead times): for
   P = start … end, minimise the cumulative money over the horizon Σ one-off + Σ recurring × (end − done + 1);
   the first feasible P is the pass year — **earliest pass year, then least cumulative cost**.
   *Greedy* (:func:`schedule_greedy`, more than ``exact_max_jobs`` jobs or when CBC stops at its time limit):
   jobs by latest start, each in the earliest year it fits, then recurring jobs moved as late as they fit.
4. **Each year's statuses**: the scorecard (the code of 达标评估) on year y's tables with the jobs done by y.
   The pass year stated is the first year from which every costed item of these statuses passes to the end.
   Without a pass year: the jobs that fit the budget by the end (greedy fill), the items still short then, and
   the smallest yearly one-off budget that passes (bisection to ``budget_step_wan``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp

from analytics.codes import stages_of_grades
from analytics.io import contract
from analytics.method import scorecard as sc
from analytics.planning import rectification as rect
from analytics.standards import Standards

YUAN_PER_WAN = 10_000
# measures whose effect reaches no other item (music/art rooms, 360-hour training, certificates, training funds):
# after a round that adds only these, a year's needs are complete
# a recurring ceiling or hires a year that does not limit (the inputs' 0: none)
NO_LIMIT = 1e15
SELF_CONTAINED = frozenset({"G3", "G9", "G12", "Q4"})


@dataclass
class Job:
    action: rect.Action
    need: int           # the first year whose pupils need it
    lead: int           # years from decision to done
    hires: int          # new teachers it hires (in the year it is done)

    @property
    def one_off(self) -> float:
        return self.action.one_off_yuan

    @property
    def recurring(self) -> float:
        return float(self.action.recurring_yuan)

    def as_dict(self) -> dict:
        a = self.action
        return {"school_id": a.school_id, "name": a.name, "stage": a.stage, "indicator": a.indicator,
                "quantity": a.quantity, "unit": a.unit, "one_off_yuan": self.one_off, "recurring_yuan": self.recurring,
                "need": self.need, "lead": self.lead, "hires": self.hires}


def phasing_rules(std: Standards) -> dict:
    """``planning.phasing`` of the standards (national.yaml states every key; a province may override any)."""
    return dict(std["planning"]["phasing"])


def lead_of(action: rect.Action, rules: dict, lead_years: int | None = None) -> int:
    """Years from decision to done: ``lead_years`` for construction (建设: teaching and sports area, music/art
    rooms, classrooms for split classes, seats of a new school), 0 for hires, training, equipment and funds."""
    lead = int(rules["lead_years"] if lead_years is None else lead_years)
    return lead if action.indicator in rules["construction"] else 0


def hires_of(action: rect.Action, std: Standards) -> int:
    """New teachers a job hires: L1/L3 additions (not exchanges) their quantity; a G5 split ⌈classes × teachers
    per extra class⌉ of its 学段."""
    if action.indicator in ("L1", "L3") and not action.source_school:
        return int(action.quantity)
    if action.indicator == "G5":
        rate = float(std["layout"]["teachers_per_extra_class"][action.stage])
        return int(math.ceil(action.quantity * rate - 1e-9))
    return 0


# ---------------------------------------------------------------- pupils of a year


def growth_factors(forecast_out: dict, data_year: int) -> pd.DataFrame:
    """g(town, 学段, y) = pupils(y) / pupils(data year) from the forecast's history and central variant
    (columns town, stage, year, factor); empty without a forecast. A town-学段 without pupils in the data year
    has no factor (its schools keep their pupils)."""
    if not forecast_out:
        return pd.DataFrame(columns=["town", "stage", "year", "factor"])
    hist = forecast_out["history"][["town", "stage", "year", "pupils"]]
    cent = forecast_out["forecast"]
    cent = cent[cent["variant"] == "central"][["town", "stage", "year", "pupils"]]
    series = pd.concat([hist, cent[cent["year"] > hist["year"].max()]], ignore_index=True)
    base = series[series["year"] == data_year].set_index(["town", "stage"])["pupils"]
    base = base[base > 0]
    out = series.join(base.rename("base"), on=["town", "stage"], how="inner")
    out["factor"] = out["pupils"] / out["base"]
    return out[["town", "stage", "year", "factor"]].reset_index(drop=True)


def _factor_of(tables: dict, factors: pd.DataFrame, year: int) -> pd.Series:
    """Per (school_id, stage): the growth factor of its town and 学段 in ``year`` (the last forecast year's
    beyond the forecast; 1 where none)."""
    if factors.empty:
        return pd.Series(dtype="float64")
    y = min(int(year), int(factors["year"].max()))
    f = factors[factors["year"] == y].set_index(["town", "stage"])["factor"]
    parts = tables["stats"][tables["stats"]["stage"] != contract.WHOLE_SCHOOL][["school_id", "stage"]]
    town = parts["school_id"].map(dict(zip(tables["schools"]["school_id"], tables["schools"]["town"])))
    values = [f.get((t, s), 1.0) for t, s in zip(town, parts["stage"])]
    return pd.Series(values, index=pd.MultiIndex.from_arrays([parts["school_id"], parts["stage"]]), dtype="float64")


def scale_pupils(tables: dict, factor: pd.Series) -> dict:
    """The tables with each school-学段's pupils × ``factor[(school_id, stage)]`` (absent: unchanged): 学段 rows
    rounded to whole pupils; 班级 rows rounded by largest remainders so each school-grade sums to the rounded
    product of its sum."""
    if factor.empty or np.allclose(factor.to_numpy(), 1.0):
        return tables
    out = dict(tables)
    stats = tables["stats"].copy()
    key = pd.MultiIndex.from_arrays([stats["school_id"], stats["stage"]])
    f = pd.Series(factor.reindex(key).to_numpy(), index=stats.index).fillna(1.0)
    students = pd.to_numeric(stats["students"], errors="coerce").astype("float64")
    stats["students"] = np.where(students.notna(), np.round(students * f), np.nan)
    out["stats"] = stats
    classes = tables.get("classes")
    if classes is not None and len(classes):
        c = classes.copy()
        stage = stages_of_grades(c["grade"])
        cf = pd.Series(factor.reindex(pd.MultiIndex.from_arrays([c["school_id"], stage])).to_numpy(),
                       index=c.index).fillna(1.0)
        s = pd.to_numeric(c["students"], errors="coerce").astype("float64")
        scaled = s * cf
        base = np.floor(scaled + 1e-9)
        grp = [c["school_id"], c["grade"]]
        target = np.round(scaled.groupby(grp).transform("sum"))
        deficit = (target - base.groupby(grp).transform("sum")).fillna(0)
        rank = (scaled - base).groupby(grp).rank(method="first", ascending=False)
        c["students"] = np.where(s.notna(), base + (rank <= deficit).astype(float), np.nan)
        out["classes"] = c
        # a 学段 row with 班级 rows: their new sum plus its old difference from them × f (the two sheets keep
        # the agreement they had; rounding each on its own broke it for small schools)
        by = [c["school_id"], stage]
        old_sum, new_sum = s.groupby(by).sum(min_count=1), c["students"].groupby(by).sum(min_count=1)
        k = pd.MultiIndex.from_arrays([stats["school_id"], stats["stage"]])
        o, n = old_sum.reindex(k).to_numpy(), new_sum.reindex(k).to_numpy()
        has = ~np.isnan(o) & ~np.isnan(n) & students.notna().to_numpy()
        stats["students"] = np.where(has, n + np.round((students.to_numpy() - o) * f.to_numpy()), stats["students"])
    return out


def rebalance_classes(tables: dict, std: Standards) -> dict:
    """均衡分班: in every school-grade whose classes could all be within the line (pupils ≤ classes × line) but one
    is not, the pupils spread evenly over its classes — what :func:`analytics.geo.spatial.class_fixes` assumes
    (it adds classes only where the grade's pupils need them), done at no cost in the plan's years."""
    classes = tables.get("classes")
    if classes is None or classes.empty:
        return tables
    c = classes.copy()
    stage = stages_of_grades(c["grade"])
    line = pd.Series(stage).map(std["class_size"]["max"]).astype(float).to_numpy()
    s = pd.to_numeric(c["students"], errors="coerce").astype("float64")
    grp = [c["school_id"], c["grade"]]
    total, n = s.groupby(grp).transform("sum"), s.groupby(grp).transform("size")
    over = (s > line).groupby(grp).transform("any")
    fix = over & (total <= n * line) & ~s.isna().groupby(grp).transform("any").astype(bool)
    if not fix.any():
        return tables
    rank = c.groupby(grp).cumcount()
    even = np.floor(total / n) + (rank < (total - np.floor(total / n) * n)).astype(float)
    c["students"] = np.where(fix, even, s)
    return {**tables, "classes": c}


def year_tables(tables: dict, factors: pd.DataFrame, year: int) -> dict:
    """The county's tables with the forecast pupils of ``year`` (:func:`scale_pupils` by :func:`growth_factors`)."""
    return scale_pupils(tables, _factor_of(tables, factors, year))


# ---------------------------------------------------------------- applying the jobs


def apply_jobs(tables: dict, actions: list[rect.Action], std: Standards) -> dict:
    """The tables after ``actions`` (what the scorecard of a later year reads):

    G4: the school's pupils less the seats moved (every 学段 and class in proportion); L1–L7:
    :func:`rectification.apply_actions`; new teachers (L1, L3 additions, G5 splits) come certified and with the
    360-hour training of the cycle (新聘教师持证上岗); G3: the missing rooms on the school's first 学段 row, a room
    too small rebuilt at the minimum area; G5: each grade's pupils spread evenly over its classes plus the extra
    ones, the 学段 row's classes and teachers raised; G9: trained teachers +n (the county figure set to the line
    for a county-wide measure); G12: certified teachers +n; Q4: training funds + the yearly amount.
    """
    if not actions:
        return tables
    out = dict(tables)
    by = {}
    for a in actions:
        by.setdefault(a.indicator, []).append(a)
    if "G4" in by:
        moved = pd.Series([a.quantity for a in by["G4"]], index=[a.school_id for a in by["G4"]]).groupby(level=0).sum()
        stats = out["stats"]
        parts = stats[(stats["stage"] != contract.WHOLE_SCHOOL) & stats["school_id"].isin(moved.index)]
        total = pd.to_numeric(parts["students"], errors="coerce").groupby(parts["school_id"]).sum()
        keep = (1 - moved / total.reindex(moved.index)).clip(lower=0).fillna(1.0)
        factor = pd.Series(parts["school_id"].map(keep).to_numpy(),
                           index=pd.MultiIndex.from_arrays([parts["school_id"], parts["stage"]]))
        out = scale_pupils(out, factor)
    stats = out["stats"]
    resource = [a for a in actions if a.indicator in rect.UNITS]
    if resource:
        stats = rect.apply_actions(stats, resource)
    stats = stats.copy()
    # plain float arrays while applying (a cell write through pandas per action was most of a plan year's time)
    cols = ("teachers", "certified_teachers", "music_rooms", "art_rooms", "music_room_min_m2", "art_room_min_m2",
            "classes")
    v = {c: pd.to_numeric(stats[c], errors="coerce").to_numpy(dtype="float64", na_value=np.nan).copy() for c in cols}
    row = {(s, st): i for i, (s, st) in enumerate(zip(stats["school_id"], stats["stage"]))}
    first_part, rows_of = {}, {}
    for i, (s, st) in enumerate(zip(stats["school_id"], stats["stage"])):
        rows_of.setdefault(s, []).append(i)
        if st != contract.WHOLE_SCHOOL:
            first_part.setdefault(s, i)
    trained: dict[str, float] = {}

    def plus(col, i, n):
        v[col][i] = (0.0 if np.isnan(v[col][i]) else v[col][i]) + n

    def hire(sid, stage, n):
        i = row.get((sid, stage))
        if i is None or n <= 0:
            return
        if not np.isnan(v["certified_teachers"][i]):
            v["certified_teachers"][i] += n
        trained[sid] = trained.get(sid, 0.0) + n

    for a in resource:
        if a.indicator in ("L1", "L3") and not a.source_school:
            hire(a.school_id, a.stage, a.quantity)
    g3 = std["guarantee"].get("G3", {})
    for a in by.get("G3", []):
        i = first_part.get(a.school_id)
        if i is None:
            continue
        for kind, short, small in a.detail:
            plus(f"{kind}_rooms", i, short + int(small))
            area, least = v[f"{kind}_room_min_m2"], float(g3[f"{kind}_room_min_m2"])
            if small or np.isnan(area[i]):
                for k in rows_of[a.school_id]:
                    area[k] = least if np.isnan(area[k]) else max(area[k], least)
    if by.get("G5"):
        classes = out["classes"]
        split = {}
        for a in by["G5"]:
            for grade, extra in a.detail:
                split[(a.school_id, grade)] = split.get((a.school_id, grade), 0) + extra
            i = row.get((a.school_id, a.stage))
            if i is not None:
                plus("classes", i, a.quantity)
                plus("teachers", i, hires_of(a, std))
                hire(a.school_id, a.stage, hires_of(a, std))
        keys = list(zip(classes["school_id"], classes["grade"]))
        hit = np.array([k in split for k in keys], dtype=bool)
        rows = {"school_id": [], "year": [], "grade": [], "class_name": [], "students": []}
        part = classes[hit]
        pupils = pd.to_numeric(part["students"], errors="coerce").fillna(0).to_numpy()
        groups: dict = {}
        for sid, grade, year, name, n in zip(part["school_id"], part["grade"], part["year"], part["class_name"], pupils):
            g = groups.setdefault((sid, grade), [year, [], 0.0])
            g[1].append(name)
            g[2] += n
        for (sid, grade), (year, names, total) in groups.items():
            n = len(names) + split[(sid, grade)]
            total = int(total)
            names = names + [f"{names[0]}·增{k + 1}" for k in range(n - len(names))]
            rows["school_id"] += [sid] * n
            rows["year"] += [year] * n
            rows["grade"] += [grade] * n
            rows["class_name"] += names
            rows["students"] += [total // n + (1 if k < total % n else 0) for k in range(n)]
        rebuilt = [pd.DataFrame(rows).astype({c: classes[c].dtype for c in rows if c != "students"})]
        out["classes"] = pd.concat([classes[~hit]] + rebuilt, ignore_index=True)
    for a in by.get("G12", []):
        i = row.get((a.school_id, a.stage))
        if i is not None and not np.isnan(v["certified_teachers"][i]):
            v["certified_teachers"][i] += a.quantity
    for a in by.get("G9", []):
        if a.school_id:
            trained[a.school_id] = trained.get(a.school_id, 0.0) + a.quantity
        elif out.get("county") is not None:
            county = out["county"].copy()
            county.loc[county["indicator"] == "G9", "value"] = float(std["guarantee"]["G9"]["line"])
            out["county"] = county
    if trained and out.get("exchange") is not None and len(out["exchange"]):
        ex = out["exchange"].copy()
        ex["trained_360h"] = pd.to_numeric(ex["trained_360h"], errors="coerce").astype("float64")
        add = ex["school_id"].map(trained).fillna(0.0)
        ex["trained_360h"] = ex["trained_360h"] + add
        out["exchange"] = ex
    if by.get("Q4") and out.get("funding") is not None:
        f = out["funding"].copy()
        f["training_funds"] = pd.to_numeric(f["training_funds"], errors="coerce").astype("float64")
        more = pd.Series([a.quantity for a in by["Q4"]], index=[a.school_id for a in by["Q4"]]).groupby(level=0).sum()
        f["training_funds"] = f["training_funds"] + f["school_id"].map(more).fillna(0.0)
        out["funding"] = f
    for c in cols:
        stats[c] = v[c]
    out["stats"] = stats
    return out


def plan_year_tables(tables: dict, factors: pd.DataFrame, year: int, done: list[rect.Action], std: Standards) -> dict:
    """Year ``year`` as the plan makes it: the forecast pupils (:func:`year_tables`), the actions done by
    then applied (:func:`apply_jobs`) and the classes rebalanced (:func:`rebalance_classes`) — the tables the
    scorecard of that year reads."""
    return rebalance_classes(apply_jobs(year_tables(tables, factors, year), done, std), std)


# ---------------------------------------------------------------- what each year needs


def requirements(tables: dict, factors: pd.DataFrame, years: list[int], std: Standards, costs: dict,
                 lead_years: int | None = None, rounds: int = 4) -> list[Job]:
    """The jobs and the year each is first needed (module docstring, step 2)."""
    rules = phasing_rules(std)
    names = dict(zip(tables["schools"]["school_id"], tables["schools"]["name"]))
    jobs: list[Job] = []

    def add(actions, year):
        for a in actions:
            jobs.append(Job(a, year, lead_of(a, rules, lead_years), hires_of(a, std)))

    for y in years:
        for _ in range(rounds):
            t = plan_year_tables(tables, factors, y, [j.action for j in jobs], std)
            g4 = rect.measure_actions(t, std, costs, names, only=("G4",))
            if g4:
                add(g4, y)
                t = plan_year_tables(tables, factors, y, [j.action for j in jobs], std)
            plan = rect.make_plan(t["stats"], t["schools"], std, costs, classes=t["classes"], tables=t, routes=False)
            new = plan["actions"] + plan["guarantee_actions"]
            if not new:
                break
            add(new, y)
            if all(a.indicator in SELF_CONTAINED for a in new):
                break                       # rooms, training, certificates, funds change nothing else: no new round
    return jobs


# ---------------------------------------------------------------- schedules


def _payments(job: Job, s: int) -> dict[int, float]:
    """One-off money of ``job`` started in ``s`` by year: evenly over its build years, in s without lead."""
    n = max(job.lead, 1)
    return {s + k: job.one_off / n for k in range(n)}


def _window(job: Job, start: int, end: int, pass_year: int) -> range:
    """Years the job may start in: done (s + lead) by max(need, pass year) and by the end."""
    last = min(end, max(job.need, pass_year)) - job.lead
    return range(start, last + 1)


def cumulative_cost(jobs: list[Job], starts: list[int | None], end: int) -> float:
    """Σ one-off + Σ recurring × (end − done + 1) over the jobs started (the money over the horizon)."""
    total = 0.0
    for j, s in zip(jobs, starts):
        if s is not None:
            total += j.one_off + j.recurring * (end - (s + j.lead) + 1)
    return total


def feasible(jobs, starts, start, end, budget, cap, hires) -> bool:
    """Do the starts keep every year's one-off ≤ budget, recurring ≤ cap and hires ≤ hires per year?"""
    paid = {y: 0.0 for y in range(start, end + 1)}
    rec = {y: 0.0 for y in range(start, end + 1)}
    hired = {y: 0 for y in range(start, end + 1)}
    for j, s in zip(jobs, starts):
        if s is None:
            continue
        for y, v in _payments(j, s).items():
            paid[y] += v
        for y in range(s + j.lead, end + 1):
            rec[y] += j.recurring
        hired[s + j.lead] += j.hires
    tol = 1e-6
    return all(paid[y] <= budget * (1 + tol) + 1 and rec[y] <= cap * (1 + tol) + 1 and hired[y] <= hires
               for y in paid)


def schedule_exact(jobs: list[Job], start: int, end: int, pass_year: int, budget: float, cap: float, hires: int,
                   seconds: float = 20) -> tuple[list[int] | None, str]:
    """Starts of every job so that the county passes in ``pass_year`` at least cumulative cost (module
    docstring, step 3), by CBC; (None, status) when infeasible or not solved to optimality in time."""
    windows = [list(_window(j, start, end, pass_year)) for j in jobs]
    if any(not w for w in windows):
        return None, "Infeasible"
    years = range(start, end + 1)
    prob = pulp.LpProblem("phased_plan", pulp.LpMinimize)
    x = {(i, s): pulp.LpVariable(f"x_{i}_{s}", cat="Binary") for i, w in enumerate(windows) for s in w}
    prob += pulp.lpSum(v * (jobs[i].recurring * (end - (s + jobs[i].lead) + 1)) / YUAN_PER_WAN for (i, s), v in x.items())
    for i, w in enumerate(windows):
        prob += pulp.lpSum(x[i, s] for s in w) == 1
    for y in years:
        pay = [x[i, s] * (jobs[i].one_off / max(jobs[i].lead, 1)) for (i, s) in x
               if jobs[i].one_off and s <= y <= s + max(jobs[i].lead, 1) - 1]
        if pay:
            prob += pulp.lpSum(pay) <= budget
        rec = [x[i, s] * jobs[i].recurring for (i, s) in x if jobs[i].recurring and s + jobs[i].lead <= y]
        if rec:
            prob += pulp.lpSum(rec) <= cap
        hire = [x[i, s] * jobs[i].hires for (i, s) in x if jobs[i].hires and s + jobs[i].lead == y]
        if hire:
            prob += pulp.lpSum(hire) <= hires
    prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=seconds))
    status = pulp.LpStatus[prob.status]
    if status != "Optimal":
        return None, status
    starts = [next(s for s in w if (x[i, s].value() or 0) > 0.5) for i, w in enumerate(windows)]
    return starts, status


def schedule_greedy(jobs: list[Job], start: int, end: int, pass_year: int, budget: float, cap: float, hires: int,
                    fill: bool = False, repair_max: int | None = None) -> list[int | None] | None:
    """Jobs in an order, each in the earliest year it fits; five orders are tried — by latest start (ties: larger
    one-off, larger yearly payment, more hires first), by yearly payment, by payment per year of its window — and
    the first that places every job wins; then, while it
    saves money, each job with recurring money (largest first) moved to the latest year it still fits. None when
    no order places every job — unless ``fill``: then a job that fits nowhere is left out (None in its place)."""
    windows = [list(_window(j, start, end, pass_year)) for j in jobs]
    last = [w[-1] if w else start - 1 for w in windows]
    keys = (lambda i: (last[i], -jobs[i].one_off), lambda i: (last[i], -jobs[i].one_off / max(jobs[i].lead, 1)),
            lambda i: (last[i], -jobs[i].hires), lambda i: (-jobs[i].one_off / max(jobs[i].lead, 1), last[i]),
            lambda i: (-jobs[i].one_off / max(len(windows[i]), 1), last[i]))
    best = None
    for key in keys:
        order = sorted(range(len(jobs)), key=key)
        placed = _place(jobs, windows, order, start, end, budget, cap, hires, fill, repair_max)
        if placed is not None and (not fill or best is None or
                                   sum(s is not None for s in placed[0]) > sum(s is not None for s in best[0])):
            best = placed
            if not fill or all(s is not None for s in placed[0]):
                break
    if best is None:
        return None
    starts, book, fits = best
    for _ in range(3):                      # later recurring money costs less over the horizon
        moved = False
        for i in sorted((i for i in range(len(jobs)) if starts[i] is not None and jobs[i].recurring > 0),
                        key=lambda i: -jobs[i].recurring):
            book(i, starts[i], -1)
            later = next((s for s in reversed(windows[i]) if s >= starts[i] and fits(i, s)), starts[i])
            book(i, later, 1)
            moved |= later != starts[i]
            starts[i] = later
        if not moved:
            break
    return starts


def _place(jobs, windows, order, start, end, budget, cap, hires, fill, repair_max: int | None):
    """Each job of ``order`` in the earliest year of its window that the budget and hires leave room for — when
    none, after moving one placed job to another year of its window to make room (counties of up to
    ``repair_max`` jobs, ``planning.phasing.repair_max_jobs``; None: always — the search is quadratic): (starts,
    book, fits) or None when one still fits nowhere (``fill``: left out)."""
    years = list(range(start, end + 1))
    paid = {y: 0.0 for y in years}
    hired = {y: 0 for y in years}
    eps = 1e-6
    rec_total = 0.0
    starts: list[int | None] = [None] * len(jobs)

    def fits(i, s):
        j = jobs[i]
        return (all(paid[y] + v <= budget * (1 + eps) + 1 for y, v in _payments(j, s).items())
                and hired[s + j.lead] + j.hires <= hires)

    def book(i, s, sign):
        for y, v in _payments(jobs[i], s).items():
            paid[y] += sign * v
        hired[s + jobs[i].lead] += sign * jobs[i].hires

    def repair(i):
        """Make room for job i by moving one placed job to another year of its window (one move, the first found)."""
        for s in windows[i]:
            for k in range(len(jobs)):
                if starts[k] is None or k == i:
                    continue
                old = starts[k]
                book(k, old, -1)
                if fits(i, s):
                    book(i, s, 1)
                    other = next((s2 for s2 in windows[k] if s2 != old and fits(k, s2)), None)
                    book(i, s, -1)
                    if other is not None:
                        book(k, other, 1)
                        starts[k] = other
                        return s
                book(k, old, 1)
        return None

    for i in order:
        j = jobs[i]
        s = None if rec_total + j.recurring > cap * (1 + eps) + 1 else next((s for s in windows[i] if fits(i, s)), None)
        if s is None and rec_total + j.recurring <= cap * (1 + eps) + 1 and (repair_max is None or len(jobs) <= repair_max):
            s = repair(i)
        if s is None:
            if fill:
                continue
            return None
        book(i, s, 1)
        starts[i] = s
        rec_total += j.recurring
    return starts, book, fits


def earliest_pass(jobs, start, end, budget, cap, hires, method, seconds=20, repair_max=None) -> tuple[int | None, list, str]:
    """The first P = start … end with a schedule (module docstring, step 3): (P, starts, method used)."""
    for p in range(start, end + 1):
        if any(not _window(j, start, end, p) for j in jobs):
            continue
        if method == "exact":
            starts, status = schedule_exact(jobs, start, end, p, budget, cap, hires, seconds)
            if starts is not None:
                return p, starts, "exact"
            if status not in ("Infeasible",):           # stopped at the time limit: the greedy decides
                starts = schedule_greedy(jobs, start, end, p, budget, cap, hires, repair_max=repair_max)
                if starts is not None:
                    return p, starts, "greedy"
            continue
        starts = schedule_greedy(jobs, start, end, p, budget, cap, hires, repair_max=repair_max)
        if starts is not None:
            return p, starts, "greedy"
    return None, [], method


def min_budget(jobs, start, end, cap, hires, method, step_yuan: float, seconds=20, repair_max=None) -> float | None:
    """The smallest yearly one-off budget (a multiple of ``step_yuan``) with a pass year by the end; None when
    none can (the recurring ceiling, the hires or the lead times stop it whatever the money)."""
    hi = math.ceil(sum(j.one_off for j in jobs) / step_yuan) * step_yuan + step_yuan

    def ok(b):
        return passes_by_end(jobs, start, end, b, cap, hires, method, seconds, repair_max)

    if not ok(hi):
        return None
    lo = 0.0
    while hi - lo > step_yuan + 1e-6:
        mid = math.floor((lo + hi) / 2 / step_yuan) * step_yuan
        if mid <= lo:
            break
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return float(hi)


def passes_by_end(jobs, start, end, budget, cap, hires, method, seconds=20, repair_max=None) -> bool:
    """Is there a schedule passing by the end (the loosest pass year)?"""
    if method == "exact":
        starts, status = schedule_exact(jobs, start, end, end, budget, cap, hires, seconds)
        if starts is not None or status == "Infeasible":
            return starts is not None
    return schedule_greedy(jobs, start, end, end, budget, cap, hires, repair_max=repair_max) is not None


# ---------------------------------------------------------------- the plan


def item_key(item: dict) -> str:
    return item["code"] if not item.get("stage") else f"{item['stage']}·{item['code']}"


def costed(item: dict) -> bool:
    return item["code"].split("·")[0] in rect.PLANNED_CODES


def phased_plan(tables: dict, forecast_out: dict, std: Standards, costs: dict | None = None, *,
                start: int | None = None, horizon: int | None = None, budget_yuan: float, recurring_cap_yuan: float,
                hires_per_year: int, lead_years: int | None = None, method: str = "auto",
                jobs: list[Job] | None = None, progress=None) -> dict:
    """The year-by-year plan of one county-year (module docstring). ``method`` exact / greedy / auto (exact up
    to ``exact_max_jobs`` jobs). Returns years (one record a year: jobs started and done, money paid, pupils,
    every item's status), pass_year, short_at_horizon, min_budget_yuan, method, and the inputs. ``jobs``: the
    :func:`requirements` of the same tables, years and lead time when already made (they do not depend on the
    budget)."""
    costs = costs or rect.load_costs()
    rules = phasing_rules(std)
    data_year = int(tables["stats"]["year"].max())
    start = int(start if start is not None else data_year + 1)
    horizon = int(horizon or rect.plan_horizon(std))
    end = start + horizon - 1
    years = list(range(start, end + 1))
    factors = growth_factors(forecast_out, data_year)
    if jobs is None:
        jobs = requirements(tables, factors, years, std, costs, lead_years)
    if progress:
        progress(0.5)
    if method == "auto":
        method = "exact" if len(jobs) <= rules["exact_max_jobs"] else "greedy"
    seconds = float(rules["solver_seconds"])
    repair = int(rules["repair_max_jobs"])
    p, starts, used = earliest_pass(jobs, start, end, budget_yuan, recurring_cap_yuan, hires_per_year, method, seconds, repair)
    floor_budget = relaxed_budget = None
    recurring_needed = float(sum(j.recurring for j in jobs))
    step = float(rules["budget_step_wan"]) * YUAN_PER_WAN
    if p is None:
        starts = schedule_greedy(jobs, start, end, end, budget_yuan, recurring_cap_yuan, hires_per_year, fill=True,
                                 repair_max=repair)
        floor_budget = min_budget(jobs, start, end, recurring_cap_yuan, hires_per_year, method, step, seconds, repair)
        if floor_budget is None and recurring_needed > recurring_cap_yuan:
            # the ceiling stops it whatever the one-off money: the least budget once the ceiling meets the need
            relaxed_budget = min_budget(jobs, start, end, recurring_needed, hires_per_year, method, step, seconds, repair)
    if progress:
        progress(0.8)
    records, statuses = [], []
    for y in years:
        done = [j.action for j, s in zip(jobs, starts) if s is not None and s + j.lead <= y]
        t = plan_year_tables(tables, factors, y, done, std)
        items = [i.as_dict() for i in sc.scorecard(t, std)]
        statuses.append(items)
        paid = sum(v for j, s in zip(jobs, starts) if s is not None for yy, v in _payments(j, s).items() if yy == y)
        rec = sum(j.recurring for j, s in zip(jobs, starts) if s is not None and s + j.lead <= y)
        parts = t["stats"][t["stats"]["stage"] != contract.WHOLE_SCHOOL]
        records.append({
            "year": y,
            "started": [j.as_dict() for j, s in zip(jobs, starts) if s == y],
            "done": [j.as_dict() for j, s in zip(jobs, starts) if s is not None and s + j.lead == y],
            "one_off_yuan": float(paid), "recurring_yuan": float(rec),
            "hires": int(sum(j.hires for j, s in zip(jobs, starts) if s is not None and s + j.lead == y)),
            "pupils": {st: int(pd.to_numeric(g["students"], errors="coerce").sum()) for st, g in parts.groupby("stage")},
            "items": {item_key(i): i["status"] for i in items},
            "failing_costed": [item_key(i) for i in items if costed(i) and i["status"] != "pass"],
        })
    running = 0.0
    for r in records:
        running += r["one_off_yuan"] + r["recurring_yuan"]
        r["cumulative_yuan"] = running
    # the pass year the scorecard confirms: from it to the end every costed item passes
    confirmed = None
    for k in range(len(records) - 1, -1, -1):
        if records[k]["failing_costed"]:
            break
        confirmed = records[k]["year"]
    outside = rect.uncovered_items(statuses[-1]) if statuses else []
    policy = [i for i in outside if i["status"] == "fail"]
    unknown = [item_key(i) for i in (statuses[-1] if statuses else []) if i["status"] == "unknown"]
    return {"years": records, "pass_year": confirmed, "schedule_pass_year": p,
            "short_at_horizon": records[-1]["failing_costed"] if confirmed is None and records else [],
            "min_budget_yuan": floor_budget, "min_budget_at_need_yuan": relaxed_budget,
            "recurring_needed_yuan": recurring_needed, "hires_needed": int(sum(j.hires for j in jobs)),
            "method": used, "jobs": len(jobs),
            "one_off_yuan": float(sum(j.one_off for j, s in zip(jobs, starts) if s is not None)),
            "recurring_yuan": float(sum(j.recurring for j, s in zip(jobs, starts) if s is not None)),
            "cumulative_yuan": cumulative_cost(jobs, starts, end),
            "not_funded": [j.as_dict() for j, s in zip(jobs, starts) if s is None],
            "done_actions": [(j.action, s + j.lead) for j, s in zip(jobs, starts) if s is not None],
            "policy_items": policy, "unknown_items": unknown, "forecast_used": not factors.empty,
            "inputs": {"start": start, "horizon": horizon, "end": end, "budget_yuan": float(budget_yuan),
                       "recurring_cap_yuan": float(recurring_cap_yuan), "hires_per_year": int(hires_per_year),
                       "lead_years": int(rules["lead_years"] if lead_years is None else lead_years),
                       "data_year": data_year}}


def phased_summary(plan: dict) -> dict:
    """JSON of ``python -m analytics plan --budget …``: years [{year, actions (started), done, one_off, recurring,
    cumulative, hires, pupils, items: {item: status}}], pass_year, short_at_horizon, min_budget (万元 a year, only
    without a pass year), policy_items, inputs; money in 元 unless the key says otherwise (``units``)."""
    return {
        "years": [{"year": r["year"], "actions": r["started"], "done": r["done"], "one_off": r["one_off_yuan"],
                   "recurring": r["recurring_yuan"], "cumulative": r["cumulative_yuan"], "hires": r["hires"],
                   "pupils": r["pupils"], "items": r["items"]} for r in plan["years"]],
        "pass_year": plan["pass_year"], "schedule_pass_year": plan["schedule_pass_year"],
        "short_at_horizon": plan["short_at_horizon"],
        "min_budget": None if plan["min_budget_yuan"] is None else plan["min_budget_yuan"] / YUAN_PER_WAN,
        "min_budget_at_recurring_need": None if plan["min_budget_at_need_yuan"] is None
        else plan["min_budget_at_need_yuan"] / YUAN_PER_WAN,
        "recurring_needed": plan["recurring_needed_yuan"], "hires_needed": plan["hires_needed"],
        "one_off": plan["one_off_yuan"], "recurring": plan["recurring_yuan"], "cumulative": plan["cumulative_yuan"],
        "not_funded": len(plan["not_funded"]), "policy_items": [i["code"] for i in plan["policy_items"]],
        "unknown_items": plan["unknown_items"],
        "method": plan["method"], "jobs": plan["jobs"], "forecast_used": plan["forecast_used"],
        "inputs": {k: (None if k in ("recurring_cap_yuan", "hires_per_year") and v >= NO_LIMIT else v)
                   for k, v in plan["inputs"].items()},
        "units": {"one_off": "元", "recurring": "元/年", "cumulative": "元", "min_budget": "万元/年", "no_limit": None,
                  "min_budget_at_recurring_need": "万元/年", "recurring_needed": "元/年",
                  "budget_yuan": "元/年", "recurring_cap_yuan": "元/年"},
    }


def pass_timeline(pass_years, years) -> pd.DataFrame:
    """How many counties can apply in each year: passing that year and cumulative (a county with no pass year
    never counts). Columns year, passing, cumulative, total. Example: pass years 2026, 2026, 2028, None over
    2025–2028 → passing 0, 2, 0, 1; cumulative 0, 2, 2, 3; total 4."""
    pass_years = pd.Series(list(pass_years), dtype="object")
    rows, total = [], 0
    for y in years:
        n = int(sum(1 for p in pass_years if p is not None and p == p and int(p) == int(y)))
        total += n
        rows.append({"year": int(y), "passing": n, "cumulative": total, "total": len(pass_years)})
    return pd.DataFrame(rows, columns=["year", "passing", "cumulative", "total"])
