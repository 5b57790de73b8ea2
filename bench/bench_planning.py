"""Benchmarks of layout planning, in one run:
- p-median with ~2,000 demand points and ~200 candidates, 60 existing schools fixed: the exact sparse
  model (sites.pmedian_sparse, PuLP + CBC) and spopt's full model where it finishes; baseline: evaluating
  the objective of one solution (numpy) — the ratio shows the solver's cost;
- one layout scenario on the demo (open a school, recompute everything) against evaluating today;
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

from analytics.planning import forecast as fc  # noqa: E402
from analytics.planning import sites  # noqa: E402
from analytics.standards import load_standards  # noqa: E402


def bench_pmedian(n_demand=2000, n_candidates=200, n_existing=60, k=5, full: bool = False) -> None:
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
    print(f"p-median sparse {n_demand} demand × {n_candidates} candidates (+{n_existing} fixed), k={k}: "
          f"{solve:.2f} s, status {result['status']}, {solve / base:,.0f}× one objective evaluation ({base * 1000:.2f} ms)")
    if full:
        t0 = time.perf_counter()
        ref = sites.solve(cost, w, n_existing, k, time_limit=60, sparse=False)
        spent = time.perf_counter() - t0
        same = "same objective" if abs(ref["objective"] - result["objective"]) <= 1e-6 * result["objective"] else \
            f"objective {ref['objective']:,.0f} vs {result['objective']:,.0f}"
        print(f"  spopt full model: {spent:.1f} s ({spent / solve:.0f}× the sparse model), status {ref['status']}, {same}")


def bench_scenario() -> None:
    import tempfile
    from analytics import service
    from analytics.cli import main
    from analytics.io.storage import Store
    db = Path(tempfile.mkdtemp()) / "equity.duckdb"
    main(["demo", "--db", str(db)])
    store = Store(db)
    service.forecast(store, "320902")
    t0 = time.perf_counter()
    service.run_scenario(store, "320902", 2024, [])
    base = time.perf_counter() - t0
    site = store.county_table("settlements", "320902").iloc[0]
    steps = [{"kind": "open", "stage": "小学", "lon": float(site["lon"]), "lat": float(site["lat"]), "classes": 24, "opens": 2026},
             {"kind": "close", "school_id": service.small_schools(store, "320902", [2024]).query("small")["school_id"].iloc[0]},
             {"kind": "redraw"}]
    t0 = time.perf_counter()
    service.run_scenario(store, "320902", 2024, steps)
    spent = time.perf_counter() - t0
    print(f"scenario (open + close + redraw, 亭湖区 76 schools / 199 settlements, everything recomputed): "
          f"{spent:.2f} s = {spent / base:.2f}× evaluating today ({base:.2f} s)")


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
    bench_pmedian(500, 50, 20, full=True)
    bench_pmedian(1000, 100, 30, full=True)
    bench_pmedian(2000, 200, 60, full=True)
    bench_pmedian(5000, 500, 150)
    bench_forecast()
    bench_scenario()
