"""One run reads one version, whole: an import that publishes while a page is being computed does
not mix versions on the page; the next run shows the new version."""
import re

from analytics import service
from analytics.i18n import t
from analytics.io.storage import Store
from tests import workbooks as wbk
from tests.app.apptest import app
from tests.helpers import load


def pupils_in_scope(db, stage="小学") -> int:
    store = Store(db)
    try:
        return int(service.overview(store, "320902", 2024)["students_in_scope"][stage])
    finally:
        store.close()


def shown_pupils(at) -> set[int]:
    """The pupil counts of the 学段 cards ("1,366人" → 1366)."""
    label = t("overview.students_in_scope")
    return {int(re.sub(r"\D", "", m.value)) for m in at.metric if m.label == label}


def test_a_version_published_mid_run_shows_on_the_next_run_only(good_db, tmp_path, monkeypatch):
    data = wbk.rows()
    row = data["学段"][1]
    row[wbk.header_index(data["学段"], "在校生数")] += 7              # version 2: seven more pupils
    before = pupils_in_scope(good_db, row[wbk.header_index(data["学段"], "学段")])
    stage = row[wbk.header_index(data["学段"], "学段")]

    original = Store.meta
    published = []

    def meta_while_importing(store):
        """The page header reads the version first; the import lands right after it."""
        result = original(store)
        if not published:
            published.append(None)
            try:
                published[0] = load(good_db, data, tmp_path, "v2.xlsx").version
            except Exception as exc:                                # the page would hide it: keep it
                published[0] = repr(exc)
        return result

    monkeypatch.setattr(Store, "meta", meta_while_importing)
    at = app(good_db, monkeypatch, query={"county": "320902", "year": "2024"})
    assert not at.exception
    assert published == [2]
    caption = " ".join(c.value for c in at.caption)
    assert "v1" in caption and "v2" not in caption                 # the run's version, named …
    assert before in shown_pupils(at)                               # … and its figures
    at.run()
    assert not at.exception
    assert "v2" in " ".join(c.value for c in at.caption)
    assert pupils_in_scope(good_db, stage) == before + 7
    assert before + 7 in shown_pupils(at) and before not in shown_pupils(at)
