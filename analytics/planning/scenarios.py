"""Layout scenarios: steps applied to one county-year, and everything recomputed after them.

A scenario is a list of :class:`Step` applied in order to a :class:`State` (the county's schools,
the base year's 学段 rows and classes, the settlements and which school each settlement's
children go to — its catchment, first the nearest school of the 学段):

- ``open``: a new school of one 学段 at (lon, lat) with ``classes`` classes; seats = classes × the
  standard class size. Facilities are built for every seat at the lines (L4–L7, × ``build_factor``).
  Settlements now nearest to it join its catchment; each school that loses settlements sends it
  pupils in proportion: P_A × children(A→new) / children(A), at most ``max_fill`` × its seats
  (scaled down when more want to come). Teachers follow pupils (below); new hires then bring its
  L1–L3 to the lines for its pupils (``staff_to_line``). Seats count from ``opens``.
- ``expand``: ``classes`` more classes at a school: seats + classes × class size, classrooms
  (teaching area and multimedia rooms per class), teachers per extra class hired; each new class
  goes to the grade with the largest average class, whose pupils are spread evenly again.
- ``close``: the school's pupils go to the nearest schools of the same 学段 with free seats and at
  least ``larger_min_students`` pupils (nearest first; what finds no free seat goes to the nearest,
  flagged over capacity); teachers follow pupils; resources in ``close_moves`` go with the pupils,
  the rest stays with the buildings; its settlements join the nearest remaining school.
- ``redraw``: every settlement's children go to the nearest school of the 学段; pupils move from A
  to B in proportion to the children whose nearest school changed from A to B.

Pupil moves keep totals exactly (integer shares by largest remainder). When pupils move, the
sender's classes of the 学段 shrink grade by grade in proportion and the receiver's grow evenly;
with ``move_teachers_with_pupils`` each teacher count of the sender moves in the same proportion.

Evaluation (:func:`evaluate`): seat balance by town and year (forecast demand, which does not change
with the scenario, against the scenario's seats), seats per school catchment (school pupils grown
as its town's forecast), class bands, children beyond the walking norms, the seven CVs and complying
schools, the scorecard verdict, and what the steps cost (data/standards/costs.yaml).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

import numpy as np
import pandas as pd

from analytics.geo import spatial
from analytics.io import contract
from analytics.method import scorecard as sc
from analytics.method import sizing
from analytics.method.indicators import YUAN_PER_WAN, to_quantity
from analytics.planning import rectification
from analytics.planning.forecast import school_seats as seats_of
from analytics.planning.rectification import load_costs
from analytics.standards import Standards, indicator_codes

TEACHER_COLUMNS = ("teachers", "teachers_above_degree", "backbone_teachers", "pe_teachers", "music_teachers",
                   "art_teachers", "certified_teachers")
KINDS = ("open", "expand", "close", "redraw")
THROUGH = "九年一贯"          # a new 九年一贯制 school: ``classes`` 小学 classes and ``junior_classes`` 初中 classes


@dataclass
class Step:
    kind: str                      # open / expand / close / redraw
    school_id: str | None = None   # expand / close
    stage: str = contract.PRIMARY  # open (also THROUGH) / expand
    name: str = ""                 # open: the new school's name
    lon: float | None = None       # open
    lat: float | None = None
    classes: int = 0               # open / expand (小学 classes of a THROUGH school)
    junior_classes: int = 0        # open, THROUGH only: its 初中 classes
    opens: int | None = None       # open / expand: first school year with the seats (None: at once)
    town: str = ""                 # open: the town the new school belongs to ("" → :func:`town_of`)

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, "", 0) or k == "kind"}

    @classmethod
    def from_dict(cls, d: dict) -> "Step":
        known = {f.name for f in fields(cls)}
        step = cls(**{k: v for k, v in d.items() if k in known})
        if step.kind not in KINDS:
            raise ValueError(f"unknown step kind {step.kind!r} (expected one of {', '.join(KINDS)})")
        return step


@dataclass
class State:
    schools: pd.DataFrame
    stats: pd.DataFrame
    classes: pd.DataFrame
    settlements: pd.DataFrame
    catchment: dict                      # 学段 → array of school_id per settlement
    epsg: int
    year: int
    opens: dict = field(default_factory=dict)       # school_id → first year of its new seats
    added_seats: dict = field(default_factory=dict)  # (school_id, 学段) → [(year, seats)] from expansions
    log: list = field(default_factory=list)          # what each step did (dicts)
    cost: dict = field(default_factory=dict)         # item → 元

    def copy(self) -> "State":
        return State(self.schools.copy(), self.stats.copy(), self.classes.copy(), self.settlements,
                     {k: v.copy() for k, v in self.catchment.items()}, self.epsg, self.year, dict(self.opens),
                     {k: list(v) for k, v in self.added_seats.items()}, list(self.log), dict(self.cost))


def allocate(total: int, weights) -> np.ndarray:
    """``total`` split into integers in proportion to ``weights`` (largest remainder; sums to total)."""
    w = np.asarray(weights, float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=int)
    exact = total * w / w.sum()
    out = np.floor(exact).astype(int)
    rest = total - out.sum()
    out[np.argsort(-(exact - out), kind="stable")[:rest]] += 1
    return out


def points(state: State) -> pd.DataFrame:
    """One row per school (as dashboard.school_points): position, 学段 taught, pupils, classes, capacity."""
    parts = state.stats[state.stats["stage"] != contract.WHOLE_SCHOOL]
    g = parts.groupby("school_id", sort=False).agg(students=("students", "sum"), classes=("classes", "sum"),
                                                   stages=("stage", "、".join)).reset_index()
    return state.schools[["school_id", "name", "town", "school_type", "lon", "lat", "capacity", "urban_rural_group"]] \
        .merge(g, on="school_id")


def base_state(tables: dict, settlements: pd.DataFrame, std: Standards, year: int) -> State:
    """The county-year as it is: catchments = nearest school of each 学段."""
    stats = tables["stats"].copy()
    for c in stats.columns:
        if c not in ("school_id", "year", "stage") and stats[c].dtype != object:
            stats[c] = stats[c].astype("float64")
    classes = tables["classes"][["school_id", "year", "grade", "class_name", "students"]].copy()
    classes["students"] = classes["students"].astype(int)
    schools = tables["schools"].copy()
    schools["capacity"] = schools["capacity"].astype("float64")
    settlements = settlements.dropna(subset=["lon", "lat"]).reset_index(drop=True)
    lon = float(schools["lon"].median()) if schools["lon"].notna().any() else float(settlements["lon"].median())
    state = State(schools, stats, classes, settlements, {}, spatial.metric_epsg(lon), year)
    for stage in contract.STAGES:
        state.catchment[stage] = nearest_school(state, stage)
    return state


def nearest_school(state: State, stage: str) -> np.ndarray:
    """The nearest school teaching ``stage`` for every settlement (school ids; '' when none)."""
    schools = spatial.stage_schools(points(state), stage)
    if schools.empty or state.settlements.empty:
        return np.array([""] * len(state.settlements), dtype=object)
    idx, _ = spatial.nearest(state.settlements["lon"], state.settlements["lat"], schools["lon"], schools["lat"], state.epsg)
    return schools["school_id"].to_numpy(dtype=object)[idx]


def _row(state: State, school_id: str, stage: str) -> int:
    hit = state.stats.index[(state.stats["school_id"] == school_id) & (state.stats["stage"] == stage)]
    return hit[0] if len(hit) else -1


def _grades(stage: str) -> range:
    return range(1, 7) if stage == contract.PRIMARY else range(7, 10)


def _spread(state: State, school_id: str, grade: int, pupils: int, n_classes: int | None = None) -> None:
    """Set the classes of a school's grade to ``pupils`` spread evenly (optionally over n classes)."""
    c = state.classes
    mine = c.index[(c["school_id"] == school_id) & (c["grade"] == grade)]
    n = n_classes if n_classes is not None else max(len(mine), 1 if pupils > 0 else 0)
    state.classes = c.drop(index=mine)
    if n == 0:
        return
    sizes = allocate(pupils, np.ones(n))
    new = pd.DataFrame({"school_id": school_id, "year": state.year, "grade": grade,
                        "class_name": [f"{grade}年级{i + 1}班" for i in range(n)], "students": sizes})
    state.classes = pd.concat([state.classes, new], ignore_index=True)


def move_pupils(state: State, src: str, dst: str, stage: str, n: int, std: Standards) -> None:
    """Move n pupils of ``stage`` from src to dst (in place): 学段 rows, classes by grade, teachers."""
    i, j = _row(state, src, stage), _row(state, dst, stage)
    have = float(state.stats.at[i, "students"])
    n = int(min(n, have))
    if n <= 0 or src == dst:
        return
    c = state.classes
    by_grade = c[(c["school_id"] == src) & c["grade"].isin(_grades(stage))].groupby("grade")["students"].sum()
    if by_grade.sum() > 0:
        per_grade = dict(zip(by_grade.index, allocate(min(n, int(by_grade.sum())), by_grade.to_numpy())))
    else:
        per_grade = dict(zip(_grades(stage), allocate(n, np.ones(len(_grades(stage))))))
    for grade, k in per_grade.items():
        if k <= 0:
            continue
        mine = c.index[(c["school_id"] == src) & (c["grade"] == grade)]
        if len(mine):
            c.loc[mine, "students"] = c.loc[mine, "students"] - allocate(int(k), c.loc[mine, "students"])
        theirs = int(c.loc[(c["school_id"] == dst) & (c["grade"] == grade), "students"].sum())
        _spread(state, dst, grade, theirs + int(k))
        c = state.classes
    if std["scenarios"]["move_teachers_with_pupils"]:
        for col in TEACHER_COLUMNS:
            v = state.stats.at[i, col]
            if pd.notna(v) and v > 0:
                k = min(float(round(v * n / have)), float(v))
                state.stats.at[i, col] = v - k
                w = state.stats.at[j, col]
                state.stats.at[j, col] = (0.0 if pd.isna(w) else w) + k
    state.stats.at[i, "students"] = have - n
    state.stats.at[j, "students"] = float(state.stats.at[j, "students"]) + n
    state.stats.at[j, "classes"] = float(((state.classes["school_id"] == dst) &
                                          state.classes["grade"].isin(_grades(stage))).sum()) or state.stats.at[j, "classes"]


def _catchment_moves(state: State, stage: str, new: np.ndarray) -> pd.DataFrame:
    """Pupils to move when the catchment of ``stage`` changes from the current one to ``new``:
    from A to B, P_A × children(A→B) / children(A), integer by largest remainder per A."""
    old = state.catchment[stage]
    kids = state.settlements[contract.CHILDREN_COLUMN[stage]].fillna(0).to_numpy(float)
    df = pd.DataFrame({"src": old, "dst": new, "children": kids})
    total = df.groupby("src")["children"].sum()
    switch = df[(df["src"] != df["dst"]) & (df["src"] != "")].groupby(["src", "dst"], as_index=False)["children"].sum()
    rows = []
    for src, g in switch.groupby("src"):
        i = _row(state, src, stage)
        if i < 0 or total[src] <= 0:
            continue
        pupils = float(state.stats.at[i, "students"])
        n = int(round(pupils * g["children"].sum() / total[src]))
        for dst, k in zip(g["dst"], allocate(n, g["children"].to_numpy())):
            rows.append({"src": src, "dst": dst, "pupils": int(k)})
    return pd.DataFrame(rows, columns=["src", "dst", "pupils"])


def new_school_parts(step: Step) -> list[tuple[str, int]]:
    """(学段, classes) of a new school: one 学段, or both for a 九年一贯制 school."""
    if step.stage == THROUGH:
        return [(contract.PRIMARY, int(step.classes)), (contract.JUNIOR, int(step.junior_classes))]
    return [(step.stage, int(step.classes))]


def town_of(lon: float, lat: float, settlements: pd.DataFrame, epsg: int) -> str:
    """The town a new school at (lon, lat) serves when none is given: the town of the nearest settlement
    (its children are the ones it takes first); "" without settlements. The 布局方案比选 form shows it
    before the step is added and lets the planner choose another."""
    pts = settlements.dropna(subset=["lon", "lat"])
    if pts.empty or lon is None or lat is None:
        return ""
    near = spatial.nearest([lon], [lat], pts["lon"], pts["lat"], epsg)[0][0]
    return str(pts["town"].iloc[near])


def _new_school(state: State, step: Step, std: Standards) -> str:
    cfg = std["scenarios"]["new_school"]
    n = sum(1 for s in state.schools["school_id"] if str(s).startswith("NEW")) + 1
    sid = f"NEW{n:02d}"
    pts = points(state)
    town = step.town or town_of(step.lon, step.lat, state.settlements, state.epsg)
    same = pts[pts["town"] == town]
    ref = same if len(same) else pts
    k = spatial.nearest([step.lon], [step.lat], ref["lon"], ref["lat"], state.epsg)[0][0]
    parts = [(stage, c, float(c * std["planning"]["seats_per_class"][stage])) for stage, c in new_school_parts(step) if c > 0]
    total = sum(seats for _, _, seats in parts)
    school = {c: None for c in state.schools.columns}
    school.update(school_id=sid, name=step.name or sid, county_code=state.schools["county_code"].iloc[0],
                  county_name=state.schools["county_name"].iloc[0], town=town,
                  school_type=str(cfg["type"][step.stage]),
                  urban_rural_code=state.schools.loc[state.schools["school_id"] == ref["school_id"].iloc[k],
                                                     "urban_rural_code"].iloc[0],
                  urban_rural_group=ref["urban_rural_group"].iloc[k], ownership="公办", lon=step.lon, lat=step.lat,
                  crs="WGS84", boarding=False, capacity=total if len(parts) == 1 else np.nan)
    state.schools = pd.concat([state.schools, pd.DataFrame([school])], ignore_index=True)
    f = float(cfg["build_factor"])
    g3 = std["guarantee"]["G3"]
    for stage, classes, seats in parts:
        row = {c: np.nan for c in state.stats.columns}
        rooms = math.ceil(classes / g3["classes_per_room"])
        row.update(school_id=sid, year=state.year, stage=stage, students=0.0, classes=float(classes),
                   **{c: 0.0 for c in TEACHER_COLUMNS},
                   teaching_area_m2=to_quantity("L4", f * std.line("L4", stage), seats, std),
                   sports_area_m2=to_quantity("L5", f * std.line("L5", stage), seats, std),
                   equipment_value_wan=to_quantity("L6", f * std.line("L6", stage), seats, std) / YUAN_PER_WAN,
                   multimedia_rooms=math.ceil(to_quantity("L7", f * std.line("L7", stage), seats, std) - 1e-9),
                   music_rooms=rooms, art_rooms=rooms, music_room_min_m2=g3["music_room_min_m2"],
                   art_room_min_m2=g3["art_room_min_m2"])
        state.stats = pd.concat([state.stats, pd.DataFrame([row])], ignore_index=True)
        for grade, n_classes in zip(_grades(stage), allocate(classes, np.ones(len(_grades(stage))))):
            _spread(state, sid, grade, 0, int(n_classes))
    state.cost["build"] = state.cost.get("build", 0.0) + total * float(_costs()["school_seat"])
    if step.opens:
        state.opens[sid] = int(step.opens)
    return sid


def _hire_to_line(state: State, sid: str, stage: str, std: Standards) -> int:
    """New hires so that L1–L3 of the school reach their lines for its pupils; returns the hires."""
    i = _row(state, sid, stage)
    p = float(state.stats.at[i, "students"])
    hires = 0
    need = lambda code: math.ceil(to_quantity(code, std.line(code, stage), p, std) - 1e-9)  # noqa: E731
    k = max(0, need("L1") - int(state.stats.at[i, "teachers_above_degree"]))
    state.stats.loc[i, ["teachers", "teachers_above_degree", "certified_teachers"]] += k
    hires += k
    have = int(state.stats.loc[i, ["pe_teachers", "music_teachers", "art_teachers"]].sum())
    for _ in range(max(0, need("L3") - have)):
        kind = min(("pe_teachers", "music_teachers", "art_teachers"), key=lambda c: state.stats.at[i, c])
        state.stats.loc[i, [kind, "teachers", "teachers_above_degree", "certified_teachers"]] += 1
        hires += 1
    k = max(0, need("L2") - int(state.stats.at[i, "backbone_teachers"]))   # backbone by training, not hiring
    state.stats.at[i, "backbone_teachers"] += k
    costs = _costs()
    state.cost["training"] = state.cost.get("training", 0.0) + k * float(costs["backbone_training"])
    return hires


def _costs() -> dict:
    return load_costs()


def open_school(state: State, step: Step, std: Standards) -> State:
    s = state.copy()
    sid = _new_school(s, step, std)
    taken, hires = [], 0
    for stage, classes in new_school_parts(step):
        if classes <= 0:
            continue
        new = nearest_school(s, stage)
        moves = _catchment_moves(s, stage, new)
        moves = moves[moves["dst"] == sid]
        cap = float(std["scenarios"]["new_school"]["max_fill"]) * classes * std["planning"]["seats_per_class"][stage]
        if int(moves["pupils"].sum()) > cap:
            moves = moves.assign(pupils=allocate(int(cap), moves["pupils"].to_numpy()))
        for r in moves.itertuples():
            move_pupils(s, r.src, sid, stage, int(r.pupils), std)
        s.catchment[stage] = np.where(new == sid, sid, s.catchment[stage])
        hires += _hire_to_line(s, sid, stage, std) if std["scenarios"]["new_school"]["staff_to_line"] else 0
        taken.append(moves.assign(stage=stage))
    moves = pd.concat(taken, ignore_index=True) if taken else pd.DataFrame(columns=["src", "dst", "pupils", "stage"])
    s.cost["teachers"] = s.cost.get("teachers", 0.0) + hires * float(_costs()["teacher_per_year"])
    s.log.append({"kind": "open", "school_id": sid, "name": step.name or sid, "stage": step.stage,
                  "pupils": int(moves["pupils"].sum()), "hires": hires, "from": moves.to_dict("records")})
    return s


def expand_school(state: State, step: Step, std: Standards) -> State:
    s = state.copy()
    stage, n = step.stage, int(step.classes)
    i = _row(s, step.school_id, stage)
    if i < 0:
        raise ValueError(f"school {step.school_id} has no {stage} row")
    per_class = float(std["planning"]["seats_per_class"][stage])
    cfg = std["scenarios"]["expand"]
    k = s.schools.index[s.schools["school_id"] == step.school_id][0]
    if pd.notna(s.schools.at[k, "capacity"]):
        s.schools.at[k, "capacity"] += n * per_class
    for _ in range(n):
        c = s.classes[(s.classes["school_id"] == step.school_id) & s.classes["grade"].isin(_grades(stage))]
        g = c.groupby("grade")["students"].agg(["sum", "size"])
        if g.empty:
            break
        grade = int((g["sum"] / g["size"]).idxmax())
        _spread(s, step.school_id, grade, int(g.at[grade, "sum"]), int(g.at[grade, "size"]) + 1)
    s.stats.at[i, "classes"] = float(s.stats.at[i, "classes"]) + n
    for col, per in (("teaching_area_m2", cfg["teaching_area_per_class_m2"]), ("multimedia_rooms", cfg["multimedia_rooms_per_class"])):
        v = s.stats.at[i, col]
        s.stats.at[i, col] = (0.0 if pd.isna(v) else v) + n * per
    hires = math.ceil(n * float(std["layout"]["teachers_per_extra_class"][stage]) - 1e-9)
    s.stats.loc[i, ["teachers", "teachers_above_degree", "certified_teachers"]] = \
        s.stats.loc[i, ["teachers", "teachers_above_degree", "certified_teachers"]].fillna(0) + hires
    costs = _costs()
    s.cost["build"] = s.cost.get("build", 0.0) + n * float(costs["classroom"])
    s.cost["teachers"] = s.cost.get("teachers", 0.0) + hires * float(costs["teacher_per_year"])
    s.added_seats.setdefault((step.school_id, stage), []).append((step.opens, n * per_class))
    s.log.append({"kind": "expand", "school_id": step.school_id, "stage": stage, "classes": n, "hires": hires})
    return s


def receivers(pts: pd.DataFrame, closing: pd.Series, stage: str, pupils: int, std: Standards, epsg: int) -> pd.DataFrame:
    """Where a closed school's ``pupils`` of ``stage`` go: nearest schools of the 学段 with free seats and at
    least ``larger_min_students`` pupils, nearest first; the rest to the nearest, flagged over capacity."""
    others = spatial.stage_schools(pts[pts["school_id"] != closing["school_id"]].reset_index(drop=True), stage)
    larger = others["students"] >= std["small_school_rules"]["larger_min_students"]
    others = others[larger].reset_index(drop=True) if larger.any() else others
    others = others.assign(spare=spatial.spare_seats(others, std).clip(lower=0))
    x0, y0 = spatial.project([closing["lon"]], [closing["lat"]], epsg)
    xs, ys = spatial.project(others["lon"], others["lat"], epsg)
    others["distance_m"] = np.hypot(xs - x0[0], ys - y0[0])
    others = others.sort_values("distance_m").reset_index(drop=True)
    left, moves = int(pupils), []
    for o in others.itertuples():
        take = int(min(left, o.spare))
        if take > 0:
            moves.append({"school_id": o.school_id, "name": o.name, "pupils": take,
                          "distance_m": float(o.distance_m), "over_capacity": False})
            left -= take
        if left == 0:
            break
    if left > 0 and len(others):
        o = others.iloc[0]
        moves.append({"school_id": o["school_id"], "name": o["name"], "pupils": left,
                      "distance_m": float(o["distance_m"]), "over_capacity": True})
    return pd.DataFrame(moves, columns=["school_id", "name", "pupils", "distance_m", "over_capacity"])


def close_school(state: State, step: Step, std: Standards) -> State:
    s = state.copy()
    pts = points(s)
    closing = pts[pts["school_id"] == step.school_id]
    if closing.empty:
        raise ValueError(f"school {step.school_id} is not in the scenario")
    closing = closing.iloc[0]
    reassigned = []
    for stage in closing["stages"].split("、"):
        i = _row(s, step.school_id, stage)
        pupils = int(s.stats.at[i, "students"])
        to = receivers(pts, closing, stage, pupils, std, s.epsg)
        for r in to.itertuples():
            j = _row(s, r.school_id, stage)
            for col in std["scenarios"]["close_moves"]:
                v = s.stats.at[i, col]
                if pd.notna(v) and pupils > 0:
                    w = s.stats.at[j, col]
                    s.stats.at[j, col] = (0.0 if pd.isna(w) else w) + v * r.pupils / pupils
            move_pupils(s, step.school_id, r.school_id, stage, int(r.pupils), std)
        reassigned.append(to.assign(stage=stage))
    s.schools = s.schools[s.schools["school_id"] != step.school_id].reset_index(drop=True)
    s.stats = s.stats[s.stats["school_id"] != step.school_id].reset_index(drop=True)
    s.classes = s.classes[s.classes["school_id"] != step.school_id].reset_index(drop=True)
    for stage in contract.STAGES:
        nearest = nearest_school(s, stage)
        s.catchment[stage] = np.where(s.catchment[stage] == step.school_id, nearest, s.catchment[stage])
    moved = pd.concat(reassigned, ignore_index=True)            # every school has at least one 学段 row
    s.log.append({"kind": "close", "school_id": step.school_id, "name": closing["name"], "pupils": int(closing["students"]),
                  "to": moved.to_dict("records")})
    return s


def redraw(state: State, step: Step, std: Standards) -> State:
    s = state.copy()
    total = 0
    for stage in contract.STAGES:
        new = nearest_school(s, stage)
        moves = _catchment_moves(s, stage, new)
        for r in moves.itertuples():
            if _row(s, r.dst, stage) >= 0:
                move_pupils(s, r.src, r.dst, stage, int(r.pupils), std)
                total += int(r.pupils)
        s.catchment[stage] = new
    s.log.append({"kind": "redraw", "pupils": total})
    return s


APPLY = {"open": open_school, "expand": expand_school, "close": close_school, "redraw": redraw}


def apply(state: State, steps: list[Step], std: Standards) -> State:
    """The state after every step in order (the input state is not changed)."""
    for step in steps:
        state = APPLY[step.kind](state, step, std)
    return state


# ---------------------------------------------------------------- evaluation

def school_seats(state: State, std: Standards) -> pd.DataFrame:
    """Seats per school × 学段 of the scenario (:func:`analytics.forecast.school_seats`), with the year
    from which a new school's seats count."""
    parts = seats_of(state.stats, state.schools, std)[["school_id", "stage", "classes", "students", "town", "capacity",
                                                       "name", "seats"]]
    return parts.assign(from_year=parts["school_id"].map(state.opens))


def seats_in_year(seats: pd.DataFrame, added: dict, year: int) -> pd.Series:
    """Seats of each school row counting in ``year`` (new schools from their opening, expansions from theirs)."""
    s = seats["seats"].where(seats["from_year"].isna() | (seats["from_year"] <= year), 0.0)
    for (sid, stage), adds in added.items():
        later = sum(n for y, n in adds if y is not None and y > year)
        s = s - np.where((seats["school_id"] == sid) & (seats["stage"] == stage), later, 0.0)
    return s


def seat_balance(state: State, forecast_df: pd.DataFrame, base_pupils: pd.DataFrame, std: Standards) -> dict:
    """Town balance (forecast demand − scenario seats per year) and catchment balance per school:
    demand_y = the school's pupils in the scenario × forecast_y(town, 学段) / pupils now(town, 学段)."""
    seats = school_seats(state, std)
    central = forecast_df[forecast_df["variant"] == "central"]
    towns, schools = [], []
    growth = central.merge(base_pupils, on=["town", "stage"], how="left")
    growth["g"] = growth["pupils"] / growth["now"].where(growth["now"] > 0)
    for year, g in growth.groupby("year"):
        cur = seats.assign(seats_y=seats_in_year(seats, state.added_seats, int(year)))
        t = cur.groupby(["town", "stage"], as_index=False)["seats_y"].sum()
        t = g[["town", "stage", "pupils"]].merge(t, on=["town", "stage"], how="left").fillna({"seats_y": 0.0})
        towns.append(t.assign(year=int(year)))
        sc = cur.merge(g[["town", "stage", "g"]], on=["town", "stage"], how="left")
        sc["demand"] = sc["students"] * sc["g"].fillna(1.0)
        schools.append(sc[["school_id", "name", "town", "stage", "seats_y", "demand"]].assign(year=int(year)))
    town = pd.concat(towns, ignore_index=True).rename(columns={"seats_y": "seats"})
    town["gap"] = town["seats"] - town["pupils"]
    school = pd.concat(schools, ignore_index=True).rename(columns={"seats_y": "seats"})
    school["gap"] = school["seats"] - school["demand"]
    return {"town": town, "school": school}


# a scenario's cost categories spent once (the rest — ``teachers`` — is paid every year)
ONE_OFF_COSTS = ("build", "training")


def evaluate(state: State, tables: dict, forecast_out: dict | None, std: Standards) -> dict:
    """Everything a scenario is judged by (see module doc); ``tables`` are the base county-year tables
    (funding, exchange, quality, county indicators are read as they are)."""
    # the steps' money split as a budget reads it: building and training once, teachers every year
    out: dict = {"log": state.log, "cost": dict(state.cost),
                 # the first school year in which every step's seats exist (None: all at once)
                 "opened_by": max((int(v) for v in state.opens.values() if v is not None), default=None),
                 "cost_one_off": float(sum(v for k, v in state.cost.items() if k in ONE_OFF_COSTS)),
                 "cost_recurring": float(sum(v for k, v in state.cost.items() if k not in ONE_OFF_COSTS))}
    if forecast_out:
        hist = forecast_out["history"]
        now = hist[hist["year"] == hist["year"].max()].rename(columns={"pupils": "now"})[["town", "stage", "now"]]
        bal = seat_balance(state, forecast_out["forecast"], now, std)
        t = bal["town"]
        out["balance"] = t
        out["catchments"] = bal["school"]
        out["shortage"], out["shortage_year"] = peak_shortage(t)
        last = bal["school"][bal["school"]["year"] == bal["school"]["year"].max()]
        out["schools_short"] = {stage: int((g["gap"] < 0).sum()) for stage, g in last.groupby("stage")}
    banded = sizing.class_bands(state.classes, std)
    out["bands"] = sizing.band_counts(banded, ["stage"]) if len(banded) else pd.DataFrame()
    out["big_classes"] = int(banded["band"].isin(["big", "huge"]).sum()) if len(banded) else 0
    out["huge_classes"] = int((banded["band"] == "huge").sum()) if len(banded) else 0
    pts = points(state)
    pts_pos = pts.dropna(subset=["lon", "lat"])
    beyond, assigned = {}, {}
    for stage in contract.STAGES:
        if state.settlements.empty or spatial.stage_schools(pts_pos, stage).empty:
            continue
        a = spatial.assign_children(state.settlements, pts_pos, stage, std, state.epsg)
        assigned[stage] = a
        kids = a["children"].sum()
        beyond[stage] = float((a["children"] * a["beyond"]).sum() / kids) if kids > 0 else None
    out["beyond"], out["assigned"] = beyond, assigned
    rec = rectification.recompute(state.stats, state.schools, std)
    out["cv"] = rec["cv"][["stage", "indicator", "cv", "threshold", "passed"]]
    out["rows"] = rec["rows"][["school_id", "stage", "students", *indicator_codes(std)]]
    out["complying"], out["in_scope"] = rec["complying"], rec["schools"]
    items = sc.scorecard({**tables, "schools": state.schools, "stats": state.stats, "classes": state.classes}, std)
    out["verdict"] = sc.verdict(items)
    out["points"] = pts.assign(spare=spatial.spare_seats(pts, std))
    return out


def summary(result: dict, std: Standards) -> list[tuple[str, str | None, float | str | None]]:
    """The comparison rows of one evaluated scenario: (metric key, 学段 or None, value)."""
    rows = []
    for stage in contract.STAGES:
        if "shortage" in result:
            rows.append(("shortage", stage, result["shortage"].get(stage, 0.0)))
            rows.append(("shortage_year", stage, result.get("shortage_year", {}).get(stage)))
            rows.append(("schools_short", stage, result["schools_short"].get(stage, 0)))
        rows.append(("beyond", stage, result["beyond"].get(stage)))
        rows.append(("complying", stage, result["complying"].get(stage, 0)))
        cv = result["cv"][result["cv"]["stage"] == stage]
        rows.append(("cv_passed", stage, int((cv["passed"] == True).sum())))  # noqa: E712
        for code in indicator_codes(std):
            v = cv.loc[cv["indicator"] == code, "cv"]
            rows.append((f"cv.{code}", stage, float(v.iloc[0]) if len(v) and pd.notna(v.iloc[0]) else None))
    rows += [("big_classes", None, result["big_classes"]), ("huge_classes", None, result["huge_classes"]),
             ("verdict", None, result["verdict"]["status"]), ("cost_one_off", None, result["cost_one_off"]),
             ("cost_recurring", None, result["cost_recurring"])]
    return rows


def compare(results: dict[str, dict], std: Standards) -> pd.DataFrame:
    """Side by side: one row per metric (and 学段), one column per scenario."""
    frames = []
    for name, r in results.items():
        frames.append(pd.DataFrame(summary(r, std), columns=["metric", "stage", name]).set_index(["metric", "stage"]))
    return pd.concat(frames, axis=1).reset_index()


METRIC_UNITS = {"shortage": "unit.seats", "schools_short": "unit.schools", "complying": "unit.schools",
                "cv_passed": "unit.items", "big_classes": "unit.classes", "huge_classes": "unit.classes"}


def peak_shortage(balance: pd.DataFrame) -> tuple[dict, dict]:
    """Per 学段 the seats short in its tightest year and that year (None when no year is short).

    short(stage, y) = Σ_towns max(0, demand − seats) in year y (one year: town peaks of different years
    are never added); the peak is max_y short(stage, y), the earliest year on a tie. Example: town A
    short 100 in 2026 and 0 in 2027, town B short 0 in 2026 and 80 in 2027 → 100 seats in 2026 (not 180).
    """
    by_year = shortage_by_year({"balance": balance})
    peak = by_year.sort_values(["short", "year"], ascending=[False, True]).drop_duplicates("stage")
    return ({r.stage: float(r.short) for r in peak.itertuples()},
            {r.stage: (int(r.year) if r.short > 0 else None) for r in peak.itertuples()})


def peak_from(result: dict, stage: str, from_year: int | None) -> tuple[float, int | None]:
    """Seats short in the 学段's tightest year from ``from_year`` on (all years when None) and that year:
    max over y ≥ from_year of short(stage, y) (:func:`shortage_by_year`), the earliest on a tie; (0, None) when
    no such year is short. Read from the year every step has opened, a new school's seats are counted: before
    it, the shortage is the same with or without it."""
    if from_year is None:                          # the whole period: the peak evaluate() keeps
        return float(result.get("shortage", {}).get(stage, 0.0)), result.get("shortage_year", {}).get(stage)
    by = shortage_by_year(result)
    by = by[(by["stage"] == stage) & (by["year"] >= from_year)]
    if by.empty or not (by["short"] > 0).any():
        return 0.0, None
    top = by.sort_values(["short", "year"], ascending=[False, True]).iloc[0]
    return float(top["short"]), int(top["year"])


def shortage_by_year(result: dict) -> pd.DataFrame:
    """Seats short per 学段 and year: Σ over towns of max(0, demand − seats) (central forecast)."""
    b = result.get("balance")
    if b is None or b.empty:
        return pd.DataFrame(columns=["stage", "year", "short"])
    return b.assign(short=(-b["gap"]).clip(lower=0)).groupby(["stage", "year"], as_index=False)["short"].sum()


def cv_flags(result: dict, today: dict, std: Standards, movers: int = 3) -> list[dict]:
    """CVs a scenario pushes up toward (or over) their line, each with why: the schools whose value of
    the indicator moved the most, with their value and pupils before and after.

    A CV is flagged when it rises by more than ``scenarios.cv_flag.min_rise`` and ends at or above
    ``scenarios.cv_flag.share_of_line`` × its line (a CV well within its line that ends just under it). The usual
    cause: pupils leave a school for a new or expanded one while its buildings and equipment stay, so its
    per-pupil area and equipment rise (``relieved``); a new school built above the lines adds a high value
    (``new``). ``today`` is the evaluated scenario without steps.
    """
    cfg = std["scenarios"]["cv_flag"]
    before = today["cv"].set_index(["stage", "indicator"])["cv"]
    rows_a = result.get("rows")
    rows_b = today.get("rows")
    out = []
    for r in result["cv"].itertuples():
        b = before.get((r.stage, r.indicator))
        if b is None or pd.isna(b) or pd.isna(r.cv):
            continue
        if r.cv - b <= float(cfg["min_rise"]) or r.cv < float(cfg["share_of_line"]) * r.threshold:
            continue
        why = []
        if rows_a is not None and rows_b is not None:
            a = rows_a[rows_a["stage"] == r.stage][["school_id", "students", r.indicator]]
            bb = rows_b[rows_b["stage"] == r.stage][["school_id", "students", r.indicator]]
            m = a.merge(bb, on="school_id", how="left", suffixes=("", "_before"))
            m["change"] = (m[r.indicator] - m[f"{r.indicator}_before"]).abs()
            m.loc[m[f"{r.indicator}_before"].isna(), "change"] = np.inf     # a new school: a value that was not there
            m = m[m["change"] > 0].sort_values("change", ascending=False).head(movers)
            for x in m.itertuples():
                v_before = getattr(x, f"{r.indicator}_before")
                kind = "new" if pd.isna(v_before) else ("relieved" if x.students < x.students_before else "other")
                why.append({"school_id": x.school_id, "kind": kind,
                            "value_before": None if pd.isna(v_before) else float(v_before),
                            "value": float(getattr(x, r.indicator)),
                            "students_before": None if pd.isna(x.students_before) else float(x.students_before),
                            "students": float(x.students)})
        out.append({"stage": r.stage, "indicator": r.indicator, "cv_before": float(b), "cv": float(r.cv),
                    "threshold": float(r.threshold), "passed": r.passed, "why": why})
    return out


