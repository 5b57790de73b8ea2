"""The briefing made by the 总览 button (inside the Streamlit server) has the same pictures as the one
the CLI makes: a figure sets its own template, size, margins and fonts, whichever process draws it."""
import subprocess
import sys
import zipfile

from analytics.i18n import t
from tests.browser.support import ROOT, streamlit_server, wait_page_drawn, chromium


def pictures(docx) -> list[bytes]:
    with zipfile.ZipFile(docx) as z:
        return [z.read(n) for n in sorted(z.namelist()) if n.startswith("word/media/")]


def test_the_buttons_briefing_has_the_clis_pictures(demo_db, tmp_path):
    with streamlit_server(str(demo_db)) as url, chromium() as browser:
        page = browser.new_page(accept_downloads=True, viewport={"width": 1440, "height": 2000})
        page.goto(f"{url}/?county=320902&year=2024")
        wait_page_drawn(page)
        page.get_by_role("button", name=t("briefing.button")).click()
        page.wait_for_selector('[data-testid="stDownloadButton"] button', timeout=300_000)
        with page.expect_download(timeout=120_000) as download:
            page.locator('[data-testid="stDownloadButton"] button').first.click()
        download.value.save_as(tmp_path / "button.docx")
    subprocess.run([sys.executable, "-m", "analytics", "briefing", "--db", str(demo_db), "--county", "320902",
                    "--year", "2024", "--out", str(tmp_path / "cli.docx")], cwd=ROOT, check=True, capture_output=True)
    from_button, from_cli = pictures(tmp_path / "button.docx"), pictures(tmp_path / "cli.docx")
    assert len(from_button) >= 4
    assert from_button == from_cli                                  # byte for byte
