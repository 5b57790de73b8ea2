"""Problems found in a workbook (where: sheet, row, column; what was expected) and the reports
that carry them to the page, the CLI and the checked workbook."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analytics.io import contract
from analytics.i18n import t

ERROR, WARNING, NOTE = "error", "warning", "note"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, NOTE: 2}
HEADER_UNIT = re.compile(r"[\(（][^\)）]*[\)）]$")


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
    too_many_rows: bool = False                 # reading stopped at limits.max_rows_per_sheet (blank rows count)
    padded_after: int | None = None             # reading stopped at a run of limits.max_blank_run blank rows
    out_of_time: bool = False                   # reading stopped at limits.max_read_seconds
    duplicate_columns: list[tuple[int, str, int]] = field(default_factory=list)  # (position, header, first position)
    too_long: list[tuple[int, str, int]] = field(default_factory=list)           # (row, header, characters)


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
    source_sha256: str = ""                     # of the file as checked (the file itself need not stay)

    def row_counts(self) -> dict[str, int]:
        return {k: int(len(v)) for k, v in self.tables.items()}


@dataclass
class ImportReport(_Findings):
    problems: list[Problem]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    written: bool = False
    needs_confirmation: bool = False
    version: int | None = None
    replacement: dict | None = None      # counties and years replaced, counties kept (versions.replacement)

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


