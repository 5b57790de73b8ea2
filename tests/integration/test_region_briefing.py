"""The city briefing (briefing --region): which counties pass or fail on what, the ranking, what the plans
cost — the same figures as compare --json and each county's plan --json."""
import json

from docx import Document

from analytics.formatting import fmt_count
from tests.helpers import run_cli


def _text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += ["\t".join(c.text for c in row.cells) for row in table.rows]
    return "\n".join(parts)


def test_the_city_briefing_names_every_county_and_the_plans_cost(demo_db, tmp_path, capsys):
    out = tmp_path / "盐城市汇报.docx"
    code, stdout, err = run_cli(["briefing", "--db", str(demo_db), "--region", "3209", "--year", "2024",
                                 "--out", str(out)], capsys)
    assert code == 0 and out.exists() and "（9/9）" in err                      # the progress, county by county
    doc = Document(out)
    text = _text(doc)
    assert "盐城市各区县义务教育优质均衡发展情况汇报" in text and "合成演示数据" in text
    code, stdout, _ = run_cli(["compare", "--db", str(demo_db), "--region", "3209", "--year", "2024", "--json"], capsys)
    compared = json.loads(stdout)
    failing = {r["label"] for r in compared if r["verdict"] == "fail"}
    ranking = doc.tables[0]
    assert [row.cells[0].text for row in ranking.rows[1:]][0] == "1" and len(ranking.rows) == 10
    by_county = {row.cells[1].text: row for row in ranking.rows[1:]}
    assert {n for n, row in by_county.items() if row.cells[3].text.startswith("未达标")} == failing
    assert "整改后全部达标" not in text and "资源配置部分" in text           # said of what the plans make pass
    for county in ("320902", "320921"):
        code, stdout, _ = run_cli(["plan", "--db", str(demo_db), "--county", county, "--year", "2024", "--json"], capsys)
        plan = json.loads(stdout)
        name = {"320902": "亭湖区", "320921": "响水县"}[county]
        assert by_county[name].cells[6].text == (f"{fmt_count(plan['one_off_yuan'], 'zh', '元')} + "
                                                 f"{fmt_count(plan['recurring_yuan'], 'zh', '元')}/年")

    county = next(r for r in compared if r["county_code"] == "320921")
    l2 = next(i for i in county["items"] if i["stage"] == "初中" and i["code"] == "L2")
    assert f"初中·骨干教师 {l2['value']:.3f}（线0.45）" in by_county["响水县"].cells[5].text


def test_a_region_without_data_is_refused(demo_db, tmp_path, capsys):
    code, _, err = run_cli(["briefing", "--db", str(demo_db), "--region", "3299", "--year", "2024",
                            "--out", str(tmp_path / "x.docx")], capsys)
    assert code == 2 and "3299" in err and not (tmp_path / "x.docx").exists()
