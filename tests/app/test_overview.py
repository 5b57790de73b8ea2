"""总览: the CVs drawn and the verdict equal what ``python -m analytics cv --json`` prints (in-process),
on the small fixture and on the demo."""
import json

import pytest

from analytics.i18n import t
from tests.app.apptest import app, chart_specs, decode
from tests.helpers import run_cli


def shown_cvs(at) -> dict:
    """(学段 title, short indicator label) → CV drawn in the two bar charts at the top."""
    shown = {}
    for spec in chart_specs(at)[:2]:
        stage = spec["layout"]["title"]["text"]
        bar = spec["data"][0]
        for label, x in zip(decode(bar["y"]), decode(bar["x"])):
            shown[(stage, label)] = x
    return shown


@pytest.mark.parametrize("fixture", ["good_db", "demo_db"])
def test_overview_shows_the_cvs_that_the_cli_prints(fixture, request, monkeypatch, capsys):
    db = request.getfixturevalue(fixture)
    capsys.readouterr()                                       # what building the fixture printed
    code, out, _ = run_cli(["cv", "--db", str(db), "--county", "320902", "--year", "2024", "--json"], capsys)
    assert code == 0
    cli = {(r["stage"], r["indicator"]): r for r in json.loads(out)}
    assert len(cli) == 16                                     # 2 学段 × (7 + the informational composite)
    at = app(db, monkeypatch, query={"county": "320902", "year": "2024"})
    assert not at.exception
    shown = shown_cvs(at)
    assert len(shown) == 14
    for (stage, code_), rec in cli.items():
        if rec.get("informational"):
            assert any(f"{rec['cv']:.3f}" in c.value for c in at.caption)      # the composite, as a note only
            continue
        drawn = shown[(stage, t("indicator_short." + code_))]
        assert (drawn is None and rec["cv"] is None) or drawn == pytest.approx(rec["cv"], abs=1e-12)
    # the verdict line names exactly the indicators the CLI marks as failing
    failing = {t("indicator_short." + c) for (s, c), r in cli.items() if r["passed"] is False and s == "小学"}
    text = " ".join(e.value for e in at.error) + " ".join(s.value for s in at.success)
    for name in failing:
        assert name in text


def test_overview_leads_with_the_countys_verdict_and_a_stage_card_counts_school_compliance(demo_db, monkeypatch, capsys):
    """总览 said nothing of the verdict and showed a green 初中 card while 2 of 19 初中 complied."""
    capsys.readouterr()
    code, out, _ = run_cli(["scorecard", "--db", str(demo_db), "--county", "320902", "--year", "2024", "--json"], capsys)
    items = json.loads(out)
    failing = [i for i in items if i["status"] == "fail"]
    unknown = [i for i in items if i["status"] == "unknown"]
    at = app(demo_db, monkeypatch, query={"county": "320902", "year": "2024"})
    assert not at.exception
    assert at.error[0].value == t("verdict.fail" if unknown else "verdict.fail_complete", n=len(failing), m=len(unknown))      # first, as on 达标评估
    r8 = {i["stage"]: i["status"] for i in items if i["code"] == "R8"}
    for stage, status in r8.items():
        if status == "fail":                                    # the card of a 学段 whose schools fail is red
            assert any(e.value.startswith(stage) and t("overview.r8_short") in e.value for e in at.error)
            assert not any(s.value.startswith(stage) for s in at.success)


def test_a_cv_a_hair_under_its_line_never_reads_as_the_line(demo_db, monkeypatch):
    """阜宁县's 小学骨干教师 CV is 0.4996 (line 0.50): the bar, the table and 达标评估 write 0.4996, not 0.500, and
    总览 lists every failing item by the standard's four parts."""
    at = app(demo_db, monkeypatch, query={"county": "320923", "year": "2024"})
    assert not at.exception
    table = next(d.value for d in at.dataframe if "差异系数" in d.value.columns)
    l2 = table[(table["学段"] == "小学") & table["指标"].str.contains("骨干")].iloc[0]
    assert l2["差异系数"] == "0.4996" and l2["结果"] == "达标"
    bars = [t for spec in chart_specs(at) for t in spec["data"] if t.get("type") == "bar"]
    assert any("0.4996" in (decode(t.get("text")) if isinstance(t.get("text"), dict) else (t.get("text") or []))
               for t in bars)
    listed = next(e for e in at.expander if e.label.startswith("全部未达标项目"))
    assert "政府保障程度" in listed.markdown[0].value and "资源配置" in listed.markdown[0].value
