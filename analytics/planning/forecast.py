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

from analytics.io import contract
from analytics.codes import stages_of_grades
from analytics.standards import Standards

PRIMARY_GRADES, JUNIOR_GRADES = range(1, 7), range(7, 10)
VARIANTS = {"low": -1, "central": 0, "high": 1}


def grade_history(classes: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Pupils per town × year × grade (columns town, year, grade, pupils)."""
    df = classes.merge(schools[["school_id", "town"]], on="school_id")
    return df.groupby(["town", "year", "grade"], as_index=False)["students"].sum().rename(columns={"students": "pupils"})


def _cube(history: pd.DataFrame) -> tuple[list[str], list[int], np.ndarray]:
    """Pupils as an array [town, year, grade 1–9] (NaN where a town-year is absent)."""
    towns = sorted(history["town"].unique())
    years = list(range(int(history["year"].min()), int(history["year"].max()) + 1))
    cube = np.full((len(towns), len(years), 9), np.nan)
    ti = {t: i for i, t in enumerate(towns)}
    for t, y in history.groupby(["town", "year"]).size().index:
        cube[ti[t], y - years[0], :] = 0.0
    cube[history["town"].map(ti).to_numpy(), history["year"].to_numpy() - years[0],
         history["grade"].to_numpy().astype(int) - 1] = history["pupils"].to_numpy(float)
    return towns, years, cube


def _births_matrix(births: pd.DataFrame, towns: list[str], first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Births [town, year first…last] and whether each was known: known where given, else the town's
    geometric trend of its last five known years (0 for a town without births)."""
    out = np.zeros((len(towns), last - first + 1))
    known_mask = np.zeros_like(out, dtype=bool)
    by_town = {t: g.set_index("year")["births"].sort_index() for t, g in births.groupby("town")} if len(births) else {}
    for i, t in enumerate(towns):
        known = by_town.get(t)
        if known is None or known.empty:
            continue
        k_last = int(known.index.max())
        recent = known.loc[k_last - 5:k_last]
        trend = (recent.iloc[-1] / recent.iloc[0]) ** (1 / max(len(recent) - 1, 1)) \
            if len(recent) > 1 and recent.iloc[0] > 0 else 1.0
        for j, y in enumerate(range(first, last + 1)):
            if y in known.index:
                out[i, j], known_mask[i, j] = float(known[y]), True
            else:
                out[i, j] = float(known.iloc[-1]) * trend ** (y - k_last)
    return out, known_mask


def calibrate(history: pd.DataFrame, births: pd.DataFrame, std: Standards) -> dict:
    """Intake ratio per town (county-wide where its births are too few), progression and transition
    ratios county-wide, and each town's share of grade 7 in the last year."""
    minimum = std["planning"]["min_pupils_for_town_ratio"]
    towns, years, cube = _cube(history)
    b, known = _births_matrix(births, towns, years[0] - 6, years[-1] - 6)
    g1 = cube[:, :, 0]
    use = ~np.isnan(g1) & known
    num, den = np.where(use, g1, 0).sum(axis=1), np.where(use, b, 0).sum(axis=1)
    county = num.sum() / den.sum() if den.sum() > 0 else math.nan
    ratios = {"intake": {t: float(num[i] / den[i]) if den[i] >= minimum else county for i, t in enumerate(towns)},
              "progress": {}, "transition": {}}
    now, nxt = cube[:, :-1, :], cube[:, 1:, :]
    pair = ~np.isnan(now[:, :, 0]) & ~np.isnan(nxt[:, :, 0])
    for grade in list(PRIMARY_GRADES) + list(JUNIOR_GRADES)[:-1]:
        f, to = np.where(pair, now[:, :, grade - 1], 0).sum(), np.where(pair, nxt[:, :, grade], 0).sum()
        ratios["transition" if grade == 6 else "progress"][grade] = float(to / f) if f > 0 else math.nan
    g7 = np.nan_to_num(cube[:, -1, 6])
    ratios["junior_share"] = {t: float(g7[i] / g7.sum()) if g7.sum() > 0 else 0.0 for i, t in enumerate(towns)}
    return ratios


def project(history: pd.DataFrame, births: pd.DataFrame, ratios: dict, start_year: int, horizon: int,
            urban_towns: set, urban_shift: float, variant: int, spread: float) -> pd.DataFrame:
    """Pupils per town × grade for start_year+1 … start_year+horizon from the grades of start_year."""
    towns = sorted(history["town"].unique())
    ti = {t: i for i, t in enumerate(towns)}
    now = np.zeros((len(towns), 9))
    last = history[history["year"] == start_year]
    now[last["town"].map(ti).to_numpy(), last["grade"].to_numpy().astype(int) - 1] = last["pupils"].to_numpy(float)
    b, _ = _births_matrix(births, towns, start_year + 1 - 6, start_year + horizon - 6)
    intake = np.array([ratios["intake"].get(t, 0.0) for t in towns])
    share = np.array([ratios["junior_share"].get(t, 0.0) for t in towns])
    progress = {g: ratios["progress"].get(g, 1.0) for g in (1, 2, 3, 4, 5, 7, 8)}
    transition = ratios["transition"].get(6, 1.0)
    urban = np.array([t in urban_towns for t in towns])
    frames = []
    for step in range(1, horizon + 1):
        nxt = np.zeros_like(now)
        nxt[:, 0] = intake * b[:, step - 1] * (1 + variant * spread) ** step     # the fan: intake off the path
        for g, r in progress.items():
            nxt[:, g] = now[:, g - 1] * r
        nxt[:, 6] = now[:, 5].sum() * transition * share
        if urban_shift and urban.any() and (~urban).any():
            moved = (nxt[~urban, 0] * urban_shift).sum()
            nxt[~urban, 0] *= 1 - urban_shift
            u = nxt[urban, 0]
            nxt[urban, 0] += moved * (u / u.sum() if u.sum() > 0 else np.full(len(u), 1 / len(u)))
        frames.append(pd.DataFrame({"town": np.repeat(towns, 9), "year": start_year + step,
                                    "grade": np.tile(np.arange(1, 10), len(towns)), "pupils": nxt.ravel()}))
        now = nxt
    return pd.concat(frames, ignore_index=True)


def by_stage(grades: pd.DataFrame) -> pd.DataFrame:
    g = grades.assign(stage=stages_of_grades(grades["grade"]))
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


def school_seats(stats: pd.DataFrame, schools: pd.DataFrame, std: Standards) -> pd.DataFrame:
    """Seats per school × 学段: 核定学位 of one-学段 schools, else classes × the standard class size
    (columns of the 学段 rows + town, capacity, name, seats)."""
    keep = [c for c in ("school_id", "town", "capacity", "name") if c in schools]
    parts = stats[stats["stage"] != contract.WHOLE_SCHOOL].merge(schools[keep], on="school_id")
    single = parts.groupby("school_id")["stage"].transform("count") == 1
    per_class = parts["stage"].map(std["planning"]["seats_per_class"]).astype(float)
    parts["seats"] = np.where(single & parts["capacity"].notna(), parts["capacity"], parts["classes"] * per_class)
    return parts


def seats(stats: pd.DataFrame, schools: pd.DataFrame, std: Standards) -> pd.DataFrame:
    """Seats per town × 学段 (sum of :func:`school_seats`)."""
    return school_seats(stats, schools, std).groupby(["town", "stage"], as_index=False)["seats"].sum()


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


def town_year_gaps(balance: pd.DataFrame, stage: str) -> pd.DataFrame:
    """Seats − forecast pupils per town (rows) × year (columns) for one 学段 (central variant): negative where
    seats are short that year. Example: a town of 900 seats with 850, 920 and 990 pupils → 50, −20, −90."""
    b = balance[balance["stage"] == stage]
    if b.empty:
        return pd.DataFrame()
    return b.pivot_table(index="town", columns="year", values="gap", aggfunc="sum").sort_index()


def seat_class(gap: float, seats: float, tight_share: float) -> str:
    """A town-year's seats: ``short`` (gap < 0), ``tight`` (within ``tight_share`` of its seats), ``spare``."""
    if gap != gap:
        return "unknown"
    if gap < 0:
        return "short"
    return "tight" if seats > 0 and gap < tight_share * seats else "spare"
