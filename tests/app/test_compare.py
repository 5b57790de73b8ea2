"""区县比较 on the demo (9 counties of 盐城市): the table shows each county's CVs and verdict as
compare --json computes them, and a county opens from here."""
import json

from tests.app.apptest import app
from tests.helpers import run_cli


def test_the_city_table_and_opening_a_county(demo_db, monkeypatch, capsys):
    code, out, _ = run_cli(["compare", "--db", str(demo_db), "--region", "3209", "--year", "2024", "--json"], capsys)
    cli = json.loads(out)
    at = app(demo_db, monkeypatch, page="compare", query={"county": "320902", "year": "2024"})
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 9 and table["未达标项数"].is_monotonic_decreasing
    failing = {}
    for r in cli:
        failing[r["county_name"]] = failing.get(r["county_name"], 0) + (r["passed"] is False)
    assert dict(zip(table["区县"], table["未达标项数"])) == failing
    tinghu = table.set_index("区县").loc["亭湖区"]
    l2 = next(r for r in cli if r["county_code"] == "320902" and r["stage"] == "小学" and r["indicator"] == "L2")
    assert tinghu["小学·骨干教师"] == f"{l2['value']:.3f}" + (" ✗" if l2["passed"] is False else "")
    assert any("盐城市 2024—2025学年：9个区县" in m.value for m in at.markdown)
    at.selectbox(key="compare_open").set_value("320903").run()
    at.button[-1].click().run()
    assert not at.exception and at.session_state["county"] == "320903"
    assert at.title[0].value == "总览"                                      # its overview is open
