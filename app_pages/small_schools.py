"""乡村小规模学校: village schools and 教学点 under the small-school lines of the standards, and their trend."""
import streamlit as st

from analytics.report.escape import safe_filename
from analytics.standards import load_standards
from analytics.geo.mapping import SMALL_COLOURS, marker_radius
from ui import charts, data, maps, page, state
from ui.strings import tr

sel = page.header("small.title")
sig = data.signature()
persons = page.counter("unit.persons")
years = tuple(y for y in range(sel.year - 3, sel.year + 1))
with st.spinner(tr("app.loading")):
    village = data.small_schools(sig, sel.county_code, years)
now = village[village["year"] == sel.year]
if now.empty:
    page.no_data(sel)
    st.stop()
small = now[now["small"]]
st.markdown("**" + tr("small.summary", n=len(now), small=len(small), very_small=int(now["very_small"].sum())) + "**")
st.caption(tr("small.keep_note"))

c1, c2 = st.columns([1, 1])
with c1:
    st.subheader(tr("small.trend"))
    trend = village[village["school_id"].isin(small["school_id"])]
    st.plotly_chart(charts.enrolment_trend(trend),
                    width="stretch")
with c2:
    st.subheader(tr("small.map"))
    kinds = ["very_small", "small", "other"]
    kind = now["very_small"].map({True: "very_small"}).fillna(now["small"].map({True: "small", False: "other"}))
    pts = now.assign(colour_index=kind.map(kinds.index), radius=now["students"].map(marker_radius),
                     tooltip=maps.tooltips(now["name"], maps.formatted(now["students"], persons)))
    m = maps.base_map(data.outline(sig, sel.county_code), data.town_areas(sig, sel.county_code), pts)
    maps.add_points(m, pts, tr("map.schools"), [SMALL_COLOURS[k] for k in kinds])
    maps.show(m, key=state.widget_key(state.SMALL_MAP, sel.county_code, sel.year), height=420)
    maps.legend([(SMALL_COLOURS[k], tr(f"small.legend_{k}")) for k in kinds])

st.subheader(tr("small.table"))
if small.empty:
    st.caption(tr("small.none"))
options = data.small_school_options(sig, sel.county_code, sel.year)
rules = load_standards(sel.county_code)["small_school_rules"]
st.caption(tr("small.options_help", distance=rules["merge_max_distance_m"], size=rules["larger_min_students"]))
wide = village.pivot_table(index="school_id", columns="year", values="students", aggfunc="sum")
wide.columns = [str(c) for c in wide.columns]
listing = options[["school_id", "name", "town", "nearest_larger", "distance_m", "floor_adds_yuan", "option"]].merge(
    wide, left_on="school_id", right_index=True, how="left").sort_values(str(sel.year))
listing = listing.assign(distance_m=(listing["distance_m"] / 1000).round(1),
                         floor_adds_yuan=listing["floor_adds_yuan"].round(0),
                         option=listing["option"].map(lambda o: tr(f"small.option_{o}") if o else "—"))
listing = listing.rename(columns={"school_id": tr("col.school_id"), "name": tr("col.school"), "town": tr("col.town"),
                                  "nearest_larger": tr("small.nearest_larger"), "distance_m": tr("small.distance_km"),
                                  "floor_adds_yuan": tr("small.floor_adds"), "option": tr("small.option")})
page.table(listing)
st.caption(tr("small.floor_total", total=page.count(options["floor_adds_yuan"].sum(), "unit.yuan")))
page.excel_download("download.excel", lambda: {tr("small.table"): listing},
                    safe_filename("乡村小规模学校", sel.county_name, sel.year, suffix=".xlsx"), sel.county_code)
