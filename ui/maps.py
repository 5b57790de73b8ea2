"""Folium maps that work offline: Leaflet is served by the app, no tiles are needed.

Schools are drawn by ONE compact layer (a JSON array turned into canvas circle markers in the
browser, clustered above ``layout.cluster_above``), never one folium object per school, so a
province of 10,000 schools stays well under 1 MB. Styling decisions come from
:mod:`analytics.mapping`, which is unit-tested.
"""
from __future__ import annotations

import json

import folium
import numpy as np
import folium.plugins
import shapely
import pandas as pd
import streamlit as st
from branca.element import CssLink, Element, JavascriptLink, MacroElement
from jinja2 import Template
from shapely.geometry import shape
from streamlit_folium import st_folium

from analytics.report.escape import html_text, script_json
from analytics.geo.mapping import (OUTLINE_STYLE, TOWN_STYLE, base_layers, display_coords, display_geojson, label_layout,
                                   map_bounds, map_zoom_options)
from ui.strings import lang, tr

# town names written on the map, centred on a point inside the town, readable over circles
TOWN_LABEL_STYLE = ("transform: translate(-50%, -50%); white-space: nowrap; font-size: 12px; color: #555555; "
                    "text-shadow: 0 0 3px #FFFFFF, 0 0 3px #FFFFFF; pointer-events: none;")

VENDOR = "/app/static/vendor"
LEAFLET_JS = [("leaflet", f"{VENDOR}/leaflet/leaflet.js")]
LEAFLET_CSS = [("leaflet_css", f"{VENDOR}/leaflet/leaflet.css")]
CLUSTER_JS = [("markerclusterjs", f"{VENDOR}/markercluster/leaflet.markercluster.js")]
CLUSTER_CSS = [("markerclustercss", f"{VENDOR}/markercluster/MarkerCluster.css"),
               ("markerclusterdefaultcss", f"{VENDOR}/markercluster/MarkerCluster.Default.css")]


def use_local_assets() -> None:
    """Point folium at the files the app serves (no CDN: bureau intranets have no internet)."""
    folium.Map.default_js = LEAFLET_JS
    folium.Map.default_css = LEAFLET_CSS
    for cls in (folium.plugins.MarkerCluster, folium.plugins.FastMarkerCluster):
        cls.default_js = CLUSTER_JS
        cls.default_css = CLUSTER_CSS


use_local_assets()


class VerbatimScript(Element):
    """Script text added to the page as it is. (folium wraps every element's rendered script in a new
    Element, which compiles it as a Jinja template once more: for 10,000 schools that parse was a
    quarter of a second, and it would evaluate any template delimiter the data carried.)"""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class CompactLayer(folium.elements.JSCSSMixin, MacroElement):
    """A layer whose script builds its shapes from one array: rendered once, verbatim."""

    default_js: list = []
    default_css: list = []

    def render(self, **kwargs):
        """As :class:`MacroElement` renders, with the script added verbatim (never compiled again)."""
        figure = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        figure.script.add_child(VerbatimScript(self._template.module.script(self, kwargs)), name=self.get_name())


class CircleLayer(CompactLayer):
    """Many circle markers from one compact array: [lat, lon, radius, colour index, lines, ring, id].

    The tooltip lines are data (school and settlement names …): they become DOM text nodes, never
    markup, and the array is embedded as script-safe JSON — escaping by construction, so no caller
    can forget it (the map's frame is same-origin with the app).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var rows = {{ this.rows_json }};
            var colours = {{ this.colours_json }};
            var group = {{ 'L.markerClusterGroup({maxClusterRadius: 40, disableClusteringAtZoom: 14})'
                           if this.cluster else 'L.featureGroup()' }};
            var renderer = L.canvas({padding: 0.5});
            function tip(lines) {
                var box = document.createElement('div');
                (Array.isArray(lines) ? lines : [lines]).forEach(function (line, k) {
                    if (k) { box.appendChild(document.createElement('br')); }
                    box.appendChild(document.createTextNode(line == null ? '' : String(line)));
                });
                return box;
            }
            function lines(layer) { return tip(layer.options.lines); }    // built when shown, not 10,000 at once
            var markers = new Array(rows.length);
            for (var i = 0; i < rows.length; i++) {
                var r = rows[i];
                var m = L.circleMarker([r[0], r[1]], {renderer: renderer, radius: r[2],
                    color: r[5] ? '#000000' : '#ffffff', weight: r[5] ? 3 : 1,
                    fillColor: colours[r[3]], fillOpacity: 0.85, lines: r[4]});
                m.bindTooltip(lines);
                m.options.schoolId = r[6];
                markers[i] = m;
            }
            if (group.addLayers) { group.addLayers(markers); }               // clusters: one bulk insert
            else { markers.forEach(function (m) { group.addLayer(m); }); }
            group.addTo({{ this._parent.get_name() }});
            window.{{ this.get_name() }} = group;
        })();
        {% endmacro %}
    """)

    def __init__(self, rows: list, colours: list[str], cluster: bool):
        super().__init__()
        self._name = "CircleLayer"
        self.rows_json = script_json(rows)
        self.colours_json = script_json(colours)
        self.cluster = cluster
        self.count = len(rows)
        self.default_js = CLUSTER_JS if cluster else []
        self.default_css = CLUSTER_CSS if cluster else []


class RingLayer(CompactLayer):
    """Service-radius rings (metres) from one array [lat, lon, radius]: dashed canvas circles that take
    no clicks — one loop in the browser, not one folium object (and script) per school."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var rings = {{ this.rows_json }};
            var renderer = L.canvas({padding: 0.5});
            var group = L.featureGroup();
            for (var i = 0; i < rings.length; i++) {
                L.circle([rings[i][0], rings[i][1]], {renderer: renderer, radius: rings[i][2], color: '#0072B2',
                    weight: 1, fill: false, dashArray: '3 3', interactive: false}).addTo(group);
            }
            group.addTo({{ this._parent.get_name() }});
            window.{{ this.get_name() }} = group;
        })();
        {% endmacro %}
    """)

    def __init__(self, rows: list):
        super().__init__()
        self._name = "RingLayer"
        self.rows_json = script_json(rows)
        self.count = len(rows)


class MapChrome(MacroElement):
    """A bureau map's controls: a metric scale only (no miles) and the attribution prefix as plain
    'Leaflet' — Leaflet 1.9's default prefix carries a national flag, which an intranet map must not show."""
    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.setPrefix('Leaflet');
        L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)


def new_map(**options) -> folium.Map:
    """An empty map with no tiles, the zoom range of maps.yaml, a metric scale and no flag."""
    m = folium.Map(tiles=None, control_scale=False, zoom_snap=0.25, **options)
    m.options.update(map_zoom_options())
    MapChrome().add_to(m)
    return m


def base_map_choice(key: str) -> dict:
    """A small selector for the base map (tile-free by default); returns the chosen layer config."""
    layers = base_layers()
    names = {layer["key"]: layer["name"][lang()] for layer in layers}
    chosen = st.selectbox(tr("map.base"), list(names), format_func=names.get, key=key)
    return next(layer for layer in layers if layer["key"] == chosen)


def base_map(outline: dict | None, towns: pd.DataFrame | None, points: pd.DataFrame,
             base: dict | None = None) -> folium.Map:
    """County outline and town areas (示意) on no tiles, or on the chosen tile layer."""
    base = base or {"key": "none"}
    crs = base.get("crs", "WGS84")
    # folium hands max/min zoom only to a tile layer it creates; without tiles the map had no maxZoom,
    # and Leaflet.markercluster refuses such a map ("Map has no maxZoom specified"): new_map sets them
    m = new_map(prefer_canvas=True)
    if base["key"] != "none":
        url = base["url"].replace("{tk}", str(base.get("tk", "")))
        folium.TileLayer(url, attr=base.get("attribution", ""), name=base["name"][lang()],
                         subdomains=base.get("subdomains", "abc"), max_zoom=m.options["max_zoom"], overlay=False).add_to(m)
    if towns is not None and len(towns):
        fg = folium.FeatureGroup(name=tr("map.towns"), show=True)
        names = folium.FeatureGroup(name=tr("map.town_names"), show=True)
        shapes = [shape(display_geojson(json.loads(g), crs)) for g in towns["geojson"]]
        spots = [g.representative_point() for g in shapes]
        area = shapely.total_bounds(shapes) if shapes else None
        written = label_layout([p.x for p in spots], [p.y for p in spots], list(towns["town"]), tuple(area),
                               priority=[g.area for g in shapes]) if shapes else []
        for r, at, write in zip(towns.itertuples(), spots, written):
            label = f"{r.town}（{tr('map.approximate')}）" if r.approximate else r.town
            geometry = display_geojson(json.loads(r.geojson), crs)
            # folium puts a tooltip's text into a JS template literal as markup: escape it here
            folium.GeoJson(geometry, style_function=lambda _f: TOWN_STYLE, tooltip=html_text(label)).add_to(fg)
            if not write:                  # it would sit on a larger town's name: the tooltip still names it
                continue
            folium.Marker([at.y, at.x], icon=folium.DivIcon(html=f'<div style="{TOWN_LABEL_STYLE}">{html_text(r.town)}</div>',
                                                            icon_size=(0, 0), icon_anchor=(0, 0)),
                          interactive=False).add_to(names)
        fg.add_to(m)
        names.add_to(m)
    bounds_src = None
    if outline:
        folium.GeoJson(display_geojson(outline, crs), name=tr("map.outline"),
                       style_function=lambda _f: OUTLINE_STYLE).add_to(m)
        bounds_src = shape(display_geojson(outline, crs)).bounds
    lon, lat = display_coords(points.get("lon", pd.Series(dtype=float)), points.get("lat", pd.Series(dtype=float)), crs)
    m.fit_bounds(map_bounds(pd.Series(lon), pd.Series(lat), bounds_src))
    m.display_crs = crs
    return m


def add_town_fills(m: folium.Map, towns: pd.DataFrame, fills: dict[str, tuple[str, str]], name: str) -> None:
    """Town areas filled by a value: ``fills`` town → (colour, tooltip text); the text escaped here."""
    crs = getattr(m, "display_crs", "WGS84")
    fg = folium.FeatureGroup(name=name, show=True)
    for r in towns.itertuples():
        if r.town not in fills:
            continue
        colour, text = fills[r.town]
        style = {"color": "#555555", "weight": 1, "fillColor": colour, "fillOpacity": 0.55}
        folium.GeoJson(display_geojson(json.loads(r.geojson), crs), style_function=lambda _f, s=style: s,
                       tooltip=html_text(text)).add_to(fg)
    fg.add_to(m)


def add_points(m: folium.Map, points: pd.DataFrame, name: str, colours: list[str], cluster_above: int = 600) -> CircleLayer:
    """One compact layer of circles from columns lon, lat, radius, colour_index, tooltip, ring, school_id.
    ``tooltip``: a list of text lines (or one text) per point — plain text, never markup."""
    pts = points.dropna(subset=["lon", "lat"])
    lon, lat = display_coords(pts["lon"], pts["lat"], getattr(m, "display_crs", "WGS84"))
    ring = pts["ring"] if "ring" in pts else pd.Series(False, index=pts.index)
    ids = pts["school_id"] if "school_id" in pts else pd.Series("", index=pts.index)
    tips = [[str(line) for line in t] if isinstance(t, (list, tuple)) else str(t) for t in pts["tooltip"]]
    # whole columns converted at once (10,000 schools: a tenth of a second less than value by value)
    rows = [list(r) for r in zip(np.round(np.asarray(lat, dtype=float), 5).tolist(),
                                 np.round(np.asarray(lon, dtype=float), 5).tolist(),
                                 np.round(pts["radius"].to_numpy(dtype=float), 1).tolist(),
                                 pts["colour_index"].to_numpy(dtype=int).tolist(), tips,
                                 ring.fillna(False).to_numpy(dtype=bool).astype(int).tolist(), ids.astype(str).tolist())]
    layer = CircleLayer(rows, colours, cluster=len(rows) > cluster_above)
    fg = folium.FeatureGroup(name=name, show=True)
    layer.add_to(fg)
    fg.add_to(m)
    return layer


def add_new_sites(m: folium.Map, points: pd.DataFrame, name: str, colour: str) -> None:
    """New or suggested schools as a marker that stands out over every circle: a large star in ``colour``
    with a white edge, in Leaflet's marker pane (above the circles' canvas), its name in the tooltip
    (escaped here, where the markup is made). ``points``: lon, lat, name."""
    layer = folium.FeatureGroup(name=name, show=True)
    lon, lat = display_coords(points["lon"], points["lat"], getattr(m, "display_crs", "WGS84"))
    star = (f'<div style="transform: translate(-50%, -55%); font-size: 30px; line-height: 30px; color: {html_text(colour)}; '
            'text-shadow: 0 0 3px #FFFFFF, 0 0 3px #FFFFFF, 0 0 2px #000000;">&#9733;</div>')
    for x, y, label in zip(lon, lat, points["name"]):
        if pd.isna(x) or pd.isna(y):
            continue
        folium.Marker([float(y), float(x)], icon=folium.DivIcon(html=star, icon_size=(0, 0), icon_anchor=(0, 0)),
                      tooltip=html_text(str(label)), z_index_offset=1000).add_to(layer)
    layer.add_to(m)


def add_rings(m: folium.Map, points: pd.DataFrame, radius_m: pd.Series, name: str) -> RingLayer:
    """Service-radius rings (metres) around schools, one compact layer in a feature group hidden by default.
    ``radius_m`` is aligned with ``points``; schools without coordinates or radius get no ring."""
    lon, lat = display_coords(points["lon"], points["lat"], getattr(m, "display_crs", "WGS84"))
    table = np.column_stack([np.asarray(lat, dtype=float), np.asarray(lon, dtype=float),
                             pd.to_numeric(pd.Series(radius_m), errors="coerce").to_numpy(dtype=float)])
    table = table[np.isfinite(table).all(axis=1) & (table[:, 2] > 0)]
    layer = RingLayer(np.column_stack([np.round(table[:, :2], 5), np.round(table[:, 2])]).tolist())
    fg = folium.FeatureGroup(name=name, show=False)
    layer.add_to(fg)
    fg.add_to(m)
    return layer


def show(m: folium.Map, key: str, height: int = 520, clicks: bool = False, places: bool = False):
    """Draw the map; only maps whose clicks are used return them (else pan/zoom would rerun the page):
    ``clicks`` a click on a marker, ``places`` a click anywhere (placing a new school)."""
    folium.LayerControl(collapsed=True).add_to(m)
    returned = (["last_object_clicked"] if clicks else []) + (["last_clicked"] if places else [])
    return st_folium(m, height=height, use_container_width=True, key=key, returned_objects=returned)


def legend(items: list[tuple[str, str]], ring_label: str | None = None, note: str | None = None) -> None:
    """A legend under the map: coloured dots with labels (plain HTML, no external assets)."""
    parts = [f'<span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
             f'background:{html_text(colour)};margin:0 4px 0 12px;vertical-align:middle"></span>{html_text(label)}'
             for colour, label in items]
    if ring_label:
        parts.append('<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
                     'border:3px solid #000;margin:0 4px 0 12px;vertical-align:middle"></span>'
                     + html_text(ring_label))
    extra = f'<span style="color:#666;margin-left:12px">{html_text(note)}</span>' if note else ""
    st.markdown(f'<div style="font-size:0.9rem">{html_text(tr("map.legend"))}{"".join(parts)}{extra}</div>',
                unsafe_allow_html=True)


def tooltip(lines: list) -> list[str]:
    """A tooltip's lines as plain text (the layer turns them into text nodes)."""
    return ["" if x is None else str(x) for x in lines]


def tooltips(*lines) -> list[list[str]]:
    """The tooltips of many points at once: one column (Series or list) per line, as plain text."""
    # a column's values taken out whole (pandas 3's Arrow strings are slow to iterate one by one)
    # (a missing text — None, NaN, pd.NA — is an empty line, never "nan")
    columns = [["" if x is None or x is pd.NA or (isinstance(x, float) and x != x) else str(x)
                for x in (c.tolist() if hasattr(c, "tolist") else c)] for c in lines]
    return [list(t) for t in zip(*columns)]


def formatted(values: pd.Series, fmt) -> pd.Series:
    """``fmt`` applied once per distinct value (pupil counts repeat across thousands of schools); a missing
    value goes through ``fmt`` too (it says how a gap reads, e.g. "—")."""
    distinct = values.unique()
    return values.map(pd.Series([fmt(v) for v in distinct], index=distinct, dtype=object))


def county_map(outlines: pd.DataFrame, fills: dict[str, dict], labels: dict[str, str],
               names: dict[str, str] | None = None, groups: dict[str, str] | None = None) -> folium.Map:
    """The counties of a region filled by one measure's class (:func:`analytics.geo.mapping.county_fills`),
    each with its name and value as an escaped tooltip; no tiles. One GeoJSON layer for all counties (a
    layer per county made folium compile ~600 templates for a province: 0.6 s a run). ``names``: county
    names written on the map where they do not overlap (:func:`label_layout`, larger counties first);
    ``groups``: each county's city — the cities' outlines drawn over the counties."""
    m = new_map()
    features, shapes = [], {}
    for code, geojson in zip(outlines["county_code"], outlines["geojson"]):
        if code not in fills or not isinstance(geojson, str):
            continue
        geometry = json.loads(geojson)
        shapes[code] = shape(geometry)
        # the tooltip layer writes the label into HTML: escaped here, where the markup is made
        features.append({"type": "Feature", "geometry": geometry,
                         "properties": {"label": html_text(labels.get(code, code)), "colour": fills[code]["colour"]}})
    if features:
        folium.GeoJson({"type": "FeatureCollection", "features": features},
                       style_function=lambda f: {"color": "#FFFFFF", "weight": 1.5, "fillOpacity": 0.75,
                                                 "fillColor": f["properties"]["colour"]},
                       tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False)).add_to(m)
        minx, miny, maxx, maxy = shapely.total_bounds(list(shapes.values()))
        m.fit_bounds([[miny, minx], [maxy, maxx]])
        if groups:
            merged = {}
            for code, geom in shapes.items():
                merged.setdefault(groups.get(code) or code[:2], []).append(geom)
            lines = [{"type": "Feature", "properties": {},
                      "geometry": shapely.geometry.mapping(shapely.union_all(parts).boundary)} for parts in merged.values()]
            folium.GeoJson({"type": "FeatureCollection", "features": lines}, name=tr("compare.city_outlines"),
                           style_function=lambda _f: {"color": "#333333", "weight": 2.5, "fill": False},
                           interactive=False).add_to(m)
        if names:
            codes = [c for c in shapes if c in names]
            spots = [shapes[c].representative_point() for c in codes]
            written = label_layout([p.x for p in spots], [p.y for p in spots], [names[c] for c in codes],
                                   (minx, miny, maxx, maxy), priority=[shapes[c].area for c in codes])
            layer = folium.FeatureGroup(name=tr("compare.county_names"), show=True)
            for code, at, write in zip(codes, spots, written):
                if write:
                    folium.Marker([at.y, at.x], icon=folium.DivIcon(
                        html=f'<div style="{TOWN_LABEL_STYLE}">{html_text(names[code])}</div>', icon_size=(0, 0),
                        icon_anchor=(0, 0)), interactive=False).add_to(layer)
            layer.add_to(m)
    return m
