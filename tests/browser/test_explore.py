"""探索分析 in Chromium, the question of the issue on the demo: "do the schools with the fewest backbone teachers
also have the largest classes, and where are they?" — a link opens the scatter of backbone teachers per 100
pupils against average class size, a box drawn over the top-left corner selects those schools, they are
listed, drawn on the map beside and downloaded as Excel; no JavaScript error."""
import shutil

import openpyxl

from analytics.io import versions
from analytics.method import explore
from analytics import service
from analytics.io.storage import Store
from tests.browser.support import ROOT, map_state, streamlit_server, wait_page_drawn, chromium


def test_select_the_schools_with_few_backbone_teachers_and_large_classes(demo_db, tmp_path):
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)
    shutil.copytree(versions.versions_dir(demo_db), versions.versions_dir(db))
    store = Store(db)
    try:
        table = service.explore_table(store, "320902")
    finally:
        store.close()
    table = table[(table["year"] == 2024) & (table["stage"] == "小学") & table["in_scope"]]
    assert set(explore.MEASURES) <= set(table.columns)
    with streamlit_server(str(db)) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 2200}, accept_downloads=True)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/explore?county=320902&year=2024&stage=小学&view=scatter&x=L2&y=class_size_avg"
                  "&group=urban_rural_group&years=2024")
        wait_page_drawn(page)
        assert page.get_by_role("heading", name="探索分析").count() == 1
        plot = page.locator(".js-plotly-plot .nsewdrag").first
        box = plot.bounding_box()
        # the top-left quarter: few backbone teachers (x low), large classes (y high)
        page.mouse.move(box["x"] + 2, box["y"] + 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=12)
        page.mouse.up()
        heading = page.get_by_role("heading", name="已选择")
        heading.wait_for(timeout=60_000)
        wait_page_drawn(page)
        n = int(heading.inner_text().removeprefix("已选择").removesuffix("所学校"))
        x_mid = table["L2"].min() + (table["L2"].max() - table["L2"].min()) / 2
        assert 0 < n <= (table["L2"] <= x_mid * 1.05).sum()               # only schools from the low-backbone half
        drawn = map_state(page)
        assert drawn and drawn[0]["markers"] == n                          # every selected school on the map
        page.screenshot(path=str(ROOT / "screenshots" / "explore_selected.png"), full_page=True)
        with page.expect_download(timeout=60_000) as download:
            page.get_by_test_id("stDownloadButton").first.locator("button").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        sheet = openpyxl.load_workbook(saved).active
        assert sheet.max_row - 1 == n                                     # one row per selected school
        assert errors == []
