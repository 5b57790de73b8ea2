"""区县比较 on the demo (9 counties of 盐城市): one verdict per county — the page, compare --json, the regional
briefing and each county's scorecard agree —, the Excel as numbers, and a county opens from here."""
import json

from tests.app.apptest import app, chart_specs
from tests.helpers import run_cli


def test_one_verdict_in_the_page_the_cli_the_briefing_and_each_scorecard(demo_db, monkeypatch, capsys, tmp_path):
    """Every county's verdict, counts and failing items are the same in 区县比较, compare --json, the regional
    briefing and the county's own 达标评估 (scorecard --json) — the whole standard, not the resource part."""
    from docx import Document

    from analytics.report.comparison import item_names
    code, out, _ = run_cli(["compare", "--db", str(demo_db), "--region", "3209", "--year", "2024", "--json"], capsys)
    cli = {r["county_code"]: r for r in json.loads(out)}
    assert len(cli) == 9
    for county, r in cli.items():
        code, out, _ = run_cli(["scorecard", "--db", str(demo_db), "--county", county, "--year", "2024", "--json"], capsys)
        own = json.loads(out)
        keys = [f"{i['code']}·{i['stage']}" if i["stage"] else i["code"] for i in own]
        assert r["failing"] == [k for k, i in zip(keys, own) if i["status"] == "fail"]
        assert r["unknown"] == [k for k, i in zip(keys, own) if i["status"] == "unknown"]
        assert (r["n_fail"], r["n_unknown"], r["n_items"]) == (len(r["failing"]), len(r["unknown"]), len(own))
        assert [(i["code"], i["stage"], i["status"]) for i in r["items"]] == [(i["code"], i["stage"], i["status"]) for i in own]
        assert r["verdict"] == ("fail" if r["failing"] else "unknown" if r["unknown"] else "pass")
    assert any(i["part"] != "resource" for r in cli.values() for i in r["items"] if i["status"] == "fail")  # G/Q items count

    at = app(demo_db, monkeypatch, page="compare", query={"region": "3209", "year": "2024"})
    assert not at.exception
    page = at.dataframe[0].value.set_index("区县代码")
    assert len(page) == 9 and page["未达标项数"].is_monotonic_decreasing
    for county, r in cli.items():
        row = page.loc[county]
        assert (row["未达标项数"], row["数据不全项数"]) == (r["n_fail"], r["n_unknown"])
        assert row["结论"] == {"fail": "未达标", "pass": "达标", "unknown": "数据不全"}[r["verdict"]]
        assert row["未达标项目"] == item_names(r["failing"])
    passed = sum(r["verdict"] == "pass" for r in cli.values())
    assert any(f"9个区县按全部评估项目，{passed}个已达标" in m.value for m in at.markdown)

    doc_path = tmp_path / "盐城市.docx"
    code, _, err = run_cli(["briefing", "--db", str(demo_db), "--region", "3209", "--year", "2024", "--out", str(doc_path)], capsys)
    assert code == 0, err
    ranking = Document(doc_path).tables[0]
    header = [c.text for c in ranking.rows[0].cells]
    rows = {row.cells[1].text: [c.text for c in row.cells] for row in ranking.rows[1:]}
    assert len(rows) == 9
    for r in cli.values():
        row = dict(zip(header, rows[r["label"]]))
        assert row["结论"].startswith({"fail": "未达标", "pass": "达标", "unknown": "数据不全"}[r["verdict"]])
        assert row["未达标项数"] == str(r["n_fail"])
        for name in item_names(r["failing"]).split("、"):
            assert name in row["未达标项目"]


def test_the_excel_of_the_comparison_has_numbers_as_numbers_and_a_header(demo_db, tmp_path, capsys):
    import openpyxl
    out = tmp_path / "区县比较.xlsx"
    code, _, err = run_cli(["compare", "--db", str(demo_db), "--region", "3209", "--year", "2024", "--xlsx", str(out)], capsys)
    assert code == 0, err
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["区县结论", "资源配置", "全部项目", "与上一学年相比"]
    sheet = book["资源配置"]
    top = [sheet.cell(k, 1).value for k in range(1, 6)]
    assert top[0] == "区域：盐城市" and top[1] == "学年：2024—2025" and top[2].startswith("数据版本：v1")
    assert top[3].startswith("导出时间：") and "合成演示数据（9个区县）" in top[4]
    head_row = next(k for k in range(1, 12) if sheet.cell(k, 1).value == "区县代码")
    header = [c.value for c in sheet[head_row]]
    cv, result = header.index("小学·骨干教师") + 1, header.index("小学·骨干教师·结果") + 1
    rows = range(head_row + 1, sheet.max_row + 1)
    assert len(rows) == 9
    assert all(sheet.cell(k, cv).data_type == "n" and 0 < sheet.cell(k, cv).value < 1 for k in rows)
    assert {sheet.cell(k, result).value.split("（")[0] for k in rows} <= {"达标", "未达标"}
    assert all(sheet.cell(k, header.index("未达标项数") + 1).data_type == "n" for k in rows)
    assert {sheet.cell(k, header.index("所属市") + 1).value for k in rows} == {"盐城市"}
    items = book["全部项目"]
    head = [c.value for c in items[head_row]]
    values = [items.cell(k, head.index("数值") + 1) for k in range(head_row + 1, items.max_row + 1)]
    assert len(values) == 9 * 45 and all(c.data_type == "n" for c in values if c.value is not None)
    assert {"政府保障程度", "教育质量", "社会认可度"} <= {items.cell(k, head.index("部分") + 1).value
                                                 for k in range(head_row + 1, items.max_row + 1)}


def test_opening_a_county_from_the_comparison(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, page="compare", query={"county": "320902", "year": "2024"})
    assert not at.exception
    assert len(at.get("component_instance")) == 1                # the county map (the demo has outlines)
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
    assert at.radio(key="compare_map_layer").value == "standing"     # the map opens on the overall verdict
    at.radio(key="compare_map_layer").set_value("measure").run()
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
    distances = next(d.value for d in at.dataframe if "距标准线还差（最省做法）" in d.value.columns)
    code, out, _ = run_cli(["plan", "--db", str(demo_db), "--county", "320921", "--year", "2024", "--json"], capsys)
    route = next(r for r in json.loads(out)["cv_routes"] if r["stage"] == "初中" and r["indicator"] == "L2")
    row = distances[(distances["区县"] == "响水县") & (distances["学段"] == "初中")].iloc[0]
    if route["best"]["kind"] == "move":        # the least over the plan's years: an exchange, or training once
        assert row["距标准线还差（最省做法）"] == f"交流轮岗{sum(m['teachers'] for m in route['best']['moves']):.0f}人"
    else:
        assert route["best"]["schools_raised"] and row["距标准线还差（最省做法）"] not in ("", "—")
    assert any("9个区县整改方案合计一次性投入" in m.value and "/年" in m.value and "资源配置部分" in m.value
               for m in at.markdown)


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


def test_the_counties_pass_years_under_one_budget(demo_db, monkeypatch):
    """区县比较 › 各区县分年度达标测算 at 2亿 a year (ceiling 1.2亿, 500 hires): every county of 盐城市 with its pass
    year — the same as its own plan — and the timeline counts those that can apply by each year."""
    from analytics import service
    from analytics.i18n import t
    from analytics.io.storage import Store
    from ui import state
    at = app(demo_db, monkeypatch, page="compare", query={"region": "3209", "year": "2024"})
    at.number_input(key=state.widget_key(state.PHASE_BUDGET, "region")).set_value(20000.0)
    at.number_input(key=state.widget_key(state.PHASE_CAP, "region")).set_value(12000.0)
    at.number_input(key=state.widget_key(state.PHASE_HIRES, "region")).set_value(500)
    at.button(key=state.PHASE_REGION_RUN).click().run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if t("phase.col.pass_year") in d.value.columns)
    assert len(table) == 9
    own = service.phased_plan(Store(demo_db), "320902", 2024, budget_wan=20000.0, recurring_cap_wan=12000.0,
                              hires_per_year=500, method="greedy")
    shown = table.set_index(t("col.county")).loc["亭湖区", t("phase.col.pass_year")]
    assert shown == (own["pass_year"] if own["pass_year"] is not None else t("phase.not_by_end"))
    passing = sum(not isinstance(v, str) for v in table[t("phase.col.pass_year")])
    timeline = next(s for s in chart_specs(at) if any(tr.get("name") == t("phase.tl_cumulative") for tr in s["data"]))
    cumulative = next(tr for tr in timeline["data"] if tr.get("name") == t("phase.tl_cumulative"))
    assert passing >= 1 and max(cumulative["y"]) == passing
