"""Every page in a real browser (Debian chromium) with every request off this machine blocked:
no error element, charts drawn, the map drawn from the app's own Leaflet. Screenshots are saved
to screenshots/ (git-ignored) for a person to look at."""
from tests.browser.support import PAGES, ROOT, streamlit_server, wait_page_drawn, chromium

def test_every_page_renders_offline_without_errors(demo_db):
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    with streamlit_server(str(demo_db)) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 2600})
        outside = []

        def only_local(route):
            if route.request.url.startswith(url) or route.request.url.startswith(("data:", "blob:", "about:")):
                return route.continue_()
            outside.append(route.request.url)
            return route.abort()

        page.context.route("**/*", only_local)
        for name in PAGES:
            page.goto(f"{url}/{'' if name == PAGES[0] else name}?county=320902&year=2024")
            wait_page_drawn(page)
            assert page.locator('[data-testid="stException"]').count() == 0, name
            assert page.locator('[data-testid="stApp"]').inner_text().count("Traceback") == 0, name
            if name in ("overview", "resources", "gaps", "class_size"):
                assert page.locator(".js-plotly-plot .main-svg").count() > 0, name
            if name in ("layout", "class_size", "small_schools"):
                frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
                assert frame.locator(".leaflet-container").count() == 1, name
                assert frame.locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").count() > 0, name
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    # nothing tried to leave the machine (the favicon of a :material/ page icon was fetched from a
    # font server until the app set its own)
    assert not outside, sorted(set(outside))


def test_upload_check_confirm_import_in_the_browser(tmp_path):
    """数据管理 end to end: a bad workbook is reported cell by cell and changes nothing; a good one
    with a warning needs the confirmation, then becomes version 2 for every page."""

    from analytics.io.importer import import_workbook
    from tests import workbooks as wbk
    db = tmp_path / "equity.duckdb"
    assert import_workbook(wbk.write(tmp_path / "v1.xlsx", wbk.rows()), db, outline_source=wbk.box_outlines).written
    bad = wbk.rows()
    bad["学段"][2][5] = -5
    wbk.write(tmp_path / "bad.xlsx", bad)
    warn = wbk.rows()
    warn["学段"][6][12] = 9000                       # 237 ㎡ per pupil at the 教学点: a warning
    wbk.write(tmp_path / "warn.xlsx", warn)
    with streamlit_server(str(db)) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 2000})
        page.goto(f"{url}/data_admin")
        wait_page_drawn(page)
        page.locator('input[type="file"]').first.set_input_files(str(tmp_path / "bad.xlsx"))
        page.get_by_text("存在错误，不能导入").wait_for(timeout=60_000)
        assert page.get_by_text("错误1条").count() == 1
        page.screenshot(path=str(ROOT / "screenshots" / "data_admin_errors.png"), full_page=True)
        page.locator('input[type="file"]').first.set_input_files(str(tmp_path / "warn.xlsx"))
        page.get_by_text("提醒1条").wait_for(timeout=60_000)
        button = page.get_by_role("button", name="导入为新版本")
        assert button.is_disabled()
        page.get_by_text("我已逐条核实以上提醒").click()
        button.wait_for(state="visible")
        page.wait_for_function("() => ![...document.querySelectorAll('button')].find(b => b.innerText.includes('导入为新版本')).disabled")
        button.click()
        page.get_by_text("已导入为版本 v2").wait_for(timeout=60_000)
        page.screenshot(path=str(ROOT / "screenshots" / "data_admin_imported.png"), full_page=True)
        page.goto(f"{url}/")
        wait_page_drawn(page)
        assert page.get_by_text("版本 v2").count() >= 1


def test_map_pages_draw_with_the_network_cut(demo_db):
    """`unshare -n`: no network namespace but loopback. Outline and schools drawn inside each frame."""
    import json
    import subprocess
    import sys
    out = ROOT / "screenshots"
    cmd = ["unshare", "-n", "bash", "-c",
           f"ip link set lo up && {sys.executable} {ROOT / 'tests' / 'browser' / 'offline_maps.py'} {demo_db} {out}"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for name, r in result.items():
        assert r["errors"] == 0, name
        frame, overlay = r["frame"], r["overlay"]
        assert overlay["width"] > 100 and overlay["height"] > 100, name           # the outline is drawn …
        assert frame["x"] <= overlay["x"] + overlay["width"] and overlay["x"] <= frame["x"] + frame["width"], name
        assert r["painted_pixels"] > 500, name                                   # … and the school circles


def test_scenario_school_placed_by_clicking_the_map(demo_db, tmp_path):
    """布局方案比选: a click on the map fills the new school's coordinates (WGS84, inside the county),
    and 加入方案 lists the step with the recomputed results below."""
    import shutil


    from analytics.io.storage import Store
    db = tmp_path / "equity.duckdb"
    shutil.copy(demo_db, db)
    outline = Store(db).outline("320902")
    from shapely.geometry import shape
    with streamlit_server(str(db)) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 2600})
        page.goto(f"{url}/scenarios?county=320902&year=2024")
        wait_page_drawn(page)
        lon_box = page.get_by_label("经度（WGS84）")
        before = float(lon_box.input_value())
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
        box = frame.locator(".leaflet-container").bounding_box()
        centre = shape(outline).representative_point()          # a point inside the county, on screen:
        frame.locator(".leaflet-container").wait_for()
        px = frame.locator(".leaflet-container").evaluate(
            f"(el) => {{ const m = Object.values(window).find(v => v && v._container === el);"   # folium's global map_…
            f" const p = m.latLngToContainerPoint([{centre.y}, {centre.x}]); return [p.x, p.y]; }}")
        page.mouse.click(box["x"] + px[0], box["y"] + px[1])
        page.wait_for_function(f"() => {{ const e = [...document.querySelectorAll('input')].find(i => "
                               f"i.getAttribute('aria-label') === '经度（WGS84）'); return e && Math.abs(parseFloat(e.value) - {before}) > 1e-6; }}",
                               timeout=30_000)
        lon, lat = float(lon_box.input_value()), float(page.get_by_label("纬度（WGS84）").input_value())
        assert abs(lon - centre.x) < 0.01 and abs(lat - centre.y) < 0.01     # where we clicked (WGS84)
        assert page.get_by_text("新校位置在县区边界之外").count() == 0
        page.get_by_role("button", name="加入方案").click()
        page.get_by_text("新建小学“新建小学1”").wait_for(timeout=60_000)
        wait_page_drawn(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        took = page.get_by_text("新建小学1：从").inner_text()
        assert "接收0名学生" not in took                 # inside the county it takes its catchment's pupils
        page.screenshot(path=str(ROOT / "screenshots" / "scenarios_placed.png"), full_page=True)
