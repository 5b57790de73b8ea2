"""A download's workbook is built after the page has run, in a server thread where the session reads as
empty: its sheet names and headings must still be in the reader's language, and the download logged."""
import io
import threading
import types

import openpyxl
import pandas as pd
import pytest

from ui import page, state, strings


def test_a_download_built_later_in_another_thread_keeps_the_sessions_language(monkeypatch):
    session = {state.LANG: "en", state.COUNTY: "320902"}
    monkeypatch.setattr(strings, "st", types.SimpleNamespace(session_state=session))
    logged = []
    build = page.in_this_session(lambda: {strings.tr("score.title"): pd.DataFrame({"a": [1]})},
                                 lambda: lambda outcome="ok": logged.append(outcome))
    english = strings.tr("score.title")
    session.clear()                                   # the server thread sees no session
    assert strings.tr("score.title") != english       # ... so a plain call would fall back to Chinese
    made = {}
    worker = threading.Thread(target=lambda: made.setdefault("bytes", build()))
    worker.start()
    worker.join()
    assert openpyxl.load_workbook(io.BytesIO(made["bytes"])).sheetnames == [english[:31]]
    assert logged == ["ok"]


def test_a_failed_build_is_logged_as_failed(monkeypatch):
    monkeypatch.setattr(strings, "st", types.SimpleNamespace(session_state={}))
    logged = []

    def broken():
        raise RuntimeError("disk full")
    build = page.in_this_session(broken, lambda: lambda outcome="ok": logged.append(outcome))
    with pytest.raises(RuntimeError, match="disk full"):
        build()
    assert logged == ["failed"]
