"""A county's data manager, in Chromium: imports a workbook of her own county (a new version), is refused
one holding another county (a clear message, the import button disabled, nothing written, the attempt in
the audit log), downloads an Excel table (recorded as an export of her county) — and a viewer of the same
county gets no download button at all."""
import shutil
from pathlib import Path

import openpyxl

from analytics.io import accounts, audit, state, versions
from analytics.io.export import contract_workbook
from analytics.io.storage import Store
from tests.browser.support import ROOT, streamlit_server, wait_page_drawn, chromium
from tests.browser.test_sign_in import PASSWORD, sign_in

UPLOAD = 'input[type="file"]'


def open_page(page, label):
    """A page through the sidebar's navigation (a reload would be a new session, signed out)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=label).click()
    page.get_by_role("heading", name=label).first.wait_for(timeout=60_000)
    wait_page_drawn(page)


def import_checked_workbook(page, version: int) -> None:
    """On 数据管理 after an upload has been checked: confirm its warnings if asked, press 导入为新版本 once it is
    enabled, and wait for 已导入为版本 v{version}."""
    button = page.get_by_role("button", name="导入为新版本")
    button.wait_for(timeout=120_000)
    wait_page_drawn(page)
    confirm = page.get_by_text("我已逐条核实以上提醒")
    if confirm.count():
        confirm.click()
    page.wait_for_function("() => { const b = [...document.querySelectorAll('button')]"
                           ".find(b => b.innerText.includes('导入为新版本')); return b && !b.disabled; }")
    button.click()
    page.get_by_text(f"已导入为版本 v{version}").wait_for(timeout=120_000)


def test_a_manager_imports_her_county_not_another_and_exports_are_audited(demo_db, tmp_path):
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)
    store = Store(db)
    try:
        (tmp_path / "亭湖区.xlsx").write_bytes(contract_workbook(store, ["320902"]))
        (tmp_path / "盐都区.xlsx").write_bytes(contract_workbook(store, ["320903"]))
        n_counties = len(store.counties())
    finally:
        store.close()
    log = state.state_path(db)
    accounts.add(log, "manager1", "manager", "320902", PASSWORD)
    accounts.add(log, "viewer1", "viewer", "320902", PASSWORD)
    before = len(versions.list_versions(db))
    import tempfile
    uploads_before = set(Path(tempfile.gettempdir()).glob("upload-*"))
    with streamlit_server(str(db)) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 2000}, accept_downloads=True)
        page.goto(f"{url}/?county=320902&year=2024")
        wait_page_drawn(page)
        sign_in(page, "manager1", PASSWORD)
        open_page(page, "数据管理")
        assert "仅含您权限范围内的1个区县" in page.get_by_test_id("stMain").inner_text()
        # Streamlit's own uploader texts read in Chinese, with the contract's limit (contract.yaml max_file_mb)
        shown = page.locator('.st-key-admin_upload [data-testid="stFileUploaderDropzoneInstructions"] span').first \
            .evaluate("e => getComputedStyle(e, '::after').content")
        button = page.locator('.st-key-admin_upload button [data-testid="stMarkdownContainer"] p').first \
            .evaluate("e => getComputedStyle(e, '::after').content")
        assert shown == '"每个文件不超过50MB · XLSX"' and button == '"选择文件"'

        page.locator(UPLOAD).first.set_input_files(str(tmp_path / "盐都区.xlsx"))     # another county
        page.get_by_text("不在您的权限范围内").first.wait_for(timeout=120_000)
        assert page.get_by_role("button", name="导入为新版本").is_disabled()
        assert len(versions.list_versions(db)) == before                              # nothing written
        refused = audit.entries(log)
        refused = refused[(refused["action"] == "import") & (refused["outcome"] == "outside_scope")]
        assert list(refused["region"]) == ["320903"] and list(refused["user"]) == ["manager1"]
        page.screenshot(path=str(ROOT / "screenshots" / "manager_refused.png"), full_page=True)

        page.locator(UPLOAD).first.set_input_files(str(tmp_path / "亭湖区.xlsx"))     # her own county
        page.get_by_text("不在您的权限范围内").first.wait_for(state="detached", timeout=120_000)
        import_checked_workbook(page, before + 1)
        assert len(versions.list_versions(db)) == before + 1
        assert set(Path(tempfile.gettempdir()).glob("upload-*")) <= uploads_before   # no copy of the school data left
        after = Store(db)
        try:                                                     # the other counties are kept as they were
            assert len(after.counties()) == n_counties
        finally:
            after.close()
        imported = audit.entries(log)
        imported = imported[(imported["action"] == "import") & (imported["outcome"] == "ok")]
        assert list(imported["region"]) == ["320902"] and "sha256:" in imported["object"].iloc[0]

        open_page(page, "达标评估")
        page.screenshot(path=str(ROOT / "screenshots" / "manager_scorecard.png"), full_page=True)
        with page.expect_download(timeout=120_000) as download:
            page.get_by_test_id("stDownloadButton").first.locator("button").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert "达标评估" in openpyxl.load_workbook(saved).sheetnames                  # built in the session's language
        exports = audit.entries(log)
        exports = exports[exports["action"] == "export"]
        assert list(exports["region"]) == ["320902"] and list(exports["object"]) == [saved.name]
        assert audit.verify(log)["ok"]

        page.get_by_role("button", name="退出登录").click()
        wait_page_drawn(page)
        sign_in(page, "viewer1", PASSWORD)
        year = page.get_by_test_id("stSidebarUserContent").get_by_role("combobox", name="学年", exact=True)
        assert year.input_value() == "2024—2025学年"          # the URL's year, not what the last account left
        open_page(page, "达标评估")
        assert page.get_by_test_id("stDownloadButton").count() == 0                 # a viewer exports nothing
        page.screenshot(path=str(ROOT / "screenshots" / "viewer_scorecard.png"), full_page=True)
        assert page.get_by_role("heading", name="达标评估").count() == 1
