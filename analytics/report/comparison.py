"""Counties side by side (the city or province view), from each county's own scorecard
(:func:`analytics.service.region_verdicts`): one row per county with its verdict and standing, the resource
part as numbers, every item, the ranking, what changed since last year, the roll-up by city — pure
functions, no Streamlit."""
from __future__ import annotations

import math

import pandas as pd

from analytics.formatting import (
    fmt_count,
    fmt_cv_line,
    fmt_cv_near,
    fmt_item_line,
    fmt_item_value,
    fmt_pct,
    fmt_signed,
    fmt_time,
)
from analytics.i18n import t
from analytics.io.contract import STAGES

STANDINGS = ("pass", "close", "far", "unknown")
PARTS = ("resource", "guarantee", "quality", "recognition")


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def format_value(indicator: str, value, line=None) -> str:
    """A compared value as read: R8 a share of schools (75.0%), a CV with the decimals it takes to read
    which side of its ``line`` it is on (0.4996, not 0.500); — when unknown."""
    if _missing(value):
        return "—"
    return fmt_pct(value) if indicator == "R8" else fmt_cv_near(value, line)


def item_name(code: str, stage, lang: str = "zh") -> str:
    """An item as a column or list entry: '小学·骨干教师', '初中·学校达标', '班额（大班额）', '质量监测·数学·初中'."""
    base, _, sub = str(code).partition("·")
    if base.startswith("L"):
        name = t(f"indicator_short.{base}", lang)
    else:
        name = t(f"item_short.{base}", lang) + (f"·{sub}" if sub else "")
    if isinstance(stage, str) and stage:
        return f"{t('stage.' + stage, lang)}·{name}" if base.startswith("L") or base == "R8" else f"{name}·{t('stage.' + stage, lang)}"
    return name


def item_names(keys, lang: str = "zh") -> str:
    """Item keys of :func:`analytics.service.item_key` ('L2·小学', 'G5', 'Q9·数学·初中') as a list read aloud."""
    words = []
    for key in keys:
        parts = str(key).split("·")
        stage = parts[-1] if parts[-1] in STAGES else None
        code = "·".join(parts[:-1] if stage else parts)
        words.append(item_name(code, stage, lang))
    return ("、" if lang == "zh" else ", ").join(words)


def _order(items: pd.DataFrame) -> pd.DataFrame:
    """Items in the standard's order: part, then 学段 (小学, 初中), then as the scorecard lists them."""
    stage_rank = {s: k for k, s in enumerate(STAGES)}
    return items.assign(_p=items["part"].map({p: k for k, p in enumerate(PARTS)}),
                        _s=items["stage"].map(lambda s: stage_rank.get(s, -1)), _k=range(len(items))) \
        .sort_values(["county_code", "_p", "_s", "_k"]).drop(columns=["_p", "_s", "_k"])


def verdict_table(counties: pd.DataFrame, lang: str = "zh", peers: dict | None = None) -> pd.DataFrame:
    """One row per county (``counties`` of :func:`analytics.service.region_verdicts`): code, name (told apart),
    city, verdict, standing, the counts over every item, the failing and near-line items; counties that fail
    most first."""
    if counties.empty:
        return pd.DataFrame()
    c = counties.sort_values(["n_fail", "n_unknown", "county_code"], ascending=[False, False, True])
    out = pd.DataFrame({
        t("compare.col.code", lang): c["county_code"].values,
        t("col.county", lang): c["label"].values,
        t("compare.col.city", lang): c["city_name"].fillna("").values,
        t("compare.col.verdict", lang): [t(f"compare.verdict.{s}", lang) for s in c["status"]],
        t("compare.col.standing", lang): [t(f"standing.{s}", lang) for s in c["standing"]],
        t("compare.col.n_fail", lang): c["n_fail"].astype(int).values,
        t("compare.col.n_unknown", lang): c["n_unknown"].astype(int).values,
        t("compare.col.n_pass", lang): c["n_pass"].astype(int).values,
        t("compare.col.failing_items", lang): [item_names(f, lang) for f in c["failing"]],
        t("compare.col.near", lang): [item_names(n, lang) for n in c["near"]],
    })
    if peers is not None:
        out.insert(5, t("compare.col.peer", lang),
                   [peer_label(peers.get(code, "unknown|unknown"), lang) for code in c["county_code"]])
    return out.reset_index(drop=True)


def resource_table(counties: pd.DataFrame, items: pd.DataFrame, lang: str = "zh", peers: dict | None = None,
                   status_columns: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The resource part side by side, as numbers: per county its code, name, city, overall verdict and
    standing, failing count (over every item), then per 学段 each CV and the share of schools complying (R8).

    Returns (table, marks): ``marks`` has the table's shape, '' or 'fail' / 'unknown' / 'near' per cell (the
    page colours by it). ``status_columns``: each value followed by its result in a column of its own
    (the Excel to send: numbers stay numbers)."""
    first = verdict_table(counties, lang, peers)
    if first.empty:
        return first, first
    keep = [t("compare.col.code", lang), t("col.county", lang), t("compare.col.city", lang), t("compare.col.verdict", lang),
            t("compare.col.standing", lang), t("compare.col.n_fail", lang)]
    if peers is not None:
        keep.append(t("compare.col.peer", lang))
    table = first[keep].copy()
    marks = pd.DataFrame("", index=table.index, columns=table.columns)
    res = _order(items[items["part"] == "resource"])
    res = res.assign(_name=[item_name(c, s, lang) for c, s in zip(res["code"], res["stage"])])
    codes = table[t("compare.col.code", lang)]
    for name in dict.fromkeys(res["_name"]):
        part = res[res["_name"] == name].set_index("county_code")
        table[name] = codes.map(part["value"]).astype(float).values
        mark = [("fail" if st_ == "fail" else "unknown" if st_ in ("unknown", None) or _missing(st_) else
                 "near" if nr is True else "") for st_, nr in zip(codes.map(part["status"]), codes.map(part["near"]))]
        marks[name] = mark
        if status_columns:
            column = f"{name}·{t('compare.col.status', lang)}"
            table[column] = [t(f"status.{s}", lang) + (t("compare.near_mark", lang) if n is True else "")
                             if isinstance(s, str) else "" for s, n in zip(codes.map(part["status"]), codes.map(part["near"]))]
            marks[column] = ""
    return table, marks


def items_table(counties: pd.DataFrame, items: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Every item of every county, one row each (the table for the Ministry): county code, name, city,
    part, item, 学段, value and line as numbers, result, near the line."""
    if items.empty:
        return pd.DataFrame()
    info = counties.set_index("county_code")
    rows = _order(items)
    return pd.DataFrame({
        t("compare.col.code", lang): rows["county_code"].values,
        t("col.county", lang): rows["county_code"].map(info["label"]).values,
        t("compare.col.city", lang): rows["county_code"].map(info["city_name"]).fillna("").values,
        t("compare.col.part", lang): [t(f"part.{p}", lang) for p in rows["part"]],
        t("compare.col.item", lang): [item_name(c.split("·")[0] if c.startswith("L") or c == "R8" else c, None, lang)
                                      for c in rows["code"]],
        t("col.stage", lang): [t(f"stage.{s}", lang) if isinstance(s, str) and s else "" for s in rows["stage"]],
        t("compare.col.value", lang): pd.to_numeric(rows["value"], errors="coerce").values,
        t("compare.col.line", lang): pd.to_numeric(rows["threshold"], errors="coerce").values,
        t("compare.col.status", lang): [t(f"status.{s}", lang) for s in rows["status"]],
        t("compare.col.near_flag", lang): [t("common.yes", lang) if n else "" for n in rows["near"]],
    })


def ranking(counties: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """The region's counties ranked, best first, on their whole scorecard: by the number of failing items
    (fewer is better), then by whether any item is undecided (decided first), then by the total shortfall
    of the failing items (smaller is better), then by code. Shortfall of a failing CV or county figure: its
    relative gap |value − line| / line; of an item judged school by school: the share of its schools
    failing (1 − value for a share, else 1); of a yes/no item: 1. Equal keys share the lower rank.
    Columns: rank, county_code, label, status, standing, n_fail, failing, shortfall."""
    bad = items[items["status"] == "fail"]
    share = pd.to_numeric(bad["value"], errors="coerce")
    school_gap = (1.0 - share).where(share.between(0, 1) & (bad["threshold"] == 1.0), 1.0)
    gap = pd.to_numeric(bad["gap"], errors="coerce").where(bad["kind"].isin(["cv", "figure"]), school_gap).fillna(1.0)
    shortfall = gap.groupby(bad["county_code"]).sum()
    out = counties.copy()
    out["shortfall"] = out["county_code"].map(shortfall).fillna(0.0)
    out["undecided"] = (out["n_unknown"] > 0).astype(int)
    out = out.sort_values(["n_fail", "undecided", "shortfall", "county_code"]).reset_index(drop=True)
    keys = list(zip(out["n_fail"], out["undecided"], out["shortfall"].round(12)))
    out["rank"] = [1 + keys.index(key) for key in keys]
    return out[["rank", "county_code", "label", "status", "standing", "n_fail", "failing", "shortfall"]]


def standing_counts(counties: pd.DataFrame) -> dict[str, int]:
    """How many counties are in each standing (every standing named, zero when none)."""
    counts = counties["standing"].value_counts() if len(counties) else {}
    return {s: int(counts.get(s, 0)) for s in STANDINGS}


def city_rollup(counties: pd.DataFrame, items: pd.DataFrame, lang: str = "zh", top: int = 3) -> pd.DataFrame:
    """Per city of the province: counties, how many pass, are close, far, undecided; the share of in-scope
    schools complying (R8, pupils' 学段 rows pooled: Σ complying ÷ Σ schools over the city's counties and
    学段, as a share 0–1); the failing items most common among its counties (up to ``top``). Cities in code order; a
    county governed by the province directly counts under its province's name."""
    if counties.empty:
        return pd.DataFrame()
    r8 = items[items["code"] == "R8"]
    city = counties.assign(city_code=counties["city_code"].fillna(counties["county_code"].str[:2]),
                           city_name=counties["city_name"].fillna(""))
    rows = []
    for code, part in city.groupby("city_code", sort=True):
        n = standing_counts(part)
        mine = r8[r8["county_code"].isin(part["county_code"])].dropna(subset=["value"])
        scope = pd.to_numeric(mine["n_scope"], errors="coerce").fillna(0)
        share = (mine["value"].astype(float) * scope).sum() / scope.sum() if scope.sum() else None
        common = pd.Series([k for f in part["failing"] for k in f], dtype=object).value_counts().head(top)
        rows.append({
            t("compare.city.col.city", lang): part["city_name"].iloc[0] or code,
            t("compare.city.col.counties", lang): len(part),
            t("compare.city.col.pass", lang): n["pass"], t("compare.city.col.close", lang): n["close"],
            t("compare.city.col.far", lang): n["far"], t("compare.city.col.unknown", lang): n["unknown"],
            t("compare.city.col.schools", lang): share,
            t("compare.city.col.common", lang): ("、" if lang == "zh" else "; ").join(t("compare.city.common_item", lang, item=item_names([k], lang), n=int(v))
                                                         for k, v in common.items()),
        })
    return pd.DataFrame(rows)


def changes(now: dict, before: dict, lang: str = "zh") -> pd.DataFrame:
    """What changed since the previous school year, per county present in both (``now`` / ``before``:
    :func:`analytics.service.region_verdicts` of the two years): the verdict then and now, the change
    (新增未达标: failed no item last year and fails now; 新达标: the reverse; 仍未达标 with items newly
    failing or mended), the items newly failing and newly passing, and the CV that moved most (± change).
    Only counties where something changed; county-level changes first."""
    a, b = now["counties"].set_index("county_code"), before["counties"].set_index("county_code")
    common = [c for c in a.index if c in b.index]
    status_now = now["items"].assign(key=[_key(c, s) for c, s in zip(now["items"]["code"], now["items"]["stage"])])
    status_before = before["items"].assign(key=[_key(c, s) for c, s in zip(before["items"]["code"], before["items"]["stage"])])
    rows = []
    for code in common:
        fails_now, fails_before = set(a.at[code, "failing"]), set(b.at[code, "failing"])
        new, fixed = sorted(fails_now - fails_before, key=a.at[code, "failing"].index) if fails_now - fails_before else [], \
            [k for k in b.at[code, "failing"] if k not in fails_now]
        was, is_ = b.at[code, "status"], a.at[code, "status"]
        kind = ("newly_fail" if is_ == "fail" and was != "fail" else "newly_pass" if was == "fail" and is_ != "fail"
                else "still_fail" if is_ == "fail" else "")
        cv_now = status_now[(status_now["county_code"] == code) & (status_now["kind"] == "cv")].set_index("key")["value"]
        cv_before = status_before[(status_before["county_code"] == code) & (status_before["kind"] == "cv")].set_index("key")["value"]
        moves = (pd.to_numeric(cv_now, errors="coerce") - pd.to_numeric(cv_before.reindex(cv_now.index), errors="coerce")).dropna()
        largest = moves.abs().idxmax() if len(moves) else None
        if not new and not fixed and kind != "newly_fail" and kind != "newly_pass":
            continue
        rows.append({"_k": {"newly_fail": 0, "newly_pass": 1}.get(kind, 2), "_n": -len(new),
                     t("compare.col.code", lang): code, t("col.county", lang): a.at[code, "label"],
                     t("compare.col.city", lang): a.at[code, "city_name"] or "",
                     t("compare.change.col.before", lang): t(f"compare.verdict.{was}", lang),
                     t("compare.col.verdict", lang): t(f"compare.verdict.{is_}", lang),
                     t("compare.change.col.kind", lang): t(f"compare.change.{kind}", lang) if kind else "",
                     t("compare.change.col.items_new", lang): item_names(new, lang),
                     t("compare.change.col.items_fixed", lang): item_names(fixed, lang),
                     t("compare.change.col.largest", lang): "" if largest is None else
                     f"{item_names([largest], lang)} {fmt_signed(moves[largest])}"})
    if not rows:
        return pd.DataFrame()
    return pd.DataFrame(rows).sort_values(["_k", "_n", t("compare.col.code", lang)]).drop(columns=["_k", "_n"]) \
        .reset_index(drop=True)


def _key(code, stage) -> str:
    return f"{code}·{stage}" if isinstance(stage, str) and stage else str(code)


def directions(now_items: pd.DataFrame, before_items: pd.DataFrame) -> pd.DataFrame:
    """Each CV's direction across the counties since last year: per 学段 × indicator, how many counties'
    CVs rose, fell (or stayed), and the median change — the province-wide sentence of each indicator.
    Columns: stage, indicator, up, down, same, median."""
    def cvs(items):
        c = items[items["kind"] == "cv"]
        return c.set_index(["county_code", "stage", "code"])["value"].astype(float)
    change = (cvs(now_items) - cvs(before_items)).dropna()
    if change.empty:
        return pd.DataFrame(columns=["stage", "indicator", "up", "down", "same", "median"])
    frame = change.rename("change").reset_index()
    out = frame.groupby(["stage", "code"])["change"].agg(
        up=lambda x: int((x > 1e-12).sum()), down=lambda x: int((x < -1e-12).sum()),
        same=lambda x: int((x.abs() <= 1e-12).sum()), median="median").reset_index().rename(columns={"code": "indicator"})
    stage_rank = {s: k for k, s in enumerate(STAGES)}
    return out.assign(_s=out["stage"].map(stage_rank), _i=out["indicator"].str[1:].astype(int)) \
        .sort_values(["_s", "_i"]).drop(columns=["_s", "_i"]).reset_index(drop=True)


def direction_words(row, lang: str = "zh") -> str:
    """One indicator's direction as read: '小学生均用房差异系数：95个区县上升、0个下降（中位数+0.021）'."""
    return t("compare.direction", lang, stage=t(f"stage.{row['stage']}", lang),
             indicator=t(f"indicator_short.{row['indicator']}", lang), up=int(row["up"]), down=int(row["down"]),
             median=fmt_signed(row["median"]))




def peer_label(group: str, lang: str = "zh") -> str:
    """'大规模·城区为主' for 'large|urban'."""
    size, urban = group.split("|")
    size_words = t("peer.size.rank", lang, k=size[4:]) if size.startswith("size") else t("peer.size." + size, lang)
    return f"{size_words}·{t('peer.urban.' + urban, lang)}"


def distance_words(kind, quantity, unit: str, lang: str = "zh") -> str:
    """How far a failing CV is from its line in natural units (:func:`rectification.route_distance`):
    '交流轮岗4人', '补足1,400㎡' (floor route), or no route."""
    if kind is None or (isinstance(kind, float) and math.isnan(kind)):
        return t("plan.route_none", lang)
    if kind == "move":
        return t("compare.distance.move", lang, n=int(quantity))
    return t("compare.distance.floor", lang, amount=fmt_count(quantity, lang, t(f"unit.{unit}", lang)))


def distance_table(routes: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Per failing CV of each county (:func:`analytics.service.region_plans` ``routes``): the CV against its
    line, what would bring it within the line (natural units) and what that costs (万元), largest excess first."""
    if routes.empty:
        return pd.DataFrame()
    rows = routes.assign(_excess=(routes["cv"] - routes["threshold"]) / routes["threshold"]).sort_values(
        "_excess", ascending=False)
    return pd.DataFrame({
        t("col.county", lang): rows["county_name"].values,
        t("col.stage", lang): [t(f"stage.{s}", lang) for s in rows["stage"]],
        t("col.indicator", lang): [t(f"indicator_short.{c}", lang) for c in rows["indicator"]],
        t("col.cv", lang): [fmt_cv_near(v, line) for v, line in zip(rows["cv"], rows["threshold"])],
        t("col.threshold", lang): [fmt_cv_line(v, spaced=True) for v in rows["threshold"]],
        t("compare.col.distance", lang): [distance_words(k, q, u, lang) for k, q, u in
                                          zip(rows["kind"], rows["quantity"], rows["unit"])],
        t("compare.col.route_one_off", lang): [fmt_count(c, lang, t("unit.元", lang)) for c in rows["one_off_yuan"]],
        t("compare.col.route_recurring", lang): [fmt_count(c, lang, t("unit.元", lang)) + t("unit.per_year", lang)
                                                 if pd.notna(c) else "—" for c in rows["recurring_yuan"]],
    })


def header_lines(region_name: str, year: int, meta: dict, n_synthetic: int, lang: str = "zh", when: str = "") -> list[str]:
    """The block above a table to send: region, school year, data version (and its source), export time,
    and a warning while any county's data are synthetic."""
    lines = [t("compare.excel_header.region", lang, region=region_name),
             t("compare.excel_header.year", lang, year=f"{year}—{year + 1}" if lang == "zh" else f"{year}/{year + 1}"),
             t("compare.excel_header.version", lang, version=f"v{meta.get('version', '—')}", source=meta.get("source_file", "—")),
             t("compare.excel_header.time", lang, when=when or fmt_time(pd.Timestamp.now(tz="UTC").isoformat(), lang))]
    if n_synthetic:
        lines.append(t("compare.excel_header.demo", lang, n=n_synthetic))
    return lines


def region_sheets(now: dict, before: dict | None, lang: str = "zh", peers: dict | None = None) -> dict[str, pd.DataFrame]:
    """The workbook of 区县比较 and ``compare --xlsx``: 区县结论 (one row per county, every item counted),
    资源配置 (numbers, each value's result in its own column), 全部项目 (every item of every county: the table
    for the Ministry), 按市汇总 (a province), 与上一学年相比 (when ``before`` is given)."""
    counties, items = now["counties"], now["items"]
    sheets = {t("compare.sheet.verdicts", lang): verdict_table(counties, lang, peers),
              t("compare.sheet.resource", lang): resource_table(counties, items, lang, peers, status_columns=True)[0],
              t("compare.sheet.items", lang): items_table(counties, items, lang)}
    if counties["city_code"].nunique() > 1:
        sheets[t("compare.sheet.cities", lang)] = city_rollup(counties, items, lang)
    if before is not None and len(before["counties"]):
        sheets[t("compare.sheet.changes", lang)] = changes(now, before, lang)
    return sheets


def failing_by_part(items: list[dict], std, lang: str = "zh", status: str = "fail") -> list[tuple[str, list[str]]]:
    """A county's items of one status (failing by default) grouped by the standard's four parts, in its
    order, each as read: '小学·骨干教师 0.514（标准≤0.50）', '班额（大班额） 670个班（标准0个班）'. ``items``:
    scorecard records (:meth:`Item.as_dict`). Parts without such an item are left out."""
    kinds = {code: rule["kind"] for part in ("guarantee", "quality") for code, rule in std[part].items()}
    out = []
    for part in PARTS:
        words = []
        for i in items:
            if i["part"] != part or i["status"] != status:
                continue
            base = i["code"].split("·")[0]
            name = item_name(i["code"] if base not in ("R8",) and not base.startswith("L") else base, i["stage"], lang)
            value = fmt_item_value(i["code"], i["value"], kinds.get(base, ""), lang, i["threshold"])
            line = fmt_item_line(i["code"], i["threshold"], kinds.get(base, ""), lang, std)
            words.append(f"{name} {value}（{t('compare.line_word', lang)}{line}）" if value != "—" else name)
        if words:
            out.append((part, words))
    return out


def most_crossed(now: pd.DataFrame, before: pd.DataFrame, stage: str) -> str | None:
    """The measure of a 学段 on which most counties crossed their line since last year (passed one year,
    failed the other) — what a year chart of many counties should open on; None without both years.
    ``now`` / ``before``: :func:`analytics.service.compare` of the two years."""
    key = ["county_code", "stage", "indicator"]
    both = now[now["stage"] == stage].merge(before[before["stage"] == stage][key + ["passed"]], on=key,
                                            suffixes=("", "_before"))
    both = both[both["passed"].map(lambda p: isinstance(p, bool)) & both["passed_before"].map(lambda p: isinstance(p, bool))]
    if both.empty:
        return None
    counts = (both["passed"] != both["passed_before"]).groupby(both["indicator"], sort=False).sum()
    return str(counts.idxmax())
