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

import numpy as np
import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.io import contract  # noqa: E402
from analytics.geo import boundaries  # noqa: E402
from analytics.io import importer  # noqa: E402


def jiangsu_counties() -> list[str]:
    from analytics.geo.boundaries import province_counties
    names = province_counties("江苏省")["district"]
    return sorted(names[~names.duplicated(keep=False)].tolist())      # names that identify one county


def build_province_db(tmp: Path, n_schools: int, county: str) -> tuple[Path, dict]:
    """A province-scale scope: ``n_schools`` schools all in ``county``, imported; (database, row counts)."""
    counts = build(tmp / "p.xlsx", n_schools, one_county=county)
    report = importer.import_workbook(tmp / "p.xlsx", tmp / "p.duckdb", accept_warnings=True)
    assert report.written, [p.format() for p in report.errors][:5]
    return tmp / "p.duckdb", counts


def build(path: Path, n_schools: int, seed: int = 1, one_county: str | None = None) -> dict:
    """Schools spread over Jiangsu's counties; with ``one_county`` every school gets that code (a
    province-scale scope for the map benchmark)."""
    rng = np.random.default_rng(seed)
    names = jiangsu_counties()
    rows = {"学校": [[c.zh for c in contract.sheet("schools").columns]],
            "学段": [[c.zh for c in contract.sheet("stage_stats").columns]],
            "班级": [[c.zh for c in contract.sheet("classes").columns]]}
    outlines = boundaries.province_counties("江苏省").drop_duplicates("district", keep=False).set_index("district")
    for i in range(n_schools):
        county = names[i % len(names)]
        code = one_county or f"32{(i % len(names)):02d}{i % 7:02d}"
        geom = outlines.loc[county].geometry
        p = geom.representative_point()
        sid = f"2{code}{i // len(names):03d}"
        primary = i % 3 != 2
        students = int(rng.integers(60, 2400))
        classes = max(1, students // 45)
        sid = sid if not one_county else f"2{one_county}{i:03d}"[:4] + f"{i:06d}"
        rows["学校"].append([sid, f"第{i}学校", code, "江苏省（全省演示）" if one_county else county, f"{county}第{i % 9}街道", "小学" if primary else "初级中学",
                            "111" if i % 2 else "220", "公办", round(float(p.x + rng.normal(0, .01)), 6),
                            round(float(p.y + rng.normal(0, .01)), 6), "WGS84", "否", None, None])
        t = max(6, students // 17)
        rows["学段"].append([sid, 2024, "小学" if primary else "初中", students, classes, t, t - 1, t // 6, 1, 1, 1, t,
                            students * 5.0, students * 8.0, students * 0.25, classes + 2, 1, 96, 1, 90])
        grades = range(1, 7) if primary else range(7, 10)
        for k in range(classes):
            rows["班级"].append([sid, 2024, grades[k % len(grades)], f"{k + 1}班", int(rng.integers(30, 56))])
    wb = openpyxl.Workbook(write_only=True)
    for name, data in rows.items():
        ws = wb.create_sheet(name)
        for r in data:
            ws.append(r)
    wb.save(path)
    return {k: len(v) - 1 for k, v in rows.items()}


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
