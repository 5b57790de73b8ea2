"""Scenario steps on the seat balance and the school map, as pure functions.

- open_school: a new school adds its seats to its town and 学段 from the year it opens;
- merge_school: a closed school's pupils go to the nearest schools of the same 学段 with free seats and at
  least ``larger_min_students`` pupils (nearest first; whatever finds no free seat goes to the nearest
  of them and is flagged over capacity).
"""
from __future__ import annotations

import pandas as pd

from analytics import spatial
from analytics.config import Standards


def open_school(balance: pd.DataFrame, town: str, stage: str, seats: float, opens: int) -> pd.DataFrame:
    """The seat balance with a new school of ``seats`` seats in ``town`` from year ``opens``."""
    out = balance.copy()
    hit = (out["town"] == town) & (out["stage"] == stage) & (out["year"] >= opens)
    out.loc[hit, "seats"] = out.loc[hit, "seats"] + seats
    out["gap"] = out["seats"] - out["pupils"]
    return out


def merge_school(points: pd.DataFrame, school_id: str, standards: Standards, epsg: int) -> dict:
    """Close ``school_id`` and reassign its pupils (see module doc). Returns the reassignment
    (to school, pupils, distance m, over_capacity) and the points after (closed school removed)."""
    closing = points[points["school_id"] == school_id].iloc[0]
    stage = closing["stages"].split("、")[0]
    others = spatial.stage_schools(points[points["school_id"] != school_id].reset_index(drop=True), stage)
    larger = others["students"] >= standards["small_school_rules"]["larger_min_students"]
    others = others[larger].reset_index(drop=True) if larger.any() else others     # not onto other small schools
    others = others.assign(spare=spatial.spare_seats(others, standards).clip(lower=0))
    x0, y0 = spatial.project([closing["lon"]], [closing["lat"]], epsg)
    xs, ys = spatial.project(others["lon"], others["lat"], epsg)
    others["distance_m"] = ((xs - x0[0]) ** 2 + (ys - y0[0]) ** 2) ** 0.5
    others = others.sort_values("distance_m").reset_index(drop=True)
    left = int(closing["students"])
    moves = []
    for _, o in others.iterrows():
        if left == 0:
            break
        take = int(min(left, o["spare"]))
        if take > 0:
            moves.append({"school_id": o["school_id"], "name": o["name"], "pupils": take,
                          "distance_m": float(o["distance_m"]), "over_capacity": False})
            left -= take
    if left > 0 and len(others):
        o = others.iloc[0]
        moves.append({"school_id": o["school_id"], "name": o["name"], "pupils": left,
                      "distance_m": float(o["distance_m"]), "over_capacity": True})
    reassigned = pd.DataFrame(moves, columns=["school_id", "name", "pupils", "distance_m", "over_capacity"])
    after = points[points["school_id"] != school_id].copy()
    add = reassigned.groupby("school_id")["pupils"].sum()
    after["students"] = after["students"] + after["school_id"].map(add).fillna(0).astype(int)
    return {"closed": closing["name"], "pupils": int(closing["students"]), "reassigned": reassigned, "points": after}
