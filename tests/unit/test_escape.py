"""The trust boundary: text from a workbook or a user never becomes markup or script — checked on
the helpers and on the HTML the map layer actually produces."""
import json
import re

import pandas as pd

from analytics.report.escape import html_text, markdown_text, plot_text, safe_filename, script_json
from analytics.report import figures
from analytics.standards import load_standards

PAYLOADS = ['<img src=x onerror="window.__pwned=1">', "<script>window.__pwned=1</script>",
            "</script><script>window.__pwned=1</script>", "javascript:window.__pwned=1", "{{7*7}}",
            "`${window.__pwned=1}`", "=cmd|' /C calc'!A0", "![x](http://198.51.100.1/beacon.png)",
            "{% for x in range(3) %}x{% endfor %}{# gone #}", "{{ self.__init__.__globals__ }}"]


def test_html_text_leaves_no_tag_quote_or_template_hole():
    for p in PAYLOADS:
        out = html_text(p)
        assert "<" not in out and ">" not in out and '"' not in out and "`" not in out and "${" not in out
        assert "{" not in out                              # no Jinja delimiter either (folium renders through Jinja)
    assert html_text("城东小学 & 分校") == "城东小学 &amp; 分校"
    assert html_text(None) == ""


def test_script_json_cannot_close_the_script_and_round_trips():
    rows = [[33.4, 120.1, ["城东小学", p]] for p in PAYLOADS]
    text = script_json(rows)
    assert "</script" not in text.lower() and "<!--" not in text and "<" not in text
    assert json.loads(text) == rows


def test_markdown_text_disarms_links_images_and_formatting():
    out = markdown_text("![x](http://198.51.100.1/b.png) **粗体** [link](javascript:alert(1)) <b>")
    assert "![" not in out and "](" not in out and "**" not in out and "<b>" not in out
    assert markdown_text("亭湖区（320902）") == "亭湖区（320902）"            # CJK text is left as it is


def test_plot_text_and_safe_filename():
    assert plot_text('<a href="javascript:x">盐城</a>') == '&lt;a href="javascript:x"&gt;盐城&lt;/a&gt;'
    assert safe_filename("整改方案", "../../etc/亭湖区", 2024, suffix=".xlsx") == "整改方案_.._.._etc_亭湖区_2024.xlsx"
    assert "/" not in safe_filename("a/b\\c:d*e?f\"g<h>i|j\x00k") and safe_filename("...") == "download"
    assert len(safe_filename("长" * 500, suffix=".docx")) == 125


def test_charts_show_names_as_text():
    comp = pd.DataFrame({"school_id": ["1", "2"], "name": [PAYLOADS[0], "城东小学"], "met_count": [5, 7]})
    std = load_standards()
    for c in std.indicator_codes:
        comp[f"ratio_{c}"] = 1.0
    fig = figures.compliance_grid(comp, "zh", std)
    assert all("<" not in y for y in fig.data[0].y)
    shares = pd.DataFrame({"school_id": ["1"], "name": [PAYLOADS[1]], "share": [0.5], "above_mean": [True]})
    assert "<" not in figures.variance_share_bars(shares, "zh").data[1].y[0]


def test_the_map_layer_writes_names_as_text_nodes_in_script_safe_json():
    import folium

    from ui import maps
    m = folium.Map(tiles=None, max_zoom=18)
    points = pd.DataFrame({"lon": [120.1] * len(PAYLOADS), "lat": [33.4] * len(PAYLOADS), "radius": 5.0,
                           "colour_index": 0, "tooltip": [[p, "第二行"] for p in PAYLOADS], "school_id": "x"})
    maps.add_points(m, points, "schools", ["#000000"])
    html = m.get_root().render()
    script = re.search(r"var rows = (\[.*?\]);\n", html, re.S).group(1)
    assert [row[4] for row in json.loads(script)] == [[p, "第二行"] for p in PAYLOADS]   # the text arrives unchanged …
    for p in PAYLOADS:
        assert p not in html or "<" not in p                                    # … but never as markup
    assert "document.createTextNode" in html and "bindTooltip(lines)" in html and "return tip(layer.options.lines)" in html
    assert html.count("</script>") == html.count("<script")                 # nothing closed a script early


def test_town_tooltips_are_escaped_by_the_map_layer():
    from ui import maps
    towns = pd.DataFrame({"town": [PAYLOADS[0]], "approximate": [False],
                          "geojson": [json.dumps({"type": "Polygon", "coordinates": [[[120, 33], [120.1, 33], [120.1, 33.1], [120, 33]]]})]})
    m = maps.base_map(None, towns, pd.DataFrame({"lon": [120.05], "lat": [33.05]}))
    html = m.get_root().render()
    assert PAYLOADS[0] not in html and "&lt;img src=x onerror=&quot;" in html
    assert "\\u0026lt;img src=x onerror=\\u0026quot;" in html     # the town's name label: escaped, then JSON


def test_template_delimiters_in_names_are_never_evaluated_on_the_server():
    """folium renders each element through Jinja and compiles the output again: a name ``{{7*7}}`` used
    to reach the map as 49 (and ``{{ … __globals__ }}`` could run code on the server)."""
    from ui import maps
    jinja = [p for p in PAYLOADS if "{" in p]
    towns = pd.DataFrame({"town": jinja, "approximate": False,
                          "geojson": json.dumps({"type": "Polygon", "coordinates": [[[120, 33], [120.1, 33], [120.1, 33.1], [120, 33]]]})})
    points = pd.DataFrame({"lon": 120.05, "lat": 33.05, "radius": 5.0, "colour_index": 0,
                           "tooltip": [[p] for p in jinja], "school_id": "x"})
    m = maps.base_map(None, towns, points)
    maps.add_points(m, points, "schools", ["#000000"])
    html = m.get_root().render()
    script = re.search(r"var rows = (\[.*?\]);\n", html, re.S).group(1)
    assert [row[4] for row in json.loads(script)] == [[p] for p in jinja]       # data, not template code
    assert "&#123;&#123;7*7&#125;&#125;" in html and "__globals__ &#125;&#125;" in html   # town tooltips and labels
    assert "{{" not in html and "{%" not in html and "xxx" not in html and "<module" not in html


def test_county_map_tooltips_are_escaped_by_the_map_layer():
    from ui import maps
    outline = json.dumps({"type": "Polygon", "coordinates": [[[120, 33], [120.1, 33], [120.1, 33.1], [120, 33]]]})
    outlines = pd.DataFrame({"county_code": ["1", "2"], "geojson": [outline, outline]})
    fills = {"1": {"colour": "#009E73"}, "2": {"colour": "#D55E00"}}
    html = maps.county_map(outlines, fills, {"1": PAYLOADS[0], "2": "{{7*7}}"}).get_root().render()
    labels = [f["properties"]["label"] for f in json.loads(re.search(r"_add\((\{.*?\})\);", html, re.S).group(1))["features"]]
    assert labels == [html_text(PAYLOADS[0]), html_text("{{7*7}}")]      # the tooltip's HTML holds entities only
    assert PAYLOADS[0] not in html and "&#123;&#123;7*7&#125;&#125;" in labels[1] and "{{" not in html
