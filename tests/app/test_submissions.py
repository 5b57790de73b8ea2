"""报送情况: the page shows each county's latest submission and completeness as the CLI computes them,
counties that sent nothing for the year first."""
from tests import workbooks as wbk
from tests.app.apptest import app
from tests.helpers import load


def test_the_page_puts_the_county_without_the_year_first(tmp_path, monkeypatch):
    db = tmp_path / "equity.duckdb"
    load(db, wbk.full_rows(), tmp_path, "亭湖区报送.xlsx")                        # 2023 and 2024
    load(db, wbk.for_county(wbk.rows(), "320903", "盐都区"), tmp_path, "盐都区报送.xlsx")   # 2024 only
    at = app(db, monkeypatch, page="submissions", query={"county": "320902", "year": "2023"})
    assert not at.exception
    assert any("1个数据不全，1个未报送" in m.value for m in at.markdown)
    table = at.dataframe[0].value
    assert list(table["区县"]) == ["盐都区", "亭湖区"]                           # not submitted first
    assert list(table["报送状态"]) == ["未报送", "数据不全"]
    assert table.iloc[1]["文件"] == "亭湖区报送.xlsx" and table.iloc[1]["有班级数据的学校"] == "25.0%"
    assert table.iloc[0]["七项指标齐全的学校"] == "—"                           # nothing to count, not 0 %
    assert {m.label: m.value for m in at.metric} == {"未报送": "1", "数据不全": "1", "齐全": "0"}
