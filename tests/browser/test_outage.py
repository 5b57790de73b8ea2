"""A bad day in the server room, seen from the browser: PostgreSQL (the shared state) stopped under a running
app. The probe: every page, the anonymous sign-in page included, showed a psycopg traceback with source paths
and the socket path, and Streamlit's health check said "ok". Now the page says the accounts database cannot be
read and stays shut, nothing of the server shows, and ``/healthz`` (server.py) answers 503 naming the state —
then 200 again once the database is back."""
import json
import shutil
import urllib.error
import urllib.request

from analytics.io import accounts, state, versions
from tests.browser.support import streamlit_server, wait_page_drawn, chromium
from tests.browser.test_sign_in import PASSWORD
from tests.postgres import Cluster

SERVER_WORDS = ("Traceback", "psycopg", "OperationalError", ".py", "socket", "/tmp/", "postgresql://")


def healthz(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_postgresql_stopped_under_a_running_app_shuts_the_door_with_a_message(demo_db, tmp_path, monkeypatch):
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)
    shutil.copytree(versions.versions_dir(demo_db), versions.versions_dir(db))
    pg = Cluster().start()
    try:
        url_of_state = pg.new_database()
        monkeypatch.setenv(state.STATE_URL_ENV, url_of_state)
        monkeypatch.setenv("EQUITY_KEY_FILE", str(tmp_path / "installation.key"))
        accounts.add(url_of_state, "manager1", "manager", "320902", PASSWORD)
        with streamlit_server(db, env={"EQUITY_AUTH_MODE": "builtin"}) as url, chromium() as browser:
            assert healthz(url) == (200, {"mode": "builtin", "data": "ok", "state": "ok", "audit": "ok", "ok": True})
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url)
            wait_page_drawn(page)
            assert page.get_by_text("登录").first.is_visible()               # the sign-in page, the server up
            pg._run("pg_ctl", "-D", str(pg.data), "-m", "fast", "-w", "stop")          # the database goes away
            status, found = healthz(url)
            assert status == 503 and found["state"] == "unreadable" and found["ok"] is False
            assert urllib.request.urlopen(f"{url}/_stcore/health", timeout=5).read() == b"ok"   # Streamlit's: blind
            page.goto(url)
            wait_page_drawn(page)
            page.get_by_text("暂时无法读取账户与审计数据库").first.wait_for(timeout=30_000)
            text = page.inner_text("body")
            assert not any(word in text for word in SERVER_WORDS), text[:2000]
            assert page.locator("input[type=password]").count() == 0         # no sign-in form while it is down
            page.screenshot(path=str(tmp_path / "outage.png"))
            pg._run("pg_ctl", "-D", str(pg.data), "-l", str(pg.log), "-w", "-o",
                    f"-k {pg.socket} -c listen_addresses=''", "start")
            assert healthz(url)[0] == 200                                    # back: the check says so
    finally:
        pg.stop()
