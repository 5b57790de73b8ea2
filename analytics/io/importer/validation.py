"""Stage 2 — validation: every cell parsed against the contract, then the rules across rows and
sheets (duplicates, orphans, part ≤ whole, stage fits type, coordinates, plausibility)."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from analytics.geo import coords
from analytics.io import contract
from analytics.io.importer.problems import (
    ERROR,
    NOTE,
    WARNING,
    Problem,
    Problems,
    RawSheet,
)
from analytics.standards import load_standards

# ---------------------------------------------------------------- validation


def _parse_sheet(raw: RawSheet, problems: Problems) -> pd.DataFrame:
    sheet = raw.sheet
    for c in sheet.columns:
        if c.required and c.key not in raw.headers:
            problems.add(Problem(ERROR, "missing_column", sheet.zh, raw.header_row, c.zh))
    if raw.too_many_rows:
        problems.add(Problem(ERROR, "too_many_rows", sheet.zh, None, None,
                             {"limit": f"{contract.raw_contract()['limits']['max_rows_per_sheet']:,}"}))
    if raw.padded_after is not None:                # padding: refused, never taken as the whole sheet
        problems.add(Problem(ERROR, "padded_sheet", sheet.zh, raw.padded_after or None, None,
                             {"row": raw.padded_after, "n": f"{contract.raw_contract()['limits']['max_blank_run']:,}"}))
    if raw.out_of_time:
        problems.add(Problem(ERROR, "read_too_long", sheet.zh, None, None,
                             {"seconds": contract.raw_contract()["limits"]["max_read_seconds"]}))
    from openpyxl.utils import get_column_letter
    for idx, header, first in raw.duplicate_columns:
        problems.add(Problem(ERROR, "duplicate_column", sheet.zh, raw.header_row, header,
                             {"first": get_column_letter(first + 1), "again": get_column_letter(idx + 1)}))
    limit = contract.raw_contract()["limits"]["max_text_chars"]
    for row_no, header, length in raw.too_long:
        problems.add(Problem(ERROR, "text_too_long", sheet.zh, row_no, header, {"n": f"{length:,}", "limit": f"{limit:,}"}))
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
                if c.required and present and not (c.blank_on_whole_school and rec.get("stage") == contract.WHOLE_SCHOOL):
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


def _check_county_shares(df: pd.DataFrame, problems: Problems) -> None:
    """A share or yes/no figure of 县级指标 outside [0, 1] (G12 = 1.009: more certified teachers than
    teachers) is refused with its row and column: it would pass a line no county can reach."""
    sheet = contract.sheet("county_indicators")
    shares = set(contract.codes()["share_indicator_codes"])
    value = pd.to_numeric(df["value"], errors="coerce")
    bad = df["indicator"].isin(shares) & ((value < 0) | (value > 1))
    for row, code, v in zip(df["_row"][bad], df["indicator"][bad], value[bad]):
        problems.add(Problem(ERROR, "share_out_of_range", sheet.zh, int(row), sheet.column("value").zh,
                             {"code": code, "value": f"{float(v):g}"}))


def _check_sheets_agree(stats: pd.DataFrame, classes: pd.DataFrame | None, schools: pd.DataFrame,
                        problems: Problems) -> None:
    """A warning per school whose 班级 rows and 学段 rows disagree (:func:`contract.class_rows_agreement`),
    naming both counts, on the school's first 学段 row."""
    if classes is None or not len(classes):
        return
    tolerance = contract.class_pupils_tolerance()
    found = contract.class_rows_agreement(stats, classes, tolerance)
    sheet = contract.sheet("stage_stats")
    names = dict(zip(schools["school_id"], schools["name"]))
    first = stats[stats["stage"] != contract.WHOLE_SCHOOL].groupby(["school_id", "year"])["_row"].min()
    for r in found[~found["agree"]].itertuples():
        count = lambda v: "—" if pd.isna(v) else f"{int(v):,}"  # noqa: E731
        problems.add(Problem(WARNING, "class_rows_disagree", sheet.zh, int(first.get((r.school_id, r.year), 0)) or None,
                             sheet.column("classes").zh,
                             {"school": names.get(r.school_id) or r.school_id, "year": int(r.year),
                              "stated_classes": count(r.classes_stated), "rows": count(r.class_rows),
                              "stated_pupils": count(r.pupils_stated), "row_pupils": count(r.pupils_in_rows),
                              "tolerance": f"{tolerance:.0%}"}))


def _warn_senior_part_missing(stats: pd.DataFrame, schools: pd.DataFrame, problems: Problems) -> None:
    """A 完全中学's 全校 row without 高中在校生数: its shared resources all go to the 初中部 (overstated)."""
    sheet = contract.sheet("stage_stats")
    if "senior_students" not in stats:
        senior = pd.Series(np.nan, index=stats.index)
    else:
        senior = pd.to_numeric(stats["senior_students"], errors="coerce")
    types = dict(zip(schools["school_id"], schools["school_type"]))
    names = dict(zip(schools["school_id"], schools["name"]))
    whole = (stats["stage"] == contract.WHOLE_SCHOOL) & senior.isna()
    for row, sid in zip(stats["_row"][whole], stats["school_id"][whole]):
        if isinstance(types.get(sid), str) and contract.has_senior_part(types[sid]):
            problems.add(Problem(WARNING, "senior_students_missing", sheet.zh, int(row),
                                 sheet.column("senior_students").zh, {"school": names.get(sid) or sid}))


def _note_whole_school_split(stats: pd.DataFrame, problems: Problems, weights: dict) -> None:
    whole = stats[stats["stage"] == contract.WHOLE_SCHOOL]
    if len(whole):
        problems.add(Problem(NOTE, "whole_school_split", contract.sheet("stage_stats").zh, None,
                             contract.sheet("stage_stats").column("stage").zh,
                             {"rows": len(whole), "schools": whole["school_id"].nunique(),
                              "weights": " : ".join(f"{k} {v:g}" for k, v in weights.items())}))


def validate(raw_sheets: dict[str, RawSheet], problems: Problems | None = None) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Parse and check every sheet; returns the tables (with ``_row``) and all problems."""
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
            _warn_senior_part_missing(stats, schools, problems)
            _check_sheets_agree(stats, tables.get("classes"), schools, problems)
            codes = schools["county_code"].dropna()
            _note_whole_school_split(stats, problems,
                                     load_standards(codes.iloc[0] if len(codes) else None)["split_weights"])
    if "county_indicators" in tables and len(tables["county_indicators"]):
        _check_county_shares(tables["county_indicators"], problems)
    if "settlements" in tables:
        tables["settlements"] = _check_coordinates(tables["settlements"], contract.sheet("settlements"), problems)
    return tables, problems.finish()


