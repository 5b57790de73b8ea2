"""The data contract (``data/contract.yaml``): sheets, columns, codes and cell parsers.

Cell parsers turn what a person typed into the stored value, or raise :class:`CellError`
with a catalog key saying what was expected. They normalise the usual mess (full-width
digits, thousands separators, units typed into the cell, "95%", 是/否) and report it.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

import pandas as pd


from analytics.codes import (  # noqa: F401 — the vocabulary, defined once on the ground floor (analytics.codes)
    CHILDREN_COLUMN, CONTRACT_PATH, JUNIOR, PRIMARY, STAGES, URBAN_RURAL_GROUPS, WHOLE_SCHOOL, canonical_rank, codes,
    has_senior_part, is_combined_school, is_special_education, is_urban, is_village_school,
    raw_contract, school_type_code, stage_of_grade, urban_rural_group)


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    type: str
    required: bool = False
    unit: str | None = None
    blank_on_whole_school: bool = False     # required, except on a 全校 row (shared resources only)


@dataclass(frozen=True)
class Sheet:
    key: str
    zh: str
    required: bool
    key_columns: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def column_keys(self) -> list[str]:
        return [c.key for c in self.columns]


@lru_cache(maxsize=1)
def sheets() -> tuple[Sheet, ...]:
    out = []
    for s in raw_contract()["sheets"]:
        cols = tuple(Column(**c) for c in s["columns"])
        out.append(Sheet(s["key"], s["zh"], bool(s.get("required")), tuple(s["key_columns"]), cols))
    return tuple(out)


def sheet(key: str) -> Sheet:
    return next(s for s in sheets() if s.key == key)


def part_whole_rules() -> dict[str, list[list[str]]]:
    return raw_contract()["part_whole"]


# ---------------------------------------------------------------- cell parsing


class CellError(ValueError):
    """A cell that cannot be read: ``key`` names the catalog message, ``params`` fill it."""

    SHOWN = 60                       # characters of the value a message quotes (a 5 MB cell is not quoted whole)

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = {k: (v[:self.SHOWN] + "…" if isinstance(v, str) and len(v) > self.SHOWN else v)
                       for k, v in params.items()}


_UNIT_SUFFIX = re.compile(r"\s*(㎡|m²|m2|平方米|平米|万元|元|人|名|间|个|班|分|册)$", re.IGNORECASE)


def clean_text(value) -> str | None:
    """Strip spaces (also full-width) and fold full-width characters; '' → None."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


def parse_number(value) -> tuple[float, bool]:
    """A number from a cell; returns (value, normalised?) where normalised says text was cleaned.

    Accepts '1,200', full-width '１２００', '1200㎡', ' 12 '. Raises CellError('expect.number').
    """
    if isinstance(value, bool):
        raise CellError("expect.number", got=str(value))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            raise CellError("expect.number", got="")
        return float(value), False
    text = clean_text(value)
    if text is None:
        raise CellError("expect.number", got="")
    original = str(value)
    stripped = _UNIT_SUFFIX.sub("", text).replace(",", "").replace("，", "").strip()
    try:
        number = float(stripped)
    except ValueError:
        raise CellError("expect.number", got=original) from None
    if not math.isfinite(number):
        raise CellError("expect.number", got=original)
    return number, stripped != original


def parse_cell(col_type: str, value):
    """Parse one non-empty cell for a contract column type.

    Returns ``(stored_value, normalised)``. Raises :class:`CellError` with what was expected.
    """
    if col_type == "text":
        text = clean_text(value)
        return text, text != value
    if col_type == "school_id":
        text = clean_text(value)
        if not (text and re.fullmatch(r"\d{10}", text)):
            raise CellError("expect.school_id", got=str(value))
        return text, text != value
    if col_type == "county_code":
        text = clean_text(value)
        if not (text and re.fullmatch(r"\d{6}", text)):
            raise CellError("expect.county_code", got=str(value))
        return text, text != value
    if col_type in ("count", "grade", "year"):
        number, normalised = parse_number(value)
        if not float(number).is_integer():
            raise CellError("expect.integer", got=str(value))
        number = int(number)
        if number < 0:
            raise CellError("expect.non_negative", got=str(value))
        if number > raw_contract()["limits"]["max_count"]:
            raise CellError("expect.too_large", got=str(value), limit=raw_contract()["limits"]["max_count"])
        if col_type == "grade" and not 1 <= number <= 9:
            raise CellError("expect.grade", got=str(value))
        first, last = codes()["year_range"]
        if col_type == "year" and not first <= number <= last:
            raise CellError("expect.year", got=str(value))
        return number, normalised
    if col_type == "amount":
        number, normalised = parse_number(value)
        if number < 0:
            raise CellError("expect.non_negative", got=str(value))
        return number, normalised
    if col_type == "number":
        return parse_number(value)
    if col_type == "share":
        text = clean_text(value)
        percent = isinstance(value, str) and text is not None and text.endswith("%")
        number, normalised = parse_number(text[:-1] if percent else value)
        if percent or number > 1:
            number /= 100.0
            normalised = True
        if not 0 <= number <= 1:
            raise CellError("expect.share", got=str(value))
        return number, normalised
    if col_type in ("lon", "lat"):
        number, normalised = parse_number(value)
        low, high = (-180, 180) if col_type == "lon" else (-90, 90)
        if col_type == "lat" and 73 <= number <= 135:        # a Chinese longitude in the latitude column
            raise CellError("expect.lat_swapped", got=str(value))
        if not low <= number <= high:
            raise CellError(f"expect.{col_type}", got=str(value))
        return number, normalised
    if col_type == "yes_no":
        text = (clean_text(value) or "").upper()
        if text in ("是", "Y", "YES", "TRUE", "1"):
            return True, text != "是"
        if text in ("否", "N", "NO", "FALSE", "0"):
            return False, text != "否"
        raise CellError("expect.yes_no", got=str(value))
    if col_type == "ownership":
        text = clean_text(value)
        mapping = {"公办": "公办", "民办": "民办", "PUBLIC": "公办", "PRIVATE": "民办"}
        if text and text.upper() in mapping:
            return mapping[text.upper()], mapping[text.upper()] != value
        raise CellError("expect.ownership", got=str(value))
    if col_type == "crs":
        text = (clean_text(value) or "").upper().replace("-", "").replace("_", "")
        mapping = {"WGS84": "WGS84", "GCJ02": "GCJ02", "BD09": "BD09"}
        if text in mapping:
            return mapping[text], mapping[text] != value
        raise CellError("expect.crs", got=str(value))
    if col_type == "school_type":
        text = clean_text(value)
        by_name = {name: code for code, name in codes()["school_type"].items()}
        if text in by_name:
            return by_name[text], False
        if text in codes()["school_type"]:           # a code, "5xx" (any special education) included
            return text, text != value
        if text and re.fullmatch(r"5\d{2}", text):
            return text, True
        raise CellError("expect.school_type", got=str(value))
    if col_type == "urban_rural_code":
        text = clean_text(value)
        if text in codes()["urban_rural"]:
            return text, text != value
        raise CellError("expect.urban_rural_code", got=str(value))
    if col_type in ("stage", "stage_or_whole"):
        text = clean_text(value)
        allowed = STAGES + ((WHOLE_SCHOOL,) if col_type == "stage_or_whole" else ())
        if text in allowed:
            return text, text != value
        raise CellError(f"expect.{col_type}", got=str(value))
    if col_type == "indicator_code":
        text = (clean_text(value) or "").upper()
        if text in codes()["indicator_codes"]:
            return text, text != value
        raise CellError("expect.indicator_code", got=str(value))
    raise ValueError(f"unknown column type {col_type}")


def is_blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, (datetime, date)):
        return False
    return isinstance(value, str) and clean_text(value) is None


# Columns the importer derives (not in the workbook) and code columns shown with their names beside
# them when read (数据浏览 and its Excel): catalog keys of their headers.
DERIVED_HEADERS = {"urban_rural_group": "col.group"}
NAMED_CODES = {"school_type": ("col.school_type_name", lambda c: codes()["school_type"].get(school_type_code(c), "")),
               "urban_rural_code": ("col.urban_rural_name", lambda c: codes()["urban_rural"].get(str(c), ""))}




def class_pupils_tolerance() -> float:
    """How far Σ 班级人数 may stray from Σ 在校生数 before the sheets disagree (``checks.class_pupils_tolerance``)."""
    return float(raw_contract()["checks"]["class_pupils_tolerance"])


def class_rows_agreement(stats, classes, tolerance: float | None = None):
    """Per school × year with class rows: do the 班级 rows and the 学段 rows (全校 rows aside) describe the
    same school? Columns: school_id, year, classes_stated (Σ 班级数), class_rows (rows on the 班级 sheet),
    pupils_stated (Σ 在校生数), pupils_in_rows (Σ 班级人数), agree.

    agree = class_rows == classes_stated and |pupils_in_rows − pupils_stated| ≤ tolerance × pupils_stated;
    a blank stated figure cannot disagree (nothing to compare). Example: 28 classes and 1,284 pupils stated,
    27 rows holding 1,233 → disagree (a row is missing), whatever the tolerance. ``tolerance`` defaults to
    :func:`class_pupils_tolerance`.
    """
    tolerance = class_pupils_tolerance() if tolerance is None else tolerance
    columns = ["school_id", "year", "classes_stated", "class_rows", "pupils_stated", "pupils_in_rows", "agree"]
    if classes is None or stats is None or len(classes) == 0 or len(stats) == 0:
        return pd.DataFrame(columns=columns)
    parts = stats[stats["stage"] != WHOLE_SCHOOL]
    num = lambda df, c: pd.to_numeric(df[c], errors="coerce").astype("float64")  # noqa: E731
    stated = pd.DataFrame({"school_id": parts["school_id"], "year": parts["year"],
                           "classes_stated": num(parts, "classes"), "pupils_stated": num(parts, "students")}) \
        .groupby(["school_id", "year"]).sum(min_count=1)
    blank = parts.assign(_c=num(parts, "classes").isna(), _p=num(parts, "students").isna()) \
        .groupby(["school_id", "year"])[["_c", "_p"]].any()
    stated.loc[blank["_c"].reindex(stated.index, fill_value=False), "classes_stated"] = float("nan")
    stated.loc[blank["_p"].reindex(stated.index, fill_value=False), "pupils_stated"] = float("nan")
    rows = pd.DataFrame({"school_id": classes["school_id"], "year": classes["year"],
                         "pupils": num(classes, "students")}).groupby(["school_id", "year"]) \
        .agg(class_rows=("pupils", "size"), pupils_in_rows=("pupils", lambda x: x.sum(min_count=1)))
    out = rows.join(stated, how="inner").reset_index()
    count_ok = out["classes_stated"].isna() | (out["class_rows"] == out["classes_stated"])
    pupils_ok = out["pupils_stated"].isna() | out["pupils_in_rows"].isna() | \
        ((out["pupils_in_rows"] - out["pupils_stated"]).abs() <= tolerance * out["pupils_stated"] + 1e-9)
    out["agree"] = count_ok & pupils_ok
    return out[columns]
