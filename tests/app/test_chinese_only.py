"""In Chinese the app speaks Chinese: every page of the navigation (and the steps a planner takes on
them), and every Excel it offers, read as a user sees them — no English word outside an allowed list
of method and format names, units and codes."""
import io
import re

import pandas as pd
import pytest
import streamlit as st
from openpyxl import load_workbook

from tests.app.apptest import app, chart_specs
from ui.navigation import page_ids

# Words a Chinese reader meets on purpose: the language switch, file formats, map and projection names,
# the CV symbol defined beside it, the siting methods and solver named in their help, a checksum's name,
# the GeoJSON property the town file must have.
ALLOWED = {"English", "Excel", "Word", "PDF", "PPT", "OpenStreetMap", "WGS", "GCJ", "BD", "EPSG", "CV", "p-median",
           "MCLP", "spopt", "CBC", "GeoJSON", "town", "SHA-", "SQL"}
# the template's instructions list each column's key for CSV folders under this header, on purpose
KEY_HEADER = "英文键"
WORD = re.compile(r"[A-Za-z][A-Za-z\-]+")
# markup, plotly placeholders, colours, file names, the standards folder, code families (5xx) and
# checksums (SHA-256 prefixes) are not words a user reads
NOT_TEXT = re.compile(r"<[^>]*>|%\{[^}]*\}|#[0-9A-Fa-f]{3,8}\b|[\w\-\\]+\.(?:xlsx|csv|yaml|duckdb|docx|pdf|pptx|geojson)\b"
                      r"|data/standards\S*|:material/[a-z_]+:|\b\d+xx\b|\b[0-9a-f]{12,64}\b")
# plotly keys whose values are settings, not text
CHART_SETTINGS = {"template", "bdata", "dtype", "family", "paper_bgcolor", "plot_bgcolor", "histfunc", "autorange",
                  "colorscale", "colorway", "color", "type", "mode", "orientation", "xref", "yref", "anchor",
                  "textposition", "barmode", "hovermode", "xanchor", "yanchor", "dash", "fill", "bgcolor",
                  "bordercolor", "gridcolor", "side", "ticks", "tickformat", "hoverinfo", "legendgroup", "uid",
                  "layer", "categoryorder", "tickmode", "rangemode", "shape", "symbol", "valign", "align",
                  "textangle", "fillcolor", "linecolor", "zerolinecolor", "texttemplate", "constraintext",
                  "insidetextanchor", "visible", "matches", "scaleanchor", "cliponaxis", "dragmode", "boxpoints",
                  "exponentformat"}


def sql_words(db) -> set[str]:
    """What the SQL console shows on purpose: DuckDB's keywords, functions and types, and the names of the
    tables and columns a query is written with."""
    from analytics.io import storage
    con = storage.console_connection(db)
    try:
        words = set()
        for sql in ("SELECT keyword_name FROM duckdb_keywords()", "SELECT DISTINCT function_name FROM duckdb_functions()",
                    "SELECT DISTINCT type_name FROM duckdb_types()"):
            words |= {str(r[0]) for r in con.execute(sql).fetchall()}
        listed = storage.console_tables(con)
    finally:
        con.close()
    words |= set(listed["table"]) | set(listed["column"]) | set(listed["type"])
    return words | {w.upper() for w in words} | {p for w in words for p in w.split("_")}


def english_words(pieces, allowed: set[str] = frozenset()) -> dict[str, str]:
    """{word: where} for every English word outside the allowed list (and ``allowed``)."""
    found = {}
    for where, text in pieces:
        for w in WORD.findall(NOT_TEXT.sub(" ", str(text))):
            if w not in ALLOWED and w not in allowed:
                found.setdefault(w, f"{where}: {str(text)[:80]}")
    return found


def _chart_texts(spec, path=""):
    if isinstance(spec, dict):
        for k, v in spec.items():
            if k not in CHART_SETTINGS:
                yield from _chart_texts(v, f"{path}.{k}")
    elif isinstance(spec, list):
        for v in spec[:500]:
            yield from _chart_texts(v, path)
    elif isinstance(spec, str):
        yield f"chart{path}", spec


def page_texts(at):
    """Everything of the page a user reads: text elements, metrics, widget labels and options, tabs,
    tables (headers and text cells), chart titles, names, labels and hover text."""
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error", "text"):
        for e in getattr(at, kind):
            yield kind, e.value
    for m in at.metric:
        yield "metric", m.label
        yield "metric", m.value
    for kind in ("selectbox", "multiselect", "radio", "number_input", "text_input", "slider", "checkbox", "toggle",
                 "button", "select_slider", "text_area"):
        for w in getattr(at, kind):
            yield kind, getattr(w, "label", "")
            yield kind, getattr(w, "help", "") or ""
            for o in getattr(w, "options", None) or []:
                yield kind, o
    for t in at.tabs:
        yield "tab", t.label
    for e in at.expander:
        yield "expander", e.label
    for df in at.dataframe:
        v = df.value
        yield from (("table header", c) for c in v.columns)
        for c in v.columns:
            if v[c].dtype == object or pd.api.types.is_string_dtype(v[c]):
                yield from (("table cell", x) for x in v[c].dropna().astype(str).unique()[:500])
    for spec in chart_specs(at):
        yield from _chart_texts(spec)
    for b in at.get("download_button"):
        yield "download", b.proto.label


@pytest.fixture
def excel_files(monkeypatch):
    """Every Excel the pages offer: the download buttons' data, built as a click would build it."""
    files = []
    real = st.download_button

    def recording(label, data, *args, **kwargs):
        body = data() if callable(data) else data
        if kwargs.get("file_name", "").endswith(".xlsx"):
            files.append((kwargs["file_name"], body))
        return real(label, body, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    return files


def excel_texts(files):
    for name, body in files:
        wb = load_workbook(io.BytesIO(body), read_only=True)
        for ws in wb.worksheets:
            yield f"{name} sheet", ws.title
            keys = None
            for row in ws.iter_rows(values_only=True):
                if KEY_HEADER in row:
                    keys = row.index(KEY_HEADER)
                for i, cell in enumerate(row):
                    if i == keys:
                        continue
                    if isinstance(cell, str):
                        yield f"{name} › {ws.title}", cell
                    elif isinstance(cell, bool):
                        yield f"{name} › {ws.title}", str(cell)      # True / False would read as English


@pytest.mark.parametrize("page", page_ids())
def test_every_page_and_its_excel_read_in_chinese(page, demo_db, monkeypatch, excel_files):
    at = app(demo_db, monkeypatch, page, query={"county": "320902", "year": "2024"})
    assert not at.exception
    if page == "forecast":                                   # the planner asks for sites
        at.button(key="sites_run").click().run()
    if page == "scenarios":                                  # and builds a step
        at.selectbox(key="scen_stage").set_value("初中").run()
        at.button(key="scen_add").click().run()
    if page == "explore":                                    # the pivot offers its table
        at.selectbox(key="view").set_value("pivot").run()
    if page == "sql_console":                                # an example query answered
        at.button(key="sql_run").click().run()
    assert not at.exception
    sql = sql_words(demo_db) if page == "sql_console" else frozenset()
    found = english_words(page_texts(at), sql)
    assert not found, found
    if page not in ("overview", "school_profile", "forecast", "layout", "data_admin", "accounts"):   # pages with an Excel
        assert excel_files, "the page offers an Excel"
    found = english_words(excel_texts(excel_files), sql)      # the console's Excel keeps its query
    assert not found, found


def test_the_walk_finds_english_where_there_is_some():
    """The checker itself: it reports a stray word and an Excel True, and lets the allowed names pass."""
    assert set(english_words([("caption", "求解状态：Optimal"), ("cell", "True"), ("cell", "用 p-median 求解（Excel）"),
                              ("markdown", '<span style="width:12px">图例</span>')])) == {"Optimal", "True"}
