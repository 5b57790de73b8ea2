"""Two app processes behind a real nginx (deploy/nginx-replicas.conf, started by scripts/serve_replicas.py as
`make serve REPLICAS=2` does) sharing their state on a throw-away PostgreSQL server: a manager signs in
through nginx, a page draws, her upload imports — every request of her browser reached one replica (the
route cookie), a colleague on the other replica is signed in by the same shared accounts and sees the new
version on his next rerun, and the audit log both replicas wrote keeps its chain."""
import json
import re
import os
import shutil
import sys
import urllib.request

from analytics.io import accounts, audit, state, versions
from analytics.io.export import contract_workbook
from analytics.io.storage import Store
from tests.browser.support import ROOT, free_port, logged_process, wait_page_drawn, wait_until, chromium
from tests.browser.test_manager_import import UPLOAD, import_checked_workbook, open_page
from tests.browser.test_sign_in import PASSWORD, sign_in

ROUTE = re.compile(r'" \d{3} (127\.0\.0\.1:\d+) route=(\w+)$')


def replicas_by_route(access_log) -> dict[str, set[str]]:
    """Route cookie → the replicas (upstream addresses) that answered its requests, from nginx's log."""
    seen: dict[str, set[str]] = {}
    for line in access_log.read_text().splitlines():
        if m := ROUTE.search(line):
            seen.setdefault(m.group(2), set()).add(m.group(1))
    return seen


def route_of(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "equity_route")


def test_two_replicas_behind_nginx_share_sign_in_imports_and_audit(demo_db, tmp_path, monkeypatch, postgres_cluster):
    monkeypatch.setenv(state.STATE_URL_ENV, postgres_cluster.new_database())
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)
    shutil.copytree(versions.versions_dir(demo_db), versions.versions_dir(db))
    store = Store(db)
    try:
        (tmp_path / "亭湖区.xlsx").write_bytes(contract_workbook(store, ["320902"]))
    finally:
        store.close()
    location = state.state_path(db)
    accounts.add(location, "manager1", "manager", "320902", PASSWORD)
    accounts.add(location, "viewer1", "viewer", "320902", PASSWORD)
    before = versions.current_version(db)
    port, workdir = free_port(), tmp_path / "serve"
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, str(ROOT / "scripts" / "serve_replicas.py"), "--replicas", "2", "--listen",
           f"127.0.0.1:{port}", "--db", str(db), "--workdir", str(workdir)]
    env = dict(os.environ, EQUITY_AUTH_MODE="builtin")          # the production layout signs people in
    with logged_process(cmd, "replicas", cwd=ROOT, env=env) as log, chromium() as browser:
        wait_until(lambda: json.loads(urllib.request.urlopen(f"{url}/healthz", timeout=1).read())["ok"], 120, log,
                   "replicas")
        access_log = workdir / "nginx" / "access.log"
        sessions = []                                     # (context, page, replica): one on each replica
        for _ in range(12):
            context = browser.new_context(viewport={"width": 1440, "height": 1800})
            page = context.new_page()
            page.goto(f"{url}/?county=320902&year=2024")
            wait_page_drawn(page)
            replica = replicas_by_route(access_log)[route_of(context)]
            assert len(replica) == 1, replica             # the page, scripts and websocket: one replica
            if replica not in [s[2] for s in sessions]:
                sessions.append((context, page, replica))
            else:
                context.close()
            if len(sessions) == 2:
                break
        assert len(sessions) == 2, "twelve browsers all went to one replica"
        (manager_context, manager, _), (viewer_context, viewer, _) = sessions

        sign_in(viewer, "viewer1", PASSWORD)
        assert f"版本 v{before}" in viewer.get_by_test_id("stMain").inner_text()
        sign_in(manager, "manager1", PASSWORD)
        assert "已登录：manager1" in manager.get_by_test_id("stSidebarUserContent").inner_text()
        open_page(manager, "数据管理")
        manager.locator(UPLOAD).first.set_input_files(str(tmp_path / "亭湖区.xlsx"))    # through nginx
        import_checked_workbook(manager, before + 1)
        assert versions.current_version(db) == before + 1
        manager.screenshot(path=str(ROOT / "screenshots" / "replicas_import.png"), full_page=True)

        open_page(viewer, "达标评估")                     # the other replica, its next rerun: the new version
        assert "已登录：viewer1" in viewer.get_by_test_id("stSidebarUserContent").inner_text()
        assert f"版本 v{before + 1}" in viewer.get_by_test_id("stMain").inner_text()
        viewer.screenshot(path=str(ROOT / "screenshots" / "replicas_viewer.png"), full_page=True)
        routes = replicas_by_route(access_log)
        for context in (manager_context, viewer_context):
            assert len(routes[route_of(context)]) == 1    # uploads and websocket stayed on the session's replica
    log = audit.entries(location)
    assert {("manager1", "sign_in"), ("viewer1", "sign_in"), ("manager1", "import")} <= set(zip(log["user"], log["action"]))
    assert audit.verify(location)["ok"]
