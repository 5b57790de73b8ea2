"""Read a contract workbook (.xlsx or a folder of CSVs), validate it, write it atomically.

Nothing is written unless the whole workbook validates: every problem is collected first,
each with the sheet, the row number as Excel shows it, the column header and what was
expected. Warnings (plausible but odd values) do not block; errors do.
"""
from __future__ import annotations

import csv
import getpass
import hashlib
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from analytics import boundaries, contract, coords, storage
from analytics.i18n import t

ERROR, WARNING, NOTE = "error", "warning", "note"
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
        where = self.sheet or t("problem.workbook", lang)
        if self.row is not None:
            where += f"!{self.row}"
        if self.column:
            where += f" {self.column}"
        return f"{where}: {self.message(lang)}"

    def as_dict(self, lang: str = "zh") -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "severity": self.severity, "message": self.message(lang)}


@dataclass
class RawSheet:
    sheet: contract.Sheet
    title: str
    headers: dict[str, str]                     # column key → header as written
    rows: list[tuple[int, dict]]                # (Excel row number, {column key: raw value})
    unknown_columns: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    problems: list[Problem]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    written: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def row_counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.tables.items()}


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
    text = _HEADER_UNIT.sub("", text).strip()       # "在校生数(人)" → "在校生数"
    for c in sheet.columns:
        if text in (contract.clean_text(c.zh), c.key) or text.lower() == c.key:
            return c.key
    return None


def _raw_sheet(sheet: contract.Sheet, title: str, rows_iter) -> RawSheet:
    header_row, header_no = None, 0
    data: list[tuple[int, dict]] = []
    keys: dict[int, str] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    for row_no, values in rows_iter:
        if all(contract.is_blank(v) for v in values):
            continue
        if header_row is None:
            header_row, header_no = values, row_no
            for idx, h in enumerate(values):
                key = _header_key(sheet, h)
                if key and key not in headers:
                    keys[idx], headers[key] = key, str(h).strip()
                elif not contract.is_blank(h):
                    unknown.append(str(h).strip())
            continue
        data.append((row_no, {keys[i]: v for i, v in enumerate(values) if i in keys}))
    return RawSheet(sheet, title, headers, data, unknown)


def read_workbook(path: str | Path) -> tuple[dict[str, RawSheet], list[Problem]]:
    """Read every contract sheet of an .xlsx file or a folder of CSV files."""
    path = Path(path)
    found: dict[str, RawSheet] = {}
    problems: list[Problem] = []
    if path.is_dir():
        for file in sorted(path.glob("*.csv")):
            sheet = _match_sheet(file.stem)
            if sheet is None:
                problems.append(Problem(WARNING, "unknown_sheet", file.name))
                continue
            with open(file, encoding="utf-8-sig", newline="") as fh:
                rows = [(i, row) for i, row in enumerate(csv.reader(fh), start=1)]
            found[sheet.key] = _raw_sheet(sheet, file.name, rows)
        return found, problems
    try:
        import openpyxl
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        problems.append(Problem(ERROR, "not_workbook", params={"name": path.name, "detail": type(exc).__name__}))
        return found, problems
    except Exception as exc:  # openpyxl raises its own InvalidFileException and others
        problems.append(Problem(ERROR, "not_workbook", params={"name": path.name, "detail": type(exc).__name__}))
        return found, problems
    try:
        for ws in book.worksheets:
            sheet = _match_sheet(ws.title)
            if sheet is None:
                problems.append(Problem(WARNING, "unknown_sheet", ws.title))
                continue
            rows = ((i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1))
            found[sheet.key] = _raw_sheet(sheet, ws.title, rows)
    finally:
        book.close()
    return found, problems


# ---------------------------------------------------------------- validation


def _parse_sheet(raw: RawSheet, problems: list[Problem]) -> pd.DataFrame:
    sheet = raw.sheet
    for c in sheet.columns:
        if c.required and c.key not in raw.headers:
            problems.append(Problem(ERROR, "missing_column", sheet.zh, 1, c.zh))
    if raw.unknown_columns:
        problems.append(Problem(WARNING, "unknown_columns", sheet.zh,
                                params={"columns": "、".join(raw.unknown_columns)}))
    records, normalised = [], Counter()
    for row_no, cells in raw.rows:
        rec: dict = {"_row": row_no}
        for c in sheet.columns:
            value = cells.get(c.key)
            if contract.is_blank(value):
                rec[c.key] = None
                if c.required and c.key in raw.headers:
                    problems.append(Problem(ERROR, "required", sheet.zh, row_no, c.zh))
                continue
            try:
                rec[c.key], changed = contract.parse_cell(c.type, value)
                if changed and c.type != "text":
                    normalised[c.zh] += 1
            except contract.CellError as err:
                rec[c.key] = None
                problems.append(Problem(ERROR, err.key, sheet.zh, row_no, c.zh, err.params))
        records.append(rec)
    for column, n in normalised.items():
        problems.append(Problem(NOTE, "normalised", sheet.zh, None, column, {"n": n}))
    df = pd.DataFrame.from_records(records, columns=["_row"] + sheet.column_keys)
    return df


def _check_duplicates(df: pd.DataFrame, sheet: contract.Sheet, problems: list[Problem]) -> pd.DataFrame:
    keys = list(sheet.key_columns)
    complete = df.dropna(subset=keys)
    dup = complete.duplicated(subset=keys, keep="first")
    if dup.any():
        first_rows = complete.drop_duplicates(subset=keys).set_index(keys)["_row"]
        for _, r in complete[dup].iterrows():
            first = first_rows.loc[tuple(r[k] for k in keys)]
            first = int(first.iloc[0]) if isinstance(first, pd.Series) else int(first)
            problems.append(Problem(ERROR, "duplicate_key", sheet.zh, int(r["_row"]),
                                    sheet.column(keys[-1]).zh,
                                    {"key": " / ".join(str(r[k]) for k in keys), "first": first}))
    return df


def _check_orphans(df: pd.DataFrame, sheet: contract.Sheet, school_ids: set, problems: list[Problem]) -> None:
    if "school_id" not in df or sheet.key == "schools":
        return
    bad = df[df["school_id"].notna() & ~df["school_id"].isin(school_ids)]
    for _, r in bad.iterrows():
        problems.append(Problem(ERROR, "orphan", sheet.zh, int(r["_row"]), sheet.column("school_id").zh,
                                {"school_id": r["school_id"]}))


def _check_part_whole(df: pd.DataFrame, sheet: contract.Sheet, problems: list[Problem]) -> None:
    for part, whole in contract.part_whole_rules().get(sheet.key, []):
        if part not in df or whole not in df:
            continue
        p, w = pd.to_numeric(df[part]), pd.to_numeric(df[whole])
        for _, r in df[(p > w) & p.notna() & w.notna()].iterrows():
            problems.append(Problem(ERROR, "part_exceeds_whole", sheet.zh, int(r["_row"]), sheet.column(part).zh,
                                    {"part": r[part], "whole_name": sheet.column(whole).zh, "whole": r[whole]}))


def _check_stage_fits_type(stats: pd.DataFrame, schools: pd.DataFrame, problems: list[Problem]) -> None:
    allowed = contract.codes()["stages_by_type"]
    types = dict(zip(schools["school_id"], schools["school_type"]))
    sheet = contract.sheet("stage_stats")
    for _, r in stats.dropna(subset=["school_id", "stage"]).iterrows():
        code = types.get(r["school_id"])
        if not isinstance(code, str):          # type itself invalid: already reported
            continue
        ok = allowed[contract.school_type_code(code)]
        if r["stage"] not in ok:
            problems.append(Problem(ERROR, "stage_not_in_type", sheet.zh, int(r["_row"]), sheet.column("stage").zh,
                                    {"stage": r["stage"], "type": contract.codes()["school_type"][contract.school_type_code(code)],
                                     "allowed": "/".join(ok)}))


def _check_coordinates(schools: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Convert GCJ-02 / BD-09 to WGS84 and flag coordinates that look swapped."""
    sheet = contract.sheet("schools")
    schools = schools.copy()
    if "crs" not in schools:
        return schools
    schools["crs"] = schools["crs"].fillna("WGS84")
    for crs in ("GCJ02", "BD09"):
        m = (schools["crs"] == crs) & schools["lon"].notna() & schools["lat"].notna()
        if m.any():
            lon, lat = coords.to_wgs84(schools.loc[m, "lon"].astype(float), schools.loc[m, "lat"].astype(float), crs)
            schools.loc[m, "lon"], schools.loc[m, "lat"] = lon, lat
            schools.loc[m, "crs"] = "WGS84"
            problems.append(Problem(NOTE, "converted_crs", sheet.zh, None, sheet.column("crs").zh,
                                    {"n": int(m.sum()), "crs": crs}))
    # China spans lon 73–135, lat 18–54: a lat above 60 with a lon below 60 is a swap.
    swapped = schools["lat"].astype(float) > 60
    swapped &= schools["lon"].astype(float) < 60
    for _, r in schools[swapped.fillna(False)].iterrows():
        problems.append(Problem(ERROR, "swapped_lonlat", sheet.zh, int(r["_row"]), sheet.column("lat").zh,
                                {"lon": r["lon"], "lat": r["lat"]}))
    return schools


def _check_plausible(stats: pd.DataFrame, problems: list[Problem]) -> None:
    sheet = contract.sheet("stage_stats")
    s = stats[stats["stage"] != contract.WHOLE_SCHOOL]
    students = pd.to_numeric(s["students"]).where(lambda x: x > 0)
    per = pd.to_numeric(s["teaching_area_m2"]) / students
    for _, r in s[per > 100].iterrows():
        problems.append(Problem(WARNING, "implausible_area", sheet.zh, int(r["_row"]),
                                sheet.column("teaching_area_m2").zh,
                                {"value": round(float(r["teaching_area_m2"]) / float(r["students"]), 1)}))


def validate(raw_sheets: dict[str, RawSheet]) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Parse and check every sheet; returns the tables (with ``_row``) and all problems."""
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    for sheet in contract.sheets():
        if sheet.key not in raw_sheets:
            if sheet.required:
                problems.append(Problem(ERROR, "missing_sheet", sheet.zh))
            continue
        df = _parse_sheet(raw_sheets[sheet.key], problems)
        if sheet.required and df.empty:
            problems.append(Problem(ERROR, "empty_sheet", sheet.zh))
        tables[sheet.key] = _check_duplicates(df, sheet, problems)
    schools = tables.get("schools")
    if schools is not None:
        ids = set(schools["school_id"].dropna())
        for key, df in tables.items():
            _check_orphans(df, contract.sheet(key), ids, problems)
            _check_part_whole(df, contract.sheet(key), problems)
        tables["schools"] = schools = _check_coordinates(schools, problems)
        if "stage_stats" in tables:
            _check_stage_fits_type(tables["stage_stats"], schools, problems)
            _check_plausible(tables["stage_stats"], problems)
        groups = schools["urban_rural_code"].map(lambda c: contract.urban_rural_group(c) if isinstance(c, str) else None)
        schools["urban_rural_group"] = groups
    settlements = tables.get("settlements")
    if settlements is not None and "crs" in settlements:
        tables["settlements"] = _check_coordinates(settlements, problems)
    severity_order = {ERROR: 0, WARNING: 1, NOTE: 2}
    problems.sort(key=lambda p: (severity_order[p.severity], p.sheet or "", p.row or 0))
    return tables, problems


# ---------------------------------------------------------------- import


def file_sha256(path: Path) -> str:
    if path.is_dir():
        digest = hashlib.sha256()
        for f in sorted(path.glob("*.csv")):
            digest.update(f.name.encode())
            digest.update(f.read_bytes())
        return digest.hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_workbook(path: str | Path, db_path: str | Path, *, is_demo: bool = False,
                    user: str | None = None, outline_source=None) -> ImportReport:
    """Validate ``path`` and, when it has no error, replace the dataset at ``db_path``.

    ``outline_source(counties_df) -> DataFrame`` finds county outlines (cnmaps by default).
    """
    path = Path(path)
    raw, problems = read_workbook(path)
    if any(p.severity == ERROR for p in problems):
        return ImportReport(problems)
    tables, more = validate(raw)
    problems += more
    report = ImportReport(problems, {k: v.drop(columns="_row") for k, v in tables.items()})
    if not report.ok:
        return report
    schools = report.tables["schools"]
    counties = schools.groupby("county_code", as_index=False)["county_name"].first()
    outlines = (outline_source or boundaries.county_outlines)(counties)
    report.problems += [Problem(WARNING, "no_outline", contract.sheet("schools").zh, None,
                                contract.sheet("schools").column("county_name").zh, {"county": code})
                        for code in missing_outline_counties(counties, outlines)]
    report.problems += _outside_county(tables["schools"], outlines)
    towns = boundaries.approximate_town_areas(schools, report.tables.get("settlements"), outlines)
    meta = {
        "is_demo": "true" if is_demo else "false",
        "source_file": path.name,
        "source_sha256": file_sha256(path),
        "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "imported_by": user or getpass.getuser(),
    }
    storage.write_database(db_path, report.tables, outlines, towns, meta)
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
        for (_, r), ok in zip(group.iterrows(), inside):
            if not ok:
                problems.append(Problem(WARNING, "outside_county", sheet.zh, int(r["_row"]), sheet.column("lon").zh,
                                        {"name": r["name"], "county": county}))
    return problems


def missing_outline_counties(counties: pd.DataFrame, outlines: pd.DataFrame) -> list[str]:
    return sorted(set(counties["county_code"]) - set(outlines["county_code"] if len(outlines) else []))

