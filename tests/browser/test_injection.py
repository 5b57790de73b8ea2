"""Stored script injection, tried in a real browser: every text cell of a workbook holds a payload;
every page is opened, every tooltip and popup of every map is opened through the map object in its
frame, the charts are hovered, every table is downloaded — and no payload runs (the sentinel it
would set stays unset), no downloaded cell is a live formula."""
import openpyxl

from analytics.io.export import FORMULA_PREFIXES
from analytics.io.importer import import_workbook
from tests import workbooks as wbk
from tests.browser.support import PAGES, streamlit_server, wait_page_drawn, chromium

SENTINEL = "__pwned"
PAYLOADS = [f'<img src=x onerror="window.top.{SENTINEL}=1">', f"<script>window.top.{SENTINEL}=1</script>",
            f"</script><script>window.top.{SENTINEL}=1</script>", f"javascript:window.top.{SENTINEL}=1",
            "{{7*7}}", f"`${{window.top.{SENTINEL}=1}}`", f'<svg onload="window.top.{SENTINEL}=1">']
# school names that begin as a spreadsheet formula would (DDE, function, arithmetic)
FORMULAS = ["=cmd|' /C calc'!A0", "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"]

OPEN_EVERYTHING = """() => {
    let opened = 0;
    for (const key of Object.keys(window)) {
        const m = window[key];
        if (!(window.L && m instanceof window.L.Map)) continue;
        m.eachLayer(layer => {
            const open = l => {
                if (l.getTooltip && l.getTooltip()) { l.openTooltip(l.getLatLng ? l.getLatLng() : undefined); opened++; }
                if (l.getPopup && l.getPopup()) { l.openPopup(); opened++; }
            };
            if (layer.eachLayer) { layer.eachLayer(open); } else { open(layer); }
        });
    }
    return opened;
}"""


def payload_workbook(path):
    """The full small workbook with every free-text cell (names, towns, groups, settlements) a payload."""
    data = wbk.full_rows()
    k = 0
    for sheet, headers in {"学校": ["学校名称", "乡镇街道", "区县名称"], "居民点": ["名称", "乡镇街道"],
                           "人口": ["乡镇街道"], "班级": ["班级"]}.items():
        rows = data[sheet]
        for header in headers:
            col = rows[0].index(header)
            for r in rows[1:]:
                r[col] = f"{r[col]}{PAYLOADS[k % len(PAYLOADS)]}"
                k += 1
    names = data["学校"]
    col = names[0].index("学校名称")
    for i, r in enumerate(names[1:]):
        r[col] = FORMULAS[i % len(FORMULAS)] + r[col]
    wbk.write(path, data)
    book = openpyxl.load_workbook(path)       # the formula-looking names stay text cells, as a school typed them
    for cell in book["学校"][openpyxl.utils.get_column_letter(col + 1)][1:]:
        cell.data_type = "s"
    book.save(path)
    return path


def live_formulas(path) -> list[str]:
    """Cells of a downloaded workbook that a spreadsheet would run: formula cells, or text starting
    with = + - @ (tab, CR) without the quote-prefix mark that keeps it text when edited."""
    book = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}={c.value!r}" for ws in book for row in ws.iter_rows() for c in row
            if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith(FORMULA_PREFIXES)
                                      and not c.quotePrefix)]


def test_no_payload_runs_on_any_page_or_map(tmp_path):
    db = tmp_path / "equity.duckdb"
    report = import_workbook(payload_workbook(tmp_path / "payload.xlsx"), db, outline_source=wbk.box_outlines,
                             accept_warnings=True)
    assert report.written, [p.format() for p in report.errors]
    opened_total = downloaded = formula_names = 0
    tooltip_texts: list[str] = []
    with streamlit_server(str(db)) as url, chromium() as browser:
        page = browser.new_page(accept_downloads=True, viewport={"width": 1440, "height": 2000})
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for name in PAGES:
            page.goto(f"{url}/{'' if name == PAGES[0] else name}?county=320902&year=2024")
            wait_page_drawn(page)
            for frame in page.frames:
                try:
                    opened_total += frame.evaluate(OPEN_EVERYTHING)
                    tooltip_texts += frame.evaluate(
                        "() => Array.from(document.querySelectorAll('.leaflet-tooltip')).map(e => e.textContent)")
                except Exception:  # noqa: BLE001 — a frame without Leaflet or already detached
                    continue
            for plot in page.locator(".js-plotly-plot").all()[:4]:
                plot.hover()
            buttons = page.locator('[data-testid="stDownloadButton"] button')
            for k in range(buttons.count()):
                # a download reruns the page: wait for the rerun, then find the k-th button again
                page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000)
                with page.expect_download(timeout=120_000) as download:
                    buttons.nth(k).click()
                target = tmp_path / f"{name}-{downloaded}-{download.value.suggested_filename}"
                download.value.save_as(target)
                downloaded += 1
                if target.suffix == ".xlsx":
                    assert not live_formulas(target), (name, live_formulas(target)[:3])
                    formula_names += sum(bool(c.quotePrefix) and str(c.value).startswith(FORMULA_PREFIXES)
                                         for ws in openpyxl.load_workbook(target) for row in ws.iter_rows() for c in row)
            page.wait_for_timeout(300)
            assert page.evaluate(f"window.{SENTINEL}") is None, name
            assert not any(f.evaluate(f"window.{SENTINEL}") for f in page.frames if not f.is_detached()), name
            assert page.locator('[data-testid="stException"]').count() == 0, name
    assert opened_total > 0                     # the tooltips were really opened
    # a template delimiter reaches the reader as the text it is (folium once evaluated it on the server)
    assert any("{{7*7}}" in t for t in tooltip_texts), tooltip_texts[:5]
    print(f"\n{opened_total} tooltips/popups opened, {downloaded} downloads, {formula_names} neutralised cells")
    assert downloaded >= 8 and formula_names > 0  # the tables were downloaded, the formula names kept as text
    assert not dialogs
