"""Excel export of any table, safe to open: no cell can run as a formula; and files written whole or not
at all (a full disk leaves no empty or cut file)."""
from __future__ import annotations

import io
import re

import pandas as pd

from analytics.io import contract

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    """Text a spreadsheet would take for a formula when typed or pasted (= + - @, tab, CR)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def neutralise(value):
    """Text that a spreadsheet would read as a formula gets a leading apostrophe so it stays text (for
    text-only outputs — CSV, a clipboard); other values pass through. Excel files use :func:`as_text`."""
    return "'" + value if looks_like_formula(value) else value


_SIGNED_NUMBER = re.compile(r"[+\-]\d[\d,.]*\s*(%|pp|个百分点)?")


def neutralise_shown(value):
    """A cell of a table on screen, which a user may copy or take through the table's own CSV button: formula-
    looking text gets the apostrophe of :func:`neutralise` — except a signed number (``-3``, ``+1.2pp``), which a
    spreadsheet reads as the number it shows."""
    if looks_like_formula(value) and not _SIGNED_NUMBER.fullmatch(value):
        return "'" + value
    return value


def shown_cells(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with :func:`neutralise_shown` applied to its text cells (the same frame when none needs it)."""
    out = df
    for i, column in enumerate(df.columns):
        values = df.iloc[:, i]
        if (values.dtype == object or pd.api.types.is_string_dtype(values)) and \
                values.map(lambda v: neutralise_shown(v) is not v).any():
            out = df.copy() if out is df else out
            out.isetitem(i, values.map(neutralise_shown))
    return out


def as_text(cell) -> None:
    """An openpyxl cell holding formula-looking text kept as text: a string cell (never a formula) with the
    quote-prefix mark Excel and WPS set for a typed apostrophe — it shows and stays text when edited, and
    reads back as exactly the text it was (a literal apostrophe would come back on re-import)."""
    cell.data_type = "s"
    cell.quotePrefix = True


def to_excel_bytes(sheets: dict[str, pd.DataFrame], header: list[str] | None = None) -> bytes:
    """An .xlsx file with one sheet per entry (sheet names cut to Excel's 31 characters). Numbers stay
    numbers (a NaN is an empty cell). ``header``: lines written above every sheet's table (region, school
    year, data version, time), a blank row, then the table with its header row frozen."""
    buffer = io.BytesIO()
    top = list(header or [])
    start = len(top) + 1 if top else 0
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, df in sheets.items():
            safe = df.copy()
            safe.columns = [str(c) for c in safe.columns]
            safe.to_excel(writer, sheet_name=str(name)[:31], index=False, startrow=start)
            ws = writer.sheets[str(name)[:31]]
            for i, col in enumerate(safe.columns, start=1):
                if looks_like_formula(col):
                    as_text(ws.cell(start + 1, i))
                values = safe.iloc[:, i - 1]
                if values.dtype == object or pd.api.types.is_string_dtype(values):
                    for r in values.index[values.map(looks_like_formula).to_numpy(bool)]:
                        as_text(ws.cell(start + 2 + safe.index.get_loc(r), i))
            for k, line in enumerate(top, start=1):
                ws.cell(k, 1, line)
                if looks_like_formula(line):
                    as_text(ws.cell(k, 1))
            ws.freeze_panes = f"A{start + 2}"
            for i, col in enumerate(safe.columns, start=1):
                width = max([len(str(col))] + [len(str(v)) for v in safe.iloc[:200, i - 1]]) + 2
                ws.column_dimensions[ws.cell(start + 1, i).column_letter].width = min(max(width, 8), 40)
    return buffer.getvalue()


def contract_workbook(store, counties: list[str] | None = None) -> bytes:
    """The current dataset as a contract workbook (Chinese headers, yes/no as 是/否): it imports back as
    is. ``counties`` limits it to those counties' rows (an account's scope); None: every county."""
    parts = None if counties is None else [store.county_rows(code) for code in counties]
    sheets = {}
    for sheet in contract.sheets():
        if parts is None:
            df = store.table(sheet.key)
        else:
            df = pd.concat([p[sheet.key] for p in parts], ignore_index=True) if parts else store.table(sheet.key).iloc[0:0]
        for c in sheet.columns:                    # yes/no as the contract writes them (是 / 否), not True / False
            if c.type == "yes_no" and c.key in df.columns:
                df[c.key] = df[c.key].map(lambda v: None if pd.isna(v) else ("是" if v else "否")).astype(object)
        sheets[sheet.zh] = df.reindex(columns=sheet.column_keys).rename(
            columns={c.key: c.zh for c in sheet.columns})
    return to_excel_bytes(sheets)


def write_file(path, data: bytes) -> None:
    """``data`` into ``path`` whole or not at all: written beside it, synced, then renamed over it — a full
    disk or a read-only folder raises and leaves neither an empty nor a cut file (nor the temporary one)."""
    import os
    from pathlib import Path
    target = Path(path)
    tmp = target.with_name(f".{target.name}.writing-{os.getpid()}")
    try:
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def save_whole(document, path) -> None:
    """A python-docx / python-pptx / openpyxl document saved into ``path`` whole or not at all."""
    buffer = io.BytesIO()
    document.save(buffer)
    write_file(path, buffer.getvalue())
