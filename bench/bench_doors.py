"""Benchmark: the doors of issue #39, in one run on this machine.

1. Sign-in time for an unknown name, a wrong password, a disabled account and a locked one (median of N
   each): nothing in the answer's time tells them apart.
2. Another user's page while heavy console queries run: the 总览 page run in-process (AppTest on the demo),
   median of 5 runs alone, then again while two analysts' console queries eat memory and CPU in their
   worker processes (repeat('x', 2e9) and a 10-second scan, over and over); the ratio, and the app
   process's peak memory (VmHWM) before and after.

Run: .venv/bin/python bench/bench_doors.py [N]
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EQUITY_PAGE_ERRORS", "raise")


def sign_in_times(n: int) -> dict:
    from analytics.io import accounts
    from analytics.standards import settings_section
    path = Path(tempfile.mkdtemp()) / "bench.state.sqlite"
    password = "correct horse battery"
    accounts.add(path, "li", "analyst", "320902", password)
    accounts.add(path, "gone", "analyst", "320902", password)
    accounts.disable(path, "gone")
    accounts.add(path, "locked", "analyst", "320902", password)
    for _ in range(int(settings_section("auth")["lockout_failures"])):
        accounts.sign_in(path, "locked", "wrong")
    cases = {"unknown": lambda k: accounts.sign_in(path, f"nobody{k}", password),
             "wrong": lambda k: (accounts.sign_in(path, "li", "wrong"), accounts.set_password(path, "li", password))
             if k % 4 == 3 else accounts.sign_in(path, "li", "wrong"),
             "disabled": lambda k: accounts.sign_in(path, "gone", password),
             "locked": lambda k: accounts.sign_in(path, "locked", password)}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for k in range(-1, n):                           # round robin, so warming up favours none; k = -1 not kept
        for name, attempt in cases.items():
            t0 = time.perf_counter()
            result = attempt(k)
            if k >= 0 and not (name == "wrong" and k % 4 == 3):    # (a reset before a lock-out is not timed)
                times[name].append((time.perf_counter() - t0) * 1000)
            assert not (result[0] if isinstance(result, tuple) else result).ok
    found = {name: statistics.median(values) for name, values in times.items()}
    return found


def peak_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def page_runs(db: Path, runs: int = 5) -> float:
    from streamlit.testing.v1 import AppTest
    os.environ["EQUITY_DB"] = str(db)
    times = []
    for _ in range(runs):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["county"], at.query_params["year"] = "320902", "2024"
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    timing = sign_in_times(n)
    base = min(timing.values())
    print(f"sign-in, median of {n} (ms): " + ", ".join(f"{k} {v:.1f} ({v / base:.2f}×)" for k, v in timing.items()))

    from analytics.io import console, storage
    db = ROOT / "data" / "equity.duckdb"
    page_runs(db, 2)                                  # caches warm, as for a user who has the app open
    alone = page_runs(db)
    before = peak_mb()
    stop = threading.Event()
    outcomes: list[str] = []

    def heavy(user: str, sql: str) -> None:
        while not stop.is_set():
            try:
                console.run(db, sql, user=user)
                outcomes.append("ok")
            except storage.ConsoleRefused as refused:
                outcomes.append(refused.key)
    threads = [threading.Thread(target=heavy, args=("li", "SELECT repeat('x', 2000000000) AS s"), daemon=True),
               threading.Thread(target=heavy, args=("wang", "SELECT sum(hash(range)) FROM range(100000000000)"),
                                daemon=True)]
    for t in threads:
        t.start()
    time.sleep(2)
    busy = page_runs(db)
    stop.set()
    for t in threads:
        t.join(30)
    print(f"总览 page run, median of 5: alone {alone:.2f} s, with two heavy console queries {busy:.2f} s "
          f"({busy / alone:.2f}×); app peak memory {before:.0f} MB before, {peak_mb():.0f} MB after; "
          f"console outcomes: " + ", ".join(f"{k} ×{outcomes.count(k)}" for k in sorted(set(outcomes))))
    console.WORKERS.close()


if __name__ == "__main__":
    main()
