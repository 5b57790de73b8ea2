"""Proxy mode behind a real nginx (Debian package, deploy/nginx-proxy-auth.conf): the proxy names the user
(here with basic auth standing for the bureau's single sign-on) and the app takes roles and regions from its
own accounts. A header forged by the browser is replaced by nginx — the session is the authenticated user's,
not the forged one — and without the proxy's sign-in nothing of the app is served."""
import json
import shutil
import urllib.error
import urllib.request

from analytics.io import accounts, audit, state
from tests.browser.support import nginx_proxy, streamlit_server, wait_page_drawn, chromium

PASSWORD = "correct horse battery"


def test_a_forged_user_header_sent_past_the_proxy_is_ignored(demo_db, tmp_path):
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)
    accounts.add(state.state_path(db), "viewer1", "viewer", "320902", PASSWORD)
    accounts.add(state.state_path(db), "admin", "admin", None, PASSWORD)
    args = ["--server.trustedUserHeaders", json.dumps({"X-Remote-User": "user"})]
    with streamlit_server(str(db), args=args, env={"EQUITY_AUTH_MODE": "proxy"}) as app_url, \
            nginx_proxy(int(app_url.rsplit(":", 1)[1]), {"viewer1": "proxy password"}, tmp_path) as url, \
            chromium() as browser:
        try:
            urllib.request.urlopen(url, timeout=5)
            raise AssertionError("the proxy served the app without signing in")
        except urllib.error.HTTPError as e:
            assert e.code == 401
        context = browser.new_context(viewport={"width": 1440, "height": 1800},
                                      http_credentials={"username": "viewer1", "password": "proxy password"},
                                      extra_http_headers={"X-Remote-User": "admin"})      # the forgery
        page = context.new_page()
        page.goto(f"{url}/?county=320903&year=2024")
        wait_page_drawn(page)
        sidebar = page.get_by_test_id("stSidebarUserContent").inner_text()
        assert "已登录：viewer1" in sidebar and "admin" not in sidebar
        assert "320903 不在您的权限范围内" in page.get_by_test_id("stMain").inner_text()
        county = page.get_by_test_id("stSidebarUserContent").get_by_role("combobox", name="区县", exact=True)
        assert county.input_value() == "亭湖区（320902）"
    log = audit.entries(state.state_path(db))
    assert ("viewer1", "sign_in", "ok") in set(zip(log["user"], log["action"], log["outcome"]))
    assert audit.verify(state.state_path(db))["ok"]
