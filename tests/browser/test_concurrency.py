"""Ten browser sessions viewing different pages while an import publishes a new version (in another
process): no session shows an error, every page shows one version whole — the version named in its
caption is the version whose county name the sidebar shows — and the next rerun shows the new one."""
import re
import subprocess
import sys

from analytics.io.importer import import_workbook
from tests import workbooks as wbk
from tests.browser.support import PAGES, ROOT, streamlit_server, wait_page_drawn, chromium

SESSIONS = 10
NAMES = {1: "旧名县", 2: "新名县"}          # the county name of each version: what a mix would betray


def workbook(path, version):
    data = wbk.full_rows()
    col = wbk.header_index(data["学校"], "区县名称")
    for r in data["学校"][1:]:
        r[col] = NAMES[version]
    return wbk.write(path, data)


IMPORT_V2 = """
import sys
from analytics.io.importer import import_workbook
from tests import workbooks as wbk
report = import_workbook(sys.argv[1], sys.argv[2], outline_source=wbk.box_outlines, accept_warnings=True)
sys.exit(0 if report.written else 1)
"""


def version_seen(page) -> tuple[int | None, int | None, bool]:
    """(version in the page caption, version whose county name the sidebar shows, error shown)."""
    captions = " ".join(page.locator('[data-testid="stCaptionContainer"]').all_inner_texts())
    caption = re.search(r"版本 v(\d+)", captions)
    county = page.get_by_test_id("stSidebarUserContent").get_by_role("combobox", name="区县", exact=True).input_value()
    named = [v for v, name in NAMES.items() if name in county]
    error = page.locator('[data-testid="stException"]').count() > 0 or "Traceback" in page.locator(
        '[data-testid="stApp"]').inner_text()
    return (int(caption.group(1)) if caption else None), (named[0] if len(named) == 1 else None), error


def test_ten_sessions_see_one_version_whole_while_an_import_publishes(tmp_path):
    db = tmp_path / "equity.duckdb"
    assert import_workbook(workbook(tmp_path / "v1.xlsx", 1), db, outline_source=wbk.box_outlines,
                           accept_warnings=True).written
    v2 = workbook(tmp_path / "v2.xlsx", 2)
    shown = [p for p in PAGES if p != "data_admin"][:SESSIONS]
    with streamlit_server(str(db)) as url, chromium() as browser:
        pages = []
        for name in shown:                                   # one browser context = one app session
            page = browser.new_context(viewport={"width": 1280, "height": 1600}).new_page()
            page.goto(f"{url}/{'' if name == PAGES[0] else name}?county=320902&year=2024")
            pages.append(page)
        for page in pages:
            wait_page_drawn(page)
            assert version_seen(page) == (1, 1, False)
        # every session reruns, and the import (another process) starts while they run
        for page in pages:
            page.reload(wait_until="commit")      # the new document, not yet run
        importer = subprocess.Popen([sys.executable, "-c", IMPORT_V2, str(v2), str(db)], cwd=ROOT)
        during = []
        while True:
            for page in pages:
                wait_page_drawn(page)
                during.append(version_seen(page))
            if importer.poll() is not None:
                break
            for page in pages:
                page.reload(wait_until="commit")      # the new document, not yet run
        assert importer.wait(120) == 0
        after = []
        for page in pages:                                   # the next rerun: the new version
            page.reload()
            wait_page_drawn(page)
            after.append(version_seen(page))
    print(f"\n{SESSIONS} sessions; page views while publishing: {len(during)}; versions seen "
          f"{ {v: sum(1 for c, _, _ in during if c == v) for v in (1, 2)} }; "
          f"errors {sum(e for _, _, e in during + after)}")
    assert all(not error for _, _, error in during + after)
    assert all(caption == named and caption in (1, 2) for caption, named, _ in during)   # whole, never a mix
    assert after == [(2, 2, False)] * SESSIONS
