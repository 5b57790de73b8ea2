"""The whole assessment of one county and year: every item of the standard with its value, line,
status (pass / fail / unknown — missing data is never a pass), the schools that fail it and the
figures behind it, and the verdict.

Parts: 资源配置 (the seven CVs and school compliance per 学段), 政府保障程度 G1–G15, 教育质量 Q1–Q9,
社会认可度 S1. County-wide and qualitative items come from the 县级指标 sheet; per-school items are
computed from the school sheets.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.io import contract
from analytics.method import indicators, school_rule, sizing, variation
from analytics.method.coverage import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, Coverage, combine, decide
from analytics.standards import Standards
from analytics.method.indicators import INDICATOR_SOURCES, school_stage_indicators
from analytics.method.labels import school_labels


# the source of items read from the 县级指标 sheet (a county figure, not built from schools)
COUNTY_SOURCE = "src.county"


@dataclass
class Item:
    part: str                   # resource / guarantee / quality / recognition
    code: str
    stage: str | None
    value: float | None         # at partial coverage: the value over the complete schools only
    threshold: float | None
    status: str                 # pass / fail / unknown / not_applicable (analytics.method.coverage)
    failing_schools: list[dict] = field(default_factory=list)   # {school_id, name, label}
    source: str = ""            # the figures behind the value: a strings-catalog key (src.*), args below
    estimate: bool = False
    coverage: Coverage | None = None    # None: a county figure (县级指标), not built from schools
    pullers: list[dict] = field(default_factory=list)           # CV items: the schools pulling it up
    basis: str = ""             # which schools the item judges, and the clause it follows
    county_value: float | None = None   # the same figure as the county reported it (县级指标), if any
    sources_differ: bool = False        # the two differ by more than ``two_source_tolerance``
    source_args: dict = field(default_factory=dict)             # the arguments of ``source``

    def as_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        if isinstance(d["value"], float) and math.isnan(d["value"]):
            d["value"] = None
        d["coverage"] = None if self.coverage is None else self.coverage.as_dict()
        return d


def _status(ok: bool | None) -> str:
    return UNKNOWN if ok is None else PASS if ok else FAIL


def _num(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def school_refs(schools: pd.DataFrame, ids) -> list[dict]:
    """Schools by id for lists a person reads: {school_id, name, label}; the label tells apart schools of
    the county with the same name (:func:`formatting.school_labels`: name, name（town）, name（id））."""
    all_ids = schools["school_id"].astype(str).tolist()
    towns = schools["town"] if "town" in schools else None
    label = dict(zip(all_ids, school_labels(all_ids, schools["name"], towns)))
    names = dict(zip(all_ids, schools["name"]))
    return [{"school_id": i, "name": names.get(i) or i, "label": label.get(i, i)}
            for i in dict.fromkeys(str(x) for x in ids)]


def names_by_id(schools: pd.DataFrame) -> dict[str, str]:
    """School id → name, for a Coverage to show the schools it lists."""
    return dict(zip(schools["school_id"].astype(str), schools["name"]))


def inputs(sheet_key: str, *columns: str) -> str:
    """The contract's names of the inputs an item needs, as 经费·教师培训经费、公用经费拨付总额."""
    sheet = contract.sheet(sheet_key)
    return f"{sheet.zh}·" + "、".join(sheet.column(c).zh for c in columns)


def scope_schools(schools: pd.DataFrame, stats: pd.DataFrame, std: Standards, code: str) -> pd.DataFrame:
    """The schools item ``code`` judges (``item_scope`` of the standards): the county's schools that
    report this year, with special-education schools in or out as the item's clause says."""
    rule = std.item_scope(code)
    present = schools[schools["school_id"].isin(stats["school_id"])]
    special = present["school_type"].map(contract.is_special_education).astype(bool)
    keep = {"only": special, True: present["school_id"].notna(), False: ~special}[rule["special_education"]]
    return present[keep]


def with_county_figure(item: Item, county: pd.DataFrame, std: Standards) -> Item:
    """Two sources, one answer: the figure from the school sheets decides; the county's own figure
    (县级指标) is kept beside it, and flagged when the two differ by more than the tolerance."""
    item.county_value = _county_value(county, item.code)
    if item.county_value is not None and item.value is not None:
        item.sources_differ = abs(item.value - item.county_value) > float(std["two_source_tolerance"]) + 1e-12
    return item


def _item(part, code, stage, value, threshold, cov: Coverage, failing: list, schools, std, *,
          rule_met=True, source="", estimate=False, **source_args) -> Item:
    """An item judged over schools: status by :func:`coverage.decide`, failing schools by id."""
    return Item(part, code, stage, _num(value), threshold, decide(cov, bool(len(failing)), rule_met),
                school_refs(schools, failing), source, estimate, cov, source_args=source_args,
                basis=std.item_scope(code)["basis"] if code in std.get("item_scope", {}) else "")


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


def resource_items(rows: pd.DataFrame, std: Standards, schools: pd.DataFrame) -> list[Item]:
    """The seven CVs and the school rule (R8) per 学段, each with its coverage: a CV over part of the
    schools is shown but never decides (unknown); R8 fails on a school known to fail, else is
    unknown while a school lacks an indicator."""
    items = []
    cv = variation.cv_table(rows, std)
    comp = school_rule.school_compliance(rows, std)
    scoped = rows[rows["in_scope"]] if len(rows) else rows
    names = names_by_id(schools)
    for stage in std.stages:
        part = scoped[scoped["stage"] == stage] if len(scoped) else scoped
        for code in std.indicator_codes:
            r = cv[(cv["stage"] == stage) & (cv["indicator"] == code)]
            if r.empty:
                items.append(Item("resource", code, stage, None, std.cv_line(stage), UNKNOWN,
                                  source="src.no_schools", coverage=Coverage.of([])))
                continue
            r = r.iloc[0]
            cov = Coverage.of(part["school_id"], r["missing"],
                              inputs("stage_stats", *INDICATOR_SOURCES[code]) + "、在校生数", names)
            pullers = []
            if r["status"] == FAIL:          # the schools pulling it up, each with its side of the mean
                shares = variation.variance_shares(part[code], part["students"])
                order = [i for i in np.argsort(-np.nan_to_num(shares))[:5] if np.isfinite(shares[i]) and shares[i] > 0]
                pullers = [dict(ref, above_mean=bool(part[code].iloc[i] > r["mean"]))
                           for ref, i in zip(school_refs(schools, [part["school_id"].iloc[i] for i in order]), order)]
            args = {"mean": f"{r['mean']:.4g}", "sd": f"{r['sd']:.4g}", "n": int(r["n_schools"]),
                    "students": f"{int(r['students']):,}"} if r["n_schools"] else {}
            source = "src.cv_single" if r["n_schools"] == 1 else "src.cv" if args else ""   # one school: 0 by definition
            items.append(Item("resource", code, stage, _num(r["cv"]), float(r["threshold"]), r["status"], [],
                              source, coverage=cov, pullers=pullers, source_args=args,
                              basis=std.item_scope("CV")["basis"]))
        c = comp[(comp["stage"] == stage) & comp["in_scope"]]
        cov = Coverage.of(c["school_id"], c.loc[c["status"] == UNKNOWN, "school_id"], "七项指标", names)
        failing = c.loc[c["status"] == FAIL, "school_id"]
        rule = std.school_rule
        items.append(_item("resource", "R8", stage, (c["status"] == PASS).mean() if len(c) else None, 1.0, cov,
                           failing, schools, std,
                           source="src.r8", passed=int((c["status"] == PASS).sum()), total=len(c)))
    return items


def known_sums(df: pd.DataFrame, column: str, by: str = "school_id") -> pd.Series:
    """Per ``by``: the sum of ``column``; NaN when any of the group's rows is blank (a blank is not zero)."""
    values = pd.to_numeric(df[column], errors="coerce").astype("float64")
    sums = values.groupby(df[by]).sum()
    return sums.where(~values.isna().groupby(df[by]).any())


def compulsory_share_of_whole(stats: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    """Per school with a 全校 row: the part of its whole-school rooms that serves 义务教育.

    share = Σ_s w_s·P_s / (Σ_s w_s·P_s + w_高中·P_高中) over its 学段 rows s (:func:`indicators.split_shares`);
    1 where the 全校 row gives no 高中在校生数. Example: 1,200 初中 and 1,230 高中 pupils, weights 1.1 : 1.32 →
    1,320 / (1,320 + 1,623.6) = 0.44843.
    """
    out = {}
    whole = stats[stats["stage"] == contract.WHOLE_SCHOOL]
    parts = stats[stats["stage"] != contract.WHOLE_SCHOOL]
    for _, w in whole.iterrows():
        own = parts[parts["school_id"] == w["school_id"]]
        students = {r["stage"]: float(r["students"]) if pd.notna(r["students"]) else 0.0 for _, r in own.iterrows()}
        senior = pd.to_numeric(w.get("senior_students"), errors="coerce")
        if pd.isna(senior) or senior <= 0:
            out[w["school_id"]] = 1.0
            continue
        shares = indicators.split_shares({**students, indicators.SENIOR: float(senior)}, weights)
        out[w["school_id"]] = 1.0 - shares[indicators.SENIOR]
    return pd.Series(out, dtype="float64")


def g3_rooms(stats: pd.DataFrame, schools: pd.DataFrame, rule: dict,
             weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Per school: music/art rooms needed = max(1, ⌈classes / classes_per_room⌉) each; the smallest room
    at least ``music_room_min_m2`` / ``art_room_min_m2`` (the G3 rule of the standards).

    A school with a 高中部 reports its rooms once on the 全校 row. ``senior_rooms: whole`` (national default)
    credits them all to its 义务教育 classes; ``share`` credits only the 义务教育 part by weighted pupils
    (:func:`compulsory_share_of_whole`, as L7 does; ``weights`` the standards' ``split_weights``): 3 rooms at
    a share of 0.448 count as 1.345 rooms against the 2 that 24 classes need.

    ``ok``: False when the known figures already break the rule (fewer rooms than even one needed,
    fewer than the classes need, a room known to be too small: ``*_short`` rooms missing — at least,
    when the classes are blank — and ``*_small``); None when an input is blank
    (classes on a 学段 row, the room counts, the smallest area of rooms that exist); True otherwise.
    Rooms may be reported per 学段 or once on the 全校 row: the known ones are summed.
    """
    by_school = stats.groupby("school_id")
    g = pd.DataFrame(index=pd.Index(sorted(by_school.groups), name="school_id"))
    g["classes"] = known_sums(stats[stats["stage"] != contract.WHOLE_SCHOOL], "classes").reindex(g.index)
    g["needed"] = np.maximum(1.0, np.ceil(g["classes"] / rule["classes_per_room"])).where(g["classes"].notna())
    at_least = g["needed"].fillna(1.0)                      # blank classes: at least one room of each kind
    known_fail = pd.Series(False, index=g.index)
    blank = g["needed"].isna()
    factor = pd.Series(1.0, index=stats.index)
    mode = rule.get("senior_rooms", "whole")
    if mode not in ("whole", "share"):
        raise ValueError(f"guarantee.G3.senior_rooms: expected whole or share, got {mode!r}")
    if mode == "share":
        whole = stats["stage"] == contract.WHOLE_SCHOOL
        share = compulsory_share_of_whole(stats, weights or {})
        factor[whole] = stats.loc[whole, "school_id"].map(share).fillna(1.0)
    for kind in ("music", "art"):
        rooms = pd.to_numeric(stats[f"{kind}_rooms"], errors="coerce").astype("float64") * factor
        count = rooms.groupby(stats["school_id"]).sum(min_count=1).reindex(g.index)
        smallest = pd.to_numeric(stats[f"{kind}_room_min_m2"], errors="coerce").astype("float64") \
            .groupby(stats["school_id"]).min().reindex(g.index)
        g[kind], g[f"{kind}_min"] = count, smallest
        g[f"{kind}_short"] = np.ceil((at_least - count).clip(lower=0).round(9)).fillna(0.0)  # whole rooms to build
        g[f"{kind}_small"] = (count > 0) & smallest.notna() & (smallest < rule[f"{kind}_room_min_m2"])
        known_fail |= (g[f"{kind}_short"] > 0) | g[f"{kind}_small"]
        blank |= count.isna() | ((count > 0) & smallest.isna())
    g["ok"] = pd.Series(np.where(known_fail, False, np.where(blank, None, True)), index=g.index, dtype=object)
    return g.reset_index().merge(schools[["school_id", "name"]], on="school_id")


def guarantee_items(data: dict, std: Standards) -> list[Item]:
    cfg = std["guarantee"]
    county, schools, stats = data["county"], data["schools"], data["stats"]
    names = names_by_id(schools)
    items = []
    for code, rule in cfg.items():
        kind = rule["kind"]
        if kind in ("qualitative", "min"):
            v = _county_value(county, code)
            line = 1.0 if kind == "qualitative" else rule["line"]
            items.append(Item("guarantee", code, None, v, line, _status(None if v is None else v >= line),
                              source=COUNTY_SOURCE))
            continue
        scope = scope_schools(schools, stats, std, code)
        scoped_stats = stats[stats["school_id"].isin(scope["school_id"])]
        if code == "G3":
            g = g3_rooms(scoped_stats, scope, rule, std["split_weights"])
            cov = Coverage.of(scope["school_id"], g.loc[g["ok"].isna(), "school_id"],
                              inputs("stage_stats", "classes", "music_rooms", "music_room_min_m2", "art_rooms",
                                     "art_room_min_m2"), names)
            items.append(_item("guarantee", code, None, (g["ok"] == True).mean() if len(g) else None, 1.0, cov,  # noqa: E712
                               g.loc[g["ok"] == False, "school_id"], schools, std,  # noqa: E712
                               source="src.g3", ok=int((g["ok"] == True).sum()), total=len(g)))  # noqa: E712
        elif code == "G4":
            size = sizing.oversized_schools(scoped_stats, scope, std)
            cov = Coverage.of(scope["school_id"], size.loc[size["students"].isna(), "school_id"],
                              inputs("stage_stats", "students"), names)
            items.append(_item("guarantee", code, None, size["students"].max() if len(size) else None, None, cov,
                               size.loc[size["over"], "school_id"], schools, std,
                               source="src.g4", over=int(size["over"].sum()), total=len(size),
                               largest=f"{size['students'].max():,.0f}" if size["students"].notna().any() else "—"))
        elif code == "G5":
            items.append(g5_item(data, std, scope))
        elif code == "G6":
            items.append(g6_item(data, std, rule))
        elif code == "G7":
            f = data["funding"][["school_id", "funds_per_student_standard"]].drop_duplicates("school_id")
            f = scope[["school_id"]].merge(f, on="school_id", how="left")
            value = pd.to_numeric(f["funds_per_student_standard"], errors="coerce").astype("float64")
            cov = Coverage.of(scope["school_id"], f.loc[value.isna(), "school_id"],
                              inputs("funding", "funds_per_student_standard"), names)
            items.append(_item("guarantee", code, None, value.min() if value.notna().any() else None,
                               rule["min_per_student"], cov, f.loc[value < rule["min_per_student"], "school_id"],
                               schools, std, source="src.g7"))
        elif code in ("G9", "G11"):
            items.append(with_county_figure(_exchange_item(code, data, rule, std, scope), county, std))
        elif code == "G12":
            items.append(with_county_figure(g12_item(data, std, rule, scope), county, std))
    return items


def g5_item(data, std, scope) -> Item:
    """G5: every class of the schools in scope within its 学段's line. From the 班级 sheet; a school in
    scope with no 班级 rows is not reported (unknown). Without the sheet, the contract's fallback:
    pupils ÷ classes per school and 学段 (an average hides single large classes: an estimate)."""
    schools, stats = data["schools"], data["stats"]
    names = names_by_id(schools)
    lines = "/".join(str(std.class_max(s)) for s in std.stages)
    classes = data["classes"]
    if classes.empty:
        s = stats[stats["school_id"].isin(scope["school_id"])]
        parts = s[s["stage"] != contract.WHOLE_SCHOOL]
        blank = parts.loc[parts["classes"].isna() | ~(parts["classes"] > 0), "school_id"]
        banded = sizing.class_bands_from_averages(s, std)
        over = banded[banded["over_line"]]
        cov = Coverage.of(scope["school_id"], blank, inputs("stage_stats", "classes"), names)
        return _item("guarantee", "G5", None, len(over), 0.0, cov, over["school_id"], schools, std, estimate=True,
                     source="src.g5_estimate", over=len(over), total=len(banded), lines=lines)
    mine = classes[classes["school_id"].isin(scope["school_id"])]
    banded = sizing.class_bands(mine, std)
    over = banded[banded["over_line"]]
    unreported = set(scope["school_id"]) - set(mine["school_id"])
    blank = set(mine.loc[mine["students"].isna(), "school_id"])
    # the 班级 rows of a school must be the classes its 学段 rows state: with rows missing (or extra) the
    # school is not known to be within the line (a class above it may be the one missing)
    agreement = contract.class_rows_agreement(stats[stats["school_id"].isin(scope["school_id"])], mine)
    blank |= set(agreement.loc[~agreement["agree"].astype(bool), "school_id"])
    cov = Coverage.of(scope["school_id"], sorted(unreported | blank), inputs("classes", "students"), names)
    return _item("guarantee", "G5", None, len(over), 0.0, cov, over["school_id"], schools, std,
                 source="src.g5", over=len(over), total=len(banded), lines=lines)


def g6_item(data, std, rule) -> Item:
    """G6: every small village school (under the funding floor) funded as if it had the floor's pupils:
    public funds ≥ standard × max(pupils, floor) × (1 − tolerance). Not applicable without such a school;
    a school with a blank fund or standard is not reported: fail when a known school is short, else
    unknown while any is blank."""
    schools, stats, funding = data["schools"], data["stats"], data["funding"]
    names = names_by_id(schools)
    floor = std["funding"]["small_school_floor_students"]
    rule_village = std.village_schools
    village = schools[[contract.is_village_school(t, u, rule_village) for t, u in zip(schools["school_type"], schools["urban_rural_code"])]]
    totals = sizing.school_totals(stats).merge(village[["school_id", "name"]], on="school_id")
    small = totals[totals["students"] < floor]
    f = small.merge(funding, on=["school_id", "year"], how="left")
    funds = pd.to_numeric(f["public_funds"], errors="coerce").astype("float64")
    standard = pd.to_numeric(f["funds_per_student_standard"], errors="coerce").astype("float64")
    due = standard * np.maximum(pd.to_numeric(f["students"], errors="coerce").astype("float64"), floor)
    known = funds.notna() & due.notna()
    met = known & (funds >= due * (1 - rule["tolerance"]))
    cov = Coverage.of(small["school_id"], f.loc[~known, "school_id"],
                      inputs("funding", "public_funds", "funds_per_student_standard"), names)
    return _item("guarantee", "G6", None, met[known].mean() if known.any() else None, 1.0, cov,
                 f.loc[known & ~met, "school_id"], schools, std,
                 source="src.g6", n=len(f), floor=floor)


def _exchange_item(code, data, rule, std, scope) -> Item:
    """G9 (360-hour training of every teacher) and G11 (交流轮岗 share and its backbone share) from the
    师资交流 sheet over the schools in scope; without the sheet, the county's figure (县级指标)."""
    ex, county, schools = data["exchange"], data["county"], data["schools"]
    names = names_by_id(schools)
    if ex.empty:
        v = _county_value(county, code)
        line = rule.get("line", rule.get("exchanged_share"))
        return Item("guarantee", code, None, v, line, _status(None if v is None else v >= line), source=COUNTY_SOURCE)
    stats = data["stats"]
    teachers = stats[(stats["stage"] != contract.WHOLE_SCHOOL) & stats["school_id"].isin(scope["school_id"])] \
        .pipe(known_sums, "teachers")
    e = scope[["school_id"]].merge(ex.drop_duplicates("school_id"), on="school_id", how="left") \
        .assign(teachers=lambda d: d["school_id"].map(teachers))
    if code == "G9":
        known = e["trained_360h"].notna() & e["teachers"].notna()
        cov = Coverage.of(scope["school_id"], e.loc[~known, "school_id"],
                          inputs("teacher_exchange", "trained_360h") + "、专任教师数", names)
        k = e[known]
        v = k["trained_360h"].sum() / k["teachers"].sum() if k["teachers"].sum() else None
        # the line is every teacher (100 %): a school with teachers not trained fails it, whatever the blanks
        short = k.loc[k["trained_360h"] < k["teachers"] * rule["line"] - 1e-9, "school_id"] if rule["line"] >= 1 else []
        return _item("guarantee", code, None, v, rule["line"], cov, short, schools, std,
                     rule_met=None if v is None else v >= rule["line"] - 1e-9,
                     source="src.g9", trained=f"{k['trained_360h'].sum():,.0f}", teachers=f"{k['teachers'].sum():,.0f}")
    cols = ["eligible", "exchanged", "backbone_exchanged"]
    known = e[cols].notna().all(axis=1)
    cov = Coverage.of(scope["school_id"], e.loc[~known, "school_id"], inputs("teacher_exchange", *cols), names)
    k = e[known]
    share = k["exchanged"].sum() / k["eligible"].sum() if k["eligible"].sum() else None
    backbone = k["backbone_exchanged"].sum() / max(k["exchanged"].sum(), 1)
    ok = None if share is None else share >= rule["exchanged_share"] and backbone >= rule["backbone_share"]
    return _item("guarantee", code, None, share, rule["exchanged_share"], cov, [], schools, std, rule_met=ok,
                 source="src.g11", share=f"{share or 0:.1%}", backbone=f"{backbone:.1%}")


def g12_item(data, std, rule, scope) -> Item:
    """G12: certified teachers / teachers ≥ line (100 %): a school known to have uncertified teachers
    fails it; a school with a blank count is not reported."""
    schools, stats = data["schools"], data["stats"]
    names = names_by_id(schools)
    s = stats[(stats["stage"] != contract.WHOLE_SCHOOL) & stats["school_id"].isin(scope["school_id"])]
    per = pd.DataFrame({"teachers": known_sums(s, "teachers"), "certified": known_sums(s, "certified_teachers")})
    per = scope[["school_id"]].merge(per.reset_index(), on="school_id", how="left")
    known = per["teachers"].notna() & per["certified"].notna()
    k = per[known]
    t, c = k["teachers"].sum(), k["certified"].sum()
    v = c / t if t else None
    cov = Coverage.of(scope["school_id"], per.loc[~known, "school_id"],
                      inputs("stage_stats", "teachers", "certified_teachers"), names)
    short = k.loc[k["certified"] < k["teachers"] * rule["line"] - 1e-9, "school_id"] if rule["line"] >= 1 else []
    return _item("guarantee", "G12", None, v, rule["line"], cov, short, schools, std,
                 rule_met=None if v is None else v >= rule["line"] - 1e-9, source="src.g12", certified=f"{c:,.0f}", teachers=f"{t:,.0f}")


def quality_items(data: dict, std: Standards) -> list[Item]:
    items = []
    for code, rule in std["quality"].items():
        if rule["kind"] in ("qualitative", "min"):
            v = _county_value(data["county"], code)
            line = 1.0 if rule["kind"] == "qualitative" else rule["line"]
            items.append(Item("quality", code, None, v, line, _status(None if v is None else v >= line), source=COUNTY_SOURCE))
        elif code == "Q4":
            scope = scope_schools(data["schools"], data["stats"], std, code)
            f = scope[["school_id"]].merge(data["funding"].drop_duplicates("school_id"), on="school_id", how="left")
            public = pd.to_numeric(f["public_funds"], errors="coerce").astype("float64")
            training = pd.to_numeric(f["training_funds"], errors="coerce").astype("float64")
            share = training / public.where(public > 0)
            names = names_by_id(data["schools"])
            cov = Coverage.of(scope["school_id"], f.loc[share.isna(), "school_id"],
                              inputs("funding", "training_funds", "public_funds"), names)
            items.append(_item("quality", code, None, share.min() if share.notna().any() else None,
                               rule["training_share"], cov, f.loc[share < rule["training_share"], "school_id"],
                               data["schools"], std, source="src.q4",
                               lowest="—" if share.notna().sum() == 0 else f"{share.min():.2%}",
                               county="—" if share.notna().sum() == 0 else
                               f"{training[share.notna()].sum() / public[share.notna()].sum():.2%}"))
        elif code == "Q9":
            items += _q9(data, rule)
    return items


def _q9(data, rule) -> list[Item]:
    q = data["quality"]
    if q.empty:
        return [Item("quality", "Q9", None, None, rule["line"], UNKNOWN, source="src.no_quality", estimate=True)]
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
                        source=f"src.q9_{rule['method']}", source_args={"level3": "—" if level3 is None else f"{level3:.1%}"},
                        estimate=True))
    return out


def recognition_items(data: dict, std: Standards) -> list[Item]:
    out = []
    for code, rule in std["recognition"].items():
        v = _county_value(data["county"], code)
        out.append(Item("recognition", code, None, v, rule["line"], _status(None if v is None else v >= rule["line"]),
                        source=COUNTY_SOURCE))
    return out


def scorecard(data: dict, std: Standards) -> list[Item]:
    """All items for one county and year. ``data`` holds the county-year tables: schools, stats,
    classes, funding, exchange, quality, county (县级指标)."""
    rows = school_stage_indicators(data["stats"], data["schools"], std)
    return (resource_items(rows, std, data["schools"]) + guarantee_items(data, std) + quality_items(data, std)
            + recognition_items(data, std))


def resource_verdicts(items: list[dict], stages) -> dict[str, dict]:
    """Per 学段 the verdict of its whole resource part — the seven CVs AND the school rule (R8) — from
    the items as records (``Item.as_dict``): pass only when all pass; fail lists the failing codes (R8
    included); else unknown."""
    out = {}
    for stage in stages:
        mine = [i for i in items if i["part"] == "resource" and i["stage"] == stage]
        failing = [i["code"] for i in mine if i["status"] == FAIL]
        status = combine(i["status"] for i in mine)
        out[stage] = {"status": status, "failing": failing}
    return out


def verdict_key(v: dict) -> str:
    """The catalog sentence of a verdict: verdict.pass / .fail / .fail_complete (nothing unknown) / .unknown."""
    if v["status"] == FAIL and not v["unknown"]:
        return "verdict.fail_complete"
    return f"verdict.{v['status']}"


def verdict(items: list[Item]) -> dict:
    """'pass' only when every applicable item passes; else 'fail' (any fails) or 'unknown'. Items that
    do not apply are counted apart (``counts``) and neither pass nor block."""
    by = {st: [i for i in items if i.status == st] for st in (PASS, FAIL, UNKNOWN, NOT_APPLICABLE)}
    status = combine(i.status for i in items)
    return {"status": status, "failing": [(i.code, i.stage) for i in by[FAIL]],
            "unknown": [(i.code, i.stage) for i in by[UNKNOWN]],
            "not_applicable": [(i.code, i.stage) for i in by[NOT_APPLICABLE]],
            "counts": {st: len(v) for st, v in by.items()}}


# ---------------------------------------------------------------- close to the line, or far from it


def relative_gap(value, threshold) -> float | None:
    """How far a figure sits from its line, relative to the line: |value − line| / |line|; None when
    either is unknown or the line is zero (a count against 0, an item without a numeric line)."""
    value, threshold = _num(value), _num(threshold)
    if value is None or threshold is None or threshold == 0:
        return None
    return abs(value - threshold) / abs(threshold)


def near_line(value, threshold, margin: float) -> bool:
    """Whether a figure is within ``margin`` of its line, on either side: relative_gap ≤ margin."""
    gap = relative_gap(value, threshold)
    return gap is not None and gap <= margin + 1e-12


def item_kind(item: dict, std: Standards) -> str:
    """How an item's distance to its line is read: 'cv' (a 差异系数 against its line), 'schools' (judged
    school by school: a share or count of schools failing — R8, 大班额, 大校额 …), 'yes_no' (a qualitative
    item of 县级指标: met or not), 'figure' (a county figure against a line: 教师工资 ≥ 公务员, 巩固率 ≥ 95 %)."""
    if item["part"] == "resource" and item["code"] != "R8":
        return "cv"
    if item.get("coverage") is not None:
        return "schools"
    rule = (std.get(item["part"], {}) or {}).get(str(item["code"]).split("·")[0], {}) or {}
    return "yes_no" if rule.get("kind") == "qualitative" else "figure"


def is_near(item: dict, kind: str, margin: float) -> bool:
    """A decided figure within ``margin`` of its line (a pass a small change would turn, a fail a small
    step would mend): CVs and county figures only — a yes/no item or a count of schools has no such margin."""
    return kind in ("cv", "figure") and item["status"] in (PASS, FAIL) and near_line(item["value"], item["threshold"], margin)


def small_failure(item: dict, kind: str, rule: dict) -> bool:
    """A failing item a small step would mend: a CV or county figure within ``close_margin`` of its line;
    an item judged school by school failed by at most ``close_max_schools`` schools; never a yes/no item.
    ``item``: a record of :meth:`Item.as_dict`."""
    if kind in ("cv", "figure"):
        return near_line(item["value"], item["threshold"], float(rule["close_margin"]))
    if kind == "schools":
        return 0 < len(item.get("failing_schools") or []) <= int(rule["close_max_schools"])
    return False


def standing(verdict: dict, items: list[dict], kinds: list[str], rule: dict) -> str:
    """A county's standing for the city and province view, from its scorecard verdict:

    - 'pass' (已达标): the verdict passes;
    - 'close' (接近): it fails on at most ``close_max_items`` items, each a small failure
      (:func:`small_failure`);
    - 'far' (较远): it fails otherwise;
    - 'unknown' (数据不全): nothing fails but an item cannot be decided.

    ``kinds``: :func:`item_kind` of each item; ``rule``: close_margin, close_max_items, close_max_schools
    (data/settings.yaml ``compare``)."""
    if verdict["status"] == PASS:
        return PASS
    if verdict["status"] == UNKNOWN:
        return UNKNOWN
    failing = [(i, k) for i, k in zip(items, kinds) if i["status"] == FAIL]
    if len(failing) <= int(rule["close_max_items"]) and all(small_failure(i, k, rule) for i, k in failing):
        return "close"
    return "far"
