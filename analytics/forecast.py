"""Enrolment forecast by the cohort method of school planning, and seats against it.

History: pupils per town × grade × year from the 班级 sheet; births per town × year from 人口.
    grade 1 in year y      = births(y − 6) × intake ratio of the town
    grade g+1 in year y+1  = grade g in year y × progression ratio (g = 1…5, 7, 8)
    grade 7 in year y+1    = county grade 6 in year y × transition ratio × the town's grade-7 share
Ratios are pooled over the history (Σ numerators / Σ denominators): the intake ratio per town (when its
births reach ``min_pupils_for_town_ratio``, else county-wide); progression and transition county-wide,
because pupils change towns between grades — the 初中 intake is shared out by each town's grade-7 share. Births after the last known year follow the
town's geometric trend of the last five years. The urbanisation shift moves a share of the rural
towns' grade-1 intake to the urban towns (in proportion to their intake) every forecast year. Low /
high variants put the grade-1 intake ``variant_spread_per_year`` per year ahead below / above the central
path (births and migration both uncertain).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analytics import contract
from analytics.config import Standards

PRIMARY_GRADES, JUNIOR_GRADES = range(1, 7), range(7, 10)
VARIANTS = {"low": -1, "central": 0, "high": 1}


def grade_history(classes: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Pupils per town × year × grade (columns town, year, grade, pupils)."""
    df = classes.merge(schools[["school_id", "town"]], on="school_id")
    return df.groupby(["town", "year", "grade"], as_index=False)["students"].sum().rename(columns={"students": "pupils"})


def _pooled(num: pd.Series, den: pd.Series) -> float:
    d = den.sum()
    return float(num.sum() / d) if d > 0 else math.nan


def calibrate(history: pd.DataFrame, births: pd.DataFrame, std: Standards) -> dict:
    """Intake, progression and transition ratios per town (county-wide where a town has too few pupils)."""
    minimum = std["planning"]["min_pupils_for_town_ratio"]
    g = history.pivot_table(index=["town", "year"], columns="grade", values="pupils", aggfunc="sum", fill_value=0)
    b = births.set_index(["town", "year"])["births"]
    towns = sorted(history["town"].unique())
    ratios = {"intake": {}, "progress": {}, "transition": {}}
    # intake: grade 1 over births six years earlier
    rows = [(t, y, g.loc[(t, y)].get(1, 0), b.get((t, y - 6), np.nan)) for t, y in g.index]
    intake = pd.DataFrame(rows, columns=["town", "year", "g1", "births"]).dropna()
    county_intake = _pooled(intake["g1"], intake["births"])
    for t in towns:
        part = intake[intake["town"] == t]
        ratios["intake"][t] = _pooled(part["g1"], part["births"]) if part["births"].sum() >= minimum else county_intake
    # progression and transition: grade g in y → grade g+1 in y+1
    pairs = []
    for (t, y) in g.index:
        if (t, y + 1) in g.index:
            for grade in list(PRIMARY_GRADES) + list(JUNIOR_GRADES)[:-1]:
                pairs.append((t, grade, g.loc[(t, y)].get(grade, 0), g.loc[(t, y + 1)].get(grade + 1, 0)))
    pairs = pd.DataFrame(pairs, columns=["town", "grade", "from", "to"])
    # county-wide: pupils change towns between grades (and into 初中 in another town), so progression and
    # transition are pooled over the county; the 初中 intake is shared out by each town's grade-7 share
    for grade in list(PRIMARY_GRADES) + list(JUNIOR_GRADES)[:-1]:
        part = pairs[pairs["grade"] == grade]
        ratios["transition" if grade == 6 else "progress"][grade] = _pooled(part["to"], part["from"])
    last = int(history["year"].max())
    g7 = history[(history["year"] == last) & (history["grade"] == 7)].set_index("town")["pupils"]
    ratios["junior_share"] = (g7 / g7.sum()).to_dict() if g7.sum() > 0 else {}
    return ratios


def births_path(births: pd.DataFrame, town: str, years) -> dict:
    """Births per year: known where given, else the town's geometric trend of the last five years."""
    known = births[births["town"] == town].set_index("year")["births"].sort_index()
    last = int(known.index.max())
    recent = known.loc[last - 5:last]
    trend = (recent.iloc[-1] / recent.iloc[0]) ** (1 / max(len(recent) - 1, 1)) if len(recent) > 1 and recent.iloc[0] > 0 else 1.0
    out = {}
    for y in years:
        base = float(known[y]) if y in known.index else float(known.iloc[-1]) * trend ** (y - last)
        out[y] = base
    return out


def project(history: pd.DataFrame, births: pd.DataFrame, ratios: dict, start_year: int, horizon: int,
            urban_towns: set, urban_shift: float, variant: int, spread: float) -> pd.DataFrame:
    """Pupils per town × grade for start_year+1 … start_year+horizon from the grades of start_year."""
    towns = sorted(history["town"].unique())
    now = {t: {g: 0.0 for g in range(1, 10)} for t in towns}
    for r in history[history["year"] == start_year].itertuples():
        now[r.town][int(r.grade)] = float(r.pupils)
    paths = {t: births_path(births, t, range(start_year - 6, start_year + horizon + 1))
             if t in set(births["town"]) else {} for t in towns}
    rows = []
    for step in range(1, horizon + 1):
        y = start_year + step
        nxt = {t: {} for t in towns}
        for t in towns:
            nxt[t][1] = ratios["intake"].get(t, 0.0) * paths[t].get(y - 6, 0.0) if paths[t] else 0.0
            nxt[t][1] *= (1 + variant * spread) ** step          # the fan: intake off the central path
            for grade in (1, 2, 3, 4, 5, 7, 8):
                nxt[t][grade + 1] = now[t][grade] * ratios["progress"].get(grade, 1.0)
        grade7 = sum(now[t][6] for t in towns) * ratios["transition"].get(6, 1.0)
        for t in towns:
            nxt[t][7] = grade7 * ratios["junior_share"].get(t, 0.0)
        rural = [t for t in towns if t not in urban_towns]
        urban = [t for t in towns if t in urban_towns]
        moved = sum(nxt[t][1] * urban_shift for t in rural)
        urban_total = sum(nxt[t][1] for t in urban)
        for t in rural:
            nxt[t][1] *= 1 - urban_shift
        for t in urban:
            nxt[t][1] += moved * (nxt[t][1] / urban_total if urban_total else 1 / len(urban))
        for t in towns:
            for grade in range(1, 10):
                rows.append({"town": t, "year": y, "grade": grade, "pupils": nxt[t][grade]})
        now = nxt
    return pd.DataFrame(rows)


def by_stage(grades: pd.DataFrame) -> pd.DataFrame:
    g = grades.assign(stage=grades["grade"].map(lambda x: contract.PRIMARY if x <= 6 else contract.JUNIOR))
    return g.groupby(["town", "stage", "year"], as_index=False)["pupils"].sum()


def forecast(classes, schools, births, std: Standards, urban_towns: set, urban_shift: float | None = None) -> dict:
    """Central, low and high forecasts per town × 学段 × year, with the history and the backtest."""
    cfg = std["planning"]
    shift = cfg["urban_shift_per_year"] if urban_shift is None else urban_shift
    history = grade_history(classes, schools)
    last = int(history["year"].max())
    ratios = calibrate(history, births, std)
    out = []
    for name, v in VARIANTS.items():
        f = by_stage(project(history, births, ratios, last, cfg["horizon_years"], urban_towns, shift, v,
                             cfg["variant_spread_per_year"]))
        out.append(f.assign(variant=name))
    return {"history": by_stage(history).assign(variant="history"), "forecast": pd.concat(out, ignore_index=True),
            "backtest": backtest(history, births, std, urban_towns, shift), "ratios": ratios, "last_year": last}


def backtest(history, births, std, urban_towns, shift) -> pd.DataFrame:
    """Forecast the latest year from the years before it; error per town × 学段 (forecast − actual)."""
    last = int(history["year"].max())
    earlier = history[history["year"] < last]
    if earlier["year"].nunique() < 2:
        return pd.DataFrame(columns=["town", "stage", "actual", "forecast", "error", "error_share"])
    ratios = calibrate(earlier, births, std)
    f = by_stage(project(earlier, births, ratios, last - 1, 1, urban_towns, shift, 0, 0.0))
    actual = by_stage(history[history["year"] == last])
    m = actual.merge(f, on=["town", "stage", "year"], suffixes=("_actual", "_forecast"))
    m = m.rename(columns={"pupils_actual": "actual", "pupils_forecast": "forecast"})
    m["error"] = m["forecast"] - m["actual"]
    m["error_share"] = m["error"] / m["actual"].where(m["actual"] > 0)
    return m[["town", "stage", "actual", "forecast", "error", "error_share"]]


def seats(stats: pd.DataFrame, schools: pd.DataFrame, std: Standards) -> pd.DataFrame:
    """Seats per town × 学段: 核定学位 of one-学段 schools, else classes × the standard class size."""
    parts = stats[stats["stage"] != contract.WHOLE_SCHOOL].merge(schools[["school_id", "town", "capacity"]], on="school_id")
    single = parts.groupby("school_id")["stage"].transform("count") == 1
    per_class = parts["stage"].map(std["planning"]["seats_per_class"]).astype(float)
    parts["seats"] = np.where(single & parts["capacity"].notna(), parts["capacity"], parts["classes"] * per_class)
    return parts.groupby(["town", "stage"], as_index=False)["seats"].sum()


def seat_balance(forecast_df: pd.DataFrame, seats_df: pd.DataFrame, variant: str = "central") -> pd.DataFrame:
    """Demand against seats per town × 学段 × year: gap = seats − demand; first shortage year; seats
    needed by the horizon (the largest shortage over the years)."""
    f = forecast_df[forecast_df["variant"] == variant].merge(seats_df, on=["town", "stage"], how="left")
    f["seats"] = f["seats"].fillna(0)
    f["gap"] = f["seats"] - f["pupils"]
    return f


def shortage_summary(balance: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (town, stage), g in balance.groupby(["town", "stage"]):
        short = g[g["gap"] < 0].sort_values("year")
        rows.append({"town": town, "stage": stage, "seats": float(g["seats"].iloc[0]),
                     "first_shortage": int(short["year"].iloc[0]) if len(short) else None,
                     "seats_needed": float(max(0.0, -g["gap"].min())),
                     "demand_horizon": float(g.sort_values("year")["pupils"].iloc[-1])})
    return pd.DataFrame(rows).sort_values(["seats_needed"], ascending=False)
