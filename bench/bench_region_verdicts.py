"""Benchmark: the city and province view's verdicts — every county's whole scorecard
(service.region_verdicts, what 区县比较, compare --json and the regional briefings read) — against the
grouped pass of the resource part alone (service.compare, what the page's multiples and measure map read),
on the same dataset, in one run.

The dataset: a database given (the province demo: ``python -m analytics demo --scale province``), or N
schools over Jiangsu's county-level units (analytics.demo.scale.build). Cold = a fresh store; warm = the same
call again (kept once per version); the city after the province reuses each county's scorecard.

Run: .venv/bin/python bench/bench_region_verdicts.py [DB | N_SCHOOLS]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import service  # noqa: E402
from analytics.io.storage import Store  # noqa: E402


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def run(db: Path, year: int) -> None:
    store = Store(db)
    _, grouped = timed(lambda: service.compare(store, "32", year))
    found, cold = timed(lambda: service.region_verdicts(store, "32", year))
    _, warm = timed(lambda: service.region_verdicts(store, "32", year))
    city = str(found["counties"]["county_code"].iloc[0])[:4]
    _, city_after = timed(lambda: service.region_verdicts(store, city, year))
    store.close()
    n = len(found["counties"])
    print(f"{n} counties, {len(found['items']):,} items judged")
    print(f"resource part, one grouped pass (service.compare): {grouped:.2f} s")
    print(f"every county's whole scorecard (region_verdicts): cold {cold:.2f} s ({cold / n * 1000:.0f} ms per county), "
          f"warm {warm * 1000:.1f} ms; a city after the province {city_after * 1000:.1f} ms")
    print(f"→ whole scorecards / grouped resource pass = {cold / grouped:.1f}×")


def main(arg: str | None) -> None:
    if arg and not arg.isdigit():
        run(Path(arg), 2024)
        return
    from analytics.demo.scale import build
    from analytics.io import importer
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        build(tmp / "p.xlsx", int(arg or 10_000))
        assert importer.import_workbook(tmp / "p.xlsx", tmp / "p.duckdb", accept_warnings=True).written
        run(tmp / "p.duckdb", 2024)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
