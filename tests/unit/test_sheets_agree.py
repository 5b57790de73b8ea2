"""Sheets that disagree about the same school are caught (issue: "unknown is never a pass"): the 班级 rows
must be the classes and pupils the 学段 rows state, and a 县级指标 share lies between 0 and 1."""
import pandas as pd

from analytics.io import contract
from analytics.io.importer import import_workbook
from analytics.method import scorecard as sc
from analytics.method.coverage import FAIL, PASS, UNKNOWN
from analytics.standards import load_standards
from tests import workbooks as wbk

STD = load_standards("320902")
SCHOOL = "1320902001"


def one_school(rows: list[int], stated_pupils: int, stated_classes: int = 26) -> dict:
    """城东小学 alone, 2024: its 学段 row stating ``stated_classes`` classes and ``stated_pupils`` pupils, and a
    班级 row of each size in ``rows``."""
    schools = pd.DataFrame([dict(zip(["school_id", "name", "county_code", "county_name", "town", "school_type",
                                      "urban_rural_code", "ownership", "lon", "lat"], wbk.SCHOOLS[0]))])
    schools["school_type"], schools["urban_rural_group"] = "211", "城区"
    stats = pd.DataFrame([{"school_id": SCHOOL, "year": 2024, "stage": "小学", "students": stated_pupils,
                           "classes": stated_classes}])
    classes = pd.DataFrame([{"school_id": SCHOOL, "year": 2024, "grade": 1 + k % 6, "class_name": f"{k}班",
                             "students": n} for k, n in enumerate(rows)])
    return {"schools": schools, "stats": stats, "classes": classes}


def test_agreement_worked_by_hand():
    """26 classes and 1,176 pupils stated. 25 rows of 45 and one of 51 hold 26 rows and 1,176: agree. The
    51 deleted: 25 rows, 1,125 pupils → disagree (a row missing). 26 rows holding 1,250 against 1,176 stated:
    |1,250 − 1,176| = 74 > 2 % × 1,176 = 23.52 → disagree; 26 rows holding 1,190: 14 ≤ 23.52 → agree."""
    full = one_school([45] * 25 + [51], 1176)
    assert contract.class_rows_agreement(full["stats"], full["classes"], 0.02)["agree"].tolist() == [True]
    cut = one_school([45] * 25, 1176)
    found = contract.class_rows_agreement(cut["stats"], cut["classes"], 0.02).iloc[0]
    assert (found["classes_stated"], found["class_rows"], found["pupils_stated"], found["pupils_in_rows"]) == (26, 25, 1176, 1125)
    assert not found["agree"]
    assert not contract.class_rows_agreement(*(lambda d: (d["stats"], d["classes"]))(one_school([45] * 24 + [51, 79], 1176)), 0.02)["agree"].iloc[0]
    assert contract.class_rows_agreement(*(lambda d: (d["stats"], d["classes"]))(one_school([45] * 24 + [51, 59], 1176)), 0.02)["agree"].iloc[0]


def g5(data) -> sc.Item:
    return sc.g5_item(data, STD, data["schools"])


def test_deleting_the_only_class_above_the_line_makes_g5_unknown_not_pass():
    """The breach found: the school's only class above 45 (51 pupils) deleted from the 班级 sheet. Before,
    G5 read 0 classes over the line with every school reported and passed; now the school is unknown."""
    assert g5(one_school([45] * 25 + [51], 1176)).status == FAIL          # 1 class over the line
    cut = g5(one_school([45] * 25, 1176))
    assert cut.status == UNKNOWN and cut.status != PASS
    assert SCHOOL in cut.coverage.missing
    # pupils beyond the tolerance with the right number of rows: unknown too; within it: decided
    assert g5(one_school([45] * 26, 1250)).status == UNKNOWN
    assert g5(one_school([45] * 26, 1180)).status == PASS                 # 1,170 in rows: 10 ≤ 23.6
    # a class known above the line fails the school whatever rows are missing
    assert g5(one_school([45] * 20 + [51], 1176)).status == FAIL


def test_the_importer_warns_naming_the_school_and_both_counts(tmp_path):
    data = wbk.rows()
    data["班级"] = [r for r in data["班级"] if r[3] != "1年级1班"]        # one of 城东小学's 26 rows (49 pupils)
    report = import_workbook(wbk.write(tmp_path / "cut.xlsx", data), tmp_path / "equity.duckdb",
                             outline_source=wbk.box_outlines)
    found = [p for p in report.warnings if p.key == "class_rows_disagree"]
    assert len(found) == 1 and not report.written                        # a warning: written only once confirmed
    text = found[0].format()
    assert found[0].sheet == "学段" and found[0].row == 2 and found[0].column == "班级数"
    for words in ("城东小学", "班级数26个", "在校生1,200人", "25行", "共1,151人"):
        assert words in text, text


def test_a_share_above_one_in_the_county_sheet_is_refused_with_its_place(tmp_path):
    data = wbk.full_rows()
    sheet = data["县级指标"]
    row = next(k for k, r in enumerate(sheet) if r[2] == "G13")
    sheet[row][3] = 1.009                                                 # 320903's G12 = 1.009 in the issue
    next(r for r in sheet if r[2] == "G8")[3] = 1.05                       # a pay ratio may exceed 1
    report = import_workbook(wbk.write(tmp_path / "share.xlsx", data), tmp_path / "equity.duckdb",
                             outline_source=wbk.box_outlines, accept_warnings=True)
    errors = [p for p in report.errors]
    assert [(p.key, p.sheet, p.row, p.column) for p in errors] == [("share_out_of_range", "县级指标", row + 1, "数值")]
    assert "1.009" in errors[0].format() and "0到1" in errors[0].format()
    assert not report.written and not (tmp_path / "equity.duckdb").exists()


def test_the_scorecard_command_carries_the_county_figure_beside_the_computed_one(tmp_path, capsys):
    """Two sources, shown everywhere the item is: the county reports G12 = 0.90 while its schools give
    165 certified of 165 teachers (the small workbook: 1.000) — 0.10 apart, beyond the 0.01 tolerance."""
    import json

    from tests.helpers import load, run_cli
    data = wbk.full_rows()
    data["县级指标"].append(["320902", 2024, "G12", 0.90, ""])
    db = tmp_path / "equity.duckdb"
    load(db, data, tmp_path, "two.xlsx", accept_warnings=True)
    code, out, _ = run_cli(["scorecard", "--db", str(db), "--county", "320902", "--year", "2024", "--json"], capsys)
    g12 = next(i for i in json.loads(out) if i["code"] == "G12")
    assert code == 0 and g12["county_value"] == 0.90 and g12["sources_differ"] is True
    assert g12["value"] == 1.0 and "165名专任教师中165名持证" in g12["value_is"]
    code, out, _ = run_cli(["scorecard", "--db", str(db), "--county", "320902", "--year", "2024"], capsys)
    line = next(r for r in out.splitlines() if "\tG12\t" in r)
    assert "县级指标填报90.0%" in line and "请核实" in line
