"""One Markdown policy: text from the URL, from names people type and from a workbook reaches the page as text —
never a link, an image that loads from outside, or an autolink. Every page is opened on a workbook whose
county, school and town names hold links, images and autolinks, with the same payload in every URL parameter;
then the saved-view name, the administrator's account form, the console's error and the out-of-scope message
carry it too. Each Markdown element the page sends is parsed as the browser's Markdown would (CommonMark with
autolinks and GFM's bare-URL and e-mail links) and must hold no link or image."""
import pytest
from markdown_it import MarkdownIt

from analytics.io import accounts, state
from analytics.io.importer import import_workbook
from tests import workbooks as wbk
from tests.app.apptest import app
from ui import navigation

PAYLOAD = ("[点此重新登录](http://evil.com/a) ![i](http://evil.com/i.png) <http://evil.com/b> http://evil.com/c "
           "www.evil.com li@evil.com")
PASSWORD = "correct horse battery"
PARSER = MarkdownIt("commonmark", {"linkify": True}).enable("linkify")
MARKDOWN_ELEMENTS = ("markdown", "caption", "error", "info", "warning", "success", "title", "subheader", "header",
                     "toast", "exception")


def links(markdown: str) -> list:
    """The links and images a Markdown text makes (autolinks, bare URLs and e-mails included)."""
    found = []
    for token in PARSER.parse(markdown or ""):
        for t in [token, *(token.children or [])]:
            if t.type in ("link_open", "image"):
                found.append(t.attrs.get("href") or t.attrs.get("src"))
    return found


def links_on(at) -> dict:
    made = {}
    for kind in MARKDOWN_ELEMENTS:
        for element in at.get(kind):
            body = getattr(element, "value", None) or getattr(element, "body", "")
            if isinstance(body, str) and links(body):
                made[body[:120]] = links(body)
    return made


def test_the_parser_sees_every_kind_of_link_the_payload_holds():
    assert len(links(PAYLOAD)) == 6                      # the check can fail: unescaped, all six are links


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    data = wbk.full_rows()
    for sheet, headers in {"学校": ["学校名称", "乡镇街道", "区县名称"], "居民点": ["名称", "乡镇街道"]}.items():
        rows = data[sheet]
        for header in headers:
            col = rows[0].index(header)
            for r in rows[1:]:
                r[col] = f"{r[col]}{PAYLOAD}"
    path = wbk.write(tmp_path_factory.mktemp("hostile") / "hostile.xlsx", data)
    db = tmp_path_factory.mktemp("hostile_db") / "equity.duckdb"
    report = import_workbook(path, db, accept_warnings=True)
    assert report.ok, report
    return db


@pytest.mark.parametrize("page", navigation.page_ids())
def test_no_page_makes_a_link_from_names_or_the_url(hostile_db, monkeypatch, page):
    at = app(hostile_db, monkeypatch, page=page, query={"county": "320902", "year": "2024", "stage": PAYLOAD,
                                                         "view": PAYLOAD, "x": PAYLOAD, "group": PAYLOAD})
    assert not at.exception
    assert links_on(at) == {}
    bad = app(hostile_db, monkeypatch, page=page, query={"county": PAYLOAD, "region": PAYLOAD, "year": PAYLOAD})
    assert not bad.exception and links_on(bad) == {}


def test_typed_names_and_console_errors_make_no_link(hostile_db, monkeypatch, tmp_path):
    import shutil
    db = tmp_path / "equity.duckdb"
    shutil.copy(hostile_db, db)
    path = state.state_path(db)
    accounts.add(path, "admin", "admin", None, PASSWORD)
    accounts.add(path, "li", "analyst", "320902", PASSWORD)
    at = app(db, monkeypatch, query={"county": PAYLOAD})
    at.text_input(key="auth_name").input("admin")
    at.text_input(key="auth_password").input(PASSWORD)
    at.button[0].click().run()
    at.switch_page("app_pages/accounts.py").run()
    box = {}
    for w in at.text_input:
        box.setdefault(w.label, w)
    box["账户名"].input(PAYLOAD)                               # refused: the error quotes the typed name
    box["范围（区域代码）"].input("3209")
    box["密码"].input("a long enough password")
    next(b for b in at.button if b.label == "添加账户").click().run()
    assert any("账户名" in e.value for e in at.error) and links_on(at) == {}

    li = app(db, monkeypatch, query={"county": "320903"})      # outside li's county: the refusal names the code
    li.text_input(key="auth_name").input("li")
    li.text_input(key="auth_password").input(PASSWORD)
    li.button[0].click().run()
    assert links_on(li) == {}
    li.switch_page("app_pages/explore.py").run()
    li.text_input(key="view_name_explore").input(PAYLOAD[:40])
    li.button(key="view_save_explore").click().run()
    assert not li.exception and links_on(li) == {}
    li.switch_page("app_pages/sql_console.py").run()
    li.text_area(key="sql_text").input(f"SELECT \"{PAYLOAD}\" FROM schools")   # an unknown column, quoted back
    li.button(key="sql_run").click().run()
    assert li.error and links_on(li) == {}
