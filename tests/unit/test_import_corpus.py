"""A corpus of bad workbooks: each is rejected by the CLI with exit 2, names the right sheet,
row and column, and leaves the database byte-for-byte unchanged. Then the mess a person makes
that the importer cleans up, warnings that need a confirmation, and coordinates."""
import io
import json
import zipfile

import openpyxl
import pytest

from analytics.geo import coords
from analytics.io.importer import import_workbook
from tests import workbooks as wbk
from tests.helpers import run_cli
from tests.helpers import sha




@pytest.fixture()
def db(good_db):
    return good_db




def cell(sheet, row, header, value):
    def change(data):
        data[sheet][row - 1][wbk.header_index(data[sheet], header)] = value
        return data
    return change


def swap_lonlat(data):
    i, j = wbk.header_index(data["学校"], "经度"), wbk.header_index(data["学校"], "纬度")
    data["学校"][2][i], data["学校"][2][j] = 33.38, 120.17
    return data


def add_sheet(name, rows):
    def change(data):
        data[name] = rows
        return data
    return change


EXCHANGE = [["学校标识码", "学年", "符合交流条件教师数", "交流轮岗教师数", "其中骨干教师数", "完成360学时培训教师数"],
            ["1320902001", 2024, 10, 12, 1, 60]]
QUALITY = [["学校标识码", "学年", "学段", "科目", "参测学生数", "平均分", "标准差", "合格率", "达到Ⅲ级以上比例"],
           ["1320902001", 2024, "小学", "数学", 200, 78, 12, "150%", 0.8]]
COUNTY = [["区县代码", "学年", "指标代码", "数值", "说明"], ["320902", 2024, "G99", 1, ""]]

# name → (change to the good workbook, sheet, Excel row, column header)
CELL_CASES = {
    "text_in_number": (cell("学段", 2, "在校生数", "一千二"), "学段", 2, "在校生数"),
    "negative_count": (cell("学段", 3, "专任教师数", -5), "学段", 3, "专任教师数"),
    "fraction_of_a_person": (cell("学段", 3, "专任教师数", 61.5), "学段", 3, "专任教师数"),
    "count_too_large": (cell("学段", 2, "在校生数", 2147483648), "学段", 2, "在校生数"),   # found by hypothesis
    "unknown_school_type": (cell("学校", 3, "办学类型", "职业高中"), "学校", 3, "办学类型"),
    "unknown_urban_rural": (cell("学校", 4, "城乡分类代码", "999"), "学校", 4, "城乡分类代码"),
    "bad_school_id": (cell("学校", 2, "学校标识码", "12345"), "学校", 2, "学校标识码"),
    "bad_county_code": (cell("学校", 2, "区县代码", "3209"), "学校", 2, "区县代码"),
    "bad_ownership": (cell("学校", 2, "举办者", "合办"), "学校", 2, "举办者"),
    "duplicate_school": (cell("学校", 3, "学校标识码", "1320902001"), "学校", 3, "学校标识码"),
    "duplicate_stage_row": (cell("学段", 3, "学校标识码", "1320902001") , "学段", 3, None),
    "orphan_stage_row": (cell("学段", 7, "学校标识码", "1320902999"), "学段", 7, "学校标识码"),
    "orphan_class_row": (cell("班级", 4, "学校标识码", "1320902998"), "班级", 4, "学校标识码"),
    "backbone_exceeds_teachers": (cell("学段", 2, "县级以上骨干教师数", 99), "学段", 2, "县级以上骨干教师数"),
    "exchanged_exceeds_eligible": (add_sheet("师资交流", EXCHANGE), "师资交流", 2, "交流轮岗教师数"),
    "stage_not_in_type": (cell("学段", 2, "学段", "初中"), "学段", 2, "学段"),
    "unknown_stage": (cell("学段", 2, "学段", "高中"), "学段", 2, "学段"),
    "missing_required_cell": (cell("学校", 5, "学校名称", None), "学校", 5, "学校名称"),
    "blank_pupils_on_a_stage_row": (cell("学段", 3, "在校生数", None), "学段", 3, "在校生数"),     # the CV weight
    "grade_out_of_range": (cell("班级", 2, "年级", 12), "班级", 2, "年级"),
    "year_not_four_digits": (cell("学段", 2, "学年", 24), "学段", 2, "学年"),
    "share_over_100_percent": (add_sheet("质量监测", QUALITY), "质量监测", 2, "合格率"),
    "unknown_indicator_code": (add_sheet("县级指标", COUNTY), "县级指标", 2, "指标代码"),
    "swapped_lonlat": (swap_lonlat, "学校", 3, "纬度"),
    "half_coordinate": (cell("学校", 2, "纬度", None), "学校", 2, "纬度"),
    "bad_yes_no": (lambda d: [r.append(v) for r, v in zip(d["学校"], ["寄宿制", "是", "否", "也许", "否"])] and d,
                   "学校", 4, "寄宿制"),
    "bad_crs": (lambda d: [r.append(v) for r, v in zip(d["学校"], ["坐标系", "WGS84", "CGCS2000", "WGS84", "WGS84"])] and d,
                "学校", 3, "坐标系"),
}


@pytest.mark.parametrize("case", sorted(CELL_CASES))
def test_bad_workbook_exit_2_names_the_cell_and_leaves_db(case, db, tmp_path, capsys):
    change, sheet, row, column = CELL_CASES[case]
    path = wbk.write(tmp_path / f"{case}.xlsx", change(wbk.rows()))
    before = sha(db)
    code, _, err = run_cli(["import", str(path), "--db", str(db)], capsys)
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.startswith("[error]")]
    prefix = f"[error] {sheet}!{row}" + (f" {column}:" if column else "")
    assert any(ln.startswith(prefix) for ln in lines), (prefix, lines)
    assert sha(db) == before


WHOLE_FILE_CASES = {
    "text_file_named_xlsx": lambda p: p.write_text("这不是Excel文件", encoding="utf-8"),
    "empty_file": lambda p: p.write_bytes(b""),
    "zip_without_workbook": lambda p: _zip(p, {"hello.txt": b"hi"}),
    "zip_bomb": lambda p: _zip(p, {"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"0" * 60_000_000}),
    "over_upload_limit": lambda p: (p.write_bytes(b"PK"), __import__("os").truncate(p, 51 * 1024 * 1024)),
    "empty_workbook": lambda p: openpyxl.Workbook().save(p),
    "only_unknown_sheets": lambda p: wbk.write(p, {"Sheet1": [["a", "b"], [1, 2]]}),
}


def _zip(path, files):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)


@pytest.mark.parametrize("case", sorted(WHOLE_FILE_CASES))
def test_whole_file_problems_are_rejected(case, db, tmp_path, capsys):
    path = tmp_path / f"{case}.xlsx"
    WHOLE_FILE_CASES[case](path)
    before = sha(db)
    code, _, err = run_cli(["import", str(path), "--db", str(db), "--json"], capsys)
    assert code == 2
    problems = json.loads(err[: err.rindex("]") + 1])
    errors = [p for p in problems if p["severity"] == "error"]
    assert errors and all(set(p) == {"sheet", "row", "column", "severity", "message"} for p in problems)
    if case in ("empty_workbook", "only_unknown_sheets"):
        assert {"学校", "学段"} <= {p["sheet"] for p in errors}          # the required sheets are named
    assert sha(db) == before


def test_missing_sheet_and_missing_column(db, tmp_path, capsys):
    data = wbk.rows()
    del data["学段"]
    col = wbk.header_index(data["学校"], "办学类型")
    for r in data["学校"]:
        del r[col]
    code, _, err = run_cli(["import", str(wbk.write(tmp_path / "m.xlsx", data)), "--db", str(db)], capsys)
    assert code == 2
    assert "[error] 学段: 缺少必需的工作表" in err
    assert "[error] 学校!1 办学类型: 缺少必需的列" in err


# ---------------------------------------------------------------- mess that is cleaned up


def messy_workbook(tmp_path):
    """Title row above a two-row header (merged cells), blank rows, full-width digits, separators,
    units, percentages, Y/N, codes as numbers, trailing spaces, an extra column, example rows and
    a formula with its cached value."""
    data = wbk.rows()
    header = data["学校"][0]
    data["学校"] = ([["亭湖区2024年学校基本情况表"] + [None] * (len(header) - 1),
                    [None] * 2 + ["所在地"] + [None] * (len(header) - 3)]
                   + [header[:2] + [None] + header[3:] + ["寄宿制", "联系电话"]]
                   + [r + ["N", "0515-8888"] for r in data["学校"][1:3]] + [[None] * len(header)]
                   + [r + ["Y", ""] for r in data["学校"][3:]])
    # 区县代码 merged down from the group row: write it one row up
    data["学校"][1][2] = "区县代码"
    assert [r[0] for r in data["学校"][3:8]] == ["1320902001", "1320902002", None, "1320902003", "1320902004"]
    data["学校"][4][1] = "城东初级中学  "                                   # trailing spaces
    data["学校"][6][5] = 312                                              # a code (a number) instead of a name
    st = data["学段"]
    st[1][3] = "１，２００"                                               # full-width digits and comma
    st[1][12] = "5,600㎡"
    st[2][3] = "800人"
    data["学段"] = st[:3] + [[None] * len(st[0])] + st[3:]
    data["质量监测"] = QUALITY[:1] + [["1320902001", 2024, "小学", "数学", 200, 78, 12, "95%", 0.8]]
    data["班级"][0].append("示例")
    data["班级"].append(["1320902001", 2024, 1, "示例班", 45, "示例"])
    path = wbk.write(tmp_path / "messy.xlsx", data)
    _add_cached_formula(path, "学段", "E2", "20+6", 26)
    return path


def _add_cached_formula(path, sheet_name, ref, formula, cached):
    """openpyxl writes formulas without a cached value; add one as Excel would have saved it."""
    wb = openpyxl.load_workbook(path)
    wb[sheet_name][ref] = "=" + formula
    wb.save(path)
    index = wb.sheetnames.index(sheet_name) + 1
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == f"xl/worksheets/sheet{index}.xml":
                data = data.replace(f"<f>{formula}</f><v></v>".encode(), f"<f>{formula}</f><v>{cached}</v>".encode())
                data = data.replace(f"<f>{formula}</f><v />".encode(), f"<f>{formula}</f><v>{cached}</v>".encode())
            zout.writestr(item, data)
    path.write_bytes(buf.getvalue())


def test_messy_workbook_is_normalised_and_says_what_changed(tmp_path):
    db = tmp_path / "db.duckdb"
    report = import_workbook(messy_workbook(tmp_path), db, outline_source=wbk.box_outlines, accept_warnings=True)
    assert report.written, [p.format() for p in report.errors]
    schools = report.tables["schools"].set_index("school_id")
    stats = report.tables["stage_stats"]
    assert schools.loc["1320902002", "name"] == "城东初级中学"
    assert schools.loc["1320902003", "school_type"] == "312"
    assert schools.loc["1320902001", "boarding"] == False and schools.loc["1320902004", "boarding"] == True  # noqa: E712
    assert schools["county_code"].eq("320902").all()                        # header merged down from above
    assert stats.loc[0, "students"] == 1200 and stats.loc[0, "teaching_area_m2"] == 5600
    assert stats.loc[0, "classes"] == 26                                     # cached formula value
    assert report.tables["quality"].loc[0, "pass_rate"] == pytest.approx(0.95)
    assert len(report.tables["classes"]) == 26                               # the example row was skipped
    notes = {(p.key, p.column) for p in report.problems if p.severity == "note"}
    assert ("normalised", "在校生数") in notes and ("examples_skipped", None) in notes
    assert ("whole_school_split", "学段") in notes
    from analytics.io.storage import Store
    extra = Store(db).extra_columns()
    assert extra[["header", "value"]].values.tolist()[0] == ["联系电话", "0515-8888"]   # kept aside


# ---------------------------------------------------------------- warnings need a confirmation


WARNING_CASES = {
    "outside_county": (cell("学校", 2, "经度", 118.5), "学校", 2, "经度"),
    "area_above_100": (cell("学段", 7, "教学及辅助用房面积", 9000), "学段", 7, "教学及辅助用房面积"),
    "enrolment_dropped_80_percent": (
        lambda d: d["学段"].append(["1320902001", 2025, "小学", 150] + [None] * 16) or d, "学段", 8, "在校生数"),
    "unknown_column": (lambda d: [r.append(v) for r, v in zip(d["学校"], ["校长", "张三"])] and d, "学校", 1, None),
}


@pytest.mark.parametrize("case", sorted(WARNING_CASES))
def test_warning_blocks_until_confirmed(case, db, tmp_path, capsys):
    change, sheet, row, column = WARNING_CASES[case]
    path = wbk.write(tmp_path / f"{case}.xlsx", change(wbk.rows()))
    before = sha(db)
    code, _, err = run_cli(["import", str(path), "--db", str(db)], capsys)
    assert code == 2 and "--accept-warnings" in err
    assert any(ln.startswith(f"[warning] {sheet}!{row}" + (f" {column}:" if column else "")) for ln in err.splitlines()), err
    assert sha(db) == before
    code, out, _ = run_cli(["import", str(path), "--db", str(db), "--accept-warnings"], capsys)
    assert code == 0 and "v2" in out


# ---------------------------------------------------------------- coordinates


def test_coordinate_conversions_against_published_pairs():
    # WGS84 (120, 40) → GCJ-02, as in tech-notes.md
    lon, lat = coords.wgs84_to_gcj02(120.0, 40.0)
    assert (float(lon), float(lat)) == pytest.approx((120.00567568355486, 40.0013047896019), abs=1e-9)
    # Beijing railway station: GCJ-02 (116.42703, 39.90245) ↔ BD-09 (116.43351, 39.90851), 5 decimals published
    assert tuple(map(float, coords.bd09_to_gcj02(116.43351, 39.90851))) == pytest.approx((116.42703, 39.90245), abs=2e-5)
    assert tuple(map(float, coords.gcj02_to_bd09(116.42703, 39.90245))) == pytest.approx((116.43351, 39.90851), abs=2e-5)
    # round trips under 0.5 m at Yancheng
    for w in ((120.16, 33.39), (119.58, 34.2), (120.9, 32.6)):
        g = coords.wgs84_to_gcj02(*w)
        back = coords.gcj02_to_wgs84(*g)
        assert _metres(w, back) < 0.5
        back = coords.to_wgs84(*coords.gcj02_to_bd09(*g), "BD09")
        assert _metres(w, back) < 0.5


def _metres(a, b):
    import math
    dx = (float(a[0]) - float(b[0])) * 111_320 * math.cos(math.radians(float(a[1])))
    dy = (float(a[1]) - float(b[1])) * 110_540
    return math.hypot(dx, dy)


def test_gcj02_points_are_stored_as_wgs84(tmp_path):
    data = wbk.rows()
    for r, v in zip(data["学校"], ["坐标系", "GCJ02", "BD09", "WGS84", "WGS84"]):
        r.append(v)
    wgs = (120.16, 33.39)
    gcj = tuple(map(float, coords.wgs84_to_gcj02(*wgs)))
    bd = tuple(map(float, coords.gcj02_to_bd09(*gcj)))
    lon_i, lat_i = wbk.header_index(data["学校"], "经度"), wbk.header_index(data["学校"], "纬度")
    data["学校"][1][lon_i], data["学校"][1][lat_i] = gcj
    data["学校"][2][lon_i], data["学校"][2][lat_i] = bd
    report = import_workbook(wbk.write(tmp_path / "c.xlsx", data), tmp_path / "c.duckdb", outline_source=wbk.box_outlines)
    schools = report.tables["schools"].set_index("school_id")
    for sid in ("1320902001", "1320902002"):
        assert _metres(wgs, (schools.loc[sid, "lon"], schools.loc[sid, "lat"])) < 0.5
        assert schools.loc[sid, "crs"] == "WGS84"
    assert any(p.key == "converted_crs" for p in report.problems)
