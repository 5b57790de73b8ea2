"""A province-scale synthetic dataset: many schools in one scope (or spread over Jiangsu's counties),
with 学段 rows and class rows, written as a contract workbook and imported through the real importer.
Used by the benchmarks under bench/ and by the browser tests of the map pages above the clustering
threshold. Positions sit inside the counties' outlines (cnmaps, offline)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl

from analytics.geo import boundaries
from analytics.geo.boundaries import province_counties
from analytics.io import contract, importer


def jiangsu_counties() -> list[str]:
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
