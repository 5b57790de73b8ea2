"""Stage 3 — check and publish: outlines, warnings, then a new immutable version written whole and
swapped in atomically (nothing is written unless everything validates)."""
from __future__ import annotations

import getpass
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from analytics.geo import boundaries
from analytics.io import contract
from analytics.io import versions
from analytics.io.importer.problems import Checked, ERROR, ImportReport, Problem, Problems, RawSheet, SEVERITY_ORDER, WARNING
from analytics.io.importer.reading import read_workbook
from analytics.io.importer.validation import validate

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


def _extra_frame(raw: dict[str, RawSheet], county_of: dict) -> pd.DataFrame:
    """Cells under headers the contract does not know, kept aside with their county (``county_of``:
    school id → county code) so that a county's next submission replaces them."""
    rows = []
    for r in raw.values():
        key_cols = list(r.sheet.key_columns)
        by_row = {row_no: cells for row_no, cells in r.rows}
        for row_no, header, value in r.extra_cells:
            cells = by_row.get(row_no, {})
            county = cells.get("county_code") or county_of.get(str(cells.get("school_id", "")).strip())
            rows.append({"sheet": r.sheet.zh, "excel_row": row_no,
                         "record_key": " / ".join(str(cells.get(k, "")) for k in key_cols),
                         "header": header, "value": str(value),
                         "county_code": None if county is None else str(county).strip()})
    return pd.DataFrame(rows, columns=["sheet", "excel_row", "record_key", "header", "value", "county_code"])


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
    schools = tables.get("schools")
    county_of = dict(zip(schools["school_id"], schools["county_code"])) if schools is not None else {}
    checked = Checked(path, found, {k: v for k, v in tables.items()}, extra=_extra_frame(raw, county_of),
                      source_sha256=file_sha256(path))
    if checked.errors:
        return checked
    say(0.6, "progress.outlines")
    schools = tables["schools"]
    counties = schools.groupby("county_code", as_index=False)["county_name"].first()
    where = schools.groupby("county_code")[["lon", "lat"]].median()          # tells apart two units of one name
    outlines = (outline_source or boundaries.county_outlines)(counties.join(where, on="county_code"))
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
            role: str = "cli", progress=None) -> int:
    """Write ``checked`` as a new dataset version and make it current, with its audit entry (action 'import',
    the counties it replaces, the file's name and SHA-256, the version: see :func:`versions.publish`); returns
    the version number."""
    if checked.errors:
        raise ValueError("a workbook with errors cannot be published")
    say = progress or (lambda f, k: None)
    say(0.75, "progress.writing")
    tables = {k: v.drop(columns="_row") for k, v in checked.tables.items()}
    scope = versions.submission_scope(tables)
    meta = {
        "is_demo": "true" if is_demo else "false",
        "source_file": checked.source.name,
        "source_sha256": checked.source_sha256 or file_sha256(checked.source),
        "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "imported_by": user or getpass.getuser(),
        "row_counts": json.dumps({k: int(len(v)) for k, v in tables.items()}, ensure_ascii=False),
        "warnings_accepted": str(len(checked.warnings)),
        # what the submission tracker reads: counties and years replaced, sheets sent, warnings accepted
        "submission": json.dumps({"counties": scope, "sheets": sorted(tables),
                                  "warnings": [{"key": p.key, "sheet": p.sheet, "row": p.row, "column": p.column,
                                                "params": p.params} for p in checked.warnings]},
                                 ensure_ascii=False, default=str),
    }
    entry = versions.Entry(meta["imported_by"], role, "import", ",".join(sorted(scope)),
                           f"{checked.source.name} sha256:{meta['source_sha256']}")
    number = versions.publish(db_path, tables, checked.outlines, checked.towns, meta, checked.extra, scope=scope,
                              entry=entry)
    say(1.0, "progress.done")
    return number


def import_workbook(path: str | Path, db_path: str | Path, *, accept_warnings: bool = False, is_demo: bool = False,
                    user: str | None = None, role: str = "cli", outline_source=None, progress=None,
                    towns_geojson=None) -> ImportReport:
    """Check ``path``; publish it when it has no error and its warnings (if any) are accepted."""
    checked = check(path, outline_source=outline_source, progress=progress, towns_geojson=towns_geojson)
    tables = {k: v.drop(columns="_row") for k, v in checked.tables.items()}
    report = ImportReport(checked.problems, tables)
    if checked.errors:
        return report
    report.replacement = versions.replacement(db_path, versions.submission_scope(tables))
    if checked.warnings and not accept_warnings:
        report.needs_confirmation = True
        return report
    try:
        report.version = publish(checked, db_path, is_demo=is_demo, user=user, role=role, progress=progress)
    except versions.PublishBusy:
        report.problems.append(Problem(ERROR, "publish_busy", params={"minutes": int(versions.LOCK_TIMEOUT_S // 60)}))
        return report
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


