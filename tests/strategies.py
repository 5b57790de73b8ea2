"""Hypothesis strategies shared by the tiers: damaged versions of the full small workbook."""
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

from analytics.io import contract
from analytics.io.importer import import_workbook
from tests import workbooks as wbk

BASE = wbk.full_rows()
SHEET_KEYS = {s.zh: s for s in contract.sheets()}
OPTIONAL_SHEETS = sorted(name for name in BASE if not SHEET_KEYS[name].required)
OPTIONAL_COLUMNS = sorted((name, c.zh) for name in BASE for c in SHEET_KEYS[name].columns
                          if not c.required and c.zh in BASE[name][0])
CELLS = [(name, row, header) for name, header in OPTIONAL_COLUMNS for row in range(1, len(BASE[name]))]


def damaged(drop_sheets, drop_columns, blanks) -> dict:
    data = {name: [list(r) for r in rows] for name, rows in BASE.items()}
    for name, row, header in blanks:
        data[name][row][data[name][0].index(header)] = None
    for name, header in drop_columns:
        k = data[name][0].index(header)
        for r in data[name]:
            del r[k]
    for name in drop_sheets:
        del data[name]
    return data


workbooks = st.builds(
    damaged,
    st.sets(st.sampled_from(OPTIONAL_SHEETS), max_size=3),
    st.sets(st.sampled_from(OPTIONAL_COLUMNS), max_size=4),
    st.sets(st.sampled_from(CELLS), max_size=25),
)


def example_settings(max_examples: int):
    """The same reproducible run in CI and on a laptop: derandomized, no deadline (imports take a second)."""
    return settings(max_examples=max_examples, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def import_example(data: dict, tmp):
    """Import one drawn workbook into a new database in ``tmp`` (warnings accepted): (report, database)."""
    db = tmp / "equity.duckdb"
    report = import_workbook(wbk.write(tmp / "w.xlsx", data), db, outline_source=wbk.box_outlines,
                             accept_warnings=True)
    event("imported" if report.written else "refused")
    return report, db
