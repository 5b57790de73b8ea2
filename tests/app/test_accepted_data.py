"""The invariant on the pages: anything the importer accepts, every page renders without an exception
(AppTest), with the figures it cannot compute shown as missing rather than as a pass."""
import os

from hypothesis import given

from analytics.io import versions
from tests.app.apptest import app
from tests.strategies import example_settings, import_example, workbooks
from ui.navigation import page_ids

EXAMPLES = int(os.environ.get("ACCEPTED_PAGE_EXAMPLES", "8"))


@example_settings(EXAMPLES)
@given(data=workbooks)
def test_every_page_renders_what_the_importer_accepts(data, tmp_path_factory, monkeypatch):
    tmp = tmp_path_factory.mktemp("pages")
    report, db = import_example(data, tmp)
    if not report.written:
        # a refusal a person can act on and nothing stored: every error names its place and reads as a
        # sentence from the catalog, and no dataset was created for the pages to show half of
        assert report.errors, "refused without an error"
        for problem in report.errors:
            assert problem.sheet, problem                          # the drawn workbooks are well-formed files
            assert not problem.message().startswith("problem."), problem
        assert not db.exists() and versions.version_numbers(db) == []
        return
    at = app(db, monkeypatch, query={"county": "320902", "year": "2024"})
    for page in page_ids():
        if page != "overview":
            at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        if page == "forecast" and any(b.key == "sites_run" for b in at.button):
            at.button(key="sites_run").click().run()                     # the site suggestion too
            assert not at.exception, (page, [e.value for e in at.exception])
