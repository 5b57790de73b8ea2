"""Benchmark: import of a province-scale workbook (10,000 schools, ~300,000 class rows, one school
year) through the real importer, with the time of each phase. Also prints the ratio to the time
openpyxl alone needs to read every row (the floor any .xlsx importer pays).

Run: .venv/bin/python bench/bench_import.py [N_SCHOOLS]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.demo.scale import build, build_province_db, jiangsu_counties  # noqa: E402,F401
from analytics.io import importer  # noqa: E402


def main(n_schools: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        wb_path = tmp / "province.xlsx"
        t0 = time.perf_counter()
        counts = build(wb_path, n_schools)
        print(f"workbook: {counts}, {wb_path.stat().st_size / 2**20:.1f} MB, built in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        book = openpyxl.load_workbook(wb_path, read_only=True, data_only=True)
        for ws in book.worksheets:
            for _ in ws.iter_rows(values_only=True):
                pass
        book.close()
        floor = time.perf_counter() - t0
        marks = []
        t0 = time.perf_counter()
        report = importer.import_workbook(wb_path, tmp / "equity.duckdb", accept_warnings=True,
                                          progress=lambda f, k: marks.append((time.perf_counter() - t0, k)))
        total = time.perf_counter() - t0
        assert report.written, [p.format() for p in report.errors][:5]
        print(f"openpyxl read of every row (floor): {floor:6.1f} s   1.00×")
        print(f"import, total:                      {total:6.1f} s   {total / floor:.2f}×")
        marks.append((total, "end"))
        for (start, key), (end, _) in zip(marks, marks[1:]):
            print(f"  {key:22s} {end - start:6.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
