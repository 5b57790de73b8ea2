"""compare --json (every county of a region in one grouped pass) equals cv --json and scorecard --json of
each county, on the demo's nine counties of 盐城市."""
import json

import pytest

from tests.helpers import run_cli


def test_compare_equals_each_countys_cv_and_r8(demo_db, capsys):
    code, out, err = run_cli(["compare", "--db", str(demo_db), "--region", "3209", "--year", "2024", "--json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    counties = sorted({r["county_code"] for r in rows})
    assert len(counties) == 9 and all(c.startswith("3209") for c in counties)
    by_key = {(r["county_code"], r["stage"], r["indicator"]): r for r in rows}
    for county in counties:
        code, out, _ = run_cli(["cv", "--db", str(demo_db), "--county", county, "--year", "2024", "--json"], capsys)
        for rec in json.loads(out):
            if rec.get("informational"):
                continue
            got = by_key[(county, rec["stage"], rec["indicator"])]
            assert got["passed"] == rec["passed"] and got["threshold"] == rec["threshold"]
            assert (got["value"] is None and rec["cv"] is None) or got["value"] == pytest.approx(rec["cv"], abs=1e-9)
        code, out, _ = run_cli(["scorecard", "--db", str(demo_db), "--county", county, "--year", "2024", "--json"], capsys)
        for item in json.loads(out):
            if item["code"] == "R8":
                got = by_key[(county, item["stage"], "R8")]
                assert got["status"] == item["status"] and got["value"] == pytest.approx(item["value"], abs=1e-12)
    assert len(rows) == 9 * 2 * 8                                   # 9 counties × 2 学段 × (7 CVs + R8)


def test_compare_of_a_region_without_data_says_so(demo_db, capsys):
    code, _, err = run_cli(["compare", "--db", str(demo_db), "--region", "33", "--year", "2024"], capsys)
    assert code == 2 and "区域 33 没有 2024 学年的数据" in err
