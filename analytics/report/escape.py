"""Text from data or users, made safe for the place it goes (the trust boundary).

A workbook comes from outside the bureau: any school, town, settlement, group, scenario, file or user
name may hold markup or script. Every layer that builds markup calls one of these on the text it is
given, so the caller cannot forget: the map layer (tooltips as DOM text, rows as script-safe JSON),
legends, the charts (plotly's pseudo-HTML), Markdown, and download file names.
"""
from __future__ import annotations

import json
import re
import unicodedata

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "`": "&#96;", "$": "&#36;",
         "{": "&#123;", "}": "&#125;"}
# a Jinja delimiter ({{ {% {#}: folium renders every element through Jinja and compiles the output once
# more as a template, so data holding one would run as template code on the server
_TEMPLATE_OPEN = re.compile(r"\{(?=[{%#])")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>:$])")
_FILENAME_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def html_text(value) -> str:
    """Text for HTML, also safe inside a JavaScript template literal (folium's tooltips): & < > " '
    as entities, and ` $ too, so ``${…}`` cannot run; { } too, so no Jinja template folium renders the
    text through can run it (``{{7*7}}`` stays text). ``None`` → ''."""
    if value is None:
        return ""
    return "".join(_HTML.get(ch, ch) for ch in str(value))


def plot_text(value) -> str:
    """Text for plotly labels, ticks and hover (its pseudo-HTML knows <b>, <a href>, <br>): & < > as
    entities, which plotly shows as the characters."""
    return "" if value is None else str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def script_json(value) -> str:
    """JSON to embed in a <script> block: no '</script>', no '<!--', no HTML entity can close or
    change it (< > & and the JS line separators escaped as \\u sequences), and no Jinja delimiter
    ({{ {% {# — only possible inside a JSON string) for a template engine to evaluate."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (_TEMPLATE_OPEN.sub(r"\\u007b", text).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def markdown_text(value) -> str:
    """Text for Streamlit Markdown (titles, captions, messages): every Markdown sign escaped, so a
    name can neither format the page nor become a link or an image that loads from outside."""
    if value is None:
        return ""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value)).replace("<", "&lt;")


def safe_filename(*parts, suffix: str = "") -> str:
    """A download or temp file name from parts (county name, year …): no path separators, no control or
    reserved characters, no leading dots, at most 120 characters before the suffix."""
    text = "_".join(str(p) for p in parts if p is not None and str(p) != "")
    text = unicodedata.normalize("NFKC", text)
    text = _FILENAME_BAD.sub("_", text).strip(" ._") or "download"
    return text[:120] + suffix
