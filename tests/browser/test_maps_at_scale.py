"""The three map pages above the clustering threshold (800 schools in one scope, threshold 600) in
Chromium: no JavaScript error, every school layer on the map with its schools, clusters drawn, and a
click on a cluster zooms in to open it."""
import pytest

from tests.browser.support import COUNT_MARKERS, map_frames, map_state, streamlit_server, wait_page_drawn, chromium

COUNTY = "329999"


@pytest.fixture(scope="module")
def big_scope(tmp_path_factory):
    from analytics.demo.scale import build_province_db
    from analytics.standards import load_standards
    db, counts = build_province_db(tmp_path_factory.mktemp("scale"), 800, COUNTY)
    assert counts["学校"] > load_standards(COUNTY)["layout"]["cluster_above"]       # above the threshold
    return db


@pytest.mark.parametrize("page_name", ["layout", "class_size", "small_schools"])
def test_map_pages_draw_their_schools_above_the_clustering_threshold(big_scope, page_name):
    with streamlit_server(str(big_scope)) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 2400})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/{page_name}?county={COUNTY}&year=2024")
        wait_page_drawn(page)
        states = []
        for _ in range(50):                                     # the map frame draws after the script
            states = map_state(page)
            if states and all(s["markers"] > 0 and (not s["clustered"] or s["clusters"] > 0) for s in states):
                break
            page.wait_for_timeout(200)
        assert not errors, errors
        assert states, "a map on the page"
        for s in states:
            assert s["groups"] and s["on_map"] == s["groups"], s       # every layer made it onto the map
            assert s["markers"] > 0, s
        clustered = [(f, s) for f, s in zip(map_frames(page), states) if s["clustered"]]
        if page_name == "layout":                                # all 800 schools: clustered
            assert clustered and clustered[0][1]["markers"] >= 800 and clustered[0][1]["clusters"] > 0
        for frame, before in clustered:
            frame.locator(".marker-cluster").first.click()
            frame.wait_for_function(f"() => ({COUNT_MARKERS})().zoom > {before['zoom']}", timeout=10_000)
            after = frame.evaluate(COUNT_MARKERS)
            assert after["zoom"] > before["zoom"]                # the cluster opened by zooming in
        assert not errors, errors
