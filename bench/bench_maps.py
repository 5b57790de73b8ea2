"""Benchmark: the three map pages at province scale (10,000 schools in one scope), run by AppTest.

Reports for each page the server run of the script, cold (first run: data computed and cached)
and warm (data cached, map rebuilt — what every rerun costs), and the map payload sent to the
browser. Baseline: the overview page at the same scale, in the same run.

Run: .venv/bin/python bench/bench_maps.py [N_SCHOOLS]
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_import import build_province_db  # noqa: E402



def run_page(page: str | None, county: str) -> tuple[float, float, int]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["county"] = county
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py")
    t0 = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    at.run()
    warm = time.perf_counter() - t0
    assert not at.exception, at.exception
    payload = sum(len(json.loads(c.proto.json_args)["script"]) + len(json.loads(c.proto.json_args)["html"])
                  for c in at.get("component_instance"))
    return cold, warm, payload


def main(n: int = 10_000) -> None:
    county = "329999"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db, counts = build_province_db(tmp, n, county)
        os.environ["EQUITY_DB"] = str(db)
        print(f"{counts['学校']:,} schools, {counts['班级']:,} classes in one scope")
        base_cold, base_warm, _ = run_page(None, county)
        print(f"{'page':14s} {'cold s':>7s} {'warm s':>7s} {'× overview warm':>16s} {'payload KB':>11s}")
        print(f"{'overview':14s} {base_cold:7.2f} {base_warm:7.2f} {1.0:16.2f} {'—':>11s}")
        for page in ("layout", "class_size", "small_schools"):
            cold, warm, payload = run_page(page, county)
            print(f"{page:14s} {cold:7.2f} {warm:7.2f} {warm / base_warm:16.2f} {payload / 1024:11.0f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
