"""Benchmark: every page of the navigation at province scale (10,000 schools in one scope) in a real
browser (Debian Chromium through Playwright, offline), in one run.

For each page, first visit (the data computed and cached by the server; a browser with an empty
cache) and second visit (a new session in the same browser profile, its cache kept: what every analyst
after the first one gets; the median of three):
- server: the seconds the server spent in the page's script runs (the app's run log, EQUITY_RUN_LOG),
- script: how long the page's script ran as the browser saw the app's run state (running → done): the
  server's run plus the browser taking in what it sent; the app's own start (frontend, websocket)
  before it is the same for every page and shown apart,
- drawn: until charts are drawn and, on map pages, the schools are on the map (markers or clusters
  counted in the map frame),
- JavaScript errors (``pageerror``) on the page or in the map frame.
Ratios are to the cheapest page's second-visit script time. Targets on this machine: second visit
≤ 1 s, first ≤ 3 s, drawn ≤ 3 s, no JavaScript error.

Run: .venv/bin/python bench/bench_pages.py [N_SCHOOLS] [PAGE,PAGE,...]
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_import import build_province_db  # noqa: E402
from analytics.i18n import t  # noqa: E402
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, MAP_FRAME, PAGES, map_state, streamlit_server  # noqa: E402

COUNTY = "329999"
MAP_PAGES = ("layout", "class_size", "small_schools")
WARM_UP_S = 30
NO_OUTLINES = t("compare.no_outlines")    # 区县比较 without county outlines (the scale set) has no map
RUN_LOG_ENV = "EQUITY_RUN_LOG"          # ui.page.log_run (importing ui here would load Streamlit's caches)
# the app's run state as the browser sees it, every 10 ms: [state, ms since navigation] at each change
RUN_STATES = """window.__runs = [];
setInterval(() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const s = app ? app.getAttribute('data-test-script-state') : 'loading';
    const last = window.__runs[window.__runs.length - 1];
    if (!last || last[0] !== s) window.__runs.push([s, performance.now()]);
}, 10);"""


def script_span(runs: list) -> tuple[float | None, float | None]:
    """(seconds until the script started, seconds it ran): from the first 'running' to the last
    'notRunning' after it, as the browser saw it."""
    starts = [t for s, t in runs if s == "running"]
    if not starts:
        return None, None
    ends = [t for s, t in runs if s == "notRunning" and t > starts[0]]
    return starts[0] / 1000, ((ends[-1] if ends else starts[-1]) - starts[0]) / 1000


def visit(browser, url: str, name: str, timeout_s: float = 120, query: str = f"county={COUNTY}&year=2024") -> dict:
    # a Browser opens a page in a new context (empty cache); a BrowserContext keeps its cache and viewport
    page = browser.new_page(viewport={"width": 1440, "height": 2400}) if hasattr(browser, "new_context") else browser.new_page()
    page.add_init_script(RUN_STATES)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)[:160]))
    t0 = time.perf_counter()
    page.goto(f"{url}/{'' if name == PAGES[0] else name}?{query}")
    # finished: the run state is back to notRunning and the page's title is there (before the first
    # run the state is notRunning too, with nothing drawn)
    page.wait_for_function("""() => { const app = document.querySelector('[data-testid="stApp"]');
        return app && app.getAttribute('data-test-script-state') === 'notRunning' && app.querySelector('h1'); }""",
                           timeout=timeout_s * 1000, polling=50)
    loaded = time.perf_counter() - t0
    start, script = script_span(page.evaluate("window.__runs"))
    script = loaded if script is None else script
    deadline = time.time() + timeout_s
    drawn, maps = None, []
    while time.time() < deadline:
        # every element's code loaded (a chart's library is fetched when first needed: a skeleton till then)
        # and every chart drawn
        charts_ok = not page.locator('[data-testid="stSkeleton"]').count() and all(
            c.locator(".main-svg").count() > 0 for c in page.locator(".js-plotly-plot").all())
        n_frames = page.locator(MAP_FRAME).count()
        map_expected = name in MAP_PAGES or (name == "compare" and not page.get_by_text(NO_OUTLINES).count())
        if map_expected and not n_frames:                                     # the map's frame is drawn after the script
            page.wait_for_timeout(100)
            continue
        maps = map_state(page) if n_frames else []
        maps_ok = len(maps) >= n_frames and all(
            # a map of outlines (区县比较): its paths
            (m["groups"] == 0 and m["paths"] > 0)
            or (m["markers"] > 0 and m["on_map"] == m["groups"] and (not m["clustered"] or m["clusters"] > 0))
            for m in maps)
        if charts_ok and maps_ok:
            drawn = time.perf_counter() - t0
            break
        if errors and n_frames and not maps_ok and time.perf_counter() - t0 > script + 10:
            break
        page.wait_for_timeout(100)
    page.close()
    return {"script": script, "start": start, "loaded": loaded, "drawn": drawn, "errors": errors, "maps": maps}


def server_seconds(run_log: Path, seen: list) -> float | None:
    """The seconds of the script runs the server logged since the last call (``seen``: [lines read])."""
    if not run_log.exists():
        return None
    lines = run_log.read_text(encoding="utf-8").splitlines()
    new, seen[0] = lines[seen[0]:], len(lines)
    return sum(json.loads(line)["seconds"] for line in new) if new else None


def median_visit(visits: list[dict]) -> dict:
    """The visit whose drawn time is the median (times of one visit stay together)."""
    ranked = sorted(visits, key=lambda v: 99 if v["drawn"] is None else v["drawn"])
    return ranked[len(ranked) // 2]


def main(n: int = 10_000, pages: list[str] | None = None, repeats: int = 3) -> None:
    from playwright.sync_api import sync_playwright
    pages = pages or PAGES
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        db, counts = build_province_db(Path(tmp), n, COUNTY)
        print(f"{counts['学校']:,} schools, {counts['班级']:,} classes in one scope (built in {time.perf_counter() - t0:.0f} s)")
        rows = {}
        run_log, seen = Path(tmp) / "runs.jsonl", [0]
        with streamlit_server(str(db), env={RUN_LOG_ENV: str(run_log)}) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            visit(browser, url, "data_tables")      # the server's own start (imports), paid once per process
            server_seconds(run_log, seen)
            # the version's background warm-up (started when a version is first opened, service.warm_up: the default view's scorecard,
            # plan, points, class sizes) finishes, as on a server that has been up before the first analyst
            time.sleep(WARM_UP_S)
            for name in pages:
                # one browser profile per page: the first visit with an empty cache (a new analyst, a server
                # that has not computed this view), the second a new session in the same profile (the
                # app's scripts cached by the browser, as for anyone who opened the app before)
                profile = browser.new_context(viewport={"width": 1440, "height": 2400})
                first = visit(profile, url, name)
                first["server"] = server_seconds(run_log, seen)
                seconds = []
                for _ in range(repeats):
                    seconds.append(visit(profile, url, name))
                    seconds[-1]["server"] = server_seconds(run_log, seen)
                second = dict(median_visit(seconds), errors=[e for v in seconds for e in v["errors"]])
                profile.close()
                rows[name] = (first, second)
                print(f"  {name}: server {first['server'] or 0:.2f} / {second['server'] or 0:.2f} s, "
                      f"drawn {first['drawn'] or 0:.1f} / {second['drawn'] or 0:.1f} s", flush=True)
            browser.close()
    base = min(second["drawn"] or 99 for _, second in rows.values())
    fmt = lambda x: "—" if x is None else f"{x:6.2f}"  # noqa: E731
    print(f"\n{'page':15s} {'1st server':>10s} {'2nd server':>10s} {'1st script':>10s} {'2nd script':>10s} "
          f"{'1st drawn':>9s} {'2nd drawn':>9s} {'× cheapest':>10s} {'app start':>9s}  markers  JS errors")
    for name, (first, second) in rows.items():
        markers = ",".join(str(m.get("markers", "?")) + (f"/{m['clusters']}c" if m.get("clusters") else "")
                           for m in second["maps"]) or "—"
        errs = first["errors"] + second["errors"]
        print(f"{name:15s} {fmt(first['server']):>10s} {fmt(second['server']):>10s} {fmt(first['script']):>10s} "
              f"{fmt(second['script']):>10s} {fmt(first['drawn']):>9s} {fmt(second['drawn']):>9s} "
              f"{(second['drawn'] or 99) / base:10.1f} {fmt(second['start']):>9s}  {markers:7s}  "
              f"{len(errs)}{(' ' + errs[0]) if errs else ''}")
    late = [k for k, (f, s) in rows.items()
            if (s["server"] or 0) > 1 or (f["server"] or 0) > 3 or (f["drawn"] or 99) > 3 or (s["drawn"] or 99) > 3]
    print(f"\ntargets (server 2nd ≤ 1 s, 1st ≤ 3 s; drawn ≤ 3 s; no JS error): "
          f"{'met' if not late and not any(f['errors'] or s['errors'] for f, s in rows.values()) else 'missed: ' + ', '.join(late)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000, sys.argv[2].split(",") if len(sys.argv) > 2 else None)
