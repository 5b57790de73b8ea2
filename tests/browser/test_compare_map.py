"""区县比较 in Chromium at city scope: the county map draws every county, a click on a county chooses it
for 打开该区县总览, and the button opens that county's overview."""
from tests.browser.support import streamlit_server, wait_page_drawn, chromium


def test_a_click_on_the_county_map_opens_that_county(demo_db):
    from shapely.geometry import shape

    from analytics.io.storage import Store
    store = Store(demo_db)
    inside = shape(store.outline("320921")).representative_point()            # 响水县
    store.close()
    with streamlit_server(str(demo_db)) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 2600})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/compare?region=3209&year=2024")
        wait_page_drawn(page)
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
        frame.locator(".leaflet-overlay-pane path").first.wait_for()
        assert frame.locator(".leaflet-overlay-pane path").count() >= 9          # every county's outline
        box = frame.locator(".leaflet-container").bounding_box()
        px = frame.locator(".leaflet-container").evaluate(
            f"(el) => {{ const m = Object.values(window).find(v => v && v._container === el);"
            f" const p = m.latLngToContainerPoint([{inside.y}, {inside.x}]); return [p.x, p.y]; }}")
        page.mouse.click(box["x"] + px[0], box["y"] + px[1])
        chosen = page.get_by_role("combobox", name="查看区县", exact=True)
        for _ in range(150):                                                     # the click chose it
            if chosen.input_value() == "响水县":
                break
            page.wait_for_timeout(200)
        assert chosen.input_value() == "响水县"
        wait_page_drawn(page)
        page.get_by_role("button", name="打开该区县总览").click()
        page.get_by_role("heading", name="总览").wait_for(timeout=60_000)
        wait_page_drawn(page)
        assert "county=320921" in page.url
        assert not errors, errors
