"""Read a contract workbook (.xlsx or a folder of CSVs), validate it to the cell, publish a version.

Nothing is written unless the whole workbook validates: every problem is collected first, each
with the sheet, the row number as Excel shows it, the column header and what was expected.
Errors block the import. Warnings (possible but implausible values) block it too until the
caller confirms them (``accept_warnings``). Notes say what was normalised or split.

Two steps, so an app can show the report before anything is written:
``check(path) -> Checked`` (read, validate, outlines, warnings) and ``publish(checked, db)``.
"""
from __future__ import annotations

import csv
import getpass
import hashlib
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from analytics.geo import boundaries
from analytics.io import contract
from analytics.io import storage
from analytics.io import versions
from analytics.i18n import t

ERROR, WARNING, NOTE = "error", "warning", "note"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, NOTE: 2}
_HEADER_UNIT = re.compile(r"[\(（][^\)）]*[\)）]$")


@dataclass
class Problem:
    """One finding about the workbook; ``key`` names its message in the strings catalog."""

    severity: str
    key: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    params: dict = field(default_factory=dict)

    def message(self, lang: str = "zh") -> str:
        return t(f"problem.{self.key}", lang, **self.params)

    def format(self, lang: str = "zh") -> str:
        """``sheet!row column: message`` as the CLI prints it."""
        where = self.sheet or t("problem.workbook", lang)
        if self.row is not None:
            where += f"!{self.row}"
        if self.column:
            where += f" {self.column}"
        return f"{where}: {self.message(lang)}"

    def as_dict(self, lang: str = "zh") -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "severity": self.severity, "message": self.message(lang)}


class Problems:
    """Problem collector that lists at most ``max_listed`` of one kind per column and counts the rest."""

    def __init__(self, max_listed: int | None = None):
        self.items: list[Problem] = []
        self.max_listed = max_listed or contract.raw_contract()["limits"]["max_listed_per_kind"]
        self._seen: Counter = Counter()

    def add(self, p: Problem) -> None:
        kind = (p.severity, p.key, p.sheet, p.column)
        self._seen[kind] += 1
        if p.row is None or self._seen[kind] <= self.max_listed:
            self.items.append(p)

    def extend(self, ps) -> None:
        for p in ps:
            self.add(p)

    def finish(self) -> list[Problem]:
        out = list(self.items)
        for (severity, key, sheet, column), n in self._seen.items():
            if n > self.max_listed and key != "more_of_kind":
                out.append(Problem(severity, "more_of_kind", sheet, None, column,
                                   {"n": n - self.max_listed, "what": t(f"problem.{key}")}))
        out.sort(key=lambda p: (SEVERITY_ORDER[p.severity], p.sheet or "", p.row or 0))
        return out


@dataclass
class RawSheet:
    sheet: contract.Sheet
    title: str
    headers: dict[str, str]                     # column key → header as written
    header_row: int                             # Excel row of the header
    rows: list[tuple[int, dict]]                # (Excel row number, {column key: raw value})
    unknown_columns: dict[int, str] = field(default_factory=dict)   # position → header
    extra_cells: list[tuple[int, str, object]] = field(default_factory=list)  # (row, header, value)
    examples_skipped: int = 0


class _Findings:
    """Errors and warnings among ``self.problems``."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]


@dataclass
class Checked(_Findings):
    """A validated workbook, ready to publish (or not, see ``errors``)."""

    source: Path
    problems: list[Problem]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    outlines: pd.DataFrame | None = None
    towns: pd.DataFrame | None = None
    extra: pd.DataFrame | None = None

    def row_counts(self) -> dict[str, int]:
        return {k: int(len(v)) for k, v in self.tables.items()}


@dataclass
class ImportReport(_Findings):
    problems: list[Problem]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    written: bool = False
    needs_confirmation: bool = False
    version: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def row_counts(self) -> dict[str, int]:
        return {k: int(len(v)) for k, v in self.tables.items()}


def problems_frame(problems: list[Problem], lang: str = "zh") -> pd.DataFrame:
    """The problems as a table (for the app and its Excel download)."""
    cols = {"severity": t("col.severity", lang), "sheet": t("col.sheet", lang), "row": t("col.row", lang),
            "column": t("col.column", lang), "message": t("col.message", lang)}
    df = pd.DataFrame([p.as_dict(lang) for p in problems], columns=list(cols))
    df["severity"] = df["severity"].map(lambda s: t(f"severity.{s}", lang))
    df["row"] = df["row"].map(lambda r: "" if r is None or pd.isna(r) else str(int(r)))
    df[["sheet", "column"]] = df[["sheet", "column"]].fillna("")
    return df.rename(columns=cols)


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
    text = _HEADER_UNIT.sub("", text).replace(" ", "").strip()       # "在校生数(人)" → "在校生数"
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


def _raw_sheet(sheet: contract.Sheet, title: str, rows_iter) -> RawSheet:
    """Find the header (skipping title rows; cells merged down from the row above are filled in),
    then collect data rows, skipping blank rows and rows marked as examples."""
    search = contract.raw_contract()["limits"]["header_search_rows"]
    first: list[tuple[int, list]] = []
    rows_iter = iter(rows_iter)
    for row_no, values in rows_iter:
        if all(contract.is_blank(v) for v in values):
            continue
        first.append((row_no, list(values)))
        if len(first) >= search:
            break
    h = _find_header(sheet, first)
    if h is None:
        return RawSheet(sheet, title, {}, first[0][0] if first else 1, [])
    header_no, header = first[h]
    above = first[h - 1][1] if h > 0 else []
    keys: dict[int, str] = {}
    headers: dict[str, str] = {}
    unknown: dict[int, str] = {}
    marker = None
    for idx, cell in enumerate(header):
        if contract.is_blank(cell) and idx < len(above):
            cell = above[idx]            # a header merged down from the row above
        key = _header_key(sheet, cell)
        if key and key not in headers:
            keys[idx], headers[key] = key, str(cell).strip()
        elif _is_marker(cell):
            marker = idx
        elif not contract.is_blank(cell):
            unknown[idx] = str(cell).strip()
    raw = RawSheet(sheet, title, headers, header_no, [], unknown)

    def take(row_no, values):
        if all(contract.is_blank(v) for v in values):
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
    try:
        for ws in book.worksheets:
            sheet = _match_sheet(ws.title)
            if sheet is None:
                if contract.clean_text(ws.title) not in contract.raw_contract().get("ignored_sheets", []):
                    problems.append(Problem(NOTE, "unknown_sheet", ws.title))
                continue
            rows = ((i, r) for i, r in enumerate(ws.iter_rows(values_only=True), start=1))
            found[sheet.key] = _raw_sheet(sheet, ws.title, rows)
    except Exception as exc:  # noqa: BLE001
        return {}, [Problem(ERROR, "not_workbook", params={"name": path.name, "detail": type(exc).__name__})]
    finally:
        book.close()
    return found, problems


# ---------------------------------------------------------------- validation


def _parse_sheet(raw: RawSheet, problems: Problems) -> pd.DataFrame:
    sheet = raw.sheet
    for c in sheet.columns:
        if c.required and c.key not in raw.headers:
            problems.add(Problem(ERROR, "missing_column", sheet.zh, raw.header_row, c.zh))
    if raw.unknown_columns:
        problems.add(Problem(WARNING, "unknown_columns", sheet.zh, raw.header_row, None,
                             {"columns": "、".join(raw.unknown_columns.values())}))
    if raw.examples_skipped:
        problems.add(Problem(NOTE, "examples_skipped", sheet.zh, None, None, {"n": raw.examples_skipped}))
    columns = [(c, c.key in raw.headers) for c in sheet.columns]
    records, normalised, example = [], Counter(), {}
    for row_no, cells in raw.rows:
        rec: dict = {"_row": row_no}
        for c, present in columns:
            value = cells.get(c.key)
            if contract.is_blank(value):
                rec[c.key] = None
                if c.required and present:
                    problems.add(Problem(ERROR, "required", sheet.zh, row_no, c.zh))
                continue
            try:
                rec[c.key], changed = contract.parse_cell(c.type, value)
            except contract.CellError as err:
                rec[c.key] = None
                problems.add(Problem(ERROR, err.key, sheet.zh, row_no, c.zh, err.params))
                continue
            if changed and c.type != "text" and not isinstance(value, (int, float)):
                normalised[c.zh] += 1
                example.setdefault(c.zh, (str(value), rec[c.key]))
        records.append(rec)
    for column, n in normalised.items():
        before, after = example[column]
        problems.add(Problem(NOTE, "normalised", sheet.zh, None, column, {"n": n, "before": before, "after": after}))
    return pd.DataFrame.from_records(records, columns=["_row"] + sheet.column_keys)


def _check_duplicates(df: pd.DataFrame, sheet: contract.Sheet, problems: Problems) -> None:
    """Every repeat of a key (e.g. the same 学校标识码 twice) is an error on the later row."""
    keys = list(sheet.key_columns)
    complete = df.dropna(subset=keys)
    later = complete.duplicated(subset=keys, keep="first")
    if not later.any():
        return
    firsts = complete[~later][keys + ["_row"]].rename(columns={"_row": "_first"})
    repeats = complete[later].merge(firsts, on=keys, how="left")
    for _, r in repeats.iterrows():
        problems.add(Problem(ERROR, "duplicate_key", sheet.zh, int(r["_row"]), sheet.column(keys[-1]).zh,
                             {"key": " / ".join(str(r[k]) for k in keys), "first": int(r["_first"])}))


def _check_orphans(df: pd.DataFrame, sheet: contract.Sheet, school_ids: set, problems: Problems) -> None:
    if "school_id" not in df or sheet.key == "schools":
        return
    bad = df[df["school_id"].notna() & ~df["school_id"].isin(school_ids)]
    for row, sid in zip(bad["_row"], bad["school_id"]):
        problems.add(Problem(ERROR, "orphan", sheet.zh, int(row), sheet.column("school_id").zh, {"school_id": sid}))


def _check_part_whole(df: pd.DataFrame, sheet: contract.Sheet, problems: Problems) -> None:
    for part, whole in contract.part_whole_rules().get(sheet.key, []):
        p, w = pd.to_numeric(df[part]), pd.to_numeric(df[whole])
        for row, pv, wv in zip(df["_row"][p > w], p[p > w], w[p > w]):
            problems.add(Problem(ERROR, "part_exceeds_whole", sheet.zh, int(row), sheet.column(part).zh,
                                 {"part": _num(pv), "whole_name": sheet.column(whole).zh, "whole": _num(wv)}))


def _num(x):
    return int(x) if float(x).is_integer() else round(float(x), 2)


def _check_stage_fits_type(stats: pd.DataFrame, schools: pd.DataFrame, problems: Problems) -> None:
    allowed = contract.codes()["stages_by_type"]
    names = contract.codes()["school_type"]
    types = dict(zip(schools["school_id"], schools["school_type"]))
    sheet = contract.sheet("stage_stats")
    for row, sid, stage in zip(stats["_row"], stats["school_id"], stats["stage"]):
        code = types.get(sid)
        if not isinstance(code, str) or not isinstance(stage, str):
            continue                          # the type or stage itself is invalid: already reported
        ok = allowed[contract.school_type_code(code)]
        if stage not in ok:
            problems.add(Problem(ERROR, "stage_not_in_type", sheet.zh, int(row), sheet.column("stage").zh,
                                 {"stage": stage, "type": names[contract.school_type_code(code)], "allowed": "/".join(ok)}))


def _check_coordinates(df: pd.DataFrame, sheet: contract.Sheet, problems: Problems) -> pd.DataFrame:
    """Convert GCJ-02 / BD-09 to WGS84 (noted) and flag coordinates that look swapped."""
    from analytics.geo import coords
    df = df.copy()
    df["crs"] = df["crs"].fillna("WGS84") if "crs" in df else "WGS84"
    for crs in ("GCJ02", "BD09"):
        m = (df["crs"] == crs) & df["lon"].notna() & df["lat"].notna()
        if m.any():
            lon, lat = coords.to_wgs84(df.loc[m, "lon"].astype(float), df.loc[m, "lat"].astype(float), crs)
            df.loc[m, "lon"], df.loc[m, "lat"] = lon, lat
            df.loc[m, "crs"] = "WGS84"
            problems.add(Problem(NOTE, "converted_crs", sheet.zh, None, sheet.column("crs").zh,
                                 {"n": int(m.sum()), "crs": crs}))
    lon, lat = pd.to_numeric(df["lon"]), pd.to_numeric(df["lat"])
    # one of the two given: the point cannot be drawn
    half = lon.isna() ^ lat.isna()
    for row in df["_row"][half]:
        problems.add(Problem(ERROR, "half_coordinate", sheet.zh, int(row), sheet.column("lat").zh))
    # China spans lon 73–135, lat 18–54: a "longitude" under 60 with a "latitude" over 60 is a swap
    swapped = (lat > 60) & (lon < 60)
    for row, x, y in zip(df["_row"][swapped], lon[swapped], lat[swapped]):
        problems.add(Problem(ERROR, "swapped_lonlat", sheet.zh, int(row), sheet.column("lat").zh, {"lon": x, "lat": y}))
    return df


def _check_plausible(stats: pd.DataFrame, classes: pd.DataFrame | None, problems: Problems) -> None:
    """Warnings for values that are possible but rarely right (thresholds in contract.yaml ``checks``)."""
    checks = contract.raw_contract()["checks"]
    sheet = contract.sheet("stage_stats")
    s = stats[stats["stage"] != contract.WHOLE_SCHOOL]
    students = pd.to_numeric(s["students"]).where(lambda x: x > 0)
    for col, key, limit, factor in (("teaching_area_m2", "implausible_area", checks["max_teaching_area_per_student"], 1),
                                    ("sports_area_m2", "implausible_sports", checks["max_sports_area_per_student"], 1),
                                    ("equipment_value_wan", "implausible_equipment",
                                     checks["max_equipment_per_student_wan"], 1)):
        per = pd.to_numeric(s[col]) / students * factor
        for row, v in zip(s["_row"][per > limit], per[per > limit]):
            problems.add(Problem(WARNING, key, sheet.zh, int(row), sheet.column(col).zh,
                                 {"value": round(float(v), 2), "limit": limit}))
    # a school losing most of its students from one year to the next
    totals = s.groupby(["school_id", "year"]).agg(students=("students", "sum"), row=("_row", "min")).reset_index()
    totals = totals.sort_values(["school_id", "year"])
    totals["previous"] = totals.groupby("school_id")["students"].shift()
    totals["previous_year"] = totals.groupby("school_id")["year"].shift()
    drop = ((totals["previous_year"] == totals["year"] - 1) & (totals["previous"] >= checks["enrolment_drop_min_students"])
            & (totals["students"] < (1 - checks["enrolment_drop_share"]) * totals["previous"]))
    for r in totals[drop].itertuples():
        problems.add(Problem(WARNING, "enrolment_drop", sheet.zh, int(r.row), sheet.column("students").zh,
                             {"before": int(r.previous), "after": int(r.students), "year": int(r.year)}))
    if classes is not None and len(classes):
        csheet = contract.sheet("classes")
        big = pd.to_numeric(classes["students"]) > checks["max_class_students"]
        for row, n in zip(classes["_row"][big], classes["students"][big]):
            problems.add(Problem(WARNING, "implausible_class", csheet.zh, int(row), csheet.column("students").zh,
                                 {"value": int(n), "limit": checks["max_class_students"]}))


def _note_whole_school_split(stats: pd.DataFrame, problems: Problems, weights: dict) -> None:
    whole = stats[stats["stage"] == contract.WHOLE_SCHOOL]
    if len(whole):
        problems.add(Problem(NOTE, "whole_school_split", contract.sheet("stage_stats").zh, None,
                             contract.sheet("stage_stats").column("stage").zh,
                             {"rows": len(whole), "schools": whole["school_id"].nunique(),
                              "weights": " : ".join(f"{k} {v:g}" for k, v in weights.items())}))


def validate(raw_sheets: dict[str, RawSheet], problems: Problems | None = None) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Parse and check every sheet; returns the tables (with ``_row``) and all problems."""
    from analytics.standards import load_standards
    problems = problems or Problems()
    tables: dict[str, pd.DataFrame] = {}
    for sheet in contract.sheets():
        if sheet.key not in raw_sheets:
            if sheet.required:
                problems.add(Problem(ERROR, "missing_sheet", sheet.zh))
            continue
        df = _parse_sheet(raw_sheets[sheet.key], problems)
        if sheet.required and df.empty:
            problems.add(Problem(ERROR, "empty_sheet", sheet.zh))
        _check_duplicates(df, sheet, problems)
        tables[sheet.key] = df
    schools = tables.get("schools")
    if schools is not None:
        ids = set(schools["school_id"].dropna())
        for key, df in tables.items():
            _check_orphans(df, contract.sheet(key), ids, problems)
            _check_part_whole(df, contract.sheet(key), problems)
        schools = _check_coordinates(schools, contract.sheet("schools"), problems)
        schools["urban_rural_group"] = schools["urban_rural_code"].map(
            lambda c: contract.urban_rural_group(c) if isinstance(c, str) else None)
        tables["schools"] = schools
        if "stage_stats" in tables:
            stats = tables["stage_stats"]
            _check_stage_fits_type(stats, schools, problems)
            _check_plausible(stats, tables.get("classes"), problems)
            codes = schools["county_code"].dropna()
            _note_whole_school_split(stats, problems,
                                     load_standards(codes.iloc[0] if len(codes) else None)["split_weights"])
    if "settlements" in tables:
        tables["settlements"] = _check_coordinates(tables["settlements"], contract.sheet("settlements"), problems)
    return tables, problems.finish()


# ---------------------------------------------------------------- check and publish


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            digest.update(f.name.encode())
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _extra_frame(raw: dict[str, RawSheet]) -> pd.DataFrame:
    rows = []
    for r in raw.values():
        key_cols = list(r.sheet.key_columns)
        by_row = {row_no: cells for row_no, cells in r.rows}
        for row_no, header, value in r.extra_cells:
            cells = by_row.get(row_no, {})
            rows.append({"sheet": r.sheet.zh, "excel_row": row_no,
                         "record_key": " / ".join(str(cells.get(k, "")) for k in key_cols),
                         "header": header, "value": str(value)})
    return pd.DataFrame(rows, columns=["sheet", "excel_row", "record_key", "header", "value"])


def check(path: str | Path, *, outline_source=None, progress=None, towns_geojson=None) -> Checked:
    """Read and validate ``path`` completely; nothing is written. ``progress(fraction, key)``.
    ``towns_geojson``: optional town outlines (features with a ``town`` property) that replace the
    approximate town areas of their county."""
    path = Path(path)
    say = progress or (lambda f, k: None)
    say(0.05, "progress.reading")
    raw, read_problems = read_workbook(path)
    if any(p.severity == ERROR for p in read_problems):
        return Checked(path, read_problems)
    say(0.4, "progress.validating")
    problems = Problems()
    problems.extend(read_problems)
    tables, found = validate(raw, problems)
    checked = Checked(path, found, {k: v for k, v in tables.items()}, extra=_extra_frame(raw))
    if checked.errors:
        return checked
    say(0.6, "progress.outlines")
    schools = tables["schools"]
    counties = schools.groupby("county_code", as_index=False)["county_name"].first()
    outlines = (outline_source or boundaries.county_outlines)(counties)
    more = [Problem(WARNING, "no_outline", contract.sheet("schools").zh, None,
                    contract.sheet("schools").column("county_name").zh, {"county": code})
            for code in sorted(set(counties["county_code"]) - set(outlines["county_code"]))]
    more += _outside_county(schools, outlines)
    checked.problems = sorted(checked.problems + more, key=lambda p: (SEVERITY_ORDER[p.severity], p.sheet or "", p.row or 0))
    checked.outlines = outlines
    checked.towns = boundaries.approximate_town_areas(schools, tables.get("settlements"), outlines)
    if towns_geojson:
        supplied, found = boundaries.read_town_geojson(towns_geojson, counties)
        sev = ERROR if any(k == "towns_not_geojson" for k, _ in found) else WARNING
        checked.problems += [Problem(sev, key, Path(towns_geojson).name, None, None, params) for key, params in found]
        known = set(zip(schools["county_code"], schools["town"]))
        checked.problems += [Problem(WARNING, "towns_unknown", Path(towns_geojson).name, None, None, {"town": t})
                             for c, t in zip(supplied["county_code"], supplied["town"]) if (c, t) not in known]
        checked.towns = boundaries.merge_town_areas(checked.towns, supplied)
    return checked


def publish(checked: Checked, db_path: str | Path, *, is_demo: bool = False, user: str | None = None,
            progress=None) -> int:
    """Write ``checked`` as a new dataset version and make it current; returns the version number."""
    if checked.errors:
        raise ValueError("a workbook with errors cannot be published")
    say = progress or (lambda f, k: None)
    say(0.75, "progress.writing")
    tables = {k: v.drop(columns="_row") for k, v in checked.tables.items()}
    previous = storage.Store(db_path) if Path(db_path).exists() else None
    try:
        changes = versions.changes_against(previous, tables)
    finally:
        if previous is not None:
            previous.close()
    meta = {
        "is_demo": "true" if is_demo else "false",
        "source_file": checked.source.name,
        "source_sha256": file_sha256(checked.source),
        "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "imported_by": user or getpass.getuser(),
        "row_counts": json.dumps({k: int(len(v)) for k, v in tables.items()}, ensure_ascii=False),
        "changes": json.dumps(changes, ensure_ascii=False, default=str),
        "warnings_accepted": str(len(checked.warnings)),
    }
    number = versions.publish(db_path, tables, checked.outlines, checked.towns, meta, checked.extra)
    say(1.0, "progress.done")
    return number


def import_workbook(path: str | Path, db_path: str | Path, *, accept_warnings: bool = False, is_demo: bool = False,
                    user: str | None = None, outline_source=None, progress=None, towns_geojson=None) -> ImportReport:
    """Check ``path``; publish it when it has no error and its warnings (if any) are accepted."""
    checked = check(path, outline_source=outline_source, progress=progress, towns_geojson=towns_geojson)
    tables = {k: v.drop(columns="_row") for k, v in checked.tables.items()}
    report = ImportReport(checked.problems, tables)
    if checked.errors:
        return report
    if checked.warnings and not accept_warnings:
        report.needs_confirmation = True
        return report
    report.version = publish(checked, db_path, is_demo=is_demo, user=user, progress=progress)
    report.written = True
    return report


def _outside_county(schools: pd.DataFrame, outlines: pd.DataFrame) -> list[Problem]:
    """Warnings for schools whose point lies outside their county outline (1 km tolerance)."""
    problems = []
    sheet = contract.sheet("schools")
    shapes = boundaries.outline_shapes(outlines)
    for county, group in schools.dropna(subset=["lon", "lat"]).groupby("county_code"):
        shape = shapes.get(county)
        if shape is None:
            continue
        inside = boundaries.points_within(shape, group["lon"].to_numpy(float), group["lat"].to_numpy(float), 1000)
        for row, name, ok in zip(group["_row"], group["name"], inside):
            if not ok:
                problems.append(Problem(WARNING, "outside_county", sheet.zh, int(row), sheet.column("lon").zh,
                                        {"name": name, "county": county}))
    return problems


