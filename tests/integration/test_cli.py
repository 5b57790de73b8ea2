"""Each command of ``python -m analytics`` once as a real subprocess on the demo (exit codes, JSON
shapes, files written); every other test calls the CLI in-process."""
import json
import subprocess
import sys

import pandas as pd
import pytest

from analytics.standards import load_standards
from tests import workbooks as wbk
from tests.helpers import sha
import duckdb
from pathlib import Path
from tests.helpers import mutate

ROOT = Path(__file__).resolve().parents[2]

STD = load_standards("320902")


def test_cli_forecast_and_sites(demo_db):
    out = subprocess.run([sys.executable, "-m", "analytics", "forecast", "--db", str(demo_db), "--county", "320902",
                          "--json"], capture_output=True, text=True, check=True)
    rows = json.loads(out.stdout)
    assert {"town", "stage", "year", "demand", "capacity", "gap"} == set(rows[0])
    assert {r["year"] for r in rows} == set(range(2025, 2034))
    out = subprocess.run([sys.executable, "-m", "analytics", "sites", "--db", str(demo_db), "--county", "320902",
                          "--stage", "小学", "--k", "2", "--json"], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    assert result["status"] == "Optimal" and len(result["sites"]) == 2
    assert result["objective_after"] < result["objective_before"]


def test_cli_scenario_compares_with_today_and_refuses_bad_steps(demo_db, tmp_path):
    import json
    import subprocess
    import sys
    from analytics import service
    from analytics.io.storage import Store
    store = Store(demo_db)
    site = store.county_table("settlements", "320902").iloc[0]
    steps = [{"kind": "open", "stage": "小学", "name": "城东新小学", "lon": float(site["lon"]), "lat": float(site["lat"]),
              "classes": 24, "opens": 2026}, {"kind": "redraw"}]
    path = tmp_path / "steps.json"
    path.write_text(json.dumps(steps, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "analytics", "scenario", "--db", str(demo_db), "--county", "320902",
                          "--steps", str(path), "--json", "--xlsx", str(tmp_path / "cmp.xlsx")],
                         capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    direct = service.run_scenario(store, "320902", 2024, steps)
    row = next(r for r in got["comparison"] if r["metric"] == "shortage" and r["stage"] == "小学")
    assert row["scenario"] == pytest.approx(direct["shortage"]["小学"])
    assert [e["kind"] for e in got["log"]] == ["open", "redraw"] and got["year"] == 2024
    assert pd.read_excel(tmp_path / "cmp.xlsx").shape[0] == len(got["comparison"])
    path.write_text('[{"kind": "demolish"}]', encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "analytics", "scenario", "--db", str(demo_db), "--county", "320902",
                          "--steps", str(path)], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown step kind" in bad.stderr


def test_cli_scorecard_and_plan_json(demo_db, tmp_path):
    out = subprocess.run([sys.executable, "-m", "analytics", "scorecard", "--db", str(demo_db), "--county", "320902",
                          "--year", "2024", "--json"], capture_output=True, text=True, check=True)
    items = json.loads(out.stdout)
    assert {"part", "code", "name", "stage", "value", "threshold", "status", "failing_schools", "coverage",
            "pullers", "basis"} <= set(items[0])
    assert {i["part"] for i in items} == {"resource", "guarantee", "quality", "recognition"}
    l2 = next(i for i in items if i["code"] == "L2" and i["stage"] == "小学")
    assert l2["status"] == "fail" and l2["pullers"] and not l2["failing_schools"]     # a CV: schools pulling it up
    assert l2["coverage"]["complete"] == l2["coverage"]["in_scope"] > 0
    assert all(set(p) == {"school_id", "name", "label", "above_mean"} for p in l2["pullers"])
    assert {p["above_mean"] for p in l2["pullers"]} == {True, False}      # both sides of the mean, told apart
    r8 = next(i for i in items if i["code"] == "R8" and i["stage"] == "小学")
    assert r8["failing_schools"] and all(len(s["school_id"]) == 10 for s in r8["failing_schools"])   # by id
    xlsx = tmp_path / "plan.xlsx"
    out = subprocess.run([sys.executable, "-m", "analytics", "plan", "--db", str(demo_db), "--county", "320902",
                          "--year", "2024", "--json", "--xlsx", str(xlsx)], capture_output=True, text=True, check=True)
    plan = json.loads(out.stdout)
    assert plan["actions"] and plan["one_off_yuan"] + plan["recurring_yuan"] == pytest.approx(
        sum(a["cost_yuan"] for a in plan["actions"]))
    assert plan["cumulative_yuan"] == pytest.approx(plan["one_off_yuan"] + plan["horizon_years"] * plan["recurring_yuan"])
    assert all(plan["after"]["cv_passed"].values())
    assert plan["after"]["complying_schools"] == plan["after"]["schools"]
    assert {"school_id", "stage", "indicator", "quantity", "unit", "cost_yuan"} <= set(plan["actions"][0])
    import openpyxl
    assert "整改措施" in openpyxl.load_workbook(xlsx).sheetnames


def test_cli_plan_by_year_under_a_budget(demo_db):
    """``plan --budget 20000 --recurring-cap 12000 --hires 500 --json``: years with their actions, money and every
    item's status, the pass year; at 3,000万: no pass year, what is short and the least budget; with a ceiling of
    3,000万 a year no budget passes, and the least one once the ceiling meets the need is named. ``--region 3209``:
    every county of the city."""
    run = lambda *a: json.loads(subprocess.run([sys.executable, "-m", "analytics", "plan", "--db", str(demo_db), *a,  # noqa: E731
                                                "--year", "2024", "--json"], capture_output=True, text=True,
                                               check=True).stdout)
    rich = run("--county", "320902", "--budget", "20000", "--recurring-cap", "12000", "--hires", "500", "--horizon", "6")
    assert [y["year"] for y in rich["years"]] == list(range(2025, 2031))
    assert {"year", "actions", "one_off", "recurring", "items"} <= set(rich["years"][0])
    assert rich["pass_year"] is not None and rich["short_at_horizon"] == [] and rich["min_budget"] is None
    assert all(v == "pass" for y in rich["years"] if y["year"] >= rich["pass_year"]
               for k, v in y["items"].items() if k.split("·")[-1] in ("L1", "L2", "R8", "G3", "G4", "G5", "G9", "G12", "Q4"))
    assert sum(y["one_off"] for y in rich["years"]) == pytest.approx(rich["one_off"])
    assert max(y["one_off"] for y in rich["years"]) <= 20000e4 + 1
    poor = run("--county", "320902", "--budget", "3000")       # no ceiling, no hiring limit by default
    assert poor["pass_year"] is None and poor["short_at_horizon"] and poor["min_budget"] > 3000
    assert poor["inputs"]["recurring_cap_yuan"] is None and poor["inputs"]["hires_per_year"] is None
    capped = run("--county", "320902", "--budget", "3000", "--recurring-cap", "3000")
    assert capped["min_budget"] is None and capped["min_budget_at_recurring_need"] >= poor["min_budget"]
    region = run("--region", "3209", "--budget", "20000", "--recurring-cap", "12000", "--hires", "500")
    assert len(region["counties"]) == 9 and region["timeline"][-1]["total"] == 9
    own = next(c for c in region["counties"] if c["county_code"] == "320902")
    assert own["pass_year"] == rich["pass_year"]


def test_cli_rejects_with_exit_2_and_lists_problems(good_db, tmp_path):
    bad = wbk.write(tmp_path / "bad.xlsx", mutate("学段", 3, "专任教师数", -5))
    before = sha(good_db)
    out = subprocess.run([sys.executable, "-m", "analytics", "import", str(bad), "--db", str(good_db), "--json"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2
    problems = json.loads(out.stderr[: out.stderr.rindex("]") + 1])
    assert {"sheet": "学段", "row": 3, "column": "专任教师数"}.items() <= problems[0].items()
    assert sha(good_db) == before
    duckdb.connect(str(good_db), read_only=True).close()     # still a readable database


def test_cli_cv_json(demo_db):
    out = subprocess.run([sys.executable, "-m", "analytics", "cv", "--db", str(demo_db), "--county", "320902",
                          "--year", "2024", "--json"], cwd=ROOT, capture_output=True, text=True, check=True)
    records = json.loads(out.stdout)
    assert len(records) == 16                                  # 2 学段 × (7 + the informational composite)
    assert {r["threshold"] for r in records if r["stage"] == "小学"} == {0.50}
    assert all(r["passed"] is None for r in records if r.get("informational"))


def test_the_cli_says_what_went_wrong_with_exit_2_never_a_traceback(tmp_path, capsys, monkeypatch):
    """A missing workbook, a place that cannot be written, a fault inside: a message and exit 2 (the README's
    promise); a fault's traceback only in $EQUITY_ERROR_LOG under the reference the message gives."""
    from tests.helpers import run_cli
    code, _, err = run_cli(["import", str(tmp_path / "没有这个文件.xlsx"), "--db", str(tmp_path / "e.duckdb")], capsys)
    assert code == 2 and "找不到文件或文件夹" in err and "Traceback" not in err
    code, _, err = run_cli(["template", "--out", "/proc/没有/模板.xlsx"], capsys)
    assert code == 2 and "Traceback" not in err and "/proc/没有" in err
    import analytics.cli as cli
    monkeypatch.setenv("EQUITY_ERROR_LOG", str(tmp_path / "errors.log"))
    monkeypatch.setattr(cli, "cmd_template", lambda args: 1 / 0)
    code, _, err = run_cli(["template", "--out", str(tmp_path / "t.xlsx")], capsys)
    ref = err.split("参考号 ")[1][:8]
    assert code == 2 and "ZeroDivisionError" in err and "Traceback" not in err
    logged = (tmp_path / "errors.log").read_text(encoding="utf-8")
    assert f"--- {ref}" in logged and "Traceback" in logged
