"""A deterministic synthetic demo of the 9 county units of 盐城市, written as a contract workbook.

Nothing here is real statistics: names of counties and towns are real, every figure is drawn
from a seeded generator shaped to look like a Jiangsu coastal district (urban growth and
crowding, rural decline and small schools, backbone teachers concentrated in the city,
rural shortages of PE/art teachers and undersized music/art rooms, urban sports area below
the line, equipment fairly even). The workbook goes through the same importer as a bureau's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import openpyxl
import shapely
import yaml

from analytics.geo import boundaries
from analytics.io import contract
from analytics.standards import load_standards

DEMO_PATH = Path(__file__).resolve().parents[2] / "data" / "demo_counties.yaml"
PROVINCE_PATH = DEMO_PATH.with_name("demo_province.yaml")
SCALES = ("city", "province")
YEARS = (2021, 2022, 2023, 2024)
POPULATION_YEARS = tuple(range(2012, 2025))
KM_LAT = 1 / 111.0                                  # degrees of latitude per km
SETTLEMENT_SYLLABLES = ("新民", "永丰", "红旗", "大兴", "东方", "光明", "团结", "幸福", "友谊", "建设",
                        "和平", "前进", "胜利", "向阳", "长青", "丰收", "金星", "双龙", "兴隆", "复兴",
                        "立新", "盐河", "海丰", "新港", "三元", "中心", "南湖", "北港", "西湖", "东升")


@dataclass
class School:
    school_id: str
    name: str
    county_code: str
    county_name: str
    town: str
    type_code: str
    ur_code: str
    profile: str                     # urban / town / village / point / special
    lon: float
    lat: float
    base: dict                       # 学段 → students in 2024
    growth: float                    # yearly factor of enrolment
    opens: int = 0                   # school year it opened (0: before the data begins)
    ownership: str = "公办"
    boarding: bool = False
    group: str | None = None
    whole_school_rows: bool = False
    class_target: float = 42.0
    backbone_urban: tuple = (0.16, 0.55)
    rates: dict = field(default_factory=dict)
    exemplary: bool = False          # a county drawn to pass every item (demo_province.yaml ``standings``)
    over_class_years: tuple = ()     # years in which one class of this school is above the 班额 line


@lru_cache(maxsize=1)
def load_spec() -> dict:
    with open(DEMO_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def shape() -> dict:
    """How the synthetic figures are drawn (data/demo_counties.yaml ``shape``)."""
    return load_spec()["shape"]


def _km_to_deg(lat: float) -> tuple[float, float]:
    return 1 / (111.0 * math.cos(math.radians(lat))), KM_LAT


def _point_near(rng, outline, lon, lat, radius_km, tries=200):
    """A random point within ``radius_km`` of (lon, lat) and inside ``outline``."""
    dx, dy = _km_to_deg(lat)
    for _ in range(tries):
        r, a = radius_km * math.sqrt(rng.random()), rng.random() * 2 * math.pi
        x, y = lon + r * math.cos(a) * dx, lat + r * math.sin(a) * dy
        if outline.contains(shapely.Point(x, y)):
            return x, y
    p = outline.representative_point()
    return p.x, p.y


def _town_seats(rng, outline, seat, towns):
    """Seats of the town-level units: core 街道 near the county seat, outer ones farther out,
    镇 spread over the rest of the county by k-means on random points."""
    lon0, lat0 = seat
    dx, dy = _km_to_deg(lat0)
    seats = {}
    core = [t for t, k in towns if k == "core"]
    fringe = [t for t, k in towns if k == "fringe"]
    rural = [t for t, k in towns if k == "town"]
    for i, t in enumerate(core):
        a = 2 * math.pi * i / max(len(core), 1)
        seats[t] = _point_near(rng, outline, lon0 + 1.6 * math.cos(a) * dx, lat0 + 1.6 * math.sin(a) * dy, 0.6)
    for i, t in enumerate(fringe):
        a = 2 * math.pi * (i + 0.5) / max(len(fringe), 1)
        seats[t] = _point_near(rng, outline, lon0 + 5.5 * math.cos(a) * dx, lat0 + 5.5 * math.sin(a) * dy, 1.5)
    if rural:
        minx, miny, maxx, maxy = outline.bounds
        pts = np.column_stack([rng.uniform(minx, maxx, 6000), rng.uniform(miny, maxy, 6000)])
        inside = shapely.contains_xy(outline, pts[:, 0], pts[:, 1])
        far = np.hypot((pts[:, 0] - lon0) / dx, (pts[:, 1] - lat0) / dy) > 9
        pts = pts[inside & far]
        centres = pts[rng.choice(len(pts), len(rural), replace=False)]
        for _ in range(25):
            label = np.argmin(((pts[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
            centres = np.array([pts[label == k].mean(0) if (label == k).any() else centres[k]
                                for k in range(len(rural))])
        order = np.argsort(np.hypot((centres[:, 0] - lon0) / dx, (centres[:, 1] - lat0) / dy))
        for t, k in zip(rural, order):
            seats[t] = _point_near(rng, outline, centres[k][0], centres[k][1], 0.5)
    return seats


class _Ids:
    def __init__(self, county_code):
        self.prefix, self.n = f"1{county_code}", 0

    def next(self):
        self.n += 1
        return f"{self.prefix}{self.n:03d}"


def _schools_for_county(rng, c, outline, seats, spec) -> list[School]:
    """Schools of one county, sized so 2024 enrolment is about ``scale``."""
    ids, out = _Ids(c["code"]), []
    full = c.get("detail") == "full"
    short = {t: t.replace("街道", "").replace("镇", "").replace("亭湖新区", "新区").replace("环保产业园", "环保园")
             for t, _ in c["towns"]}
    scale = c["scale"]
    urban_towns = [t for t, k in c["towns"] if k in ("core", "fringe")]
    rural_towns = [t for t, k in c["towns"] if k == "town"]
    # share of 2024 students: city 70 %, town centres 22 %, villages 8 %
    # shares of students: city, town centres, villages (70 / 22 / 8 % unless the spec sets the city's share)
    city, towns_share, villages = (0.70, 0.22, 0.08) if "urban_share" not in c else (
        c["urban_share"], (1 - c["urban_share"]) * 0.73, (1 - c["urban_share"]) * 0.27)
    urban_primary = scale * city * 0.66
    urban_junior = scale * city * 0.34
    good = c.get("standing") in EXEMPLARY

    def add(name, town, type_code, ur, profile, base, growth, radius, **kw):
        lon, lat = _point_near(rng, outline, *seats[town], radius)
        s = School(ids.next(), name, c["code"], c["name"], town, type_code, ur, profile, lon, lat, base, growth, **kw)
        s.backbone_urban = tuple(c.get("backbone_urban", s.backbone_urban))
        if good:                       # no crowded classes, no giant schools
            s.exemplary = True
            s.class_target = min(s.class_target, float(rng.uniform(36, 40)) if profile != "village" else s.class_target)
        out.append(s)
        return s

    # --- city: primary and junior schools in the 街道, a few crowded giants
    n_up = max(3, round(urban_primary / (1000 if good else 1500)))
    n_uj = max(2, round(urban_junior / (900 if good else 1300)))
    for i in range(n_up):
        town = urban_towns[i % len(urban_towns)]
        kind = dict(c["towns"])[town]
        size = urban_primary / n_up * rng.uniform(0.6, 1.35)
        add(f"{c['name']}{short[town]}{['实验', '第一', '第二', '第三', '中心', '第四'][i // len(urban_towns) % 6]}小学",
            town, "211", "111" if kind == "core" else "112", "urban", {"小学": size}, rng.uniform(1.02, 1.06),
            1.4, class_target=rng.uniform(44, 54))
    for i in range(n_uj):
        town = urban_towns[i % len(urban_towns)]
        kind = dict(c["towns"])[town]
        size = urban_junior / n_uj * rng.uniform(0.6, 1.35)
        add(f"{c['name']}{short[town]}{['初级中学', '实验初中', '第二初中', '第三初中'][i // len(urban_towns) % 4]}",
            town, "311", "111" if kind == "core" else "112", "urban", {"初中": size}, rng.uniform(1.02, 1.05),
            1.4, class_target=rng.uniform(48, 56))
    if full:
        # two 大校额 giants, one 九年一贯制 reporting shared resources only for 全校, a 完全中学
        add("盐城市毓龙路实验学校", "毓龙街道", "312", "111", "urban", {"小学": 2150, "初中": 1150}, 1.04, 1.0,
            class_target=57, whole_school_rows=True)
        add("盐城市文峰小学", "文峰街道", "211", "111", "urban", {"小学": 2780}, 1.05, 1.0, class_target=60)
        add("亭湖区新洋中学", "新洋街道", "341", "111", "urban", {"初中": 1350}, 1.02, 1.2,
            class_target=52, whole_school_rows=True)
        add("盐城市明达双语学校", "黄海街道", "312", "112", "urban", {"小学": 900, "初中": 520}, 1.03, 1.0,
            ownership="民办", class_target=40)
        add("亭湖区育才小学", "新河街道", "211", "112", "urban", {"小学": 760}, 1.02, 1.0, ownership="民办",
            class_target=42)
        for name, type_code, opens, town in spec["new_schools"]:
            stage = contract.PRIMARY if type_code == "211" else contract.JUNIOR
            add(name, town, type_code, "111", "urban", {stage: rng.uniform(900, 1500)}, 1.0, 1.8, opens=opens,
                class_target=45)
    add(f"{c['name']}特殊教育学校", urban_towns[0], "511", "111", "special", {"小学": 95, "初中": 48}, 1.0, 2.0,
        boarding=True, class_target=10)
    if c.get("standing") in ("close", "newly_fail"):   # one class above the line: 2023 and 2024, or 2024 only
        first = next(x for x in out if x.profile == "urban" and contract.PRIMARY in x.base)
        first.over_class_years = (2024,) if c["standing"] == "newly_fail" else (2023, 2024)
    # --- towns: a central primary and a junior school (or a 九年一贯制) in each 镇
    for j, town in enumerate(rural_towns):
        t_primary = scale * towns_share * 0.66 / len(rural_towns) * rng.uniform(0.7, 1.3)
        t_junior = scale * towns_share * 0.34 / len(rural_towns) * rng.uniform(0.7, 1.3)
        if good:                       # no school above the G4 line, a 九年一贯制 within its combined line
            t_primary, t_junior = min(t_primary, 1400.0), min(t_junior, 900.0)
        if j % 3 == 2:
            add(f"{c['name']}{short[town]}九年制学校", town, "312", "121", "town", {"小学": t_primary, "初中": t_junior},
                rng.uniform(0.95, 0.99), 0.8, boarding=True, whole_school_rows=True, class_target=rng.uniform(38, 46))
        else:
            add(f"{c['name']}{short[town]}中心小学", town, "211", "121", "town", {"小学": t_primary},
                rng.uniform(0.95, 0.99), 0.8, class_target=rng.uniform(38, 46))
            add(f"{c['name']}{short[town]}初级中学", town, "311", "121", "town", {"初中": t_junior},
                rng.uniform(0.95, 0.99), 0.8, boarding=True, class_target=rng.uniform(40, 48))
    # --- villages: village primary schools and 教学点, many under 100 students
    village_total = scale * villages
    n_village = max(4, round(village_total / 150)) + (9 if full else 0)
    sizes = rng.lognormal(mean=math.log(110), sigma=0.75, size=n_village)
    sizes *= village_total / sizes.sum()
    if good:                           # a village school as large as a town's is not a village school
        sizes = np.minimum(sizes, 900.0)
    for k, size in enumerate(sorted(sizes, reverse=True)):
        town = rural_towns[k % len(rural_towns)] if rural_towns else urban_towns[-1]
        name_stem = SETTLEMENT_SYLLABLES[(k * 7 + len(c["name"])) % len(SETTLEMENT_SYLLABLES)]
        if size < 60 and k % 2:
            add(f"{c['name']}{short[town]}{name_stem}教学点", town, "218", "220", "point", {"小学": max(size, 12)},
                rng.uniform(0.86, 0.93), 6.0, class_target=20)
        else:
            add(f"{c['name']}{short[town]}{name_stem}小学", town, "211", "220" if k % 3 else "210", "village",
                {"小学": max(size, 25)}, rng.uniform(0.88, 0.95), 6.0, class_target=rng.uniform(25, 38))
    return out


def _assign_groups(rng, schools: list[School], n_groups: int) -> None:
    """Education groups: an urban school leads, 1–3 town/village schools join."""
    leads = [s for s in schools if s.profile == "urban" and s.ownership == "公办" and s.opens <= 2021]
    members = [s for s in schools if s.profile in ("town", "village", "point")]
    rng.shuffle(members)
    for i, lead in enumerate(leads[:n_groups]):
        lead.group = f"{lead.name.replace(lead.county_name, '')}教育集团"
        for m in members[i * 2: i * 2 + int(rng.integers(1, 4))]:
            m.group = lead.group


def _school_rates(rng, s: School) -> dict:
    """Per-school resource rates, fixed across years (facilities) or per student (staff)."""
    p = s.profile
    pick = lambda lo, hi: float(rng.uniform(lo, hi))  # noqa: E731
    rates = {
        "pupils_per_teacher": {"urban": pick(17.5, 20), "town": pick(14, 16.5), "village": pick(10, 13),
                               "point": pick(8, 10), "special": 3.5}[p],
        "degree_share": {"urban": pick(0.9, 0.99), "town": pick(0.82, 0.93), "village": pick(0.7, 0.88),
                         "point": pick(0.6, 0.85), "special": 0.9}[p],
        # backbone teachers: concentrated in the city, scarce in villages
        "backbone_share": {"urban": pick(*s.backbone_urban), "town": pick(0.08, 0.22), "village": pick(0.04, 0.16),
                           "point": pick(0.0, 0.10), "special": 0.1}[p],
        "pe_art_per100": {"urban": pick(1.0, 1.4), "town": pick(0.85, 1.2), "village": pick(0.5, 1.1),
                          "point": pick(0.0, 1.5), "special": 3.0}[p],
        "area_per_student": {"urban": pick(4.4, 6.0), "town": pick(5.5, 8.0), "village": pick(6.0, 10.0),
                             "point": pick(6.0, 12.0), "special": 25.0}[p],
        "sports_per_student": {"urban": pick(6.8, 9.8), "town": pick(9.0, 13.0), "village": pick(9.0, 14.0),
                               "point": pick(8.0, 14.0), "special": 15.0}[p],
        "equipment_per_student": {"urban": pick(2300, 3000), "town": pick(2150, 2800), "village": pick(2050, 2900),
                                  "point": pick(1900, 2800), "special": 6000}[p],
        "extra_media_rooms": int(rng.integers(3, 9)) if p in ("urban", "town") else 0,
        "music_room_area": {"urban": pick(96, 120), "town": pick(85, 110), "village": pick(60, 98),
                            "point": pick(50, 80), "special": 100}[p],
        "art_room_area": {"urban": pick(90, 115), "town": pick(80, 105), "village": pick(55, 92),
                          "point": pick(45, 75), "special": 95}[p],
        "training_share": pick(0.035, 0.08),
    }
    if s.class_target >= 50:                 # crowded schools have less room per pupil
        rates["area_per_student"] *= 0.85
        rates["sports_per_student"] *= 0.8
    if s.exemplary and p != "special":       # every school above every line, with a margin; little spread
        rates.update({
            "pupils_per_teacher": {"urban": pick(15, 17), "town": pick(13, 15), "village": pick(10, 12),
                                   "point": pick(8, 10)}[p],
            "degree_share": pick(0.9, 0.98), "backbone_share": pick(0.2, 0.28), "pe_art_per100": pick(1.1, 1.4),
            "area_per_student": pick(5.8, 6.8), "sports_per_student": pick(9.0, 11.0),
            "equipment_per_student": pick(2400, 2900),
            "extra_media_rooms": int(rng.integers(1, 4)) if p in ("urban", "town") else 0,
            "music_room_area": pick(96, 120), "art_room_area": pick(92, 115)})
    if s.exemplary:
        rates["training_share"] = pick(0.055, 0.08)
    return rates


def _students(s: School, stage: str, year: int) -> int:
    if year < s.opens:
        return 0
    base = s.base[stage] * s.growth ** (year - 2024)
    if s.opens > 2021:
        base *= min(1.0, shape()["new_school_first_year_fill"] + shape()["new_school_fill_per_year"] * (year - s.opens))
    return max(int(round(base)), 0)


def _grade_split(rng, students: int, grades: list[int], growth: float) -> dict[int, int]:
    """Students per grade; lower grades larger where enrolment grows, smaller where it falls."""
    w = np.array([growth ** -(i) for i in range(len(grades))]) * rng.uniform(0.94, 1.06, len(grades))
    counts = np.floor(students * w / w.sum()).astype(int)
    counts[0] += students - counts.sum()
    return dict(zip(grades, counts.tolist()))


def _class_sizes(rng, students: int, target: float, at_most: int | None = None) -> list[int]:
    """A grade's classes around ``target`` pupils (±2); with ``at_most`` enough classes that none is above it."""
    if students <= 0:
        return []
    n = max(1, int(round(students / target)))
    if at_most is not None:
        n = max(n, math.ceil(students / (at_most - 3)))
    base = np.full(n, students // n)
    base[: students % n] += 1
    jitter = rng.integers(-2, 3, n)
    jitter -= int(round(jitter.mean())) if n > 1 else jitter[0]
    sizes = np.maximum(base + jitter, 1)
    sizes[-1] += students - sizes.sum()
    if at_most is not None and sizes.max() > at_most:        # one more class until none is above the line
        return _class_sizes(rng, students, students / (n + 1) + 0.5, at_most)
    return [int(x) for x in sizes if x > 0]


# the standings a synthetic county can be drawn to (demo_province.yaml ``standings``): every item passes,
# or everything but one class above the 班额 line (both years: close; this year only: newly failing)
EXEMPLARY = ("pass", "close", "newly_fail")


def contract_line(stage: str) -> int:
    """The 班额 line of a 学段 in the national standard (a demo's class drawn just above it)."""
    return int(load_standards(None).class_max(stage))


def province_counties(seed: int, only: int | None = None, codes: set[str] | None = None) -> list[dict]:
    """Specs of the synthetic counties of 江苏省 beyond 盐城市 (data/demo_province.yaml): the county seat from
    cnmaps, 2024 students drawn within ``scale``, made-up towns (no 镇 in a small urban district), the
    years listed, and the standing some are drawn to (``standings``: pass, close, newly_fail; the others
    fail like the rest of the demo). ``only`` keeps the first N, ``codes`` those counties (a quick test)."""
    with open(PROVINCE_PATH, encoding="utf-8") as fh:
        conf = yaml.safe_load(fh)
    rng = np.random.default_rng(seed + 1)
    detailed = {c["code"] for c in load_spec()["counties"]}
    outlines = boundaries.province_counties("江苏省")
    standing = {str(code): kind for kind, listed in (conf.get("standings") or {}).items() for code in listed}
    out = []
    for code, name in conf["counties"].items():
        if code in detailed or (codes is not None and code not in codes):
            continue
        row = outlines[(outlines["district"] == name) & (outlines["city"] == conf["cities"][code[:4]])]
        geom = row.geometry.iloc[0]
        seat = (float(row["longitude"].iloc[0]), float(row["latitude"].iloc[0]))
        if not geom.contains(shapely.Point(seat)):
            p = geom.representative_point()
            seat = (p.x, p.y)
        dx, dy = _km_to_deg(seat[1])
        km2 = geom.area / (dx * dy)
        towns = [[t, "core"] for t in conf["towns"]["core"]] + [[t, "fringe"] for t in conf["towns"]["fringe"]]
        if not (name.endswith("区") and km2 < conf["urban_km2"]):
            n = int(rng.integers(4, len(conf["towns"]["town"]) + 1))
            towns += [[t, "town"] for t in conf["towns"]["town"][:n]]
        urban = float(rng.uniform(*conf["urban_share"]["district" if name.endswith("区") else "county"]))
        out.append({"code": code, "name": name, "seat": list(seat), "towns": towns, "outline": geom,
                    "scale": int(rng.integers(*conf["scale"])), "years": tuple(conf["years"]), "urban_share": urban,
                    "standing": standing.get(code)})
    return out[:only] if only is not None else out


def build_workbook(path: str | Path, seed: int = 2024, scale: str = "city", only: int | None = None,
                   codes: set[str] | None = None) -> Path:
    """Write the demo as a contract workbook (Chinese headers) at ``path``: 盐城市 (``scale='city'``), or every
    county-level unit of 江苏省 with 盐城市 as detailed as ever (``'province'``; ``only``: the first N others)."""
    import geopandas  # noqa: F401  (cnmaps' geopandas engine)
    rng = np.random.default_rng(seed)
    spec = load_spec()
    rows = {s.key: [] for s in contract.sheets()}
    counties = list(spec["counties"]) + (province_counties(seed, only, codes) if scale == "province" else [])
    for c in counties:
        outline = c.get("outline")
        if outline is None:
            outline = boundaries.province_counties("江苏省")
            outline = outline[outline["district"] == c["name"]].geometry.iloc[0]
        seats = _town_seats(rng, outline, c["seat"], c["towns"])
        schools = _schools_for_county(rng, c, outline, seats, spec)
        _assign_groups(rng, schools, 15 if c.get("detail") == "full" else 5)
        _county_rows(rng, c, outline, seats, schools, rows)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook(write_only=True)
    for sheet in contract.sheets():
        ws = wb.create_sheet(sheet.zh)
        ws.append([c.zh for c in sheet.columns])
        for r in rows[sheet.key]:
            ws.append([r.get(c.key) for c in sheet.columns])
    wb.save(path)
    return path


def _county_rows(rng, c, outline, seats, schools: list[School], rows: dict) -> None:
    type_names = contract.codes()["school_type"]
    for s in schools:
        s.rates = _school_rates(rng, s)
        cap_classes = sum(math.ceil(v / (45 if k == contract.PRIMARY else 50)) for k, v in s.base.items())
        rows["schools"].append({
            "school_id": s.school_id, "name": s.name, "county_code": s.county_code, "county_name": s.county_name,
            "town": s.town, "school_type": type_names[contract.school_type_code(s.type_code)],
            "urban_rural_code": s.ur_code, "ownership": s.ownership, "lon": round(s.lon, 6), "lat": round(s.lat, 6),
            "crs": "WGS84", "boarding": "是" if s.boarding else "否", "group_name": s.group,
            "capacity": int(cap_classes * (45 if contract.PRIMARY in s.base else 50)) if s.profile == "urban" else None,
        })
        for year in c.get("years", YEARS):
            _school_year_rows(rng, s, year, rows)
    _county_level_rows(rng, c, outline, seats, schools, rows)


def _school_year_rows(rng, s: School, year: int, rows: dict) -> None:
    r = s.rates
    stage_students = {st: _students(s, st, year) for st in s.base}
    if sum(stage_students.values()) == 0:
        return
    reference = {st: max(_students(s, st, 2022 if s.opens <= 2022 else s.opens), 1) for st in s.base}
    total_classes = 0
    facilities_by_stage = {}
    for stage, students in stage_students.items():
        grades = list(range(1, 7)) if stage == contract.PRIMARY else list(range(7, 10))
        per_grade = _grade_split(rng, students, grades, s.growth)
        classes = 0
        if s.profile == "point":                 # 复式班: two grades share a class
            paired = {}
            for g, n in per_grade.items():
                paired[g - (g - 1) % 2] = paired.get(g - (g - 1) % 2, 0) + n
            per_grade = paired
        for g, n in per_grade.items():
            target = s.class_target * (1.13 if s.class_target >= 59 and g in (5, 6) else 1.0)
            sizes = _class_sizes(rng, n, target, at_most=contract_line(stage) if s.exemplary else None)
            if year in s.over_class_years and g == 1 and len(sizes) > 1:   # one class above the 班额 line
                moved = contract_line(stage) + 3 - sizes[0]
                sizes[0], sizes[1] = sizes[0] + moved, sizes[1] - moved
            for k, size in enumerate(sizes):
                rows["classes"].append({"school_id": s.school_id, "year": year, "grade": g,
                                        "class_name": f"{g}年级{k + 1}班", "students": size})
                classes += 1
        total_classes += classes
        teachers = max(round(students / r["pupils_per_teacher"]), 3 if s.profile == "point" else 6)
        degree = min(teachers, round(teachers * r["degree_share"]))
        backbone = min(teachers, int(rng.binomial(teachers, min(r["backbone_share"] * 1.0, 1.0))))
        pe_art = min(teachers, max(0, round(students * r["pe_art_per100"] / 100)))
        if s.exemplary:                          # no school short of a teacher by the luck of the draw
            backbone = min(teachers, max(1, math.ceil(teachers * r["backbone_share"])))
            pe_art = min(teachers, max(1, math.ceil(students * r["pe_art_per100"] / 100)))
        pe = (pe_art + 1) // 2
        music = (pe_art - pe + 1) // 2
        art = pe_art - pe - music
        junior_factor = 1.3 if stage == contract.JUNIOR else 1.0
        ref = reference[stage]
        area = r["area_per_student"] * junior_factor * ref
        sports = r["sports_per_student"] * (1.35 if stage == contract.JUNIOR else 1.0) * ref
        equipment = r["equipment_per_student"] * (1.25 if stage == contract.JUNIOR else 1.0) * ref / 10_000
        rooms_needed = max(1, math.ceil(classes / 12))
        equipped = s.profile in ("urban", "town", "special") or s.exemplary
        music_rooms = rooms_needed if equipped else int(rng.integers(0, 2))
        art_rooms = rooms_needed if equipped else int(rng.integers(0, 2))
        media = classes + r["extra_media_rooms"]
        if s.exemplary:                          # rooms by pupils as well as by classes: little spread
            media = max(media, math.ceil(students * 0.034))
        facilities_by_stage[stage] = (area, sports, equipment, media, music_rooms, art_rooms)
        rows["stage_stats"].append({
            "school_id": s.school_id, "year": year, "stage": stage, "students": students, "classes": classes,
            "teachers": teachers, "teachers_above_degree": degree, "backbone_teachers": backbone,
            "pe_teachers": pe, "music_teachers": music, "art_teachers": art,
            "certified_teachers": teachers - (0 if s.exemplary else int(rng.random() < 0.15)),
            "teaching_area_m2": None if s.whole_school_rows else round(area, 1),
            "sports_area_m2": None if s.whole_school_rows else round(sports, 1),
            "equipment_value_wan": None if s.whole_school_rows else round(equipment, 2),
            "multimedia_rooms": None if s.whole_school_rows else media,
            "music_rooms": None if s.whole_school_rows else music_rooms,
            "music_room_min_m2": (round(r["music_room_area"]) if music_rooms else None) if not s.whole_school_rows else None,
            "art_rooms": None if s.whole_school_rows else art_rooms,
            "art_room_min_m2": (round(r["art_room_area"]) if art_rooms else None) if not s.whole_school_rows else None,
        })
    if s.whole_school_rows:
        tot = [sum(v[i] for v in facilities_by_stage.values()) for i in range(6)]
        senior = None
        if contract.has_senior_part(s.type_code):   # 完全中学: the 全校 row holds the 高中's resources too
            senior = round(0.8 * stage_students.get(contract.JUNIOR, 0))
            junior = 1.1 * stage_students.get(contract.JUNIOR, 0)
            tot = [v * (junior + 1.32 * senior) / junior if junior else v for v in tot]
        rows["stage_stats"].append({
            "school_id": s.school_id, "year": year, "stage": contract.WHOLE_SCHOOL, "senior_students": senior,
            "teaching_area_m2": round(tot[0], 1), "sports_area_m2": round(tot[1], 1),
            "equipment_value_wan": round(tot[2], 2), "multimedia_rooms": int(tot[3]),
            "music_rooms": max(1, math.ceil(total_classes / 12)), "music_room_min_m2": round(r["music_room_area"]),
            "art_rooms": max(1, math.ceil(total_classes / 12)), "art_room_min_m2": round(r["art_room_area"]),
        })
    students = sum(stage_students.values())
    per_student = sum((840 if st == contract.PRIMARY else 1200) * n for st, n in stage_students.items()) / students
    funded = students * (8 if s.profile == "special" else 1)
    if s.profile in ("village", "point"):
        funded = max(students, 100)
    public = round(per_student * funded)
    rows["funding"].append({"school_id": s.school_id, "year": year,
                            "funds_per_student_standard": round(per_student * (8 if s.profile == "special" else 1)),
                            "public_funds": public, "training_funds": round(public * r["training_share"]),
                            "inclusive_students": int(rng.poisson(students / 400))})
    teachers = sum(x["teachers"] for x in rows["stage_stats"][-len(stage_students) - int(s.whole_school_rows):]
                   if x["stage"] != contract.WHOLE_SCHOOL)
    eligible = max(1, round(teachers * rng.uniform(*shape()["exchange_eligible_share"])))
    exchanged = min(eligible, int(rng.binomial(eligible, rng.uniform(0.09, 0.16))))
    backbone_exchanged = min(exchanged, int(rng.binomial(exchanged, 0.25)))
    trained = min(teachers, round(teachers * rng.uniform(0.93, 1.0)))
    if s.exemplary:
        exchanged = min(eligible, max(1, math.ceil(eligible * rng.uniform(0.13, 0.18))))
        backbone_exchanged, trained = min(exchanged, max(1, math.ceil(exchanged * 0.3))), teachers
    rows["teacher_exchange"].append({"school_id": s.school_id, "year": year, "eligible": eligible,
                                     "exchanged": exchanged, "backbone_exchanged": backbone_exchanged,
                                     "trained_360h": trained})
    if year >= 2023 and s.profile != "special":
        bonus = ({"urban": 1, "town": 0.5, "village": 0, "point": 0} if s.exemplary else
                 {"urban": 6, "town": 1, "village": -3, "point": -5})[s.profile]
        for stage, n in stage_students.items():
            subjects = ("语文", "数学") if stage == contract.PRIMARY else ("语文", "数学", "英语")
            tested = max(1, n // (6 if stage == contract.PRIMARY else 3))
            for subject in subjects:
                mean = float(np.clip(rng.normal(72 + bonus, 1.5 if s.exemplary else 4), 40, 95))
                rows["quality"].append({"school_id": s.school_id, "year": year, "stage": stage, "subject": subject,
                                        "n": tested, "mean": round(mean, 1), "sd": round(rng.uniform(10, 16), 1),
                                        "pass_rate": round(min(0.995, 0.6 + mean / 250), 3),
                                        "level3_rate": round(min(0.98, shape()["level3_base"] + mean / 200), 3)})


COUNTY_INDICATOR_DEFAULTS = {
    "G1": 1, "G2": 1, "G8": 1.03, "G9": 0.97, "G10": 1, "G11": 0.12, "G12": 0.995, "G13": 1.0,
    "G14": 0.52, "G15": 0.88, "Q1": 0.968, "Q2": 0.965, "Q3": 1, "Q5": 1, "Q6": 1, "Q7": 1, "Q8": 1, "S1": 0.91,
}


# a county drawn to pass every item reports these (each at or above its line), drawn up to 2 % higher
COUNTY_INDICATOR_EXEMPLARY = {"G8": 1.04, "G9": 1.0, "G11": 0.15, "G12": 1.0, "G14": 0.55, "G15": 0.92, "Q1": 0.98,
                              "Q2": 0.97, "S1": 0.93}


SHARE_CODES = frozenset(contract.codes()["share_indicator_codes"])


def _county_level_rows(rng, c, outline, seats, schools, rows) -> None:
    good = c.get("standing") in EXEMPLARY
    for year in c.get("years", YEARS):
        for code, value in COUNTY_INDICATOR_DEFAULTS.items():
            if good and code in COUNTY_INDICATOR_EXEMPLARY:
                line = COUNTY_INDICATOR_EXEMPLARY[code]
                v = line if line == 1.0 else round(line * rng.uniform(1.0, 1.02), 3)
            else:
                v = value if value in (0, 1) else round(float(value) * rng.uniform(0.97, 1.02), 3)
            if code in SHARE_CODES:
                v = min(v, 1.0)                 # a share is at most 1 (the importer refuses 1.002)
            rows["county_indicators"].append({"county_code": c["code"], "year": year, "indicator": code,
                                              "value": v, "note": "演示数据"})
    kinds = dict(c["towns"])
    town_students = {t: sum(_students(s, st, 2024) for s in schools if s.town == t for st in s.base)
                     for t in kinds}
    for town, kind in c["towns"]:
        residents_2024 = max(town_students[town], 300) * rng.uniform(10.5, 12.5)
        trend = 1.025 if kind in ("core", "fringe") else 0.985
        for year in POPULATION_YEARS:
            residents = residents_2024 * trend ** (year - 2024)
            birth_rate = 0.0105 - 0.00045 * (year - 2012) + rng.normal(0, 0.0003)
            rows["population"].append({
                "county_code": c["code"], "town": town, "year": year, "residents": int(residents),
                "births": int(residents * birth_rate), "age_6_11": int(residents * 0.058),
                "age_12_14": int(residents * 0.029)})
    n_settlements = 200 if c.get("detail") == "full" else 30
    weights = np.array([town_students[t] + 50 for t, _ in c["towns"]], dtype=float)
    counts = np.maximum(1, np.round(n_settlements * weights / weights.sum())).astype(int)
    used = set()
    for (town, kind), n in zip(c["towns"], counts):
        short = town.replace("街道", "").replace("镇", "")
        for k in range(n):
            urban = kind in ("core", "fringe")
            lon, lat = _point_near(rng, outline, *seats[town], 2.2 if urban else 6.5)
            stem = SETTLEMENT_SYLLABLES[(k * 11 + len(town)) % len(SETTLEMENT_SYLLABLES)]
            name = f"{short}{stem}{'社区' if urban else '村'}"
            while name in used:
                name = name[:-2] + f"{k}{'社区' if urban else '村'}" if urban else name[:-1] + f"{k}村"
            used.add(name)
            residents = int(rng.uniform(3500, 11000) if urban else rng.uniform(700, 3200))
            rows["settlements"].append({"county_code": c["code"], "town": town, "name": name,
                                        "lon": round(lon, 6), "lat": round(lat, 6), "crs": "WGS84",
                                        "residents": residents, "age_6_11": int(residents * rng.uniform(0.045, 0.065)),
                                        "age_12_14": int(residents * rng.uniform(0.022, 0.032))})
