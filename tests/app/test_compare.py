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
    assert len(at.get("component_instance")) == 1                # the county map (the demo has outlines)
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
    at.button(key="compare_open_button").click().run()
    assert not at.exception and at.session_state["county"] == "320903"
    assert at.title[0].value == "总览"                                      # its overview is open


def test_a_link_to_a_city_and_a_measure_opens_exactly_that(demo_db, monkeypatch):
    """?region=3209&year=2024&stage=小学&measure=L2: 盐城市's counties, 2024, the map on L2 — no county needed."""
    at = app(demo_db, monkeypatch, page="compare", query={"region": "3209", "year": "2024", "stage": "小学", "measure": "L2"})
    assert not at.exception
    assert at.session_state["county"] == "" and at.query_params["region"] == "3209"
    assert "county" not in at.query_params
    assert at.selectbox(key="measure").value == "L2" and at.query_params["measure"] == "L2"
    assert len(at.dataframe[0].value) == 9
    assert not [r for r in at.radio if r.key == "compare_level"]         # the scope is the city already
    assert any("盐城市 2024—2025学年：9个区县" in m.value for m in at.markdown)


def test_a_county_page_at_city_scope_says_it_needs_a_county(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, page="overview", query={"county": "320902", "year": "2024"})
    assert at.title[0].value == "总览" and at.metric                 # a county: the page as it was
    at.selectbox(key="county").set_value("").run()                  # 全部区县: the city's scope
    assert not at.exception and at.query_params["region"] == "3209" and "county" not in at.query_params
    assert any("当前范围是盐城市（全市）" in i.value for i in at.info) and not at.metric
    at.selectbox(key="county").set_value("320903").run()
    assert not at.exception and at.metric and at.query_params["county"] == "320903"


def test_peer_groups_and_the_costed_distance_to_the_line(demo_db, monkeypatch, capsys):
    """The peer filter keeps one group; the costed section lists each failing CV with its cheapest route,
    the same as each county's plan --json (the teachers an exchange moves)."""
    at = app(demo_db, monkeypatch, page="compare", query={"region": "3209", "year": "2024"})
    table = at.dataframe[0].value
    assert "同类组" in table.columns
    group = at.selectbox(key="compare_peer").options[1]
    at.selectbox(key="compare_peer").set_value(at.selectbox(key="compare_peer").options[1]).run()
    kept = at.dataframe[0].value
    assert not at.exception and 0 < len(kept) < len(table) and set(kept["同类组"]) == {group}
    at.selectbox(key="compare_peer").set_value("").run()
    at.button(key="compare_plans_run").click().run()                  # 测算各区县整改投入
    assert not at.exception
    distances = at.dataframe[1].value
    code, out, _ = run_cli(["plan", "--db", str(demo_db), "--county", "320921", "--year", "2024", "--json"], capsys)
    route = next(r for r in json.loads(out)["cv_routes"] if r["stage"] == "初中" and r["indicator"] == "L2")
    row = distances[(distances["区县"] == "响水县") & (distances["学段"] == "初中")].iloc[0]
    assert route["best"]["kind"] == "move"
    assert row["距标准线还差（最省做法）"] == f"交流轮岗{sum(m['teachers'] for m in route['best']['moves']):.0f}人"
    assert any("9个区县整改方案合计投入" in m.value for m in at.markdown)


def test_without_county_outlines_the_page_says_so_instead_of_an_empty_map(demo_db, monkeypatch):
    """A dataset whose counties have no outline (names not matched on import, or the scale set): no grey map
    to wait for, a sentence that says why; the rest of the page as always."""
    import ui.data
    from analytics.i18n import t
    real = ui.data.region_outlines
    monkeypatch.setattr(ui.data, "region_outlines", lambda sig, region: real(sig, region).assign(geojson=None))
    at = app(demo_db, monkeypatch, page="compare", query={"county": "320902", "year": "2024"})
    assert not at.exception
    assert [i.value for i in at.info] == [t("compare.no_outlines")]
    assert not at.get("component_instance") and len(at.dataframe[0].value) == 9
