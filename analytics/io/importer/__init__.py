"""Read a contract workbook (.xlsx or a folder of CSVs), validate it to the cell, publish a version.

Nothing is written unless the whole workbook validates: every problem is collected first, each
with the sheet, the row number as Excel shows it, the column header and what was expected.
Errors block the import. Warnings (possible but implausible values) block it too until the
caller confirms them (``accept_warnings``). Notes say what was normalised or split.

Stages, one module each: :mod:`.reading` (sheets, headers, cells) → :mod:`.validation` (every cell
against the contract, then rules across rows and sheets) → :mod:`.publishing` (outlines, warnings,
a new version swapped in atomically); :mod:`.problems` carries what was found. Two calls, so an app
can show the report before anything is written: ``check(path) -> Checked`` and ``publish(checked, db)``.
"""
from analytics.io.importer.problems import (ERROR, NOTE, WARNING, Checked, ImportReport, Problem, Problems, RawSheet,
                                            problems_frame)
from analytics.io.importer.publishing import check, file_sha256, import_workbook, publish
from analytics.io.importer.reading import read_workbook
from analytics.io.importer.validation import validate

__all__ = ["ERROR", "NOTE", "WARNING", "Checked", "ImportReport", "Problem", "Problems", "RawSheet", "check",
           "file_sha256", "import_workbook", "problems_frame", "publish", "read_workbook", "validate"]
