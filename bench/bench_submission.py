"""Benchmark: one county's submission into a province-scale dataset (10,000 schools in many counties,
~270,000 class rows) costs about the county's own size, not the whole dataset's.

In one run: the county workbook (70 schools) checked and published as a submission (the dataset file
copied, the county's rows replaced in one transaction), against writing the whole merged dataset anew
(what every import did before submissions by county), and against checking the workbook alone.

Run: .venv/bin/python bench/bench_submission.py [N_SCHOOLS]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.demo.scale import build  # noqa: E402
from analytics.io import contract, importer, storage, versions  # noqa: E402


def main(n_schools: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        counts = build(tmp / "province.xlsx", n_schools)
        db = tmp / "p.duckdb"
        report = importer.import_workbook(tmp / "province.xlsx", db, accept_warnings=True)
        assert report.written
        print(f"dataset: {counts}, built and imported in {time.perf_counter() - t0:.0f} s, "
              f"{db.stat().st_size / 2**20:.1f} MB")
        build(tmp / "county.xlsx", 70, seed=2, one_county="329901")
        t0 = time.perf_counter()
        checked = importer.check(tmp / "county.xlsx")
        t_check = time.perf_counter() - t0
        t0 = time.perf_counter()
        import cProfile
        import pstats
        profile = cProfile.Profile()
        profile.enable()
        number = importer.publish(checked, db)
        profile.disable()
        t_publish = time.perf_counter() - t0
        t0 = time.perf_counter()                     # the whole merged dataset read and written anew, for comparison
        store = storage.Store(db)
        tables = {s.key: store.table(s.key) for s in contract.sheets()}
        outlines = store.outlines()
        store.close()
        storage.write_database(tmp / "whole.duckdb", tables, outlines, None, {"version": "x"})
        t_whole = time.perf_counter() - t0
        kept = versions.list_versions(db)[0]
    print(f"county workbook checked: {t_check:.2f} s")
    print(f"published as a submission (v{number}, counties {kept.counties}): {t_publish:.2f} s")
    print("where the submission's time goes:")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(r"analytics/io/(versions|storage)\.py", 8)
    print(f"the whole dataset written anew instead: {t_whole:.2f} s  → submission / whole = {t_publish / t_whole:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
