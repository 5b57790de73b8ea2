"""A manager's "download all data" holds only the counties in the account's scope, and imports back as
those counties alone with the same scorecard — no row of a county outside the scope is in the file."""
import io
import json

import openpyxl

from analytics import service
from analytics.io import contract
from analytics.io.export import contract_workbook
from analytics.io.importer import import_workbook
from analytics.io.storage import Store


def county_cells(content: bytes) -> dict[str, set[str]]:
    """For each sheet with a 区县代码 column, the codes found in it."""
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    found = {}
    for ws in book.worksheets:
        rows = ws.iter_rows(values_only=True)
        header = list(next(rows, []))
        if "区县代码" in header:
            k = header.index("区县代码")
            found[ws.title] = {str(r[k]) for r in rows if r[k] is not None}
    return found


def test_a_scoped_export_holds_only_the_scope_and_imports_back_the_same(demo_db, tmp_path):
    store = Store(demo_db)
    try:
        assert len(store.counties()) > 1                      # there is something to leave out
        content = contract_workbook(store, ["320902"])
        everything = county_cells(contract_workbook(store))
        card_before = service.scorecard(store, "320902", 2024)
        schools_before = len(store.schools("320902"))
    finally:
        store.close()
    assert any(codes - {"320902"} for codes in everything.values())   # the whole export has other counties …
    scoped = county_cells(content)
    assert scoped and all(codes == {"320902"} for codes in scoped.values()), scoped   # … the scoped one none
    path = tmp_path / "亭湖区.xlsx"
    path.write_bytes(content)
    report = import_workbook(path, tmp_path / "fresh.duckdb", accept_warnings=True)
    assert report.written, [p.message for p in report.problems if p.severity == "error"][:5]
    fresh = Store(tmp_path / "fresh.duckdb")
    try:
        assert list(fresh.counties()["county_code"]) == ["320902"]
        assert len(fresh.schools("320902")) == schools_before
        card_after = service.scorecard(fresh, "320902", 2024)
    finally:
        fresh.close()
    as_json = lambda card: json.dumps([i.as_dict() for i in card[0]] + [card[1]], ensure_ascii=False, default=str)  # noqa: E731
    assert as_json(card_after) == as_json(card_before)
    assert {s.zh for s in contract.sheets()} >= set(scoped)
