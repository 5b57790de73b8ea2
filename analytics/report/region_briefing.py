"""The city or province briefing (``python -m analytics briefing --region 3209 …`` and the 区县比较 page's
button): which counties pass, which fail on what and by how much, the ranking, the map, what the counties'
plans cost. Every verdict is the county's own scorecard's (service.region_verdicts), and every figure comes
from the functions the page uses (county_facts, region_plans; comparison.*), so the briefing, the page,
compare --json and each county's 达标评估 agree."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from analytics import service
from analytics.geo import regions
from analytics.i18n import t
from analytics.io.storage import Store
from analytics.planning import rectification
from analytics.report import briefing, comparison, figures
from analytics.formatting import fmt_count, fmt_cv_line, fmt_money_split, fmt_pct
from analytics.standards import settings_section
from analytics.io.export import save_whole


def content(store: Store, region: str, year: int, progress=None) -> dict:
    """Every figure of the regional briefing. ``progress(done, total, county)`` follows the counties'
    scorecards, then their plans."""
    tree = service.regions(store)
    long = service.compare(store, region, year)
    verdicts = service.region_verdicts(store, region, year, progress)
    facts = service.county_facts(store, region, year)
    plans = service.region_plans(store, region, year, progress)
    outlines = store.outlines()
    meta = store.meta()
    labels = dict(zip(verdicts["counties"]["county_code"], verdicts["counties"]["label"]))
    # two counties of one name (鼓楼区 of 南京 and of 徐州) are two rows, two bars, two entries everywhere
    long = long.assign(county_name=long["county_code"].map(labels).fillna(long["county_name"]))
    plans = {"counties": plans["counties"].assign(county_name=plans["counties"]["county_code"].map(labels)),
             "routes": plans["routes"].assign(county_name=plans["routes"]["county_code"].map(labels))}
    return {"region": str(region), "region_name": regions.region_name(tree, region), "year": int(year), "meta": meta,
            "is_demo": bool(verdicts["counties"]["is_demo"].any()), "long": long, "verdicts": verdicts["counties"],
            "items": verdicts["items"], "labels": labels,
            "ranking": comparison.ranking(verdicts["counties"], verdicts["items"]),
            "peers": dict(zip(facts["county_code"], facts["peer"])),
            "plans": plans, "std": service.standards_for(str(region)[:2] + "0000"),
            "outlines": outlines[outlines["county_code"].astype(str).str.startswith(str(region))]}


def summary_paragraph(c: dict) -> str:
    """How many counties pass, are close, far or undecided on every item of the standard (each county's own
    scorecard); what the plans cost together and what they make pass — the resource part the plans check,
    and the counties with nothing failing outside their plan."""
    n = comparison.standing_counts(c["verdicts"])
    total = len(c["verdicts"])
    failing = n["close"] + n["far"]
    text = (f"{c['region_name']}{c['year']}—{c['year'] + 1}学年共{total}个区县纳入比较，按全部评估项目（与各区县“达标评估”相同）："
            f"{n['pass']}个各项均达标，{failing}个有未达标项（其中{n['close']}个接近、{n['far']}个较远），"
            f"{n['unknown']}个没有未达标项但数据不全、尚不能判定。")
    counties = c["plans"]["counties"]
    if len(counties):
        text += (f"按各区县整改方案测算，{len(counties)}个区县合计"
                 f"{fmt_money_split(rectification.combined_totals(counties.to_dict('records')))}；"
                 f"方案实施后，{int(counties['passes_after'].sum())}个区县的资源配置部分（差异系数与学校达标）可全部达标，"
                 f"其中{int(counties['passes_whole_after'].sum())}个区县没有方案以外的未达标项、整改后可通过评估。")
    return text


def failing_words(c: dict, county_code: str) -> str:
    """The failing items of one county as read, from its scorecard: '小学·骨干教师 0.514（线0.50）；初中·学校达标
    92.0%；班额（大班额）'."""
    items = c["items"]
    part = items[(items["county_code"] == county_code) & (items["status"] == "fail")]
    words = []
    for r in part.itertuples():
        name = comparison.item_name(r.code, r.stage)
        if r.kind == "cv":
            words.append(f"{name} {comparison.format_value(r.code, r.value, r.threshold)}（线{r.threshold:.2f}）")
        elif r.code == "R8":
            words.append(f"{name} {comparison.format_value('R8', r.value)}")
        else:
            words.append(name)
    return "；".join(words) or "—"


def ranking_rows(c: dict) -> list[list[str]]:
    plans = c["plans"]["counties"].set_index("county_code") if len(c["plans"]["counties"]) else None
    rows = []
    for r in c["ranking"].itertuples():
        cost = None if plans is None or r.county_code not in plans.index else plans.loc[r.county_code]
        rows.append([str(r.rank), r.label or r.county_code,
                     comparison.peer_label(c["peers"].get(r.county_code, "unknown|unknown")),
                     t(f"compare.verdict.{r.status}") + f"（{t(f'standing.{r.standing}')}）", str(int(r.n_fail)),
                     failing_words(c, r.county_code),
                     "—" if cost is None else f"{fmt_count(cost['one_off_yuan'], 'zh', '元')} + "
                                              f"{fmt_count(cost['recurring_yuan'], 'zh', '元')}/年"])
    return rows


def render_images(c: dict) -> dict[str, bytes]:
    statuses = dict(zip(c["verdicts"]["county_code"].astype(str), c["verdicts"]["standing"]))  # the scorecards' verdicts
    outlines = c["outlines"].assign(county_name=c["outlines"]["county_code"].astype(str).map(c["labels"])
                                    .fillna(c["outlines"]["county_name"]))
    out = {"map": briefing.png(figures.county_verdict_map(outlines, statuses, "zh",
                                                          title=f"{c['region_name']}各区县结论"), 900, 760)}
    for stage in c["std"].stages:
        if ((c["long"]["stage"] == stage) & (c["long"]["indicator"] != "R8")).any():
            fig = figures.county_multiples(c["long"], stage, "zh", c["std"])
            out[f"multiples_{stage}"] = briefing.png(fig, 900, int(fig.layout.height or 700))
    return out


def write_docx(c: dict, images: dict[str, bytes], path: str | Path) -> Path:
    import io

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)
    briefing.page_numbers(sec)
    doc.styles["Normal"].font.size = Pt(16)
    center = WD_ALIGN_PARAGRAPH.CENTER
    briefing.paragraph(doc, f"{c['region_name']}各区县义务教育优质均衡发展情况汇报", briefing.TITLE_FONT, 22, True, center, False)
    briefing.paragraph(doc, f"（{c['year']}—{c['year'] + 1}学年 · 数据版本 v{c['meta'].get('version', '—')} · "
                            f"{date.today():%Y年%m月%d日}）", "楷体", 16, False, center, False)
    if c["is_demo"]:
        briefing.paragraph(doc, "注：本文使用合成演示数据，仅用于展示，不代表真实情况。", briefing.HEADING_FONT, 14, True, center, False)
    briefing.heading(doc, "一、总体情况")
    briefing.paragraph(doc, summary_paragraph(c))
    doc.add_picture(io.BytesIO(images["map"]), width=Cm(15))
    briefing.heading(doc, "二、各区县结论与排名")
    rule = settings_section("compare")
    briefing.paragraph(doc, "结论按各区县全部评估项目（资源配置、政府保障程度、教育质量、社会认可度），与各区县“达标评估”页相同。"
                            "排名先按未达标项数（少者在前），再按未达标项目的差距之和（差异系数或县级比例超出标准线的相对幅度、"
                            "未达标学校所占比例；小者在前）。同类组按在校生规模与城区学生占比划分，便于同类比较。"
                            + t("standing.rule", items=rule["close_max_items"], margin=fmt_pct(rule["close_margin"], 0),
                                schools=rule["close_max_schools"]))
    briefing.word_table(doc, ["排名", "区县", "同类组", "结论", "未达标项数", "未达标项目", "整改方案总投入"], ranking_rows(c),
                        [1.1, 2.2, 2.6, 1.8, 1.3, 4.6, 2.2])
    briefing.heading(doc, "三、未达标差异系数距标准线还差多少")
    table = comparison.distance_table(c["plans"]["routes"], "zh")
    if table.empty:
        briefing.paragraph(doc, "各区县的差异系数均未超出标准线（或数据不全、尚不能判定）。")
    else:
        briefing.paragraph(doc, "按各区县整改方案同一算法，每项超线差异系数的最省做法（交流轮岗，或为低于下限的学校补足）及其投入：")
        briefing.word_table(doc, list(table.columns), table.astype(str).values.tolist(), [1.8, 1.0, 1.8, 1.5, 1.7, 3.4, 2.1, 2.1])
    for stage in c["std"].stages:
        if f"multiples_{stage}" in images:
            doc.add_picture(io.BytesIO(images[f"multiples_{stage}"]), width=Cm(15))
    briefing.heading(doc, "四、整改投入")
    counties = c["plans"]["counties"].sort_values("cumulative_yuan", ascending=False)
    briefing.paragraph(doc, "整改方案测算资源配置部分（差异系数与学校达标）和可计价的保障项目；“方案外未达标项”需要其他措施，"
                            "在其解决之前该区县仍不能通过评估。")
    briefing.word_table(doc, ["区县", "一次性投入", "每年经常性投入", "措施数", "资源配置部分整改后达标", "方案外未达标项",
                              "整改后可通过评估"],
                        [[c["labels"].get(r.county_code, r.county_name), fmt_count(r.one_off_yuan, "zh", "元"),
                          fmt_count(r.recurring_yuan, "zh", "元") + "/年", str(r.actions),
                          "是" if r.passes_after else "否", str(int(r.outside_plan)), "是" if r.passes_whole_after else "否"]
                         for r in counties.itertuples()], [2.4, 2.2, 2.2, 1.2, 2.4, 1.8, 1.8])
    briefing.paragraph(doc, "说明：差异系数为学生数加权（" + "、".join(
        f"{s}{fmt_cv_line(c['std'].cv_line(s))}" for s in c["std"].stages) + "），数值保留三位小数。")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_whole(doc, path)
    return path


def build(store: Store, region: str, year: int, out: str | Path, pdf: bool = False, progress=None) -> dict:
    """Write the regional briefing (.docx, optional .pdf); returns the paths and a message when no PDF."""
    c = content(store, region, year, progress)
    images = render_images(c)
    docx = write_docx(c, images, out)
    result = {"docx": str(docx), "pdf": None, "pptx": None, "message": None}
    if pdf:
        made = briefing.to_pdf(docx)
        result["pdf"] = str(made) if made else None
        if not made:
            result["message"] = t("briefing.no_soffice")
    return result
