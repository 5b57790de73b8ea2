"""The leadership briefing: every figure in the .docx equals what `cv --json` and `scorecard --json`
print; the PDF (LibreOffice) carries the key figures in Chinese; the slides exist."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from analytics.formatting import fmt_count, fmt_cv, fmt_money_split
from analytics.i18n import t
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]


def cli(*args) -> str:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def briefing(demo_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("brief") / "亭湖区汇报.docx"
    cli("briefing", "--db", str(demo_db), "--county", "320902", "--year", "2024", "--out", str(out), "--pdf", "--pptx")
    return out


def cli_json(capsys, *args):
    """A command's --json output, run in-process (the briefing itself is run as a real subprocess)."""
    capsys.readouterr()
    code, out, _ = run_cli([*args, "--json"], capsys)
    assert code == 0
    return json.loads(out)


def test_docx_figures_equal_the_cli(briefing, demo_db, capsys):
    doc = Document(briefing)
    cv = cli_json(capsys, "cv", "--db", str(demo_db), "--county", "320902", "--year", "2024")
    items = cli_json(capsys, "scorecard", "--db", str(demo_db), "--county", "320902", "--year", "2024")
    cv_table = next(tb for tb in doc.tables if tb.rows[0].cells[2].text == "差异系数")
    shown = {(r.cells[0].text, r.cells[1].text): (r.cells[2].text, r.cells[4].text) for r in cv_table.rows[1:]}
    assert len(shown) == len(cv) == 16
    for r in cv:
        value, status = shown[(r["stage"], t("indicator." + r["indicator"]))]
        assert value == fmt_cv(r["cv"])
        expected = "仅供参考" if r["indicator"] == "composite" else t("status." + r["status"])
        if r.get("missing"):
            expected += f"（{r['n_scope'] - len(r['missing'])}/{r['n_scope']}所）"
        assert status == expected
    item_table = next(tb for tb in doc.tables if tb.rows[0].cells[1].text == "项目")
    statuses = [r.cells[5].text for r in item_table.rows[1:]]
    assert statuses == [t("status." + i["status"]) for i in items]
    coverage = [r.cells[4].text for r in item_table.rows[1:]]       # each item's coverage beside it
    assert coverage == [("县级" if i["code"][0] in "GQS" and not i["code"].startswith("Q9") else "—")
                        if i["coverage"] is None else f"{i['coverage']['complete']}/{i['coverage']['in_scope']}所"
                        for i in items]
    text = "\n".join(p.text for p in doc.paragraphs)
    failing = sum(1 for i in items if i["status"] == "fail")
    assert f"共{failing}项未达标" in text
    assert "合成演示数据" in text and "数据版本 v" in text
    plan = cli_json(capsys, "plan", "--db", str(demo_db), "--county", "320902", "--year", "2024")
    assert fmt_money_split(plan) in text             # one-off, per year and over the horizon, never one sum
    assert "以上投入只覆盖资源配置、专用教室和班额" in text                   # and what it does not cover
    for r in plan["cv_routes"]:                                             # and the cheapest way for the CVs alone
        assert f"{t('indicator_short.' + r['indicator'])}差异系数现为{r['cv_before']:.3f}" in text
        assert f"即可降至{r['best']['cv_after']:.3f}" in text
    assert plan["cv_routes"], "the demo's 小学 L2 CV fails today"
    assert len(doc.inline_shapes) >= 4                           # two CV charts, the map, the class bands


def test_fonts_are_set_for_chinese(briefing):
    doc = Document(briefing)
    rpr = doc.paragraphs[0].runs[0]._element.rPr
    assert rpr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"
    footer = doc.sections[0].footer.paragraphs[0]._element.xml
    assert "PAGE" in footer


def test_pdf_carries_the_key_figures(briefing, demo_db, capsys):
    pdf = briefing.with_suffix(".pdf")
    assert pdf.exists()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    cv = cli_json(capsys, "cv", "--db", str(demo_db), "--county", "320902", "--year", "2024")
    l2 = next(r for r in cv if r["stage"] == "小学" and r["indicator"] == "L2")
    assert "亭湖区义务教育优质均衡发展情况汇报" in text
    assert fmt_cv(l2["cv"]) in text and "未达标" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoSerifCJK" in fonts.replace(" ", "") or "Noto" in fonts


def test_slides(briefing):
    from pptx import Presentation
    prs = Presentation(briefing.with_suffix(".pptx"))
    assert len(prs.slides) == 5


def test_seat_outlook_follows_the_forecast(briefing, demo_db, capsys):
    doc = Document(briefing)
    rows = cli_json(capsys, "forecast", "--db", str(demo_db), "--county", "320902")
    gaps = {}
    for r in rows:
        gaps[(r["town"], r["stage"])] = min(gaps.get((r["town"], r["stage"]), 0.0), r["gap"])
    worst = min(gaps, key=gaps.get)
    table = next(tb for tb in doc.tables if tb.rows[0].cells[0].text == "乡镇街道")
    first = table.rows[1].cells
    assert (first[0].text, first[1].text) == worst
    assert abs(float(first[4].text.replace(",", "")) + gaps[worst]) <= 1      # the CLI rounds gaps to 0.1
