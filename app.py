"""Entry point: page set-up, sidebar and navigation (Chinese titles, material icons)."""
import streamlit as st

from ui import sidebar
from ui.strings import tr

st.set_page_config(page_title="义务教育优质均衡发展监测", layout="wide")
sidebar.render()

PAGES = {
    "nav.section.assess": [
        ("app_pages/overview.py", "nav.overview", ":material/dashboard:", True),
        ("app_pages/scorecard.py", "nav.scorecard", ":material/checklist:", False),
        ("app_pages/resources.py", "nav.resources", ":material/equalizer:", False),
        ("app_pages/gaps.py", "nav.gaps", ":material/compare_arrows:", False),
        ("app_pages/school_profile.py", "nav.profile", ":material/badge:", False),
    ],
    "nav.section.plan": [
        ("app_pages/plan.py", "nav.plan", ":material/construction:", False),
        ("app_pages/planning.py", "nav.planning", ":material/trending_up:", False),
        ("app_pages/scenarios.py", "nav.scenarios", ":material/alt_route:", False),
    ],
    "nav.section.layout": [
        ("app_pages/layout.py", "nav.layout", ":material/map:", False),
        ("app_pages/class_size.py", "nav.class_size", ":material/groups:", False),
        ("app_pages/small_schools.py", "nav.small_schools", ":material/cottage:", False),
    ],
    "nav.section.data": [
        ("app_pages/data_tables.py", "nav.data", ":material/table_view:", False),
        ("app_pages/data_admin.py", "nav.admin", ":material/upload_file:", False),
    ],
}
navigation = st.navigation({
    tr(section): [st.Page(path, title=tr(title), icon=icon, default=default,
                          url_path=path.split("/")[-1].removesuffix(".py"))
                  for path, title, icon, default in pages]
    for section, pages in PAGES.items()
})
st.sidebar.caption(tr("app.subtitle"))
navigation.run()
