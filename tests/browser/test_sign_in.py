"""Signing in, in Chromium: five wrong passwords lock an account; a viewer of 亭湖区 signs in and sees only
亭湖区 — the county box offers nothing else, an edited URL asking for 盐都区 is refused — and has no 数据管理
page (its URL opens nothing of it)."""
import shutil

from analytics.io import accounts, state
from analytics.standards import settings_section
from tests.browser.support import streamlit_server, wait_page_drawn, chromium
import pytest

pytestmark = pytest.mark.usefixtures("state_backend")   # the state on SQLite and on PostgreSQL

PASSWORD = "correct horse battery"


def sign_in(page, name, password):
    page.get_by_label("账户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_timeout(300)
    wait_page_drawn(page)


def test_sign_in_lock_out_and_a_scoped_viewer(demo_db, tmp_path):
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)
    accounts.add(state.state_path(db), "viewer1", "viewer", "320902", PASSWORD)
    accounts.add(state.state_path(db), "locked1", "viewer", "320902", PASSWORD)
    with streamlit_server(str(db)) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 1600})
        page.goto(f"{url}/?county=320902&year=2024")
        wait_page_drawn(page)
        assert page.get_by_role("heading", name="登录").count() == 1
        assert "亭湖区" not in page.get_by_test_id("stMain").inner_text()          # nothing before signing in
        for _ in range(int(settings_section("auth")["lockout_failures"])):
            sign_in(page, "locked1", "wrong password")
        sign_in(page, "locked1", PASSWORD)                                          # even the right one now
        assert "已锁定" in page.get_by_test_id("stMain").inner_text()
        sign_in(page, "viewer1", PASSWORD)
        page.get_by_role("heading", name="总览").wait_for(timeout=60_000)
        wait_page_drawn(page)
        county = page.get_by_test_id("stSidebarUserContent").get_by_role("combobox", name="区县", exact=True)
        assert county.input_value() == "亭湖区（320902）"
        county.click()
        assert page.get_by_role("option").all_inner_texts() == ["亭湖区（320902）"]    # the widget offers no other
        page.keyboard.press("Escape")
        page.goto(f"{url}/?county=320903&year=2024")                                # the URL edited by hand
        wait_page_drawn(page)
        sign_in(page, "viewer1", PASSWORD)               # a reload is a new session (Streamlit): sign in again
        main = page.get_by_test_id("stMain").inner_text()
        assert "320903 不在您的权限范围内" in main and "盐都区" not in main
        page.goto(f"{url}/data_admin")                                              # not a page of its role
        wait_page_drawn(page)
        page.keyboard.press("Escape")                    # Streamlit's "page not found" notice
        sign_in(page, "viewer1", PASSWORD)
        page.keyboard.press("Escape")
        wait_page_drawn(page)
        page.screenshot(path=str(tmp_path / "viewer_data_admin.png"))
        assert page.get_by_role("heading", name="数据管理").count() == 0
        assert page.get_by_text("上传").count() == 0 and page.get_by_role("heading", name="总览").count() == 1


def test_a_session_idle_longer_than_the_setting_is_signed_out(demo_db, tmp_path):
    """The installation's own settings file sets the idle limit (here 3 s); the first click after it brings
    the sign-in page back with the reason, and the log says why the session ended."""

    from analytics.io import audit
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)
    accounts.add(state.state_path(db), "viewer1", "viewer", "320902", PASSWORD)
    local = tmp_path / "settings.local.yaml"
    local.write_text("auth:\n  idle_minutes: 0.05\n", encoding="utf-8")
    with streamlit_server(str(db), env={"EQUITY_SETTINGS": str(local)}) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 1600})
        page.goto(f"{url}/?county=320902&year=2024")
        wait_page_drawn(page)
        sign_in(page, "viewer1", PASSWORD)
        page.get_by_role("heading", name="总览").wait_for(timeout=60_000)
        page.wait_for_timeout(4_000)
        page.get_by_test_id("stSidebarUserContent").get_by_text("初中").click()     # the first action after
        page.get_by_role("heading", name="登录").wait_for(timeout=60_000)
        wait_page_drawn(page)
        page.get_by_text("长时间未操作").wait_for(timeout=30_000)
        assert "长时间未操作" in page.get_by_test_id("stMain").inner_text()
        assert page.get_by_role("heading", name="总览").count() == 0
    log = audit.entries(state.state_path(db))
    assert list(zip(log["action"], log["outcome"]))[-1] == ("sign_out", "idle")
