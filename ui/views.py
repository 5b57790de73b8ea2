"""Saved views of a page (analytics.io.saved_views): save the page's current choices under a name, open or
delete one saved before. Opening sets the choices before the page's widgets are drawn (a button callback)."""
from __future__ import annotations

import streamlit as st

from analytics.io import saved_views
from analytics.report.escape import markdown_text as md
from ui import auth, state
from ui.strings import tr


def owner() -> str:
    account = st.session_state.get(state.ACCOUNT)
    return account.name if account else tr("auth.single_user_name")


def current_query(keys: list[str]) -> dict:
    """The page's choices as they are in the URL (the page keeps them there)."""
    return {k: st.query_params[k] for k in keys if k in st.query_params}


def open_view(query: dict, keys: list[str]) -> None:
    for key in keys:
        if key not in query:
            continue
        value = query[key]
        if key == state.EXPLORE_YEARS:
            value = [int(v) for v in value.split(",") if v.strip().isdigit()]
        st.session_state[key] = value
        st.query_params[key] = query[key]


def saved_views_box(page: str, keys: list[str]) -> None:
    """Name + save; the account's saved views of ``page`` with open and delete."""
    location = auth.state_path()
    c1, c2 = st.columns([3, 1])
    name = c1.text_input(tr("views.name"), key=state.widget_key(state.VIEW_NAME, page), max_chars=saved_views.NAME_MAX)
    if c2.button(tr("views.save"), key=state.widget_key(state.VIEW_SAVE, page), icon=":material/save:"):
        try:
            stored = saved_views.save(location, owner(), page, name, current_query(keys))
            st.success(tr("views.saved", name=md(stored)))
        except saved_views.ViewNameError:
            st.error(tr("views.bad_name", n=saved_views.NAME_MAX))
    listed = saved_views.listing(location, owner(), page)
    if not listed:
        st.caption(tr("views.none"))
        return
    by_name = {v["name"]: v for v in listed}
    c1, c2, c3 = st.columns([3, 1, 1])
    chosen = c1.selectbox(tr("views.list"), list(by_name), key=state.widget_key(state.VIEW_PICK, page))
    c2.button(tr("views.open"), key=state.widget_key(state.VIEW_OPEN, page), icon=":material/open_in_browser:",
              on_click=open_view, args=(by_name[chosen]["query"], keys))
    if c3.button(tr("views.delete"), key=state.widget_key(state.VIEW_DELETE, page), icon=":material/delete:"):
        saved_views.delete(location, owner(), page, chosen)
        st.rerun()
