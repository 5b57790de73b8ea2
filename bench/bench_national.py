"""Benchmark: the county comparison at national scale, and a county's submission into a national dataset.

The dataset is synthetic and written straight into a version file (storage.write_database; no workbook,
the importer would take many minutes): 2,875 county-level units in the 31 provinces of regions.yaml,
≈200,000 schools (≈70 per county), one school year, ≈4,000,000 class rows. In one run:

- the national comparison (service.compare over every county, region ''): cold on a fresh store, warm
  on the same store (kept per version), as a ratio to the per-county loop (service.cv_report of each
  county; timed on a sample of counties and scaled to all of them — the whole loop takes minutes);
- one province (≈93 counties) the same way;
- a 70-school county workbook checked and published as a submission into the national dataset
  (the file copied, the county's rows replaced in one transaction).

Targets (issue: beyond the county line): national comparison ≤ 3 s cold, ≤ 0.5 s warm; a county
submission ≤ 15 s.

Run: .venv/bin/python bench/bench_national.py [N_COUNTIES] [SCHOOLS_PER_COUNTY] [LOOP_SAMPLE]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import service  # noqa: E402
from analytics.demo.scale import build  # noqa: E402
from analytics.geo.boundaries import province_names  # noqa: E402
from analytics.io import contract, importer, storage  # noqa: E402

YEAR = 2024


def national_tables(n_counties: int, per_county: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Every contract table of a synthetic national dataset, drawn with numpy (one school year)."""
    rng = np.random.default_rng(seed)
    provinces = sorted(province_names())
    counties = [f"{provinces[k % len(provinces)]}{(k // len(provinces)) // 10 + 1:02d}{(k // len(provinces)) % 10 + 1:02d}"
                for k in range(n_counties)]
    n = n_counties * per_county
    county = np.repeat(counties, per_county)
    sid = np.array([f"9{c}{k:04d}" for c in counties for k in range(per_county)])
    primary = rng.random(n) < 0.66
    urban = rng.choice(["111", "112", "121", "210", "220"], n, p=[.3, .1, .3, .15, .15])
    schools = pd.DataFrame({
        "school_id": sid, "name": [f"第{k}学校" for k in range(n)], "county_code": county,
        "county_name": [f"县{c}" for c in county], "town": [f"镇{k % 9}" for k in range(n)],
        "school_type": np.where(primary, "211", "311"), "urban_rural_code": urban, "ownership": "公办",
        "lon": rng.uniform(100, 120, n).round(6), "lat": rng.uniform(22, 45, n).round(6), "crs": "WGS84",
        "boarding": False, "group_name": None, "capacity": None,
        "urban_rural_group": np.select([urban < "120", urban < "200"], ["城区", "镇区"], "乡村")})
    students = rng.integers(40, 1800, n)
    classes = np.maximum(1, students // 45)
    teachers = np.maximum(6, students // 17)
    stats = pd.DataFrame({
        "school_id": sid, "year": YEAR, "stage": np.where(primary, "小学", "初中"), "students": students,
        "classes": classes, "teachers": teachers, "teachers_above_degree": teachers - 1,
        "backbone_teachers": (teachers * rng.uniform(0.05, 0.3, n)).astype(int), "pe_teachers": teachers // 10 + 1,
        "music_teachers": teachers // 20 + 1, "art_teachers": teachers // 20 + 1, "certified_teachers": teachers,
        "teaching_area_m2": (students * rng.uniform(3.5, 7, n)).round(1),
        "sports_area_m2": (students * rng.uniform(5, 10, n)).round(1),
        "equipment_value_wan": (students * rng.uniform(0.15, 0.35, n)).round(2),
        "multimedia_rooms": classes + 2, "music_rooms": 1, "music_room_min_m2": 96.0, "art_rooms": 1,
        "art_room_min_m2": 90.0, "senior_students": None})
    per_school = np.repeat(np.arange(n), classes)
    rank = np.arange(len(per_school)) - np.repeat(np.cumsum(classes) - classes, classes)
    class_rows = pd.DataFrame({
        "school_id": sid[per_school], "year": YEAR,
        "grade": np.where(primary[per_school], rank % 6 + 1, rank % 3 + 7),
        "class_name": [f"{k + 1}班" for k in rank], "students": rng.integers(28, 58, len(per_school))})
    tables = {s.key: pd.DataFrame(columns=[c.key for c in s.columns]) for s in contract.sheets()}
    tables.update({"schools": schools, "stage_stats": stats, "classes": class_rows})
    return tables


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main(n_counties: int = 2875, per_county: int = 70, sample: int = 150) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "national.duckdb"
        tables, t_make = timed(lambda: national_tables(n_counties, per_county))
        _, t_write = timed(lambda: storage.write_database(db, tables, None, None, {"version": "1", "is_demo": "true"}))
        print(f"dataset: {len(tables['schools']):,} schools, {len(tables['stage_stats']):,} 学段 rows, "
              f"{len(tables['classes']):,} classes in {n_counties:,} counties; drawn {t_make:.0f} s, written "
              f"{t_write:.0f} s, {db.stat().st_size / 2**20:.0f} MB")
        del tables
        for label, region in (("national", ""), ("one province (11)", "11")):
            store = storage.Store(db)
            table, cold = timed(lambda: service.compare(store, region, YEAR))
            _, warm = timed(lambda: service.compare(store, region, YEAR))
            counties = sorted(table["county_code"].unique())
            store.close()
            store = storage.Store(db)
            picked = counties[:: max(1, len(counties) // sample)][:sample]
            _, loop = timed(lambda: [service.cv_report(store, c, YEAR) for c in picked])
            store.close()
            whole_loop = loop / len(picked) * len(counties)
            print(f"{label}: {len(counties):,} counties, {len(table):,} rows — grouped pass cold {cold:.2f} s, warm "
                  f"{warm:.3f} s; per-county loop {loop / len(picked) * 1000:.0f} ms per county ({len(picked)} timed) "
                  f"→ {whole_loop:.0f} s for all → loop / grouped cold = {whole_loop / cold:.0f}×")
        build(tmp / "county.xlsx", 70, seed=2, one_county="329901")
        checked, t_check = timed(lambda: importer.check(tmp / "county.xlsx"))
        number, t_publish = timed(lambda: importer.publish(checked, db))
        after = storage.Store(db)
        kept = len(after.counties())
        after.close()
        assert kept == n_counties + 1, kept                        # every other county kept
        print(f"a 70-school county's submission into the national dataset: checked {t_check:.2f} s, published as "
              f"v{number} {t_publish:.2f} s, total {t_check + t_publish:.2f} s; {kept:,} counties in the new version")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
