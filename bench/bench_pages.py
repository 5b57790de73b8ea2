"""Benchmark: every page of the navigation at province scale (10,000 schools in one scope) in a real
browser (Debian Chromium through Playwright, offline), in one run.

Two ways a page is reached, both measured:
- **from the navigation** — the analyst's path: the app is open and the page is chosen in the sidebar
  (from a page without chart or map, so nothing of the page before is reused). Its first visit is the
  server's first computation of the page's view; the second is the median of three more.
- **by its address** — a new tab, a bookmark, a reload: the browser starts Streamlit's frontend again and
  evaluates the chart and map libraries again. First visit: a new browser profile (empty cache); second:
  the same profile again (its cache kept, as in any analyst's browser), median of three. Profiles are
  kept on disk like a real browser's, so Chromium's compiled-code cache works as it does for users.
For each: server — the seconds the server spent in the page's script runs (the app's run log,
EQUITY_RUN_LOG); script — from the click (or the address) until the app's run state is done as the browser
sees it; drawn — until charts are drawn (no element waiting for its code) and, on map pages, the schools
are on the map (markers or clusters counted in the map frame); JavaScript errors (``pageerror``) on the
page or in the map frame. Ratios are to the cheapest page's second visit from the navigation.

Targets on this machine (issue #18): server ≤ 1 s on a second visit, ≤ 3 s on the first; drawn ≤ 3 s;
no JavaScript error.

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
NEUTRAL = "accounts"     # the page left for each measured one: no chart, no map, nothing the next page could reuse
WARM_UP_S = 30
NO_OUTLINES = t("compare.no_outlines")    # 区县比较 without county outlines (the scale set) has no map
RUN_LOG_ENV = "EQUITY_RUN_LOG"          # ui.page.log_run (importing ui here would load Streamlit's caches)
# the app's run state as the browser sees it: [state, ms since navigation] at each change — every change,
# recorded by a MutationObserver (a run of a few ms could fall between two polls while the page is busy).
# A batch of records can hold running → notRunning of one short run: by the time the observer is called
# the attribute already reads notRunning again, so each record's state is taken from the next record's old
# value (the last one's from the attribute), never from the attribute alone.
RUN_STATES = """window.__runs = [];
function record(s) {
    const last = window.__runs[window.__runs.length - 1];
    if (s !== null && (!last || last[0] !== s)) window.__runs.push([s, performance.now()]);
}
new MutationObserver(records => {
    const app = records.filter(r => r.target.getAttribute('data-testid') === 'stApp');
    app.forEach((r, i) => record(i + 1 < app.length ? app[i + 1].oldValue : r.target.getAttribute('data-test-script-state')));
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
setInterval(() => {         // before the app's element exists, and its first state
    const app = document.querySelector('[data-testid="stApp"]');
    record(app ? app.getAttribute('data-test-script-state') : 'loading');
}, 10);"""


def script_span(runs: list) -> tuple[float | None, float | None]:
    """(seconds until the script started, seconds it ran): from the first 'running' to the last
    'notRunning' after it, as the browser saw it."""
    starts = [t for s, t in runs if s == "running"]
    if not starts:
        return None, None
    ends = [t for s, t in runs if s == "notRunning" and t > starts[0]]
    return starts[0] / 1000, ((ends[-1] if ends else starts[-1]) - starts[0]) / 1000


def wait_drawn(page, name: str, t0: float, errors: list, script: float, timeout_s: float) -> tuple[float | None, list]:
    """Seconds from ``t0`` until every chart is drawn and, on map pages, every layer is on the map with its
    clusters (None if not within ``timeout_s``); the map frames' counts."""
    deadline = time.time() + timeout_s
    maps: list = []
    while time.time() < deadline:
        # every element's code loaded (a chart's library is fetched when first needed: a skeleton till then)
        # and every chart drawn
        charts_ok = not page.locator('[data-testid="stSkeleton"]').count() and all(
            c.locator(".main-svg").count() > 0 for c in page.locator(".js-plotly-plot").all())
        n_frames = page.locator(MAP_FRAME).count()
        map_expected = name in MAP_PAGES or (name == "compare" and not page.get_by_text(NO_OUTLINES).count())
        if map_expected and not n_frames:                                     # the map's frame is drawn after the script
            page.wait_for_timeout(50)
            continue
        maps = map_state(page) if n_frames else []
        maps_ok = len(maps) >= n_frames and all(
            # a map of outlines (区县比较): its paths
            (m["groups"] == 0 and m["paths"] > 0)
            or (m["markers"] > 0 and m["on_map"] == m["groups"] and (not m["clustered"] or m["clusters"] > 0))
            for m in maps)
        if charts_ok and maps_ok:
            return time.perf_counter() - t0, maps
        if errors and n_frames and not maps_ok and time.perf_counter() - t0 > script + 10:
            break
        page.wait_for_timeout(50)
    return None, maps


def visit(browser, url: str, name: str, timeout_s: float = 120, query: str = f"county={COUNTY}&year=2024") -> dict:
    """Open ``name`` by its address in a new tab of ``browser`` (a Browser: a new context, empty cache; a
    BrowserContext: its cache kept)."""
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
    drawn, maps = wait_drawn(page, name, t0, errors, script, timeout_s)
    page.close()
    return {"script": script, "start": start, "drawn": drawn, "errors": errors, "maps": maps}


def nav_link(page, name: str):
    return page.locator('[data-testid="stSidebarNav"] a').nth(PAGES.index(name))


def click_and_run(page, name: str, timeout_s: float, run_log: Path) -> float:
    """Choose ``name`` in the sidebar and wait until the run it starts is done; the seconds it took.
    Done: the browser showed the run (running, then notRunning) — or, for a run so short that the frontend
    never drew its running state (both messages in one batch: seen on 账户, ~30 ms), the server logged a
    run of the page since the click and the app is not running."""
    seen = page.evaluate("window.__runs.length")
    logged = len(logged_runs(run_log))
    t0 = time.perf_counter()
    nav_link(page, name).click()
    while time.perf_counter() - t0 < timeout_s:
        shown = page.evaluate(f"""() => {{ const runs = window.__runs.slice({seen});
            const i = runs.findIndex(r => r[0] === 'running');
            return i >= 0 && runs.slice(i).some(r => r[0] === 'notRunning'); }}""")
        if shown or (runs_of(run_log, [logged], name) and page.evaluate(
                """() => document.querySelector('[data-testid="stApp"]')
                         .getAttribute('data-test-script-state') === 'notRunning'""")):
            return time.perf_counter() - t0
        page.wait_for_timeout(20)
    raise TimeoutError(f"no run of {name} within {timeout_s} s of the click")


def navigate(page, name: str, errors: list, run_log: Path, timeout_s: float = 120) -> dict:
    """In an open tab, go to the page without chart or map first, then choose ``name`` in the sidebar:
    seconds until its run is done and until it is drawn."""
    click_and_run(page, NEUTRAL, timeout_s, run_log)
    page.wait_for_timeout(300)
    before = len(errors)
    t0 = time.perf_counter()
    script = click_and_run(page, name, timeout_s, run_log)
    drawn, maps = wait_drawn(page, name, t0, errors, script, timeout_s)
    return {"script": script, "start": None, "drawn": drawn, "errors": errors[before:], "maps": maps}


def logged_runs(run_log: Path) -> list[dict]:
    """The server's run log (ui.page.log_run): one {page, seconds, at} per script run."""
    if not run_log.exists():
        return []
    return [json.loads(line) for line in run_log.read_text(encoding="utf-8").splitlines()]


def runs_of(run_log: Path, seen: list, name: str) -> list[float]:
    """The seconds of each run of ``name`` the server logged since the last call (``seen``: [runs read])."""
    runs = logged_runs(run_log)
    new, seen[0] = runs[seen[0]:], len(runs)
    path = "" if name == PAGES[0] else name
    return [run["seconds"] for run in new if run["page"] == path]


def server_seconds(run_log: Path, seen: list, name: str) -> float | None:
    """The seconds the server spent in ``name``'s script runs since the last call (None: none logged)."""
    return sum(runs) if (runs := runs_of(run_log, seen, name)) else None


def median_visit(visits: list[dict]) -> dict:
    """The visit whose drawn time is the median (times of one visit stay together), with every visit's errors."""
    ranked = sorted(visits, key=lambda v: 99 if v["drawn"] is None else v["drawn"])
    return dict(ranked[len(ranked) // 2], errors=[e for v in visits for e in v["errors"]])


def measured(visit_once, run_log: Path, seen: list, name: str, repeats: int) -> tuple[dict, dict]:
    """(first visit, median of ``repeats`` second visits), each with its server seconds."""
    runs = []
    for _ in range(1 + repeats):
        runs.append(visit_once())
        runs[-1]["server"] = server_seconds(run_log, seen, name)
    return runs[0], median_visit(runs[1:])


def main(n: int = 10_000, pages: list[str] | None = None, repeats: int = 3) -> None:
    from playwright.sync_api import sync_playwright
    pages = pages or PAGES
    fmt = lambda x: "—" if x is None else f"{x:6.2f}"  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        db, counts = build_province_db(Path(tmp), n, COUNTY)
        print(f"{counts['学校']:,} schools, {counts['班级']:,} classes in one scope (built in {time.perf_counter() - t0:.0f} s)")
        nav_rows, address_rows = {}, {}
        run_log, seen = Path(tmp) / "runs.jsonl", [0]
        with streamlit_server(str(db), env={RUN_LOG_ENV: str(run_log)}) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            visit(browser, url, "data_tables")      # the server's own start (imports), paid once per process
            # the version's background warm-up (started when a version is first opened, service.warm_up: the default view's scorecard,
            # plan, points, class sizes) finishes, as on a server that has been up before the first analyst
            time.sleep(WARM_UP_S)

            def profile(folder: str):
                # on disk, as an analyst's browser profile (Chromium keeps compiled code only there)
                return p.chromium.launch_persistent_context(folder, executable_path=CHROMIUM, headless=True,
                                                            args=CHROMIUM_ARGS, viewport={"width": 1440, "height": 2400})

            # the analyst's tab: the app opened once, then every page chosen in the sidebar
            with tempfile.TemporaryDirectory() as folder:
                analyst = profile(folder)
                tab = analyst.new_page()
                tab.add_init_script(RUN_STATES)
                tab_errors: list[str] = []
                tab.on("pageerror", lambda e: tab_errors.append(str(e)[:160]))
                tab.goto(f"{url}/{NEUTRAL}?county={COUNTY}&year=2024")
                tab.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"] h1', timeout=120_000)
                server_seconds(run_log, seen, NEUTRAL)
                for name in pages:
                    nav_rows[name] = measured(lambda: navigate(tab, name, tab_errors, run_log), run_log, seen, name, repeats)
                    first, second = nav_rows[name]
                    print(f"  {name}: from the navigation: server {first['server'] or 0:.2f} / {second['server'] or 0:.2f} s, "
                          f"drawn {first['drawn'] or 0:.2f} / {second['drawn'] or 0:.2f} s", flush=True)
                analyst.close()
            # by address: one new profile per page, first with an empty cache, then again with its cache
            for name in pages:
                with tempfile.TemporaryDirectory() as folder:
                    browser_profile = profile(folder)
                    address_rows[name] = measured(lambda: visit(browser_profile, url, name), run_log, seen, name, repeats)
                    browser_profile.close()
                first, second = address_rows[name]
                print(f"  {name}: by address: drawn {first['drawn'] or 0:.2f} / {second['drawn'] or 0:.2f} s", flush=True)
            browser.close()
    base = min(second["drawn"] or 99 for _, second in nav_rows.values())
    print(f"\n{'':15s} {'— from the navigation (the analyst’s path) —':^67s}   {'— by address (new tab, reload) —':^40s}")
    print(f"{'page':15s} {'1st server':>10s} {'2nd server':>10s} {'1st drawn':>9s} {'2nd drawn':>9s} {'× cheapest':>10s}  "
          f"{'markers':9s}   {'1st drawn':>9s} {'2nd drawn':>9s} {'app start':>9s}  JS errors")
    for name in pages:
        (first, second), (a_first, a_second) = nav_rows[name], address_rows[name]
        markers = ",".join(str(m.get("markers", "?")) + (f"/{m['clusters']}c" if m.get("clusters") else "")
                           for m in second["maps"]) or "—"
        errs = first["errors"] + second["errors"] + a_first["errors"] + a_second["errors"]
        print(f"{name:15s} {fmt(first['server']):>10s} {fmt(second['server']):>10s} {fmt(first['drawn']):>9s} "
              f"{fmt(second['drawn']):>9s} {(second['drawn'] or 99) / base:10.1f}  {markers:9s}   "
              f"{fmt(a_first['drawn']):>9s} {fmt(a_second['drawn']):>9s} {fmt(a_second['start']):>9s}  "
              f"{len(errs)}{(' ' + errs[0]) if errs else ''}")
    slow_server = [k for k, (f, s) in nav_rows.items() if (s["server"] or 0) > 1 or (f["server"] or 0) > 3]
    slow_nav = [k for k, (f, s) in nav_rows.items() if (f["drawn"] or 99) > 3 or (s["drawn"] or 99) > 3]
    slow_address = [k for k, (f, s) in address_rows.items() if (f["drawn"] or 99) > 3 or (s["drawn"] or 99) > 3]
    with_errors = [k for k in pages if any(v["errors"] for v in nav_rows[k] + address_rows[k])]
    verdict = lambda late: "met" if not late else "missed: " + ", ".join(late)  # noqa: E731
    print(f"\nserver ≤ 1 s (2nd) and ≤ 3 s (1st): {verdict(slow_server)}")
    print(f"drawn ≤ 3 s from the navigation: {verdict(slow_nav)}")
    print(f"drawn ≤ 3 s by address: {verdict(slow_address)}")
    print(f"no JavaScript error: {verdict(with_errors)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000, sys.argv[2].split(",") if len(sys.argv) > 2 else None)
