"""Widgets of the 布局方案比选 page: the step form, and the map of one evaluated scenario."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.io import contract
from analytics.report.escape import markdown_text as md
from analytics.geo.spatial import metric_epsg
from analytics.planning.scenarios import THROUGH, town_of
from analytics.geo.mapping import BEYOND_COLOUR, CONTEXT_SCHOOL_COLOUR, NEW_SCHOOL_COLOUR, SEAT_COLOURS, SETTLEMENT_COLOUR, clicked_point, inside_outline, marker_radius, seat_classes, settlement_radius
from ui import maps, state
from ui.strings import stage_label, tr

KINDS = ("open", "expand", "close", "redraw")


def step_form(sel, points: pd.DataFrame, settlements: pd.DataFrame, years: list[int], std: dict,
              outline, towns, n_new: int) -> dict | None:
    """Inputs for one step; returns the step (a dict for scenarios.Step) when 加入方案 is pressed."""
    kind = st.segmented_control(tr("scen.kind"), KINDS, default="open", key=state.SCEN_KIND,
                                format_func=lambda k: tr(f"scen.kind.{k}")) or "open"
    names = dict(zip(points["school_id"], points["name"]))
    step: dict = {"kind": kind}
    if kind == "open":
        c = st.columns([2, 1.3, 1, 1, 1])
        stage = c[1].selectbox(tr("scen.school_type"), contract.STAGES + (THROUGH,), key=state.SCEN_STAGE, format_func=stage_label)
        name = c[0].text_input(tr("scen.name"), value=tr("scen.default_name", stage=stage_label(stage), n=n_new),
                               key=state.widget_key(state.SCEN_NAME, stage, n_new))
        through = stage == THROUGH
        classes = c[2].number_input(tr("scen.primary_classes" if through else "scen.classes"), 6, 72,
                                    24 if stage != contract.JUNIOR else 18, 6, key=state.SCEN_CLASSES)
        junior = c[3].number_input(tr("scen.junior_classes"), 3, 48, 12, 3, key=state.SCEN_JUNIOR, disabled=not through)
        opens = c[4].selectbox(tr("scen.opens"), years, index=min(2, len(years) - 1), key=state.SCEN_OPENS)
        st.session_state.setdefault(state.SCEN_LON, round(float(settlements["lon"].median()), 6))
        st.session_state.setdefault(state.SCEN_LAT, round(float(settlements["lat"].median()), 6))
        st.caption(tr("scen.click_help"))
        base = maps.base_map_choice("scen_base")
        m = maps.base_map(outline, towns, points, base)
        maps.add_points(m, settlements.assign(colour_index=0, radius=3.0, tooltip=settlements["name"], school_id=""),
                        tr("map.settlements"), [SETTLEMENT_COLOUR])
        maps.add_points(m, points.assign(colour_index=0, radius=points["students"].map(marker_radius),
                                         tooltip=points["name"]), tr("map.schools"), [CONTEXT_SCHOOL_COLOUR])
        here = pd.DataFrame({"lon": [st.session_state[state.SCEN_LON]], "lat": [st.session_state[state.SCEN_LAT]],
                             "radius": [11.0], "colour_index": [0], "tooltip": [name], "ring": [True], "school_id": [""]})
        maps.add_points(m, here, tr("scen.map_legend_new"), [SEAT_COLOURS[2]])     # last layer: drawn on top
        out = maps.show(m, key=state.widget_key(state.SCEN_PLACE, sel.county_code, base['key']), height=380, places=True)
        maps.legend([(NEW_SCHOOL_COLOUR, tr("scen.map_legend_new")), (CONTEXT_SCHOOL_COLOUR, tr("map.schools")),
                     (SETTLEMENT_COLOUR, tr("map.settlements"))])
        picked = clicked_point((out or {}).get("last_clicked"), base.get("crs", "WGS84"))
        if picked and picked != st.session_state.get("scen_last_pick"):
            st.session_state[state.SCEN_LAST_PICK] = picked
            st.session_state[state.SCEN_LON], st.session_state[state.SCEN_LAT] = picked
            st.rerun()
        c = st.columns(2)
        lon = c[0].number_input(tr("scen.lon"), 70.0, 140.0, key=state.SCEN_LON, format="%.6f", step=0.001)
        lat = c[1].number_input(tr("scen.lat"), 3.0, 55.0, key=state.SCEN_LAT, format="%.6f", step=0.001)
        detected = town_of(lon, lat, settlements, metric_epsg(float(settlements["lon"].median())))
        towns_known = sorted(set(points["town"].dropna()) | set(settlements["town"].dropna()))
        town = st.selectbox(tr("scen.town"), [""] + towns_known, key=state.SCEN_TOWN,
                            format_func=lambda x: x or tr("scen.town_auto", town=detected))
        inside = inside_outline(lon, lat, outline)
        where = tr("scen.town_inside" if inside is not False else "scen.town_outside")
        (st.warning if inside is False else st.info)(tr("scen.town_is", town=md(town or detected), where=where),
                                                     icon=":material/location_on:")
        step.update(stage=stage, name=name, classes=int(classes), opens=int(opens), lon=float(lon), lat=float(lat),
                    **({"junior_classes": int(junior)} if through else {}), **({"town": town} if town else {}))
    elif kind == "expand":
        c = st.columns([3, 1, 1, 1])
        stage = c[1].selectbox(tr("col.stage"), contract.STAGES, key=state.SCEN_X_STAGE, format_func=stage_label)
        pick = points[points["stages"].str.contains(stage)].sort_values("students", ascending=False)
        sid = c[0].selectbox(tr("scen.school"), pick["school_id"], format_func=names.get, key=state.SCEN_X_SCHOOL)
        classes = c[2].number_input(tr("scen.add_classes"), 1, 36, 6, 1, key=state.SCEN_X_CLASSES)
        opens = c[3].selectbox(tr("scen.opens"), years, index=min(1, len(years) - 1), key=state.SCEN_X_OPENS)
        step.update(stage=stage, school_id=sid, classes=int(classes), opens=int(opens))
    elif kind == "close":
        pick = points.sort_values("students")
        label = lambda s: f"{names[s]}（{int(pick.set_index('school_id').at[s, 'students'])}{tr('unit.persons')}）"  # noqa: E731
        step.update(school_id=st.selectbox(tr("scen.school"), pick["school_id"], format_func=label, key=state.SCEN_C_SCHOOL))
    else:
        st.caption(tr("scen.redraw_help"))
    if st.button(tr("scen.add"), icon=":material/add:", type="primary", key=state.SCEN_ADD):
        return step
    return None


def result_map(result: dict, outline, towns, stage: str, key: str, height: int = 420) -> None:
    """Schools coloured by seats (free / over / new), settlements beyond the walking norm of ``stage``."""
    pts = result["points"]
    m = maps.base_map(outline, towns, pts)
    assigned = result["assigned"].get(stage)
    if assigned is not None and len(assigned):
        far = assigned[assigned["beyond"]]
        maps.add_points(m, far.assign(colour_index=0, school_id="",
                                      radius=far["children"].map(settlement_radius),
                                      tooltip=[maps.tooltip([r.name, f"{int(r.children)}{tr('unit.children')}",
                                                             f"→ {r.school} {r.distance_m:,.0f} m"]) for r in far.itertuples()]),
                        tr("scen.map_legend_beyond"), [BEYOND_COLOUR])
    shown = pts[pts["stages"].str.contains(stage)]
    shown = shown.assign(colour_index=seat_classes(shown), radius=shown["students"].map(marker_radius),
                         ring=shown["school_id"].str.startswith("NEW"),
                         tooltip=[maps.tooltip([r.name, f"{int(r.students):,}{tr('unit.persons')}",
                                                f"{tr('scen.col.gap')} {r.spare:+,.0f}"]) for r in shown.itertuples()])
    maps.add_points(m, shown, tr("map.schools"), SEAT_COLOURS)
    fresh = shown[shown["school_id"].str.startswith("NEW")]
    if len(fresh):                              # a new school stands out over the others' circles
        maps.add_new_sites(m, fresh, tr("scen.map_legend_new"), NEW_SCHOOL_COLOUR)
    maps.show(m, key=key, height=height)
