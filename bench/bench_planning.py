"""Benchmarks of layout planning, in one run:
- p-median (spopt + CBC) with ~2,000 demand points and ~200 candidates, 60 existing schools fixed;
  baseline: evaluating the objective of one solution (numpy) — the ratio shows the solver's cost;
- the cohort forecast for a province-scale history (1,000 towns × 6 years × 9 grades).

Run: .venv/bin/python bench/bench_planning.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import forecast as fc  # noqa: E402
from analytics import sites  # noqa: E402
from analytics.config import load_standards  # noqa: E402


def bench_pmedian(n_demand=2000, n_candidates=200, n_existing=60, k=5) -> None:
    rng = np.random.default_rng(11)
    demand = rng.uniform(0, 40_000, (n_demand, 2))
    facilities = np.vstack([rng.uniform(0, 40_000, (n_existing, 2)), demand[rng.choice(n_demand, n_candidates, replace=False)]])
    cost = sites.cost_matrix(demand, facilities)
    w = rng.integers(10, 400, n_demand).astype(float)
    t0 = time.perf_counter()
    sites.objective(cost, w, n_existing, list(range(k)))
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = sites.solve(cost, w, n_existing, k, time_limit=60)
    solve = time.perf_counter() - t0
    print(f"p-median {n_demand} demand × {n_candidates} candidates (+{n_existing} fixed), k={k}: "
          f"{solve:.1f} s, status {result['status']}, {solve / base:,.0f}× one objective evaluation ({base * 1000:.2f} ms)")


def bench_forecast(n_towns=1000, years=range(2019, 2025)) -> None:
    rng = np.random.default_rng(5)
    towns = [f"town{i}" for i in range(n_towns)]
    births = pd.DataFrame([{"town": t, "year": y, "births": float(rng.integers(200, 2000)) * 0.97 ** (y - 2005)}
                           for t in towns for y in range(2005, 2025)])
    classes = pd.DataFrame([{"school_id": f"s{t}", "year": y, "grade": g, "class_name": "1",
                             "students": float(rng.integers(100, 900))} for t in towns for y in years for g in range(1, 10)])
    schools = pd.DataFrame({"school_id": [f"s{t}" for t in towns], "town": towns})
    std = load_standards("320902")
    t0 = time.perf_counter()
    fc.grade_history(classes, schools)
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = fc.forecast(classes, schools, births, std, urban_towns=set(towns[:200]))
    total = time.perf_counter() - t0
    print(f"forecast {n_towns} towns × {len(years)} years ({len(classes):,} grade rows), 3 variants + backtest: "
          f"{total:.2f} s ({total / base:.0f}× aggregating the history, {base * 1000:.0f} ms); "
          f"{len(out['forecast']):,} forecast rows")


if __name__ == "__main__":
    bench_pmedian(500, 50, 20)
    bench_pmedian(1000, 100, 30)
    bench_pmedian(2000, 200, 60)
    bench_forecast()
