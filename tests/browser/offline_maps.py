"""Run inside `unshare -n` (no network at all but loopback): start the app, open each map page in
Chromium, and report for each whether the county outline and the school markers are drawn inside
the map frame. Prints one JSON object; saves screenshots. Used by tests/test_browser.py."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.browser.support import chromium, streamlit_server, wait_page_drawn  # noqa: E402

MAP_PAGES = ["layout", "class_size", "small_schools"]


def main(db: str, out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = {}
    with streamlit_server(db) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 1800})
        for name in MAP_PAGES:
            page.goto(f"{url}/{name}?county=320902&year=2024")
            wait_page_drawn(page)
            frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
            box = page.locator('iframe[title="streamlit_folium.st_folium"]').first.bounding_box()
            outline = frame.locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").first.bounding_box()
            drawn = frame.locator(".leaflet-overlay-pane canvas").count() + frame.locator(".leaflet-overlay-pane path").count()
            errors = page.locator('[data-testid="stException"]').count()
            # the canvas holds the circles: sample it for non-transparent pixels
            painted = frame.locator(".leaflet-overlay-pane canvas").first.evaluate(
                "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }")
            result[name] = {"frame": box, "overlay": outline, "layers": drawn, "painted_pixels": painted,
                            "errors": errors}
            page.screenshot(path=str(out / f"offline_{name}.png"), full_page=False)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
