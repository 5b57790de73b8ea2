"""The leadership briefing: one document a leader reads in five minutes (.docx, .pdf, .pptx).

``content()`` gathers every figure from the same functions as the CLI and the pages (cv_records,
the scorecard, the plan), ``figures()`` renders charts and a tile-free map to PNG with kaleido
(Debian's Chromium, offline), ``write_docx()`` lays it out in 公文 style, ``to_pdf()`` converts it
with LibreOffice when installed (Chinese faces mapped to Noto CJK by data/fonts/fonts.conf).
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from analytics import service
from analytics.planning import rectification
from analytics.method.scorecard import COUNTY_SOURCE
from analytics.formatting import fmt_cv_line, fmt_cv_near, fmt_money_split, fmt_pct, fmt_time, fmt_wan
from analytics.i18n import t
from analytics.report import figures, plan_views
from analytics.io.storage import Store
from analytics.io.export import save_whole

ROOT = Path(__file__).resolve().parents[2]
FONTS_CONF = ROOT / "data" / "fonts" / "fonts.conf"
BODY_FONT, TITLE_FONT, HEADING_FONT = "仿宋", "宋体", "黑体"
CHART_FONT = "Noto Sans CJK SC"


def content(store: Store, county: str, year: int) -> dict:
    """Every figure of the briefing, from the functions the CLI and pages use."""
    meta = store.meta()
    name = store.counties().set_index("county_code").loc[county, "county_name"]
    items, verdict = service.scorecard(store, county, year)
    plan = service.plan(store, county, year)
    std = service.standards_for(county)
    cv = service.cv_records(store, county, year)
    ov = service.overview(store, county, year)
    sizes = service.class_sizes(store, county, year)
    small = service.small_schools(store, county, [year - 3, year])
    outlook = service.forecast(store, county)
    return {"county": county, "county_name": name, "year": year, "meta": meta, "is_demo": meta.get("is_demo") == "true",
            "outlook": outlook,
            "items": items, "verdict": verdict, "cv": cv, "compliance": ov["compliance_summary"],
            "gaps": ov["gaps"], "sizes": sizes, "small": small, "plan": plan,
            "plan_summary": rectification.plan_summary(plan, std), "std": std,
            "in_scope": ov["schools_in_scope"], "students": ov["students_in_scope"],
            "points": service.school_points(store, county, year), "outline": store.outline(county)}


# ---------------------------------------------------------------- figures


_KALEIDO = {"started": False}


def png(fig: go.Figure, width: int = 900, height: int = 420) -> bytes:
    import warnings

    import kaleido
    if not _KALEIDO["started"]:                      # one Chromium for every chart of the process
        kaleido.start_sync_server()
        _KALEIDO["started"] = True
    warnings.filterwarnings("ignore", message="The kopts argument is ignored")
    fig.update_layout(font=dict(family=CHART_FONT, size=15), width=width, height=height)
    return fig.to_image(format="png", width=width, height=height, scale=2)


def cv_figure(c: dict, stage: str) -> go.Figure:
    """The page's CV chart (:func:`figures.cv_bars`) of one 学段, titled for print."""
    table = pd.DataFrame([r for r in c["cv"] if not r.get("informational")])
    n = len(c["std"].indicator_codes)
    return figures.cv_bars(table, stage, "zh", c["std"], title=f"{stage}：{n}项差异系数")


def map_figure(c: dict) -> go.Figure:
    """Schools by status on the county outline (:func:`figures.school_map`)."""
    oversized = set(c["sizes"]["schools"].loc[c["sizes"]["schools"]["over"], "school_id"])
    small_ids = set(c["small"].loc[(c["small"]["year"] == c["year"]) & c["small"]["small"], "school_id"])
    return figures.school_map(c["points"], c["outline"], oversized, small_ids, "zh")


def bands_figure(c: dict) -> go.Figure:
    """The page's class-band chart (:func:`figures.band_bars`) by 学段."""
    return figures.band_bars(c["sizes"]["by_stage"], "stage", lambda s: s, "zh", c["std"], title="班额分布（个班）")


def render_images(c: dict) -> dict[str, bytes]:
    stages = [s for s in c["std"].stages if any(r["stage"] == s for r in c["cv"])]
    out = {f"cv_{s}": png(cv_figure(c, s), 800, 380) for s in stages}
    out["map"] = png(map_figure(c), 900, 700)
    out["bands"] = png(bands_figure(c), 800, 380)
    return out


# ---------------------------------------------------------------- text


def verdict_paragraph(c: dict) -> str:
    """The verdict in one paragraph, with the failing items and by how much."""
    v = c["verdict"]
    na = len(v.get("not_applicable", []))
    na_note = f"（{na}项本县不适用，不计入）" if na else ""
    head = f"按现有数据测算，{c['county_name']}{c['year']}学年"
    if v["status"] == "pass":
        return f"{head}义务教育优质均衡发展各项指标均已达到国家标准{na_note}，可望通过督导评估。"
    fails = [i for i in c["items"] if i.status == "fail"]
    unknown = len(v["unknown"])
    if not fails:
        return (f"{head}没有确定未达标的项目，但有{unknown}项数据不全{na_note}，补齐数据前尚不能判定能否通过督导评估。")
    parts = [_fail_phrase(i, c["std"].wording()) for i in fails]
    return (f"{head}尚不能通过督导评估：共{len(fails)}项未达标，"
            + "；".join(parts) + "。" + (f"另有{unknown}项数据不全，需补充后再判定。" if unknown else "") + na_note)


def _fail_phrase(i, words: dict) -> str:
    """How far one failing item is from its line, in words a leader reads."""
    stage = f"{i.stage}" if i.stage else ""
    n = len(i.failing_schools)
    if i.part == "resource" and i.code != "R8":
        return f"{stage}{t('indicator_short.' + i.code)}差异系数{fmt_cv_near(i.value, i.threshold)}（标准{fmt_cv_line(i.threshold)}）"
    if i.code == "R8":
        return f"{stage}学校达标率{fmt_pct(i.value)}（{n}所未达标）"
    if i.code == "G3":
        return f"音乐、美术专用教室不足或面积不够（{n}所学校）"
    if i.code == "G4":
        return f"超规模学校{n}所（最大{i.value:,.0f}人）"
    if i.code == "G5":
        return f"超标准班额{i.value:,.0f}个班（涉及{n}所学校）"
    label = t("item." + i.code.split("·")[0], std=words)
    if i.value is not None and i.threshold is not None and i.threshold <= 1 and i.value <= 1.5:
        return f"{label}：{fmt_pct(i.value)}（标准{fmt_pct(i.threshold, 0)}）" + (f"，{n}所学校未达标" if n else "")
    return label


def coverage_text(i) -> str:
    """How many of the schools an item judges had its inputs: "47/56所"; 县级 for a county figure."""
    if i.coverage is None:
        return "县级" if i.source == COUNTY_SOURCE else "—"
    return "—" if i.coverage.total == 0 else f"{i.coverage.complete}/{i.coverage.total}所"


CHOICE_ITEMS = ("G3", "G4", "G5", "G6", "Q4")


def choice_sentences(std) -> list[str]:
    """The choices the standard leaves open, as these standards make them: the 依据 of the items whose figures
    depend on one (which schools G6 counts as village schools, whether G4 counts 高中 pupils, how G3 credits a
    whole school's rooms, what G5 and Q4 show), each formatted from the standards in force."""
    return [std.item_scope(code)["basis"].rstrip("。") for code in CHOICE_ITEMS if code in std.get("item_scope", {})]


def scope_sentence(std) -> str:
    """Which schools the CVs count, in words, from the standards' scope rules."""
    scope = std.scope
    parts = ["特殊教育学校不纳入" if scope.get("exclude_special_education", True) else "特殊教育学校纳入"]
    minimum = int(scope.get("teaching_point_min_students", 0))
    kinds = "、".join("教学点" if t == "218" else std.type_name(t) for t in std.min_students_types)
    parts.append(f"不足{minimum}人的{kinds}不纳入" if minimum else f"{kinds}全部纳入")
    parts.append("民办学校纳入" if scope.get("include_private", True) else "民办学校不纳入")
    return "，".join(parts) + "。"


def _short(x: float) -> str:
    return f"{x:.3f}" if abs(x) < 10 else f"{x:,.0f}"


def problems(c: dict) -> list[str]:
    """The main problems, ranked: failing CVs (and the schools behind them), school compliance,
    大校额/大班额, 乡村小规模学校, urban–rural gaps."""
    out = []
    for i in c["items"]:
        if i.part == "resource" and i.status == "fail" and i.code != "R8":
            below = "、".join(r["label"] for r in i.pullers if not r["above_mean"])
            above = "、".join(r["label"] for r in i.pullers if r["above_mean"])
            out.append(f"{i.stage}{t('indicator.' + i.code)}差异系数{fmt_cv_near(i.value, i.threshold)}，超过{i.threshold:.2f}。"
                       + (f"低于全县均值、需要补充的学校：{below}。" if below else "")
                       + (f"高于全县均值、可通过交流轮岗向薄弱学校共享的学校：{above}（不应再向其投入）。" if above else ""))
    gaps = [i for i in c["items"] if i.status == "unknown" and i.coverage is not None and i.coverage.missing]
    if gaps:
        out.append("数据不全、尚不能判定的项目：" + "；".join(
            f"{t('item.' + i.code.split('·')[0], std=c['std'].wording) if i.part != 'resource' or i.code == 'R8' else t('indicator_short.' + i.code)}"
            f"{'（' + i.stage + '）' if i.stage else ''}{coverage_text(i)}数据完整" for i in gaps[:8]) + "。")
    w = c["std"].wording()
    rule = f"{w['rule_n']}项至少{w['rule_min_met']}项、余项不低于{w['rule_ratio']}"
    for r in c["compliance"].itertuples():
        out.append(f"{r.stage}{r.schools}所学校中{r._3}所达标（{fmt_pct(r.pass_share)}），{r.fail}所未达到“{rule}”。")
    big = c["sizes"]["schools"][c["sizes"]["schools"]["over"]]
    if len(big):
        out.append("超规模学校{}所：{}。".format(len(big), "、".join(f"{n}（{s:,}人）" for n, s in zip(big["name"], big["students"]))))
    bands = c["sizes"]["by_stage"][["large", "big", "huge", "total"]].sum()
    out.append(f"超过标准班额的班级{int(bands['large'] + bands['big'] + bands['huge'])}个，"
               f"其中{w['band_big_low']}–{w['band_big_high']}人大班额{int(bands['big'])}个、"
               f"{w['band_huge_low']}人及以上超大班额{int(bands['huge'])}个。")
    small = c["small"][c["small"]["year"] == c["year"]]
    out.append(f"乡村小学和教学点{len(small)}所，不足{w['small_max']}人的{int(small['small'].sum())}所、"
               f"不足{w['very_small_max']}人的{int(small['very_small'].sum())}所。")
    for g in c["gaps"].dropna(subset=["ratio"]).head(3).itertuples():
        out.append(f"{g.stage}{t('indicator.' + g.indicator)}：{g.high_group}是{g.low_group}的{g.ratio:.2f}倍。")
    return out


# ---------------------------------------------------------------- docx


def set_font(run, name: str, size: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def paragraph(doc, text: str, font=BODY_FONT, size=16, bold=False, align=None, indent=True):
    from docx.shared import Pt
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.line_spacing = Pt(28)
    set_font(p.add_run(text), font, size, bold)
    return p


def heading(doc, text: str):
    return paragraph(doc, text, HEADING_FONT, 16, False, indent=True)


def word_table(doc, header: list[str], rows: list[list[str]], widths_cm: list[float] | None = None):
    from docx.shared import Cm, Pt
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        set_font(cell.paragraphs[0].add_run(text), HEADING_FONT, 11)
    for r in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, r):
            cell.text = ""
            set_font(cell.paragraphs[0].add_run(str(text)), BODY_FONT, 11)
    if widths_cm:                                   # LibreOffice reads the grid, Word the cells: set both
        for k, col in enumerate(table.columns):
            col.width = Cm(widths_cm[k])
    for row in table.rows:
        for k, cell in enumerate(row.cells):
            cell.paragraphs[0].paragraph_format.space_after = Pt(0)
            if widths_cm:
                cell.width = Cm(widths_cm[k])
    return table


def page_numbers(section) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run("— ")
    set_font(run, "宋体", 14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        r = p.add_run()
        set_font(r, "宋体", 14)
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        r._element.append(el)
    set_font(p.add_run(" —"), "宋体", 14)


def write_docx(c: dict, images: dict[str, bytes], path: str | Path) -> Path:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)
    page_numbers(sec)
    style = doc.styles["Normal"]
    style.font.name = BODY_FONT
    style.element.get_or_add_rPr().get_or_add_rFonts().set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", BODY_FONT)
    style.font.size = Pt(16)
    paragraph(doc, f"{c['county_name']}义务教育优质均衡发展情况汇报", TITLE_FONT, 22, True, WD_ALIGN_PARAGRAPH.CENTER, False)
    meta = c["meta"]
    paragraph(doc, f"（{c['year']}—{c['year'] + 1}学年 · 数据版本 v{meta.get('version', '—')} · {date.today():%Y年%m月%d日}）",
          "楷体", 16, False, WD_ALIGN_PARAGRAPH.CENTER, False)
    if c["is_demo"]:
        paragraph(doc, "注：本文使用合成演示数据，仅用于展示，不代表真实情况。", HEADING_FONT, 14, True, WD_ALIGN_PARAGRAPH.CENTER, False)
    heading(doc, "一、总体结论")
    paragraph(doc, verdict_paragraph(c))
    heading(doc, "二、资源配置差异系数")
    rows = []
    for r in c["cv"]:
        name = t("indicator." + r["indicator"])
        status = "仅供参考" if r.get("informational") else t(f"status.{r['status']}")
        if not r.get("informational") and r.get("missing"):
            status += f"（{r['n_scope'] - len(r['missing'])}/{r['n_scope']}所）"
        rows.append([r["stage"], name, fmt_cv_near(r["cv"], r["threshold"]), fmt_cv_line(r["threshold"]), status])
    word_table(doc, ["学段", "指标", "差异系数", "标准", "结果"], rows, [1.4, 8.0, 2.0, 1.8, 2.4])
    comp = "；".join(f"{r.stage}{r.schools}所学校中{r._3}所达标" for r in c["compliance"].itertuples())
    w = c["std"].wording()
    paragraph(doc, f"学校达标情况（{w['rule_n']}项中至少{w['rule_min_met']}项达标、其余不低于标准的{w['rule_ratio']}）：{comp}。")
    for stage in c["std"].stages:
        if f"cv_{stage}" in images:
            doc.add_picture(io.BytesIO(images[f"cv_{stage}"]), width=Cm(15.5))
    heading(doc, "三、主要问题")
    for k, text in enumerate(problems(c), start=1):
        paragraph(doc, f"{k}. {text}")
    doc.add_picture(io.BytesIO(images["map"]), width=Cm(15.5))
    doc.add_picture(io.BytesIO(images["bands"]), width=Cm(14))
    heading(doc, "四、评估项目一览")
    word_table(doc, ["部分", "项目", "数值", "标准", "数据完整", "结果"], widths_cm=[2.0, 7.2, 1.8, 1.5, 1.7, 1.6], rows=
           [[t(f"part.{i.part}"), t("item." + i.code.split("·")[0], std=w) + (f"·{i.code.split('·')[1]}" if "·" in i.code else "")
             + (f"（{i.stage}）" if i.stage else ""), "—" if i.value is None else _short(i.value),
             "—" if i.threshold is None else _short(i.threshold), coverage_text(i), t(f"status.{i.status}")]
            for i in c["items"]])
    heading(doc, "五、整改方案与投入")
    ps = c["plan_summary"]
    by = plan_views.action_frame(c["plan"]["actions"] + c["plan"]["guarantee_actions"]) \
        .groupby("indicator")[["one_off_yuan", "recurring_yuan"]].sum()
    by = by.loc[(by["one_off_yuan"] + by["recurring_yuan"] * ps["horizon_years"]).sort_values(ascending=False).index]
    paragraph(doc, f"按{ps['horizon_years']}年累计投入最省测算，共需{len(ps['actions'])}项措施，{fmt_money_split(ps)}。"
               + ("整改后全部学校达标、各项差异系数全部达标（按同一方法复核）。" if c["plan"]["passes"]
                  else "整改后仍有学校或差异系数未达标（按同一方法复核），需另行研究。"))
    word_table(doc, ["措施", "一次性投入（万元）", "每年经常性投入（万元/年）"],
               [[plan_views.action_label(k, "zh", c["std"]), fmt_wan(r.one_off_yuan), fmt_wan(r.recurring_yuan)]
                for k, r in zip(by.index, by.itertuples())], [8.6, 3.5, 3.5])
    for r in c["plan"].get("cv_routes", []):
        if r["best"] is not None:
            paragraph(doc, t("plan.route_line", stage=r["stage"], indicator=t(f"indicator_short.{r['indicator']}"),
                         before=f"{r['cv_before']:.3f}", route=plan_views.route_words(r),
                         after=f"{r['best']['cv_after']:.3f}", line=f"{r['threshold']:.2f}"))
    uncovered = rectification.uncovered_items([i.as_dict() for i in c["items"]])
    if uncovered:
        paragraph(doc, f"以上投入只覆盖资源配置、专用教室和班额。另有{len(uncovered)}项未达标或数据不全，需要其他措施，"
                   "解决之前全县仍不能通过评估：")
        word_table(doc, ["项目", "结果", "需要的措施"], [[t("item." + u["base"], std=w) + (f"（{u['stage']}）" if u["stage"] else ""),
                                             t(f"status.{u['status']}"), t(u["measure"])] for u in uncovered], [7.0, 2.0, 6.6])
    outlook = c.get("outlook") or {}
    if outlook:
        heading(doc, "六、学位展望")
        f = outlook["forecast"]
        central = f[f["variant"] == "central"].groupby(["stage", "year"])["pupils"].sum()
        horizon = int(f["year"].max())
        now = outlook["history"].groupby(["stage", "year"])["pupils"].sum()
        last = outlook["last_year"]
        trend = "；".join(f"{st}在校生由{now[(st, last)]:,.0f}人变为{central[(st, horizon)]:,.0f}人"
                          for st in c["std"].stages if (st, last) in now.index and (st, horizon) in central.index)
        paragraph(doc, f"按队列法预测（出生人口、升级率、小升初比例由历史数据校准，中方案），到{horizon}年{trend}。")
        short = outlook["shortages"]
        short = short[short["seats_needed"] > 0].head(8)
        if len(short):
            word_table(doc, ["乡镇街道", "学段", "现有学位", "首次出现缺口", "需新增学位"],
                   [[r.town, r.stage, f"{r.seats:,.0f}", f"{int(r.first_shortage)}年", f"{r.seats_needed:,.0f}"]
                    for r in short.itertuples()], [4.0, 1.8, 2.6, 3.2, 3.0])
    heading(doc, "附：方法与口径")
    lines = "、".join(f"{s}{fmt_cv_line(v)}" for s, v in c["std"]["resource"]["cv_max"].items())
    paragraph(doc, "差异系数按学生数加权：X̄=ΣPᵢXᵢ/ΣPᵢ，S=√(Σ(Pᵢ/P)(Xᵢ−X̄)²)，CV=S/X̄，Pᵢ为学校该学段在校生数，"
               f"每项指标分别判定（{lines}），综合差异系数仅供参考。")
    scope = "、".join(f"{s}{n}所" for s, n in c["in_scope"].items())
    paragraph(doc, f"纳入计算的学校：{scope}；{scope_sentence(c['std'])}"
               "".join(f"{basis}。" for basis in choice_sentences(c["std"])) +
               f"数据来源：{meta.get('source_file', '—')}（SHA-256 {meta.get('source_sha256', '')[:12]}，导入于{fmt_time(meta.get('imported_at'))}）。")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_whole(doc, path)
    return path


def to_pdf(docx: Path) -> Path | None:
    """PDF next to the .docx via LibreOffice headless (None when soffice is not installed)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF), HOME=tempfile.mkdtemp(prefix="lo-home-"))
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(docx.parent), str(docx)],
                   check=True, capture_output=True, env=env, timeout=180)
    pdf = docx.with_suffix(".pdf")
    return pdf if pdf.exists() else None


def write_pptx(c: dict, images: dict[str, bytes], path: str | Path) -> Path:
    """Five slides with the same figures: verdict, CVs, map, problems, plan."""
    from pptx import Presentation
    from pptx.util import Cm, Pt
    prs = Presentation()
    prs.slide_width, prs.slide_height = Cm(33.867), Cm(19.05)

    def slide(title: str):
        s = prs.slides.add_slide(prs.slide_layouts[5])
        s.shapes.title.text = title
        s.shapes.title.text_frame.paragraphs[0].runs[0].font.size = Pt(30)
        return s

    def text(s, lines, top=Cm(4)):
        box = s.shapes.add_textbox(Cm(2), top, Cm(30), Cm(13)).text_frame
        box.word_wrap = True
        for k, line in enumerate(lines):
            p = box.paragraphs[0] if k == 0 else box.add_paragraph()
            p.text = line
            p.runs[0].font.size = Pt(18)

    s = slide(f"{c['county_name']} {c['year']}学年 优质均衡发展情况")
    text(s, [verdict_paragraph(c)] + (["（合成演示数据）"] if c["is_demo"] else []))
    s = slide("资源配置差异系数")
    for k, stage in enumerate(c["std"].stages):
        if f"cv_{stage}" in images:
            s.shapes.add_picture(io.BytesIO(images[f"cv_{stage}"]), Cm(1 + 16 * k), Cm(4), width=Cm(15.5))
    s = slide("学校布局")
    s.shapes.add_picture(io.BytesIO(images["map"]), Cm(7), Cm(3.5), height=Cm(15))
    s = slide("主要问题")
    text(s, problems(c)[:7])
    s = slide("整改方案与投入")
    ps = c["plan_summary"]
    uncovered = rectification.uncovered_items([i.as_dict() for i in c["items"]])
    text(s, [f"措施{len(ps['actions'])}项：{fmt_money_split(ps)}",
             "整改后全部学校达标、各项差异系数全部达标（同一方法复核）" if c["plan"]["passes"]
             else "整改后仍有未达标项（同一方法复核）"]
         + ([f"方案未覆盖、需其他措施的项目{len(uncovered)}项：" + "、".join(u["code"] for u in uncovered)] if uncovered else []))
    path = Path(path)
    save_whole(prs, path)
    return path


def build(store: Store, county: str, year: int, out: str | Path, pdf: bool = False, pptx: bool = False) -> dict:
    """Write the briefing; returns the paths written and a message when the PDF could not be made."""
    c = content(store, county, year)
    images = render_images(c)
    docx = write_docx(c, images, out)
    result = {"docx": str(docx), "pdf": None, "pptx": None, "message": None}
    if pdf:
        made = to_pdf(docx)
        result["pdf"] = str(made) if made else None
        if not made:
            result["message"] = t("briefing.no_soffice")
    if pptx:
        result["pptx"] = str(write_pptx(c, images, Path(out).with_suffix(".pptx")))
    return result


