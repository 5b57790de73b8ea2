"""Streamlit helpers of the city and province view (区县比较): the counties' verdicts run with a progress
bar, the resource table coloured by its marks with the decimals that keep a value apart from its line."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.report.comparison import format_value
from analytics.report.escape import markdown_text
from ui import data
from ui.strings import tr

MARK_STYLE = {"fail": "background-color: #FBE3D6", "near": "background-color: #FFF1C9",
              "unknown": "background-color: #EEEEEE"}


def verdicts(sig: tuple, region: str, year: int) -> dict:
    """:func:`service.region_verdicts` with a progress bar while the counties' scorecards are computed (a
    province's 95 take half a minute the first time in a version; then they are kept)."""
    bar = st.empty()

    def step(done, total, name):
        bar.progress(done / max(total, 1), text=tr("compare.verdicts_progress", county=markdown_text(name or ""),
                                                   done=done, total=total))
    found = data.region_verdicts(sig, region, year, _progress=step)
    bar.empty()
    return found


def only(found: dict, codes: set[str]) -> dict:
    """The verdicts of some counties only (a peer group)."""
    return {"counties": found["counties"][found["counties"]["county_code"].isin(codes)],
            "items": found["items"][found["items"]["county_code"].isin(codes)]}


def styled(table: pd.DataFrame, marks: pd.DataFrame, lines: dict[str, float]):
    """The resource table as numbers, each cell coloured by its mark (fails red, near the line yellow,
    undecided grey) and a CV written with the decimals that read which side of its line it is on."""
    formats = {}
    for column, line in lines.items():
        formats[column] = (lambda v: format_value("R8", v)) if line is None else (lambda v, l=line: format_value("L", v, l))
    return table.style.format(formats, na_rep="—").apply(lambda _: marks.map(lambda m: MARK_STYLE.get(m, "")), axis=None)
