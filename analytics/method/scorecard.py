"""The whole assessment of one county and year: every item of the standard with its value, line,
status (pass / fail / unknown — missing data is never a pass), the schools that fail it and the
figures behind it, and the verdict.

Parts: 资源配置 (the seven CVs and school compliance per 学段), 政府保障程度 G1–G15, 教育质量 Q1–Q9,
社会认可度 S1. County-wide and qualitative items come from the 县级指标 sheet; per-school items are
computed from the school sheets.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from analytics.method import school_rule
from analytics.method import sizing
from analytics.method import variation
from analytics.io import contract
from analytics.standards import Standards
from analytics.method.indicators import school_stage_indicators

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"


@dataclass
class Item:
    part: str                   # resource / guarantee / quality / recognition
    code: str
    stage: str | None
    value: float | None
    threshold: float | None
    status: str
    failing_schools: list[str] = field(default_factory=list)
    source: str = ""            # the figures behind the value, in words
    estimate: bool = False

    def as_dict(self) -> dict:
        d = asdict(self)
        if isinstance(d["value"], float) and math.isnan(d["value"]):
            d["value"] = None
        return d


def _status(ok: bool | None) -> str:
    return UNKNOWN if ok is None else PASS if ok else FAIL


def _num(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


# ---------------------------------------------------------------- 校际差异率 (Q9)


def between_school_share(n, mean, sd) -> float:
    """Share of score variance between schools, ICC(1) from a one-way ANOVA on summary statistics.

        N = Σnᵢ, k schools, M = Σnᵢmᵢ/N
        SSB = Σnᵢ(mᵢ − M)², SSW = Σ(nᵢ − 1)sdᵢ²
        MSB = SSB/(k − 1), MSW = SSW/(N − k), n₀ = (N − Σnᵢ²/N)/(k − 1)
        ICC = (MSB − MSW) / (MSB + (n₀ − 1)·MSW), floored at 0
    """
    n, m, s = (np.asarray(v, float) for v in (n, mean, sd))
    keep = np.isfinite(n) & np.isfinite(m) & np.isfinite(s) & (n > 1)
    n, m, s = n[keep], m[keep], s[keep]
    k, total = len(n), n.sum()
    if k < 2 or total <= k:
        return math.nan
    grand = (n * m).sum() / total
    msb = (n * (m - grand) ** 2).sum() / (k - 1)
    msw = ((n - 1) * s ** 2).sum() / (total - k)
    n0 = (total - (n ** 2).sum() / total) / (k - 1)
    denom = msb + (n0 - 1) * msw
    return max(0.0, float((msb - msw) / denom)) if denom > 0 else math.nan


def weighted_sd_of_means(n, mean) -> float:
    """Student-weighted SD of school mean scores on a 0–100 scale, divided by 100."""
    return variation.weighted_cv(np.asarray(mean, float), np.asarray(n, float)).sd / 100.0


# ---------------------------------------------------------------- items


def _county_value(county: pd.DataFrame, code: str) -> float | None:
    hit = county[county["indicator"] == code]["value"].dropna()
    return float(hit.iloc[-1]) if len(hit) else None


def _names(schools: pd.DataFrame, ids) -> list[str]:
    names = dict(zip(schools["school_id"], schools["name"]))
    return [names.get(i, i) for i in ids]


def resource_items(rows: pd.DataFrame, std: Standards) -> list[Item]:
    items = []
    cv = variation.cv_table(rows, std)
    comp = school_rule.school_compliance(rows, std)
    scoped = rows[rows["in_scope"]] if len(rows) else rows
    for stage in std.stages:
        part = scoped[scoped["stage"] == stage] if len(scoped) else scoped
        for code in std.indicator_codes:
            r = cv[(cv["stage"] == stage) & (cv["indicator"] == code)]
            if r.empty:
                items.append(Item("resource", code, stage, None, std.cv_line(stage), UNKNOWN,
                                  source="no schools in scope"))
                continue
            r = r.iloc[0]
            shares = variation.variance_shares(part[code], part["students"])
            order = np.argsort(-np.nan_to_num(shares))[:5]
            pullers = [part["name"].iloc[i] for i in order if np.isfinite(shares[i]) and shares[i] > 0] \
                if r["passed"] is False else []
            items.append(Item("resource", code, stage, _num(r["cv"]), float(r["threshold"]), _status(r["passed"]),
                              pullers, f"X̄={r['mean']:.4g}, S={r['sd']:.4g}, {int(r['n_schools'])} schools, "
                                       f"{int(r['students'])} students"))
        c = comp[(comp["stage"] == stage) & comp["in_scope"]]
        if len(c):
            failing = c[c["status"] == FAIL]["name"].tolist()
            unknown = (c["status"] == UNKNOWN).any()
            status = FAIL if failing else UNKNOWN if unknown else PASS
            items.append(Item("resource", "R8", stage, float((c["status"] == PASS).mean()), 1.0, status, failing,
                              f"{int((c['status'] == PASS).sum())}/{len(c)} schools comply ({std.school_rule.min_met} of "
                              f"{std.school_rule.n_indicators}, ≥{std.school_rule.min_ratio_unmet:.0%})"))
    return items


def g3_rooms(stats: pd.DataFrame, schools: pd.DataFrame, rule: dict) -> pd.DataFrame:
    """Per school: music/art rooms needed = ⌈classes / classes_per_room⌉ each; smallest room at least
    ``music_room_min_m2`` / ``art_room_min_m2`` (the G3 rule of the standards)."""
    s = stats.copy()
    g = s.groupby("school_id").agg(classes=("classes", "sum"), music=("music_rooms", "sum"),
                                   art=("art_rooms", "sum"), music_min=("music_room_min_m2", "min"),
                                   art_min=("art_room_min_m2", "min"),
                                   has_music=("music_rooms", lambda x: x.notna().any())).reset_index()
    g["needed"] = np.ceil(g["classes"] / rule["classes_per_room"]).clip(lower=1)
    g["music_short"] = (g["needed"] - g["music"]).clip(lower=0)
    g["art_short"] = (g["needed"] - g["art"]).clip(lower=0)
    g["music_small"] = (g["music"] > 0) & (g["music_min"] < rule["music_room_min_m2"])
    g["art_small"] = (g["art"] > 0) & (g["art_min"] < rule["art_room_min_m2"])
    g["ok"] = (g["music_short"] == 0) & (g["art_short"] == 0) & ~g["music_small"] & ~g["art_small"]
    g["ok"] = g["ok"].astype(object)
    g.loc[~g["has_music"].astype(bool), "ok"] = None          # rooms not reported: unknown
    return g.merge(schools[["school_id", "name"]], on="school_id")


def guarantee_items(data: dict, std: Standards) -> list[Item]:
    cfg = std["guarantee"]
    county, schools, stats = data["county"], data["schools"], data["stats"]
    ordinary = schools[~schools["school_type"].map(contract.is_special_education)]
    stats_ord = stats[stats["school_id"].isin(ordinary["school_id"])]
    items = []
    for code, rule in cfg.items():
        kind = rule["kind"]
        if kind in ("qualitative", "min"):
            v = _county_value(county, code)
            line = 1.0 if kind == "qualitative" else rule["line"]
            items.append(Item("guarantee", code, None, v, line, _status(None if v is None else v >= line),
                              source="县级指标"))
            continue
        if code == "G3":
            g = g3_rooms(stats_ord, ordinary, rule)
            fails = g[g["ok"] == False]  # noqa: E712
            ok = None if g["ok"].isna().all() or g.empty else fails.empty
            items.append(Item("guarantee", code, None, float((g["ok"] == True).mean()) if len(g) else None, 1.0,  # noqa: E712
                              _status(ok), fails["name"].tolist(),
                              f"rooms ≥ ⌈classes/{rule['classes_per_room']}⌉, ≥ {rule['music_room_min_m2']}/"
                              f"{rule['art_room_min_m2']} ㎡"))
        elif code == "G4":
            size = sizing.oversized_schools(stats_ord, ordinary, std)
            over = size[size["over"]]
            items.append(Item("guarantee", code, None, float(size["students"].max()) if len(size) else None,
                              None, _status(None if size.empty else over.empty), over["name"].tolist(),
                              f"≤ {std['school_size']['max_single_stage']} / {std['school_size']['max_combined']}"))
        elif code == "G5":
            classes = data["classes"]
            if classes.empty:
                items.append(Item("guarantee", code, None, None, None, UNKNOWN, source="no 班级 sheet"))
                continue
            banded = sizing.class_bands(classes, std)
            over = banded[banded["over_line"]]
            items.append(Item("guarantee", code, None, float(len(over)), 0.0, _status(over.empty),
                              _names(schools, over["school_id"].unique()),
                              f"{len(over)} of {len(banded)} classes above "
                              + "/".join(str(std.class_max(s)) for s in std.stages)))
        elif code == "G6":
            items.append(g6_item(data, std, rule))
        elif code == "G7":
            special = schools[schools["school_type"].map(contract.is_special_education)]
            f = data["funding"][data["funding"]["school_id"].isin(special["school_id"])]
            if special.empty:
                items.append(Item("guarantee", code, None, None, rule["min_per_student"], PASS,
                                  source="no special-education school"))
            elif f["funds_per_student_standard"].notna().any():
                low = f[f["funds_per_student_standard"] < rule["min_per_student"]]
                items.append(Item("guarantee", code, None, float(f["funds_per_student_standard"].min()),
                                  rule["min_per_student"], _status(low.empty), _names(schools, low["school_id"]),
                                  "生均公用经费拨付标准"))
            else:
                items.append(Item("guarantee", code, None, None, rule["min_per_student"], UNKNOWN, source="no 经费"))
        elif code in ("G9", "G11"):
            items.append(_exchange_item(code, data, rule))
        elif code == "G12":
            s = stats_ord[stats_ord["stage"] != contract.WHOLE_SCHOOL]
            t, c = s["teachers"].sum(min_count=1), s["certified_teachers"].sum(min_count=1)
            v = None if pd.isna(t) or pd.isna(c) or t == 0 else float(c / t)
            low = s.groupby("school_id")[["teachers", "certified_teachers"]].sum()
            low = low[low["certified_teachers"] < low["teachers"]]
            items.append(Item("guarantee", code, None, v, rule["line"], _status(None if v is None else v >= rule["line"]),
                              _names(schools, low.index), f"{c:.0f}/{t:.0f} certified" if v is not None else ""))
    return items


def g6_item(data, std, rule) -> Item:
    """G6: every small village school (under the funding floor) funded as if it had the floor's pupils:
    public funds ≥ standard × max(pupils, floor) × (1 − tolerance). A blank fund or standard is not funded:
    fail when a known school is short, else unknown while any is blank."""
    schools, stats, funding = data["schools"], data["stats"], data["funding"]
    village = schools[[contract.is_village_school(t, u) for t, u in zip(schools["school_type"], schools["urban_rural_code"])]]
    totals = sizing.school_totals(stats).merge(village[["school_id", "name"]], on="school_id")
    small = totals[totals["students"] < std["funding"]["small_school_floor_students"]]
    if small.empty:
        return Item("guarantee", "G6", None, None, None, PASS,
                    source=f"no village school under {std['funding']['small_school_floor_students']}")
    f = small.merge(funding, on=["school_id", "year"], how="left")
    if f["public_funds"].isna().all():
        return Item("guarantee", "G6", None, None, None, UNKNOWN, source="no 经费 for small schools")
    floor = std["funding"]["small_school_floor_students"]
    funds = pd.to_numeric(f["public_funds"], errors="coerce").astype("float64")
    due = (pd.to_numeric(f["funds_per_student_standard"], errors="coerce").astype("float64")
           * np.maximum(pd.to_numeric(f["students"], errors="coerce").astype("float64"), floor))
    known = funds.notna() & due.notna()
    met = known & (funds >= due * (1 - rule["tolerance"]))
    short = f[known & ~met]
    missing = int((~known).sum())
    # a school whose funds or standard is blank is not counted as funded: short → fail, else unknown
    status = FAIL if len(short) else UNKNOWN if missing else PASS
    return Item("guarantee", "G6", None, float(met[known].mean()) if known.any() else None, 1.0, status,
                short["name"].tolist(), f"{len(f)} schools under {floor} funded as {floor}"
                + (f"; {missing} without funds or standard" if missing else ""))


def _exchange_item(code, data, rule) -> Item:
    ex, county = data["exchange"], data["county"]
    if ex.empty or ex["eligible"].isna().all():
        v = _county_value(county, code)
        line = rule.get("line", rule.get("exchanged_share"))
        return Item("guarantee", code, None, v, line, _status(None if v is None else v >= line), source="县级指标")
    if code == "G9":
        teachers = data["stats"].loc[data["stats"]["stage"] != contract.WHOLE_SCHOOL, "teachers"].sum()
        v = float(ex["trained_360h"].sum() / teachers) if teachers else None
        return Item("guarantee", code, None, v, rule["line"], _status(None if v is None else v >= rule["line"] - 1e-9),
                    source=f"{ex['trained_360h'].sum():.0f}/{teachers:.0f} teachers trained 360 h")
    share = ex["exchanged"].sum() / ex["eligible"].sum()
    backbone = ex["backbone_exchanged"].sum() / max(ex["exchanged"].sum(), 1)
    ok = share >= rule["exchanged_share"] and backbone >= rule["backbone_share"]
    return Item("guarantee", code, None, float(share), rule["exchanged_share"], _status(ok),
                source=f"exchanged {share:.1%} of eligible; backbone {backbone:.1%} of exchanged")


def quality_items(data: dict, std: Standards) -> list[Item]:
    items = []
    for code, rule in std["quality"].items():
        if rule["kind"] in ("qualitative", "min"):
            v = _county_value(data["county"], code)
            line = 1.0 if rule["kind"] == "qualitative" else rule["line"]
            items.append(Item("quality", code, None, v, line, _status(None if v is None else v >= line), source="县级指标"))
        elif code == "Q4":
            f = data["funding"].dropna(subset=["public_funds", "training_funds"])
            if f.empty:
                items.append(Item("quality", code, None, None, rule["training_share"], UNKNOWN, source="no 经费"))
                continue
            share = f["training_funds"] / f["public_funds"]
            low = f[share < rule["training_share"]]
            items.append(Item("quality", code, None, float(share.min()), rule["training_share"], _status(low.empty),
                              _names(data["schools"], low["school_id"]), "教师培训经费 ÷ 公用经费, lowest school"))
        elif code == "Q9":
            items += _q9(data, rule)
    return items


def _q9(data, rule) -> list[Item]:
    q = data["quality"]
    if q.empty:
        return [Item("quality", "Q9", None, None, rule["line"], UNKNOWN, source="no 质量监测", estimate=True)]
    out = []
    for (stage, subject), part in q.groupby(["stage", "subject"]):
        if rule["method"] == "weighted_sd":
            v = weighted_sd_of_means(part["n"], part["mean"])
        else:
            v = between_school_share(part["n"], part["mean"], part["sd"])
        # pupils at level Ⅲ, pupil-weighted over the schools that report both the share and the pupils
        both = part[part["level3_rate"].notna() & part["n"].notna() & (part["n"] > 0)]
        level3 = float((both["level3_rate"] * both["n"]).sum() / both["n"].sum()) if len(both) else None
        ok = None if math.isnan(v) or level3 is None else (v < rule["line"] and level3 >= rule["level3_min_share"])
        out.append(Item("quality", f"Q9·{subject}", stage, _num(v), rule["line"], _status(ok),
                        source=f"{rule['method']} estimate; level Ⅲ+ {level3:.1%}" if level3 is not None else rule["method"],
                        estimate=True))
    return out


def recognition_items(data: dict, std: Standards) -> list[Item]:
    out = []
    for code, rule in std["recognition"].items():
        v = _county_value(data["county"], code)
        out.append(Item("recognition", code, None, v, rule["line"], _status(None if v is None else v >= rule["line"]),
                        source="县级指标"))
    return out


def scorecard(data: dict, std: Standards) -> list[Item]:
    """All items for one county and year. ``data`` holds the county-year tables: schools, stats,
    classes, funding, exchange, quality, county (县级指标)."""
    rows = school_stage_indicators(data["stats"], data["schools"], std)
    return (resource_items(rows, std) + guarantee_items(data, std) + quality_items(data, std)
            + recognition_items(data, std))


def verdict(items: list[Item]) -> dict:
    """'pass' only when every item passes; else the failing and the unknown items."""
    failing = [i for i in items if i.status == FAIL]
    unknown = [i for i in items if i.status == UNKNOWN]
    status = FAIL if failing else UNKNOWN if unknown else PASS
    return {"status": status, "failing": [(i.code, i.stage) for i in failing],
            "unknown": [(i.code, i.stage) for i in unknown]}
