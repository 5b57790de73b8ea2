"""Benchmark: the plan year by year (analytics/planning/phasing.py), in one run:
- the demo county (亭湖区 2024): its jobs (each year's needs on the forecast pupils) against the static plan
  (rectification.make_plan, the baseline), then the schedule at several budgets, exact (CBC) and greedy — time,
  pass year and cumulative cost of each;
- every county of a province dataset (the province demo, ``python -m analytics demo --scale province``): time
  per county of the jobs and of each schedule, and how often the greedy's pass year is the exact one's.

Run: .venv/bin/python bench/bench_phasing.py [province.duckdb]
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import service  # noqa: E402
from analytics.io.storage import Store  # noqa: E402
from analytics.planning import phasing as ph  # noqa: E402
from analytics.planning import rectification as rect  # noqa: E402

WAN = 10_000


def county(store: Store, code: str, year: int, budgets=(3000, 8000, 12000, 20000), cap=12000, hires=500,
           verbose=True) -> dict:
    std = service.standards_for(code)
    t = service.county_year_tables(store, code, year)
    f = service.forecast(store, code)
    t0 = time.perf_counter()
    rect.make_plan(t["stats"], t["schools"], std, classes=t["classes"], tables=t, routes=False)
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    years = list(range(year + 1, year + 7))
    jobs = ph.requirements(t, ph.growth_factors(f, year), years, std, rect.load_costs())
    need = time.perf_counter() - t0
    out = {"jobs": len(jobs), "requirements_s": need, "static_s": base, "runs": []}
    if verbose:
        print(f"{code} {year}: {len(jobs)} jobs over {years[0]}–{years[-1]}; jobs {need:.2f} s = {need / base:.1f}× one static "
              f"plan ({base:.2f} s)")
    for b in budgets:
        row = {"budget": b}
        for method in ("exact", "greedy"):
            t0 = time.perf_counter()
            p, starts, used = ph.earliest_pass(jobs, years[0], years[-1], b * WAN, cap * WAN, hires, method)
            spent = time.perf_counter() - t0
            row[method] = (p, spent, ph.cumulative_cost(jobs, starts, years[-1]) if p else None)
        out["runs"].append(row)
        if verbose:
            e, g = row["exact"], row["greedy"]
            gap = f", greedy +{(g[2] - e[2]) / e[2]:.2%}" if e[2] and g[2] else ""
            print(f"  {b:>6,} 万元/年: exact pass {e[0]} in {e[1]:.2f} s; greedy pass {g[0]} in {g[1]:.3f} s{gap}")
    return out


def province(db: Path, year: int = 2024) -> None:
    store = Store(db)
    codes = store.counties()["county_code"].tolist()
    per, agree, total, exact_s, greedy_s = [], 0, 0, [], []
    t_all = time.perf_counter()
    for code in codes:
        t0 = time.perf_counter()
        r = county(store, code, year, budgets=(5000,), verbose=False)
        per.append(time.perf_counter() - t0)
        run = r["runs"][0]
        total += 1
        agree += run["exact"][0] == run["greedy"][0]
        exact_s.append(run["exact"][1])
        greedy_s.append(run["greedy"][1])
    spent = time.perf_counter() - t_all
    print(f"province: {len(codes)} counties in {spent:.0f} s; per county median {statistics.median(per):.2f} s, "
          f"max {max(per):.2f} s; schedule at 5,000万元/年: exact median {statistics.median(exact_s):.2f} s "
          f"(max {max(exact_s):.2f}), greedy median {statistics.median(greedy_s) * 1000:.0f} ms; "
          f"same pass year in {agree}/{total}")


def main(arg: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        from analytics.cli import main as cli
        demo = Path(tmp) / "equity.duckdb"
        assert cli(["demo", "--db", str(demo)]) == 0
        county(Store(demo), "320902", 2024)
    if arg:
        province(Path(arg))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
