"""Benchmark: what the facade saves. The functions behind the assessment pages and the briefing
(overview, resources, gaps, school points, scorecard, class sizes, CV records) for one county-year at
province scale (10,000 schools in one scope), first with the indicator rows rebuilt by every function
(the cache cleared before each call: how the code worked before the facade), then with the rows built
once and shared. Baseline: reading the county's tables once, in the same run.

Run: .venv/bin/python bench/bench_service.py [N_SCHOOLS]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_import import build_province_db  # noqa: E402

from analytics import service  # noqa: E402
from analytics.io.storage import Store  # noqa: E402

CALLS = ("overview", "resources", "gaps", "school_points", "scorecard", "class_sizes", "cv_records")


def run_all(store: Store, county: str, year: int, shared: bool) -> float:
    service.clear_rows_cache()
    t0 = time.perf_counter()
    for name in CALLS:
        if not shared:
            service.clear_rows_cache()
        getattr(service, name)(store, county, year)
    return time.perf_counter() - t0


def main(n: int = 10_000) -> None:
    county = "329999"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db, counts = build_province_db(tmp, n, county)
        store = Store(db)
        year = int(max(store.counties().set_index("county_code").loc[county, "years"]))
        t0 = time.perf_counter()
        store.stage_stats(county, [year])
        store.schools(county)
        base = time.perf_counter() - t0
        rebuilt = min(run_all(store, county, year, shared=False) for _ in range(2))
        shared = min(run_all(store, county, year, shared=True) for _ in range(2))
        print(f"{counts['学校']:,} schools in one scope; {len(CALLS)} facade calls for one county-year")
        print(f"read the tables once (baseline): {base:6.2f} s   1.00×")
        print(f"rows rebuilt by every call:      {rebuilt:6.2f} s   {rebuilt / base:5.1f}×")
        print(f"rows built once (the facade):    {shared:6.2f} s   {shared / base:5.1f}×   "
              f"({rebuilt / shared:.2f}× faster)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
