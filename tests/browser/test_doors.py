"""Every door checked when it opens, in Chromium against the served app (server.py): a download on a page
already drawn is refused — and audited as refused under the role of now — once the account is disabled or
downgraded; signing out in one tab ends the other; a viewer's tables offer no CSV button (an analyst's do);
before sign-in the server takes no developer message, no upload and shows no metrics."""
import shutil
import urllib.error
import urllib.request

import pytest

from analytics.io import accounts, audit, state
from tests.browser.support import streamlit_server, wait_page_drawn, chromium

PASSWORD = "correct horse battery"
CSV_BUTTON = '[data-testid="stElementToolbar"] button[aria-label="Download as CSV"]'


def sign_in(page, name):
    """Sign in on the first page, then open 数据浏览 from the navigation."""
    page.get_by_label("账户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="总览").wait_for(timeout=60_000)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="数据", exact=True).click()
    page.get_by_role("heading", name="数据浏览").wait_for(timeout=60_000)
    wait_page_drawn(page)


def download(page, seconds: float = 8) -> str | None:
    """Click the page's Excel download; the file's name, or None when no file came."""
    from playwright.sync_api import TimeoutError as Timeout
    try:
        with page.expect_download(timeout=seconds * 1000) as got:
            page.get_by_role("button", name="下载Excel").click()
        return got.value.suggested_filename
    except Timeout:
        return None


def csv_button_offered(page) -> bool:
    page.get_by_test_id("stDataFrame").first.hover()
    page.wait_for_timeout(500)
    return page.locator(CSV_BUTTON).count() > 0 and page.locator(CSV_BUTTON).first.is_visible()


@pytest.fixture()
def served(demo_db, tmp_path):
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)
    for name, role in (("li", "analyst"), ("wang", "analyst"), ("viewer1", "viewer")):
        accounts.add(state.state_path(db), name, role, "320902", PASSWORD)
    with streamlit_server(str(db)) as url:
        yield db, url


def test_downloads_sessions_and_the_table_toolbar(served, tmp_path):
    db, url = served
    path = state.state_path(db)
    with chromium() as browser:
        tabs = {}
        for name in ("li", "wang", "viewer1", "viewer1 again"):
            tabs[name] = browser.new_context(accept_downloads=True, viewport={"width": 1440, "height": 1200}).new_page()
            tabs[name].goto(f"{url}/?county=320902&year=2024")
            wait_page_drawn(tabs[name])
            sign_in(tabs[name], name.split()[0])
        li, wang, viewer, viewer_again = tabs.values()
        assert download(li) == "学校_亭湖区_2024.xlsx"                          # the door opens while allowed
        assert csv_button_offered(li)                                            # an analyst's table: CSV offered
        assert not csv_button_offered(viewer) and viewer.get_by_role("button", name="下载Excel").count() == 0
        viewer.screenshot(path=str(tmp_path / "viewer_table.png"))

        accounts.disable(path, "li")                                             # the button is already drawn
        assert download(li) is None
        li.get_by_text("账户已停用").wait_for(timeout=30_000)                     # the page says why at once
        accounts.set_role(path, "wang", "viewer", "320902")
        assert download(wang) is None
        wang.get_by_text("角色或管辖范围已变更").wait_for(timeout=30_000)

        viewer.get_by_role("button", name="退出登录").click()                     # signing out in one tab …
        viewer.get_by_role("heading", name="登录").wait_for(timeout=30_000)
        viewer_again.get_by_test_id("stSidebarUserContent").get_by_text("初中").click()
        viewer_again.get_by_role("heading", name="登录").wait_for(timeout=30_000)  # … ends the other
        assert "所有窗口同时退出" in viewer_again.get_by_test_id("stMain").inner_text()
    log = audit.entries(path)
    exports = log[log["action"] == "export"]
    assert list(zip(exports["user"], exports["role"], exports["outcome"])) == [
        ("li", "analyst", "ok"), ("li", "analyst", "refused:disabled"), ("wang", "viewer", "refused:role")]
    assert audit.verify(path)["ok"]


def test_before_sign_in_no_developer_message_no_upload_no_metrics(served):
    import asyncio

    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    _, url = served
    with pytest.raises(urllib.error.HTTPError) as metrics:
        urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=10)
    assert metrics.value.code == 404
    upload = urllib.request.Request(f"{url}/_stcore/upload_file/some-session/some-file", data=b"x" * 1000,
                                    method="PUT")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(upload, timeout=10)
    assert refused.value.code == 403 and refused.value.read() == b"sign in as a manager first"

    async def developer_messages():
        async with websockets.connect(url.replace("http", "ws") + "/_stcore/stream",
                                      subprotocols=["streamlit"]) as ws:
            for field in ("clear_cache", "set_run_on_save"):            # the developer menu's messages
                msg = BackMsg()
                setattr(msg, field, True)
                await ws.send(msg.SerializeToString())
            urls = BackMsg()
            urls.file_urls_request.request_id = "r1"
            urls.file_urls_request.file_names.append("x.xlsx")
            urls.file_urls_request.session_id = "s"
            await ws.send(urls.SerializeToString())
            await asyncio.sleep(2)
    asyncio.run(developer_messages())
    said = url.log.read_text(errors="replace")
    for kind in ("clear_cache", "set_run_on_save", "file_urls_request"):
        assert f"refused a {kind} message" in said, said[-2000:]


def test_a_download_after_the_idle_limit_is_refused(demo_db, tmp_path):
    """The installation's settings set the idle limit to 3 s: the download button of a page drawn before it
    gives no file after it, the refusal is audited, and the page says the session timed out."""
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)
    accounts.add(state.state_path(db), "li", "analyst", "320902", PASSWORD)
    local = tmp_path / "settings.local.yaml"
    local.write_text("auth:\n  idle_minutes: 0.05\n", encoding="utf-8")
    with streamlit_server(str(db), env={"EQUITY_SETTINGS": str(local)}) as url, chromium() as browser:
        page = browser.new_context(accept_downloads=True, viewport={"width": 1440, "height": 1200}).new_page()
        page.goto(f"{url}/?county=320902&year=2024")
        wait_page_drawn(page)
        sign_in(page, "li")
        page.wait_for_timeout(4_000)
        assert download(page) is None
        page.get_by_text("长时间未操作").wait_for(timeout=30_000)
    log = audit.entries(state.state_path(db))
    assert list(zip(log["action"], log["outcome"]))[-2:] == [("export", "refused:idle"), ("sign_out", "idle")]
