"""Entry point: page set-up, sign-in (when accounts exist), sidebar and the navigation of the pages the
account may open."""
import time

import streamlit as st

from pathlib import Path

from analytics.report.escape import markdown_text as md
from ui import auth, data, navigation, page, sidebar
from ui.strings import tr

# a favicon of our own: without one Streamlit shows the page's material icon, which the browser fetches
# from a font server on the internet (bureau intranets have none)
st.set_page_config(page_title="义务教育优质均衡发展监测", layout="wide",
                   page_icon=str(Path(__file__).parent / "ui" / "assets" / "favicon.png"))
started = time.perf_counter()


def main() -> None:
    auth.gate()                              # fail closed: no state, no accounts, a wrong mode → no page
    account = None
    if auth.mode() == "proxy" or auth.accounts_on():     # several users: a standards or settings edit is logged
        auth.note_configuration(str(auth.state_path()))
    if auth.mode() == "proxy":               # the bureau's single-sign-on proxy names the user in a header
        account = auth.proxy_account()
    elif auth.accounts_on():
        account = auth.current()
        if account is None:                  # only the sign-in page until signed in
            st.navigation([st.Page(auth.sign_in_page, title=tr("auth.title"), icon=":material/login:")]).run()
            st.stop()
    sidebar.render()
    nav = st.navigation(expanded=True, pages={
        tr(section): [st.Page(p.path, title=tr(p.title_key), icon=p.icon, default=p.default, url_path=p.url_path)
                      for p in entries]
        for section, entries in navigation.allowed_pages(account).items()
    })
    auth.sidebar(account)
    st.sidebar.caption(tr("app.subtitle"))
    page.no_table_download()                 # a role without the export right: no CSV button on the tables
    try:
        nav.run()
    except data.ScopeError as refused:       # the backstop: a read outside the account's regions
        st.error(tr("auth.out_of_scope", code=md(refused.code), scope=md("、".join(refused.scope))), icon=":material/block:")
    finally:                                 # also when the page stops or reruns itself
        page.log_run(nav.url_path, time.perf_counter() - started)


with page.error_boundary():                  # a fault is a message with a reference id, never a traceback
    main()
