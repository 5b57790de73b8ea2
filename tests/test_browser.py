"""Every page in a real browser (Debian chromium) with every request off this machine blocked:
no error element, charts drawn, the map drawn from the app's own Leaflet. Screenshots are saved
to screenshots/ (git-ignored) for a person to look at."""
from tests.browser import CHROMIUM, CHROMIUM_ARGS, PAGES, ROOT, streamlit_server, wait_page_drawn

def test_every_page_renders_offline_without_errors(demo_db):
    from playwright.sync_api import sync_playwright
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    with streamlit_server(str(demo_db)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
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
        browser.close()
    # whatever tried to leave the machine was blocked, and the pages still drew
    # Streamlit asks for the browser-tab favicon of a :material/ page icon online; offline the tab
    # keeps the default icon. Nothing else may try to leave the machine.
    assert all("/materialsymbolsrounded/" in u for u in outside), sorted(set(outside))
