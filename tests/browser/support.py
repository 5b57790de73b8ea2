"""Helpers for the real-browser checks: start Streamlit, open pages in Debian's Chromium."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
sys.path.insert(0, str(ROOT))
from ui.navigation import page_ids  # noqa: E402

PAGES = page_ids()


@contextmanager
def chromium():
    """The one way the tests and benches start a browser: Debian's Chromium, headless, with the flags this
    closed network needs (without the background-networking ones it keeps trying hosts it cannot reach);
    closed afterwards whatever happened. Yields a Playwright ``Browser``."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(ready, seconds: float, log: Path, what: str) -> None:
    """Poll ``ready()`` (an OSError counts as not yet) until it is true; after ``seconds`` raise with what the
    process printed into ``log``."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start: " + log.read_text(errors="replace")[-4000:])


@contextmanager
def logged_process(cmd: list[str], what: str, **popen):
    """Start ``cmd`` with its output in a file — never an unread pipe, which blocks the process once full
    (a long browser test's warnings did) — and stop it afterwards; the log's
    end is printed when done, so a failing test shows what the server said. Yields the log's path."""
    with tempfile.TemporaryDirectory(prefix=f"{what}-log-") as folder:
        log = Path(folder) / "output.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, **popen)
            try:
                yield log
            finally:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                tail = log.read_text(errors="replace")[-3000:]
                if "Traceback" in tail:
                    print(f"--- {what} output (end) ---\n{tail}")


@contextmanager
def streamlit_server(db_path: str, port: int | None = None, prefix: list[str] | None = None,
                     args: list[str] | None = None, env: dict | None = None):
    """Run the app on 127.0.0.1 against ``db_path`` (extra ``args`` for streamlit, ``env`` added); yields the base URL."""
    port = port or free_port()
    env = dict(os.environ, EQUITY_DB=str(db_path), **(env or {}))
    if "EQUITY_AUTH_MODE" not in env:                # an installation with accounts signs people in
        from tests.app.apptest import has_accounts
        if has_accounts(db_path):
            env["EQUITY_AUTH_MODE"] = "builtin"
    cmd = (prefix or []) + [sys.executable, "-m", "streamlit", "run", str(ROOT / "server.py"),
                            "--server.headless", "true", "--server.address", "127.0.0.1",
                            "--server.port", str(port), "--browser.gatherUsageStats", "false"] + (args or [])
    url = ServerURL(f"http://127.0.0.1:{port}")
    with logged_process(cmd, "streamlit", cwd=ROOT, env=env) as log:
        wait_until(lambda: urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok", 60, log,
                   "streamlit")
        url.log = log
        yield url


class ServerURL(str):
    """The server's base URL; ``.log`` is the path of what the server printed."""
    log: Path


MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
# every CircleLayer of a map frame (ui/maps.py keeps each as window.circle_layer_…): its markers, whether
# it is on the map, the cluster icons drawn, and the map's zoom
COUNT_MARKERS = """() => {
    const groups = Object.keys(window).filter(k => k.startsWith('circle_layer_')).map(k => window[k]);
    const map = Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k]).find(m => m && m.getZoom);
    return {groups: groups.length, on_map: groups.filter(g => g && g._map).length,
            markers: groups.reduce((n, g) => n + (g && g.getLayers ? g.getLayers().length : 0), 0),
            clustered: groups.filter(g => g && g.getVisibleParent).length,
            clusters: document.querySelectorAll('.marker-cluster').length,
            paths: document.querySelectorAll('.leaflet-overlay-pane path').length,
            zoom: map ? map.getZoom() : null};
}"""


def map_frames(page) -> list:
    """The Playwright frames of the page's folium maps (streamlit-folium component frames)."""
    out = []
    for frame in page.frames[1:]:
        try:
            if frame.evaluate("() => !!window.L && Object.keys(window).some(k => k.startsWith('map_'))"):
                out.append(frame)
        except Exception:  # noqa: BLE001 — a frame being replaced
            continue
    return out


def map_state(page) -> list[dict]:
    """:data:`COUNT_MARKERS` of every map frame of the page."""
    out = []
    for frame in map_frames(page):
        try:
            out.append(frame.evaluate(COUNT_MARKERS))
        except Exception:  # noqa: BLE001
            continue
    return out


def wait_page_drawn(page, timeout_ms: int = 60_000) -> None:
    """Wait until the script has finished and charts / maps (if any) are drawn."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)
    page.wait_for_timeout(500)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)
    for sel in ('.js-plotly-plot .main-svg',):
        if page.locator(sel).count():
            page.locator(sel).first.wait_for(timeout=timeout_ms)
    frames = page.locator('iframe[title="streamlit_folium.st_folium"]')
    if frames.count():
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
        frame.locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path, .leaflet-marker-pane .marker-cluster"
                      ).first.wait_for(timeout=timeout_ms)
    page.wait_for_timeout(800)


def screenshot_all(base_url: str, out_dir: Path, query: str = "", pages=PAGES, lang_en: bool = False) -> dict:
    """Open each page, save a full-page PNG, return {page: [error texts]}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    errors = {}
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 2600}, device_scale_factor=1)
        console: list[str] = []
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        page.on("console", lambda m: console.append(f"console: {m.text}") if m.type == "error" else None)
        for name in pages:
            console.clear()
            page.goto(f"{base_url}/{'' if name == PAGES[0] else name}{query}")
            wait_page_drawn(page)
            errors[name] = list(console)
            errors[name] += [e.inner_text() for e in page.locator('[data-testid="stException"]').all()]
            errors[name] += [e.inner_text() for e in page.locator('[data-testid="stAlertContentError"]').all()
                             if "Traceback" in e.inner_text()]
            page.screenshot(path=str(out_dir / f"{name}{'_en' if lang_en else ''}.png"), full_page=True)
    return errors


if __name__ == "__main__":
    db = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "data" / "equity.duckdb")
    query = sys.argv[2] if len(sys.argv) > 2 else ""
    with streamlit_server(db) as url:
        for name, errs in screenshot_all(url, ROOT / "screenshots", query).items():
            print(name, "OK" if not errs else errs[0][:400])


@contextmanager
def nginx_proxy(app_port: int, users: dict[str, str], tmp: Path):
    """deploy/nginx-proxy-auth.conf filled in and run by Debian's nginx as an unprivileged foreground
    process (basic auth with ``users``: name → password); yields the proxy's base URL."""
    prefix = tmp / "nginx"
    for sub in ("", "body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    lines = []
    for name, password in users.items():
        hashed = subprocess.run(["openssl", "passwd", "-apr1", password], capture_output=True, text=True,
                                check=True).stdout.strip()
        lines.append(f"{name}:{hashed}")
    (prefix / "htpasswd").write_text("\n".join(lines) + "\n")
    port = free_port()
    conf = (ROOT / "deploy" / "nginx-proxy-auth.conf").read_text(encoding="utf-8")
    for key, value in (("@PREFIX@", str(prefix)), ("@LISTEN@", str(port)), ("@APP@", str(app_port)),
                       ("@HTPASSWD@", str(prefix / "htpasswd"))):
        conf = conf.replace(key, value)
    if os.geteuid() == 0:        # as root nginx's workers would run as nobody and not read the test's 0700 folders
        conf = "user root;\n" + conf
    (prefix / "nginx.conf").write_text(conf, encoding="utf-8")
    nginx = "/usr/sbin/nginx"
    url = f"http://127.0.0.1:{port}"
    with logged_process([nginx, "-c", str(prefix / "nginx.conf"), "-p", str(prefix), "-g", "daemon off;"],
                        "nginx") as log:
        wait_until(lambda: bool(socket.create_connection(("127.0.0.1", port), timeout=0.5).close() or True), 20, log,
                   "nginx")
        yield url
