"""学校布局: schools by type and 城乡, sized by enrolment, coloured by compliance or an indicator;
settlements, service radii, distance to school per town; click a school for its card."""
import math

import plotly.graph_objects as go
import streamlit as st

from analytics.io import contract
from analytics.standards import indicator_codes, load_standards
from analytics.formatting import fmt_pct
from analytics.geo.mapping import (BEYOND_COLOUR, LINE_CLASS_COLOURS, LINE_CLASS_ORDER, STATUS_COLOURS, WITHIN_COLOUR, clicked_school, marker_radius,
                                   policy_classes, settlement_radius)
from ui import cards, data, maps, page, state
from ui.charts import style
from ui.strings import indicator_label, stage_label, tr

sel = page.header("layout.title")
sig = data.signature()
persons = page.counter("unit.persons")
with st.spinner(tr("app.loading")):
    points = data.school_points(sig, sel.county_code, sel.year)
if points.empty:
    page.no_data(sel)
    st.stop()
std = load_standards(sel.county_code)
type_names = contract.codes()["school_type"]
points["type_name"] = points["school_type"].map(lambda c: type_names[contract.school_type_code(c)])

c1, c2, c3, c4 = st.columns([2, 2, 2, 1])
codes = indicator_codes(std)
def colour_label(c: str) -> str:
    return tr("layout.colour_status") if c == "status" else f"{indicator_label(c, short=True)}（{stage_label(sel.stage)}）"


colour_by = c1.selectbox(tr("layout.colour_by"), ["status"] + codes, key=state.LAYOUT_COLOUR, format_func=colour_label)
types = sorted(points["type_name"].unique())
chosen_types = c2.multiselect(tr("layout.types"), types, default=types, key=state.LAYOUT_TYPES)
groups = [g for g in contract.codes()["urban_rural_groups"] if g in set(points["urban_rural_group"])]
chosen_groups = c3.multiselect(tr("layout.groups"), groups, default=groups, key=state.LAYOUT_GROUPS,
                               format_func=lambda g: tr(f"group.{g}"))
with c4:
    base = maps.base_map_choice("layout_base")
shown = points[points["type_name"].isin(chosen_types) & points["urban_rural_group"].isin(chosen_groups)].copy()

if colour_by == "status":
    order = list(STATUS_COLOURS)
    colours = [STATUS_COLOURS[s] for s in order]
    shown["colour_index"] = shown["status"].map(order.index)
    legend = [(STATUS_COLOURS[s], tr(f"layout.status_legend_{s}")) for s in order]
else:
    values = data.indicator_values(sig, sel.county_code, sel.year, sel.stage, colour_by)
    shown = shown.merge(values, on="school_id", how="left")
    line = float(values["line"].iloc[0]) if len(values) else math.nan
    cls = policy_classes(shown["value"], line, std)
    colours = [LINE_CLASS_COLOURS[c] for c in LINE_CLASS_ORDER]
    shown["colour_index"] = [LINE_CLASS_ORDER.index(c) for c in cls]
    legend = list(zip(colours, [tr(f"layout.class_{c}") for c in LINE_CLASS_ORDER]))
shown["radius"] = shown["students"].map(marker_radius)
status_names = {s: tr(f"layout.status_legend_{s}") for s in STATUS_COLOURS}
met = shown["status"].map(status_names) + ("（" + shown["met"].astype(str) + f"/{len(std.indicator_codes)}）").where(
    shown["status"] != "out", "")
shown["tooltip"] = maps.tooltips(shown["name"], shown["town"].astype(str) + " · " + shown["type_name"].astype(str),
                                 maps.formatted(shown["students"], persons), met)

assign = data.layout_assignment(sig, sel.county_code, sel.year, sel.stage)
st.subheader(tr("layout.map_by", by=colour_label(colour_by)))        # the title says what the colours mean
m = maps.base_map(data.outline(sig, sel.county_code), data.town_areas(sig, sel.county_code), points, base)
settlements = assign["settlements"]
if len(settlements) and "beyond" in settlements:
    bubbles = settlements.assign(
        colour_index=settlements["beyond"].astype(int),
        radius=settlements["children"].map(settlement_radius),
        tooltip=maps.tooltips(settlements["name"], tr("layout.children") + " " + settlements["children"].astype(int).astype(str),
                              "→ " + settlements["school"].fillna("—").astype(str) + " "
                              + maps.formatted(settlements["distance_m"], lambda d: "—" if d != d else f"{d:,.0f} m")))
    maps.add_points(m, bubbles, tr("map.settlements"), [WITHIN_COLOUR, BEYOND_COLOUR])
    stage_points = points[points["stages"].str.contains(sel.stage)]
    kinds = settlements.groupby("town")["norm_m"].first()
    maps.add_rings(m, stage_points, stage_points["town"].map(kinds).fillna(
        std["layout"]["service_radius_m"][sel.stage]["rural"]), f"{tr('map.rings')}（{stage_label(sel.stage)}）")
maps.add_points(m, shown.sort_values("students", ascending=False), tr("map.schools"), colours,
                std["layout"]["cluster_above"])
clicked = maps.show(m, key=state.widget_key(state.LAYOUT_MAP, sel.county_code, sel.year, base['key']), clicks=True)
maps.legend(legend + [(WITHIN_COLOUR, tr("layout.within_legend")), (BEYOND_COLOUR, tr("layout.beyond_legend"))],
            note=tr("map.tiles_note") if base["key"] != "none" else None)

hit = (clicked or {}).get("last_object_clicked") or {}
school_id = clicked_school(points, hit.get("lat"), hit.get("lng"), getattr(m, "display_crs", "WGS84"))
if school_id:
    cards.school_card(data.school_card(sig, sel.county_code, school_id, sel.year))
else:
    st.caption(tr("card.hint"))

st.subheader(tr("layout.distance"))
if assign["epsg"] is None:
    st.info(tr("layout.no_settlements"))
else:
    radius = std["layout"]["service_radius_m"][sel.stage]
    st.caption(tr("layout.distance_help", stage=stage_label(sel.stage), urban=radius["urban"], rural=radius["rural"],
                  epsg=assign["epsg"]))
    left, right = st.columns([1, 1])
    by_town = assign["by_town"]
    left.dataframe(by_town.assign(share_beyond=by_town["share_beyond"].map(fmt_pct),
                                  mean_distance_m=by_town["mean_distance_m"].round(0)).rename(columns={
        "town": tr("col.town"), "children": tr("layout.children"), "beyond": tr("layout.beyond"),
        "norm_m": tr("layout.norm"), "share_beyond": tr("layout.share_beyond"),
        "mean_distance_m": tr("layout.mean_distance")}), hide_index=True, width="stretch")
    hist = go.Figure(go.Histogram(x=settlements["distance_m"] / 1000, y=settlements["children"], histfunc="sum",
                                  xbins=dict(size=0.5), marker_color="#0072B2"))
    for r, name in ((radius["urban"], "urban"), (radius["rural"], "rural")):
        hist.add_vline(x=r / 1000, line_dash="dash", annotation_text=f"{r} m")
    hist.update_xaxes(title=tr("layout.distance_km"))
    hist.update_yaxes(title=tr("layout.children"), showgrid=True, gridcolor="#EEEEEE")
    right.plotly_chart(style(hist, height=340, title=tr("layout.histogram")), width="stretch")

st.subheader(tr("layout.town_table"))
towns = data.town_summary(sig, sel.county_code, sel.year)
rename = {"town": tr("col.town"), "schools": tr("col.schools")}
rename.update({s: f"{stage_label(s)}{tr('col.students')}" for s in contract.STAGES})
page.dataframe(towns.rename(columns=rename), hide_index=True, width="stretch")
