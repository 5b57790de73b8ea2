"""Benchmark: the 区县比较 page at province scale in Chromium — the province demo (every county-level unit of
江苏省, ≈9,000 schools, ≈370,000 classes; `demo --scale province`), the page opened at province scope and at
city scope, first and second visit (a new browser session each), in one run:
script time (as the browser saw the app's run state), drawn (charts and the county map's outlines) — in a new
browser session with an empty cache, and in one whose browser has opened the app before — JavaScript errors. Targets (issue: beyond the county line): the province page's script ≤ 1 s warm, drawn ≤ 3 s.

Run: .venv/bin/python bench/bench_compare_page.py [DB]   (DB: an existing province demo; else one is built)
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pages import visit  # noqa: E402
from tests.browser.support import chromium, streamlit_server  # noqa: E402

VIEWS = {"province 江苏省": "region=32&year=2024&stage=小学", "city 盐城市": "region=3209&year=2024&stage=小学",
         "county 亭湖区 (its city)": "county=320902&year=2024&stage=小学"}


def main(db: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if db is None:
            from analytics.cli import main as cli
            db = str(Path(tmp) / "province.duckdb")
            t0 = time.perf_counter()
            assert cli(["demo", "--scale", "province", "--db", db]) == 0
            print(f"province demo built in {time.perf_counter() - t0:.0f} s")
        rows = {}
        with streamlit_server(db) as url, chromium() as browser:
            visit(browser, url, "data_tables", query="county=320902&year=2024")     # the server's own start
            for label, query in VIEWS.items():
                first = visit(browser, url, "compare", query=query)
                context = browser.new_context(viewport={"width": 1440, "height": 2400})   # its cache kept
                visit(context, url, "compare", query=query)
                rows[label] = (first, visit(browser, url, "compare", query=query), visit(context, url, "compare", query=query))
                context.close()
    fmt = lambda x: "—" if x is None else f"{x:5.2f}"  # noqa: E731
    print("1st: the first visit (server computes); 2nd: a new browser session (empty browser cache); cached: a new "
          "session of a browser that opened the app before (its cache holds the app's JavaScript)")
    print(f"{'区县比较 at':26s} {'1st script':>10s} {'2nd script':>10s} {'1st drawn':>9s} {'2nd drawn':>9s} "
          f"{'cached drawn':>12s}  outlines  JS errors")
    for label, (first, second, cached) in rows.items():
        paths = ",".join(str(m.get("paths")) for m in second["maps"]) or "—"
        errs = first["errors"] + second["errors"] + cached["errors"]
        print(f"{label:26s} {fmt(first['script']):>10s} {fmt(second['script']):>10s} {fmt(first['drawn']):>9s} "
              f"{fmt(second['drawn']):>9s} {fmt(cached['drawn']):>12s}  {paths:8s}  {len(errs)}{(' ' + errs[0]) if errs else ''}")
    first, second, _ = rows["province 江苏省"]
    met = second["script"] <= 1 and (second["drawn"] or 99) <= 3 and not (first["errors"] or second["errors"])
    print(f"\ntargets at province scope (2nd script ≤ 1 s, drawn ≤ 3 s, no JS error): {'met' if met else 'missed'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
