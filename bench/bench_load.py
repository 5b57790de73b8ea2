"""Benchmark: many users at once — N simulated sessions against 1 app process and against 2 behind a real nginx
(scripts/serve_replicas.py, deploy/nginx-replicas.conf), in one run, on the province demo (95 counties).

A session does what a browser does, over Streamlit's own websocket protocol (no Chromium: 50 of them would
measure the browsers, not the server): GET / through nginx (which sets the route cookie), open the websocket
with that cookie, then open a sequence of pages, each with a new county and year (``rerun_script`` with the
page's hash and ``county=…&year=…``), waiting for ``script_finished``. A page load is an error when the
script raised (an exception element), the page was not found, the page does not show the county asked
for, the connection broke, or it took longer than the timeout. Sessions arrive over a ramp, with a short
pause between pages. Both runs use the same sessions (same seed) on freshly started processes.

Reports sessions, page loads, errors, median and p90 page time (send → script finished), wall time, and the
ratio 2 : 1. Target: 0 errors at 50 sessions; p90 with 2 processes clearly below 1 process.

Run: .venv/bin/python bench/bench_load.py [--sessions 50] [--pages 4] [--db PROVINCE_DB]
     (without --db the province demo is built into build/bench/province.duckdb once, ~90 s)
Bounded: loopback only, at most --sessions × --pages page loads, each at most --timeout seconds.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("overview", "scorecard", "resources", "gaps", "class_size", "school_profile")
COUNTY_BOX, YEAR_BOX = "区县", "学年"          # the sidebar's labels (zh, the default language)
YEARS = (2023, 2024)


def province_db(path: Path) -> Path:
    if not path.exists():
        from analytics.cli import main as cli
        path.parent.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        assert cli(["demo", "--scale", "province", "--db", str(path)]) == 0
        print(f"province demo built in {time.perf_counter() - t0:.0f} s")
    return path


def county_codes(db: Path) -> list[str]:
    from analytics.io.storage import Store
    store = Store(db)
    try:
        return sorted(store.counties()["county_code"])
    finally:
        store.close()


def plan(n_sessions: int, n_pages: int, counties: list[str], seed: int = 7) -> list[list[tuple[str, str, int]]]:
    """Every session's page loads: (page, county, year), a new county-year each time, within one city (a city's
    analyst going through her counties; the sidebar's county box lists the counties of the chosen city). The
    first load is the landing page (总览), opened with the county and year in the URL as a shared link does."""
    rng = random.Random(seed)
    cities: dict[str, list[str]] = {}
    for code in counties:
        cities.setdefault(code[:4], []).append(code)
    sessions = []
    for s in range(n_sessions):
        mine = cities[rng.choice(sorted(cities))]
        sessions.append([(PAGES[0] if k == 0 else PAGES[1 + (s + k) % (len(PAGES) - 1)], rng.choice(mine),
                          rng.choice(YEARS)) for k in range(n_pages)])
    return sessions


async def session(url: str, loads: list, timeout_s: float, pause_s: float, results: list) -> None:
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    def fail(page, why):
        results.append({"page": page, "seconds": None, "error": why})

    try:
        answer = await asyncio.to_thread(urllib.request.urlopen, url + "/", timeout=timeout_s)
        cookie = "; ".join(v.split(";")[0] for k, v in answer.headers.items() if k.lower() == "set-cookie")
        ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=timeout_s,
                                      additional_headers={"Origin": url, "Cookie": cookie}) as ws:
            hashes: dict[str, str] = {}
            boxes: dict[str, tuple[str, list[str]]] = {}     # the sidebar's selectboxes: label → (widget id, options)

            async def run(page_hash: str | None, query: str, widgets: list) -> tuple[float, list[str], str]:
                message = BackMsg()
                message.rerun_script.query_string = query
                if page_hash:
                    message.rerun_script.page_script_hash = page_hash
                for widget_id, value in widgets:
                    state = message.rerun_script.widget_states.widgets.add()
                    state.id, state.string_value = widget_id, value
                t0 = time.perf_counter()
                await ws.send(message.SerializeToString())
                errors, shown = [], ""
                while True:
                    forward = ForwardMsg()
                    forward.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=timeout_s))
                    kind = forward.WhichOneof("type")
                    if kind == "navigation":
                        hashes.update({p.url_pathname or "overview": p.page_script_hash
                                       for p in forward.navigation.app_pages})
                    elif kind == "page_info_changed":             # the app keeps the county and year in the URL
                        shown = forward.page_info_changed.query_string
                    elif kind == "page_not_found":
                        errors.append("page not found")
                    elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                        element = forward.delta.new_element
                        if element.WhichOneof("type") == "exception":
                            errors.append("exception: " + element.exception.message[:120])
                        elif element.WhichOneof("type") == "selectbox":
                            boxes[element.selectbox.label] = (element.selectbox.id, list(element.selectbox.options))
                    elif kind == "script_finished" and forward.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        return time.perf_counter() - t0, errors, shown

            for k, (page, county, year) in enumerate(loads):
                if k:
                    await asyncio.sleep(pause_s)
                widgets = []
                if k:                            # as a user does: pick the county and year in the sidebar, open the page
                    (county_id, counties), (year_id, years) = boxes[COUNTY_BOX], boxes[YEAR_BOX]
                    county_option = [o for o in counties if f"（{county}）" in o]
                    year_option = [o for o in years if o.startswith(str(year))]
                    if not county_option or not year_option:
                        fail(page, f"county {county} or year {year} not offered in the sidebar")
                        continue
                    widgets = [(county_id, county_option[0]), (year_id, year_option[0])]
                try:
                    seconds, errors, shown = await run(hashes.get(page) if k else None,
                                                       f"county={county}&year={year}", widgets)
                except asyncio.TimeoutError:
                    fail(page, f"timeout after {timeout_s:.0f} s")
                    return
                if not errors and f"county={county}&year={year}" not in shown:
                    errors.append(f"the page shows {shown!r}, not county {county} {year}")
                results.append({"page": page, "seconds": seconds, "error": "; ".join(errors) or None})
    except Exception as error:           # a broken connection or refused handshake: the rest of the session is lost
        fail("connect", f"{type(error).__name__}: {str(error)[:120]}")


async def load(url: str, sessions: list, ramp_s: float, timeout_s: float, pause_s: float) -> tuple[list, float]:
    results: list = []

    async def delayed(k, loads):
        await asyncio.sleep(ramp_s * k / max(1, len(sessions)))
        await session(url, loads, timeout_s, pause_s, results)
    t0 = time.perf_counter()
    await asyncio.gather(*(delayed(k, loads) for k, loads in enumerate(sessions)))
    return results, time.perf_counter() - t0


def serve(replicas: int, db: Path, workdir: Path):
    """scripts/serve_replicas.py started and ready; (process, base URL, the replicas' ports)."""
    from tests.browser.support import free_port
    port = free_port()
    log = (workdir / f"serve-{replicas}.log").open("w")
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "serve_replicas.py"), "--replicas", str(replicas),
                             "--listen", f"127.0.0.1:{port}", "--db", str(db), "--workdir", str(workdir / f"r{replicas}")],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    text = ""
    for _ in range(600):
        text = (workdir / f"serve-{replicas}.log").read_text()
        if "serving" in text or proc.poll() is not None:
            break
        time.sleep(0.2)
    if "serving" not in text:
        proc.kill()
        raise RuntimeError("the replicas did not start: " + text[-2000:])
    ports = [int(p) for p in re.search(r"ports ([\d, ]+);", text).group(1).split(", ")]
    return proc, f"http://127.0.0.1:{port}", ports


def stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def summary(results: list, wall: float) -> dict:
    times = sorted(r["seconds"] for r in results if r["seconds"] is not None and not r["error"])
    errors = [r for r in results if r["error"]]
    q = statistics.quantiles(times, n=10) if len(times) >= 2 else [float("nan")] * 9
    return {"loads": len(results), "errors": len(errors), "median": statistics.median(times) if times else float("nan"),
            "p90": q[8], "max": times[-1] if times else float("nan"), "wall": wall,
            "throughput": len(times) / wall if wall else 0.0, "first_error": errors[0]["error"] if errors else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--pages", type=int, default=4, help="page loads per session")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which the sessions arrive")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between a session's pages")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a page load may take")
    parser.add_argument("--db", help="the province demo (default: built into build/bench/province.duckdb)")
    args = parser.parse_args()
    db = Path(args.db) if args.db else province_db(ROOT / "build" / "bench" / "province.duckdb")
    counties = county_codes(db)
    sessions = plan(args.sessions, args.pages, counties)
    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        for replicas in (1, 2):
            proc, url, ports = serve(replicas, db, Path(tmp))
            try:
                for port in ports:     # each process's own start (imports, first script run) is not the load
                    asyncio.run(load(f"http://127.0.0.1:{port}", [[(PAGES[0], counties[0], YEARS[-1])]], 0, args.timeout, 0))
                results, wall = asyncio.run(load(url, sessions, args.ramp, args.timeout, args.pause))
            finally:
                stop(proc)
            rows[replicas] = summary(results, wall)
            print(f"{replicas} process(es) done: {rows[replicas]}", flush=True)
    print(f"\n{args.sessions} sessions × {args.pages} pages (each a new county-year of {len(counties)} counties), "
          f"arriving over {args.ramp:.0f} s, {args.pause} s between pages; province demo; this machine's cores: "
          f"{len(__import__('os').sched_getaffinity(0))}")
    print(f"{'processes':>9s} {'loads':>6s} {'errors':>6s} {'median s':>9s} {'p90 s':>7s} {'max s':>7s} {'wall s':>7s} "
          f"{'loads/s':>8s}")
    for replicas, r in rows.items():
        print(f"{replicas:>9d} {r['loads']:>6d} {r['errors']:>6d} {r['median']:>9.2f} {r['p90']:>7.2f} {r['max']:>7.2f} "
              f"{r['wall']:>7.1f} {r['throughput']:>8.2f}" + (f"  first error: {r['first_error']}" if r["errors"] else ""))
    one, two = rows[1], rows[2]
    print(f"\nratio 2 : 1 — median {two['median'] / one['median']:.2f}, p90 {two['p90'] / one['p90']:.2f}, "
          f"wall {two['wall'] / one['wall']:.2f}, throughput {two['throughput'] / one['throughput']:.2f}")
    met = one["errors"] == 0 and two["errors"] == 0 and two["p90"] < 0.8 * one["p90"]
    print(f"target (0 errors at {args.sessions} sessions, p90 with 2 processes clearly below 1): {'met' if met else 'missed'}")


if __name__ == "__main__":
    main()
