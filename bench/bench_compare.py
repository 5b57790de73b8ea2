"""Benchmark: every county of a province compared in one grouped pass (service.compare) against the
per-county loop (cv_report of each county) on the same dataset, in one run.

The dataset: N schools spread over Jiangsu's county-level units (analytics.demo.scale.build), one
school year. Cold = a fresh store (nothing cached); warm = the same call again.

Run: .venv/bin/python bench/bench_compare.py [N_SCHOOLS]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import service  # noqa: E402
from analytics.demo.scale import build  # noqa: E402
from analytics.io import importer  # noqa: E402
from analytics.io.storage import Store  # noqa: E402


def main(n_schools: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        counts = build(tmp / "p.xlsx", n_schools)
        report = importer.import_workbook(tmp / "p.xlsx", tmp / "p.duckdb", accept_warnings=True)
        assert report.written
        store = Store(tmp / "p.duckdb")
        counties = list(store.counties()["county_code"])
        t0 = time.perf_counter()
        table = service.compare(store, "32", 2024)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        service.compare(store, "32", 2024)
        warm = time.perf_counter() - t0
        store.close()
        store = Store(tmp / "p.duckdb")
        t0 = time.perf_counter()
        for county in counties:
            service.cv_report(store, county, 2024)
        loop = time.perf_counter() - t0
        store.close()
    print(f"{counts['学校']:,} schools in {len(counties)} counties, {len(table):,} rows compared")
    print(f"one grouped pass: cold {cold:.2f} s, warm {warm:.2f} s")
    print(f"per-county loop ({len(counties)} × cv_report, cold): {loop:.2f} s "
          f"({loop / len(counties) * 1000:.0f} ms per county) → loop / grouped = {loop / cold:.1f}×")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
