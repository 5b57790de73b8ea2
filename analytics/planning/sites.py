"""Where to build: k new sites among candidates with the existing schools fixed, and accessibility.

p-median (least pupil-weighted distance to the nearest school) or MCLP (most children within the
service radius), solved by ``spopt`` with PuLP's CBC; distances in metres in the county's projected
CRS (analytics.spatial). Accessibility per settlement by the two-step floating catchment (``access``).
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pulp
from scipy.spatial.distance import cdist

from analytics.geo import spatial
from analytics.io import contract


def cost_matrix(demand_xy: np.ndarray, facility_xy: np.ndarray) -> np.ndarray:
    """Straight-line distances (m) from every demand point to every facility."""
    return cdist(demand_xy, facility_xy)


def solve(cost: np.ndarray, weights: np.ndarray, n_existing: int, k: int, model: str = "pmedian",
          radius: float | None = None, time_limit: int = 120, sparse: bool | None = None) -> dict:
    """Choose k of the facilities after the first ``n_existing`` (which stay open).

    Returns chosen (indices among the candidates), objective (pupil-weighted metres for p-median,
    children covered for MCLP) and the solver status. p-median with existing schools uses the exact
    sparse model of :func:`pmedian_sparse` (``sparse=False`` forces spopt's full model)."""
    if model == "pmedian" and n_existing > 0 and sparse is not False:
        return pmedian_sparse(cost, weights, n_existing, k, time_limit)
    from spopt.locate import MCLP, PMedian
    predefined = np.zeros(cost.shape[1], dtype=int)
    predefined[:n_existing] = 1
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)
    if model == "mclp":
        m = MCLP.from_cost_matrix(cost, weights, service_radius=radius, p_facilities=n_existing + k,
                                  predefined_facilities_arr=predefined)
    else:
        m = PMedian.from_cost_matrix(cost, weights, p_facilities=n_existing + k, predefined_facilities_arr=predefined)
    try:
        m.solve(solver)
    except RuntimeError:                    # spopt raises when CBC stops (time limit) without a solution
        return {"chosen": [], "objective": math.nan, "status": pulp.LpStatus[m.problem.status]}
    chosen = sorted(j - n_existing for j in range(n_existing, cost.shape[1]) if _is_open(m, j))
    return {"chosen": chosen, "objective": objective(cost, weights, n_existing, chosen, model, radius),
            "status": pulp.LpStatus[m.problem.status]}


def pmedian_sparse(cost: np.ndarray, weights: np.ndarray, n_existing: int, k: int, time_limit: int = 120) -> dict:
    """p-median with the existing schools open, as an exact sparse model (PuLP + CBC).

    Every demand point i is served at most d_i^E away, its nearest existing school, so it only ever
    needs assignment variables to candidates closer than that (C_i = {j : d_ij < d_i^E}); the existing
    schools collapse into one variable e_i at cost d_i^E:

        min Σ_i w_i (Σ_{j∈C_i} d_ij x_ij + d_i^E e_i)
        s.t. Σ_{j∈C_i} x_ij + e_i = 1,  x_ij ≤ y_j,  Σ_j y_j = k,  y_j ∈ {0, 1},  x, e ≥ 0.

    With y fixed the best x sends each point to its nearest open school, so x need not be integer.
    Same optimum as the full model (n × (E + C) assignment variables) with a few per point: 2,000
    points × 200 candidates + 60 schools is ~6,000 variables instead of 520,000."""
    n, n_c = cost.shape[0], cost.shape[1] - n_existing
    d_e = cost[:, :n_existing].min(axis=1)
    cand = cost[:, n_existing:]
    ii, jj = np.nonzero(cand < d_e[:, None])
    prob = pulp.LpProblem("pmedian_sparse", pulp.LpMinimize)
    y = [pulp.LpVariable(f"y_{j}", cat="Binary") for j in range(n_c)]
    e = [pulp.LpVariable(f"e_{i}", lowBound=0) for i in range(n)]
    x = [pulp.LpVariable(f"x_{i}_{j}", lowBound=0) for i, j in zip(ii, jj)]
    prob += pulp.lpSum(float(weights[i] * cand[i, j]) * v for i, j, v in zip(ii, jj, x)) + \
        pulp.lpSum(float(weights[i] * d_e[i]) * e[i] for i in range(n))
    by_point: list[list] = [[] for _ in range(n)]
    for i, j, v in zip(ii, jj, x):
        by_point[i].append(v)
        prob += v <= y[j]
    for i in range(n):
        prob += pulp.lpSum(by_point[i]) + e[i] == 1
    prob += pulp.lpSum(y) == min(k, n_c)
    prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit))
    status = pulp.LpStatus[prob.status]
    chosen = sorted(j for j in range(n_c) if (y[j].value() or 0) > 0.5)
    if len(chosen) != min(k, n_c):
        return {"chosen": [], "objective": math.nan, "status": status}
    return {"chosen": chosen, "objective": objective(cost, weights, n_existing, chosen), "status": status}


def _is_open(m, j) -> bool:
    var = m.fac_vars[j]
    return bool(var.value() and var.value() > 0.5)


def objective(cost, weights, n_existing, chosen, model="pmedian", radius=None) -> float:
    """Pupil-weighted distance to the nearest open facility (p-median) or children within the radius (MCLP)."""
    cols = list(range(n_existing)) + [n_existing + c for c in chosen]
    nearest = cost[:, cols].min(axis=1)
    if model == "mclp":
        return float(weights[nearest <= radius].sum())
    return float((weights * nearest).sum())


def brute_force(cost, weights, n_existing, k, model="pmedian", radius=None) -> tuple[list[int], float]:
    """Every combination of k candidates (small instances only): the best and its objective."""
    n_candidates = cost.shape[1] - n_existing
    best, best_value = None, None
    for combo in itertools.combinations(range(n_candidates), k):
        v = objective(cost, weights, n_existing, list(combo), model, radius)
        better = best_value is None or (v > best_value + 1e-9 if model == "mclp" else v < best_value - 1e-9)
        if better:
            best, best_value = list(combo), v
    return best, best_value


NO_SETTLEMENTS = "no_settlements"


def suggest(settlements: pd.DataFrame, schools: pd.DataFrame, stage: str, k: int, standards: dict,
            model: str = "pmedian", epsg: int | None = None) -> dict:
    """k new sites for ``stage`` among the settlements, existing schools of the stage fixed."""
    existing = spatial.stage_schools(schools, stage)
    demand = settlements.dropna(subset=["lon", "lat"]).reset_index(drop=True)
    if demand.empty:                        # no settlements: nowhere to place a school, nothing to weigh
        return {"model": model, "k": k, "status": NO_SETTLEMENTS, "epsg": None, "before": None, "objective": None,
                "sites": pd.DataFrame(columns=["town", "name", "lon", "lat"])}
    weights = demand[contract.CHILDREN_COLUMN[stage]].fillna(0).to_numpy(float)
    epsg = epsg or spatial.metric_epsg(float(demand["lon"].median()))
    radius = float(standards["layout"]["service_radius_m"][stage]["rural"])
    if model == "shortage":
        return suggest_for_shortage(demand, existing, weights, stage, k, standards, epsg, radius)
    dx, dy = spatial.project(demand["lon"], demand["lat"], epsg)
    ex, ey = spatial.project(existing["lon"], existing["lat"], epsg)
    demand_xy = np.column_stack([dx, dy])
    facilities = np.vstack([np.column_stack([ex, ey]), demand_xy])        # candidates: the settlements
    cost = cost_matrix(demand_xy, facilities)
    result = solve(cost, weights, len(existing), k, model, radius)
    before = objective(cost, weights, len(existing), [], model, radius) if len(existing) else None
    sites = demand.iloc[result["chosen"]][["town", "name", "lon", "lat"]].reset_index(drop=True)
    return {**result, "before": before, "sites": sites, "epsg": epsg, "model": model, "k": k,
            "children": float(weights.sum())}


def short_children(children: np.ndarray, access: np.ndarray) -> np.ndarray:
    """Children without a seat within reach: children × max(0, 1 − A) with A the seats per child within the
    radius (:func:`two_step_fca`, each school's seats shared among all the children in its reach — capacities
    respected). Example: 200 children at A = 0.7 → 60; at A ≥ 1 → 0."""
    return np.asarray(children, float) * np.clip(1.0 - np.asarray(access, float), 0.0, 1.0)


def suggest_for_shortage(demand, existing, children, stage, k, standards, epsg, radius) -> dict:
    """The shortage-weighted objective: k sites among the settlements that bring the most children *without a
    seat within reach* (:func:`short_children`, existing schools' seats and catchments counted) within the service
    radius of a new school — MCLP on the children short of seats, rather than p-median's distance of every child
    (which places schools where children are many, short of seats or not). ``objective``: short children within
    the radius of a new site; ``before``: short children in all."""
    supply = existing.assign(seats=spatial.seats(existing, standards))
    access = two_step_fca(demand, supply, stage, radius, epsg, supply="seats").to_numpy() if len(supply) else \
        np.zeros(len(demand))
    short = short_children(children, access)
    dx, dy = spatial.project(demand["lon"], demand["lat"], epsg)
    xy = np.column_stack([dx, dy])
    result = solve(cost_matrix(xy, xy), short, 0, k, "mclp", radius)
    sites = demand.iloc[result["chosen"]][["town", "name", "lon", "lat"]].reset_index(drop=True)
    return {**result, "before": float(short.sum()), "sites": sites, "epsg": epsg, "model": "shortage", "k": k,
            "children": float(np.asarray(children).sum())}


def two_step_fca(settlements: pd.DataFrame, schools: pd.DataFrame, stage: str, radius_m: float, epsg: int,
                 supply: str = "students") -> pd.Series:
    """Seats per child reachable within ``radius_m`` for each settlement (2SFCA, ``access`` package).
    Supply: the schools' ``supply`` column (seats); demand: the settlement's children of the 学段.
    Step 1: R_j = S_j / Σ_{d_kj ≤ r} D_k; step 2: A_i = Σ_{d_ij ≤ r} R_j."""
    from access import Access
    demand = settlements.dropna(subset=["lon", "lat"]).reset_index(drop=True).copy()
    supply_col, supply = supply, spatial.stage_schools(schools, stage).copy()
    demand["children"] = demand[contract.CHILDREN_COLUMN[stage]].fillna(0)
    dx, dy = spatial.project(demand["lon"], demand["lat"], epsg)
    sx, sy = spatial.project(supply["lon"], supply["lat"], epsg)
    d = cdist(np.column_stack([dx, dy]), np.column_stack([sx, sy]))
    ii, jj = np.meshgrid(range(len(demand)), range(len(supply)), indexing="ij")
    costs = pd.DataFrame({"origin": ii.ravel(), "dest": jj.ravel(), "cost": d.ravel()})
    demand["id"], supply["id"] = range(len(demand)), range(len(supply))
    acc = Access(demand_df=demand, demand_index="id", demand_value="children",
                 supply_df=supply, supply_index="id", supply_value=supply_col,
                 cost_df=costs, cost_origin="origin", cost_dest="dest", cost_name="cost")
    out = acc.two_stage_fca(name="fca", max_cost=radius_m, normalize=False)
    return out.iloc[:, 0].reindex(range(len(demand))).fillna(0.0)


