"""Benchmark: the county CV report (load → split → indicators → 7 weighted CVs × 2 学段) for every
county and year of the demo, as a ratio to the cost of only reading the same tables.

Run: .venv/bin/python bench/bench_cv.py [DB]   (the demo database by default)
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import service  # noqa: E402
from analytics.io.storage import Store  # noqa: E402


def timed(fn, repeat=5):
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main(db: str) -> None:
    store = Store(db)
    jobs = [(c, int(y)) for c, years in zip(store.counties()["county_code"], store.counties()["years"]) for y in years]

    def read_only():
        for c, y in jobs:
            store.stage_stats(c, [y])
            store.schools(c)

    def cv_reports():
        service.clear_rows_cache()                  # time the computation, not the facade's cache
        for c, y in jobs:
            service.cv_report(store, c, y)

    def overviews():
        service.clear_rows_cache()
        for c, y in jobs:
            service.overview(store, c, y)

    base = timed(read_only)
    cv = timed(cv_reports)
    ov = timed(overviews)
    print(f"{len(jobs)} county-years")
    print(f"read tables only (baseline): {base * 1000:8.1f} ms   1.00×")
    print(f"cv_report for all:           {cv * 1000:8.1f} ms   {cv / base:.2f}×   ({cv / len(jobs) * 1000:.1f} ms each)")
    print(f"overview for all:            {ov * 1000:8.1f} ms   {ov / base:.2f}×   ({ov / len(jobs) * 1000:.1f} ms each)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/equity.duckdb")
