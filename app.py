"""Entry point: page set-up, sidebar and navigation (Chinese titles, material icons)."""
import streamlit as st

from pathlib import Path

from ui import navigation, sidebar
from ui.strings import tr

# a favicon of our own: without one Streamlit shows the page's material icon, which the browser fetches
# from a font server on the internet (bureau intranets have none)
st.set_page_config(page_title="义务教育优质均衡发展监测", layout="wide",
                   page_icon=str(Path(__file__).parent / "ui" / "assets" / "favicon.png"))
sidebar.render()

nav = st.navigation(expanded=True, pages={
    tr(section): [st.Page(p.path, title=tr(p.title_key), icon=p.icon, default=p.default, url_path=p.url_path)
                  for p in entries]
    for section, entries in navigation.SECTIONS.items()
})
st.sidebar.caption(tr("app.subtitle"))
nav.run()
