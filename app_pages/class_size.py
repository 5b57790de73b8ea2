"""大班额与大校额: classes by size band, schools over the class line, schools over the school-size lines."""
import streamlit as st

from analytics.report.escape import safe_filename
from analytics.formatting import fmt_pct
from analytics.geo.mapping import BAND_COLOURS, STATUS_COLOURS, marker_radius
from analytics.method.sizing import UNKNOWN_BAND
from ui import charts, data, maps, page, state
from ui.strings import stage_label, tr

sel = page.header("class.title")
sig = data.signature()
persons = page.counter("unit.persons")
with st.spinner(tr("app.loading")):
    cs = data.class_sizes(sig, sel.county_code, sel.year)
if cs["n_classes"] == 0:
    page.no_data(sel)
    st.stop()
if cs["estimated"]:
    st.info(tr("class.estimated"))

by_stage = cs["by_stage"]
totals = cs["summary"]
st.markdown("**" + tr("class.summary", over=totals["over"], share=fmt_pct(totals["over_share"]),
                      big=totals["big"], huge=totals["huge"]) + "**")
disagree = cs["disagree"]
if len(disagree):                          # not known to be within the line: named with both counts
    st.warning(tr("class.disagree", n=len(disagree)))
    with st.expander(tr("class.disagree_list", n=len(disagree))):
        page.table(disagree.drop(columns="school_id").rename(columns={
            "name": tr("col.school"), "town": tr("col.town"), "classes_stated": tr("col.classes_stated"),
            "class_rows": tr("col.class_rows"), "pupils_stated": tr("col.pupils_stated"),
            "pupils_in_rows": tr("col.pupils_in_rows")}))
c1, c2 = st.columns(2)
c1.subheader(tr("class.bands_chart"))
c1.plotly_chart(charts.band_bars(by_stage, "stage", stage_label), width="stretch")
c2.subheader(tr("class.bands_by_group"))
grp = cs["by_group"][cs["by_group"]["stage"] == sel.stage]
c2.plotly_chart(charts.band_bars(grp, "urban_rural_group", lambda g: tr(f"group.{g}")), width="stretch")

st.subheader(tr("class.map"))
schools = cs["schools"]
pts = schools.assign(band=schools["school_id"].map(cs["worst_band"]).fillna(UNKNOWN_BAND))
colours = {**BAND_COLOURS, UNKNOWN_BAND: STATUS_COLOURS["unknown"]}
band_order = list(colours)
band_names = {b: tr(f"band.{b}") for b in band_order}
pts = pts.assign(radius=pts["students"].map(marker_radius), colour_index=pts["band"].map(band_order.index),
                 ring=pts["over"], tooltip=maps.tooltips(pts["name"], maps.formatted(pts["students"], persons),
                                                         pts["band"].map(band_names)))
with st.columns([1, 3])[0]:
    base = maps.base_map_choice("class_base")
m = maps.base_map(data.outline(sig, sel.county_code), data.town_areas(sig, sel.county_code), pts, base)
maps.add_points(m, pts.sort_values("students", ascending=False), tr("map.schools"), list(colours.values()))
maps.show(m, key=state.widget_key(state.CLASS_MAP, sel.county_code, sel.year, base['key']))
maps.legend([(colours[b], band_names[b]) for b in colours], ring_label=tr("class.ring"))

st.subheader(tr("class.fix"))
st.caption(tr("class.fix_help"))
fixes = data.class_fixes(sig, sel.county_code, sel.year)
if fixes["by_school"].empty:
    st.caption(tr("class.no_fix"))
else:
    t = fixes["totals"]
    k = st.columns(3)
    k[0].metric(tr("class.extra_classes"), f"{int(t['extra_classes'])}")
    k[1].metric(tr("class.classrooms"), f"{int(t['classrooms'])}")
    k[2].metric(tr("class.teachers"), f"{t['teachers']:.0f}")
    fix_cols = {"name": tr("col.school"), "town": tr("col.town"), "extra_classes": tr("class.extra_classes"),
                "classrooms": tr("class.classrooms"), "teachers": tr("class.teachers")}
    km, spare = tr("unit.km"), {}                         # words looked up once, not per school

    def fix_table(rows):
        """The schools' fixes with the nearby schools that have free seats, in words."""
        return rows.assign(nearby=["；".join(f"{n}（{d / 1000:.1f}{km}，{spare.setdefault(s, tr('class.spare', n=s))}）"
                                            for n, d, s in fixes["nearby"].get(sid, [])) or "—" for sid in rows["school_id"]]
                           ).drop(columns="school_id").rename(columns=fix_cols).round(1)
    fix_cols["nearby"] = tr("class.nearby")
    left, right = st.columns([3, 1])
    with left:                  # the words for the rows shown; the download writes every school's
        page.table(fix_table(fixes["by_school"].head(page.TABLE_ROWS)), total=len(fixes["by_school"]))
        if len(fixes["by_school"]) > page.TABLE_ROWS:
            page.excel_download("download.excel", lambda: {tr("class.fix"): fix_table(fixes["by_school"])},
                                safe_filename("大班额化解", sel.county_name, sel.year, suffix=".xlsx"), sel.county_code,
                                key=state.widget_key(state.DOWNLOAD, "class_fix"))
    right.dataframe(fixes["by_town"].rename(columns=fix_cols).round(1), hide_index=True, width="stretch")

st.subheader(tr("class.offending"))
bs = cs["by_school"]
bs = bs[(bs["stage"] == sel.stage) & ((bs["large"] + bs["big"] + bs["huge"]) > 0)]
bs = bs.sort_values(["huge", "big", "large"], ascending=False)
offending = bs.rename(columns={"name": tr("col.school"), "town": tr("col.town"), "max_class": tr("col.max_class"),
                               "large": tr("band.large"), "big": tr("band.big"), "huge": tr("band.huge"),
                               "total": tr("col.classes")}).drop(columns=["school_id", "stage", "within"])
page.table(offending)
with st.expander(tr("class.by_grade")):
    by_grade = cs["over_by_grade"]
    by_grade = by_grade[by_grade["stage"] == sel.stage].drop(columns="stage")
    page.table(by_grade.rename(columns={"name": tr("col.school"), "grade": tr("col.grade"),
                                        "classes": tr("class.over_classes"), "largest": tr("col.max_class"),
                                        "pupils": tr("col.students")}))

st.subheader(tr("class.big_schools"))
big = schools[schools["over"]].sort_values("students", ascending=False)
if big.empty:
    st.caption(tr("class.none_big"))
big_table = big[["name", "town", "students", "limit", "excess"]].rename(columns={
    "name": tr("col.school"), "town": tr("col.town"), "students": tr("col.students"),
    "limit": tr("col.limit"), "excess": tr("col.excess")})
page.table(big_table)
page.excel_download("download.excel", lambda: {tr("class.offending"): offending, tr("class.big_schools"): big_table},
                    safe_filename("大班额大校额", sel.county_name, sel.year, suffix=".xlsx"), sel.county_code)
