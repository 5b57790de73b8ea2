"""The run log (EQUITY_RUN_LOG): one line per script run naming the page and the server's seconds."""
import json

from tests.app.apptest import app


def test_each_run_is_logged_with_its_page_and_seconds(demo_db, monkeypatch, tmp_path):
    log = tmp_path / "runs.jsonl"
    monkeypatch.setenv("EQUITY_RUN_LOG", str(log))
    at = app(demo_db, monkeypatch, "gaps", query={"county": "320902", "year": "2024"})
    assert not at.exception
    runs = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r["page"] for r in runs] == ["", "gaps"]            # the default page (总览) first, then 城乡差距
    assert all(0 < r["seconds"] < 120 and r["at"] > 1.7e9 for r in runs)

