"""Folium maps that work offline: Leaflet is served by the app, no tiles are needed.

The county outline (and approximate town areas) are the base; schools are circle markers.
Styling decisions come from :mod:`analytics.mapping`, which is unit-tested.
"""
from __future__ import annotations

import html
import json

import folium
import folium.plugins
import pandas as pd
import streamlit as st
from shapely.geometry import shape
from streamlit_folium import st_folium

from analytics.mapping import OUTLINE_STYLE, TOWN_STYLE, map_bounds
from ui.strings import tr

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


def base_map(outline: dict | None, towns: pd.DataFrame | None, points: pd.DataFrame) -> folium.Map:
    """A tile-free map framed on the county: outline, town areas (示意), no tile layer."""
    m = folium.Map(tiles=None, max_zoom=18, min_zoom=6, control_scale=True, prefer_canvas=True,
                   zoom_snap=0.25)
    if towns is not None and len(towns):
        fg = folium.FeatureGroup(name=tr("map.towns"), show=True)
        for r in towns.itertuples():
            folium.GeoJson(json.loads(r.geojson), style_function=lambda _f: TOWN_STYLE,
                           tooltip=f"{r.town}（示意）" if r.approximate else r.town).add_to(fg)
        fg.add_to(m)
    bounds_src = None
    if outline:
        folium.GeoJson(outline, name=tr("map.outline"), style_function=lambda _f: OUTLINE_STYLE).add_to(m)
        bounds_src = shape(outline).bounds
    m.fit_bounds(map_bounds(points.get("lon", pd.Series(dtype=float)),
                            points.get("lat", pd.Series(dtype=float)), bounds_src))
    return m


def add_points(m: folium.Map, points: pd.DataFrame, name: str) -> None:
    """Circle markers from columns lon, lat, radius, colour, tooltip (and optional ring)."""
    fg = folium.FeatureGroup(name=name, show=True)
    for r in points.dropna(subset=["lon", "lat"]).itertuples():
        ring = getattr(r, "ring", False)
        folium.CircleMarker(
            location=[r.lat, r.lon], radius=float(r.radius), color="#000000" if ring else "#FFFFFF",
            weight=3 if ring else 1, fill=True, fill_color=r.colour, fill_opacity=0.85,
            tooltip=folium.Tooltip(r.tooltip),
        ).add_to(fg)
    fg.add_to(m)


def show(m: folium.Map, key: str, height: int = 520) -> None:
    folium.LayerControl(collapsed=False).add_to(m)
    st_folium(m, height=height, use_container_width=True, returned_objects=[], key=key)


def legend(items: list[tuple[str, str]], ring_label: str | None = None) -> None:
    """A legend under the map: coloured dots with labels (plain HTML, no external assets)."""
    parts = [f'<span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
             f'background:{colour};margin:0 4px 0 12px;vertical-align:middle"></span>{html.escape(label)}'
             for colour, label in items]
    if ring_label:
        parts.append('<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
                     'border:3px solid #000;margin:0 4px 0 12px;vertical-align:middle"></span>'
                     + html.escape(ring_label))
    st.markdown(f'<div style="font-size:0.9rem">{tr("map.legend")}{"".join(parts)}</div>',
                unsafe_allow_html=True)


def tooltip(lines: list[str]) -> str:
    return "<br>".join(html.escape(str(x)) for x in lines)
