"""Helpers shared by the test tiers (checksums, imports of the small workbook, in-process CLI)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from analytics.cli import main
from analytics.io.importer import import_workbook
from tests import workbooks as wbk


def sha(path) -> str:
    """SHA-256 of a file: 'nothing stored changed' is checked byte for byte."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load(db, data, tmp_path, name, **kw):
    """Import ``data`` (sheets → rows, see tests/workbooks.py) as a new version; it must be written."""
    report = import_workbook(wbk.write(tmp_path / name, data), db, outline_source=wbk.box_outlines, **kw)
    assert report.written, [p.format() for p in report.problems]
    return report


def mutate(sheet, row, header, value):
    """The small valid workbook with one cell changed (Excel row number, header text)."""
    data = wbk.rows()
    data[sheet][row - 1][wbk.header_index(data[sheet], header)] = value
    return data


def run_cli(args, capsys):
    """``python -m analytics ARGS`` in-process (towns from the test outlines): exit code, stdout, stderr."""
    code = main(args, outline_source=wbk.box_outlines)
    out = capsys.readouterr()
    return code, out.out, out.err


def all_pass(result) -> bool:
    """Every CV passes and every in-scope school complies — counted here, independently of the code."""
    cv = result["cv"]
    comp = result["compliance"][result["compliance"]["in_scope"]]
    return bool((cv["passed"] == True).all()) and bool((comp["status"] == "pass").all())  # noqa: E712
