"""学校布局: where the schools are, how big, whether they comply; schools and pupils per town."""
import streamlit as st

from analytics.mapping import STATUS_COLOURS, marker_radius
from ui import data, maps, page
from ui.strings import stage_label, tr

sel = page.header("layout.title")
sig = data.signature()
with st.spinner(tr("app.loading")):
    points = data.school_points(sig, sel.county_code, sel.year)
if points.empty:
    page.no_data(sel)
    st.stop()
outline = data.outline(sig, sel.county_code)
if outline is None:
    st.info(tr("map.no_outline"))

st.subheader(tr("layout.map"))
status_label = {s: tr(f"layout.status_legend_{s}") for s in STATUS_COLOURS}
points = points.assign(
    radius=points["students"].map(marker_radius),
    colour=points["status"].map(STATUS_COLOURS),
    tooltip=[maps.tooltip([r.name, f"{r.town} · {r.stages}", page.count(r.students, "unit.persons"),
                           status_label[r.status] + (f"（{r.met}/7）" if r.status != "out" else "")])
             for r in points.itertuples()])
m = maps.base_map(outline, data.town_areas(sig, sel.county_code), points)
maps.add_points(m, points.sort_values("students", ascending=False), tr("map.schools"))
maps.show(m, key=f"layout_{sel.county_code}_{sel.year}")
maps.legend([(STATUS_COLOURS[s], status_label[s]) for s in STATUS_COLOURS])

st.subheader(tr("layout.town_table"))
towns = data.town_summary(sig, sel.county_code, sel.year)
rename = {"town": tr("col.town"), "schools": tr("col.schools")}
rename.update({s: f"{stage_label(s)}{tr('col.students')}" for s in ("小学", "初中")})
st.dataframe(towns.rename(columns=rename), hide_index=True, width="stretch")
