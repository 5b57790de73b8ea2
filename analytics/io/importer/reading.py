"""Stage 1 — reading: sheets matched by name, header rows found (merged titles, units in
headers), cells read as text or cached formula values; a folder of CSVs reads the same way."""
from __future__ import annotations

import csv
import zipfile
from pathlib import Path


from analytics.io import contract
from analytics.io.importer.problems import ERROR, NOTE, Problem, RawSheet, WARNING, HEADER_UNIT

# ---------------------------------------------------------------- reading


def _match_sheet(title: str) -> contract.Sheet | None:
    name = (contract.clean_text(title) or "").lower()
    for s in contract.sheets():
        if name in (s.zh.lower(), s.key.lower()):
            return s
    return None


def _header_key(sheet: contract.Sheet, header) -> str | None:
    text = contract.clean_text(header)
    if text is None:
        return None
    text = HEADER_UNIT.sub("", text).replace(" ", "").strip()       # "在校生数(人)" → "在校生数"
    for c in sheet.columns:
        if text == contract.clean_text(c.zh) or text.lower() == c.key:
            return c.key
    return None


def _is_marker(header) -> bool:
    text = contract.clean_text(header)
    return bool(text) and text.lower() in (contract.raw_contract()["example_marker"], "example")


def _find_header(sheet: contract.Sheet, first_rows: list[tuple[int, list]]) -> int | None:
    """Index (in ``first_rows``) of the row naming the most contract columns; None when none does."""
    best, best_hits = None, 0
    for i, (_, values) in enumerate(first_rows):
        hits = sum(1 for v in values if _header_key(sheet, v))
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def _bounded(rows_iter, limits: dict, started: float, flags: dict):
    """Rows as read, within the limits: every row — blank ones too — counts toward ``max_rows_per_sheet``;
    a run of ``max_blank_run`` blank rows is padding (a sheet claiming A1:XFD1048576 of empty rows) and
    ends the reading; so does the wall-clock limit ``max_read_seconds`` of the whole workbook. What stopped
    the reading is set in ``flags`` (the sheet is then refused, never taken as read whole)."""
    import time
    blank_run, last_filled = 0, 0
    for n, (row_no, values) in enumerate(rows_iter, start=1):
        if n > int(limits["max_rows_per_sheet"]) + int(limits["header_search_rows"]):
            flags["too_many_rows"] = True
            return
        if n % 2000 == 0 and time.monotonic() - started > float(limits["max_read_seconds"]):
            flags["out_of_time"] = True
            return
        if all(contract.is_blank(v) for v in values):
            blank_run += 1
            if blank_run >= int(limits["max_blank_run"]):
                flags["padded_after"] = last_filled
                return
            continue
        blank_run, last_filled = 0, row_no
        yield row_no, values


def _raw_sheet(sheet: contract.Sheet, title: str, rows_iter, started: float | None = None) -> RawSheet:
    """Find the header (skipping title rows; cells merged down from the row above are filled in),
    then collect data rows, skipping blank rows and rows marked as examples — within the limits of
    :func:`_bounded` (``started``: when the workbook's reading began, for its time limit)."""
    import time
    limits = contract.raw_contract()["limits"]
    search = limits["header_search_rows"]
    flags: dict = {}
    first: list[tuple[int, list]] = []
    rows_iter = _bounded(iter(rows_iter), limits, time.monotonic() if started is None else started, flags)
    for row_no, values in rows_iter:
        first.append((row_no, list(values)))
        if len(first) >= search:
            break
    h = _find_header(sheet, first)
    if h is None:
        return RawSheet(sheet, title, {}, first[0][0] if first else 1, [], padded_after=flags.get("padded_after"),
                        out_of_time=bool(flags.get("out_of_time")), too_many_rows=bool(flags.get("too_many_rows")))
    header_no, header = first[h]
    above = first[h - 1][1] if h > 0 else []
    keys: dict[int, str] = {}
    headers: dict[str, str] = {}
    unknown: dict[int, str] = {}
    duplicates: list[tuple[int, str, int]] = []
    marker = None
    for idx, cell in enumerate(header):
        if contract.is_blank(cell) and idx < len(above):
            cell = above[idx]            # a header merged down from the row above
        key = _header_key(sheet, cell)
        if key and key not in headers:
            keys[idx], headers[key] = key, str(cell).strip()
        elif key:                        # the same column twice: which one holds the data is not known
            duplicates.append((idx, str(cell).strip(), next(i for i, k in keys.items() if k == key)))
        elif _is_marker(cell):
            marker = idx
        elif not contract.is_blank(cell):
            unknown[idx] = str(cell).strip()
    raw = RawSheet(sheet, title, headers, header_no, [], unknown, duplicate_columns=duplicates)
    max_rows = int(contract.raw_contract()["limits"]["max_rows_per_sheet"])
    max_text = int(contract.raw_contract()["limits"]["max_text_chars"])
    names = {**{i: headers[k] for i, k in keys.items()}, **unknown}

    def take(row_no, values):
        if all(contract.is_blank(v) for v in values):
            return
        for i, v in enumerate(values):   # refused, never stored whole and cut later (Excel holds 32,767)
            if isinstance(v, str) and len(v) > max_text and i in names:
                raw.too_long.append((row_no, names[i], len(v)))
        if len(raw.rows) >= max_rows:
            raw.too_many_rows = True
            return
        if marker is not None and marker < len(values) and not contract.is_blank(values[marker]):
            raw.examples_skipped += 1
            return
        raw.rows.append((row_no, {keys[i]: v for i, v in enumerate(values) if i in keys}))
        for i, name in unknown.items():
            if i < len(values) and not contract.is_blank(values[i]):
                raw.extra_cells.append((row_no, name, values[i]))

    for row_no, values in first[h + 1:]:
        take(row_no, values)
    for row_no, values in rows_iter:
        take(row_no, values)
        if raw.too_many_rows:
            break
    raw.too_many_rows = raw.too_many_rows or bool(flags.get("too_many_rows"))
    raw.padded_after, raw.out_of_time = flags.get("padded_after"), bool(flags.get("out_of_time"))
    return raw


def _check_container(path: Path) -> Problem | None:
    """Reject what must not be opened: too large, not a zip, or a zip that unpacks to far more."""
    limits = contract.raw_contract()["limits"]
    size = path.stat().st_size
    if size > limits["max_file_mb"] * 1024 * 1024:
        return Problem(ERROR, "file_too_large", params={"name": path.name, "mb": round(size / 2**20, 1),
                                                        "limit": limits["max_file_mb"]})
    if size == 0 or not zipfile.is_zipfile(path):
        return Problem(ERROR, "not_workbook", params={"name": path.name, "detail": "not an .xlsx (zip) file"})
    with zipfile.ZipFile(path) as zf:
        unpacked = sum(i.file_size for i in zf.infolist())
        if unpacked > limits["max_unpacked_mb"] * 1024 * 1024 or unpacked > limits["max_compression_ratio"] * max(size, 1):
            return Problem(ERROR, "zip_bomb", params={"name": path.name, "mb": round(unpacked / 2**20, 1)})
        if "xl/workbook.xml" not in zf.namelist():
            return Problem(ERROR, "not_workbook", params={"name": path.name, "detail": "no xl/workbook.xml"})
    return None


def read_workbook(path: str | Path) -> tuple[dict[str, RawSheet], list[Problem]]:
    """Read every contract sheet of an .xlsx file or a folder of CSV files (cached formula values)."""
    path = Path(path)
    found: dict[str, RawSheet] = {}
    problems: list[Problem] = []
    if path.is_dir():
        for file in sorted(path.glob("*.csv")):
            sheet = _match_sheet(file.stem)
            if sheet is None:
                problems.append(Problem(WARNING, "unknown_sheet", file.name))
                continue
            try:
                with open(file, encoding="utf-8-sig", newline="") as fh:
                    found[sheet.key] = _raw_sheet(sheet, file.name, enumerate(csv.reader(fh), start=1))
            except UnicodeDecodeError:
                problems.append(Problem(ERROR, "csv_encoding", file.name))
        return found, problems
    bad = _check_container(path)
    if bad:
        return found, [bad]
    import openpyxl
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a broken file
        return found, [Problem(ERROR, "not_workbook", params={"name": path.name, "detail": type(exc).__name__})]
    for ws in book.worksheets:           # a shared-string number outside the table is damage, not the last string
        if isinstance(getattr(ws, "_shared_strings", None), list):
            ws._shared_strings = SharedStrings(ws._shared_strings, ws.title)
    import time
    started = time.monotonic()
    try:
        for ws in book.worksheets:
            sheet = _match_sheet(ws.title)
            if sheet is None:
                if contract.clean_text(ws.title) not in contract.raw_contract().get("ignored_sheets", []):
                    problems.append(Problem(NOTE, "unknown_sheet", ws.title))
                continue
            # read every cell the sheet has: a stale <dimension> tag (A1:E1000 over 46,000 rows, or one
            # column short) must not cut rows or columns — read-only mode would trust it
            ws.reset_dimensions()
            rows = ((i, r) for i, r in enumerate(ws.iter_rows(values_only=True), start=1))
            found[sheet.key] = _raw_sheet(sheet, ws.title, rows, started)
    except BadSharedString as bad:
        return {}, [Problem(ERROR, "bad_shared_string", bad.sheet, None, None, {"index": bad.index, "n": bad.count})]
    except Exception as exc:  # noqa: BLE001
        return {}, [Problem(ERROR, "not_workbook", params={"name": path.name, "detail": type(exc).__name__})]
    finally:
        book.close()
    return found, problems


class BadSharedString(ValueError):
    def __init__(self, sheet: str, index, count: int):
        super().__init__(f"{sheet}: shared string {index} of {count}")
        self.sheet, self.index, self.count = sheet, index, count


class SharedStrings(list):
    """The workbook's shared-string table as the sheet reader asks it: a number below 0 or past the end is
    :class:`BadSharedString` (a plain list would give the last string for −1, a wrong value read as right)."""

    def __init__(self, strings, sheet: str):
        super().__init__(strings)
        self.sheet = sheet

    def __getitem__(self, index):
        if isinstance(index, int) and not 0 <= index < len(self):
            raise BadSharedString(self.sheet, index, len(self))
        return super().__getitem__(index)


