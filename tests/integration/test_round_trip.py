"""Export → import is the identity: the contract workbook written from a dataset (``python -m
analytics export``, the 数据管理 page's download) imports back to the same tables and the same
``cv --json`` and ``scorecard --json``, byte for byte — over random damaged datasets (hypothesis)
with a special-education school (stored as 5xx) and a 完全中学 that gives 高中在校生数."""
import json

import pandas as pd
from hypothesis import given

from analytics import service
from analytics.io import contract
from analytics.io.importer import import_workbook
from analytics.io.storage import Store
from tests import workbooks as wbk
from tests.helpers import run_cli
from tests.strategies import example_settings, import_example, workbooks

EXAMPLES = 15
EXTRA_SCHOOLS = [
    {"学校标识码": "1320902005", "学校名称": "亭湖区特殊教育学校", "区县代码": "320902", "区县名称": "亭湖区",
     "乡镇街道": "五星街道", "办学类型": "特殊教育学校", "城乡分类代码": "111", "举办者": "公办", "经度": 120.18, "纬度": 33.40},
    {"学校标识码": "1320902006", "学校名称": "新洋中学", "区县代码": "320902", "区县名称": "亭湖区",
     "乡镇街道": "五星街道", "办学类型": "完全中学", "城乡分类代码": "111", "举办者": "公办", "经度": 120.17, "纬度": 33.41},
]
EXTRA_STAGES = [
    {"学校标识码": "1320902005", "学年": 2024, "学段": "小学", "在校生数": 60, "班级数": 6, "专任教师数": 20,
     "教学及辅助用房面积": 900, "音乐专用教室数": 1, "音乐专用教室最小面积": 96},
    {"学校标识码": "1320902006", "学年": 2024, "学段": "初中", "在校生数": 1350, "班级数": 27, "专任教师数": 110},
    {"学校标识码": "1320902006", "学年": 2024, "学段": "全校", "教学及辅助用房面积": 29106, "体育运动场馆面积": 30000,
     "教学仪器设备值": 800, "网络多媒体教室数": 60, "高中在校生数": 1080},
]


def with_extra_schools(data: dict) -> dict:
    """Add the two schools by header, whatever optional columns the example dropped."""
    data = {k: [list(r) for r in v] for k, v in data.items()}
    for sheet, extra in (("学校", EXTRA_SCHOOLS), ("学段", EXTRA_STAGES)):
        if sheet not in data:
            continue
        header = data[sheet][0]
        if sheet == "学段" and "高中在校生数" not in header:
            header.append("高中在校生数")
            for r in data[sheet][1:]:
                r.append(None)
        data[sheet] += [[rec.get(h) for h in header] for rec in extra]
    return data


def tables(db) -> dict[str, pd.DataFrame]:
    store = Store(db)
    try:
        out = {}
        for sheet in contract.sheets():
            df = store.table(sheet.key).reindex(columns=sheet.column_keys)
            out[sheet.key] = df.sort_values(list(sheet.key_columns)).reset_index(drop=True)
        return out
    finally:
        store.close()


def answers(db) -> tuple[str, str]:
    store = Store(db)
    try:
        cv = json.dumps(service.cv_records(store, "320902", 2024), ensure_ascii=False, default=str)
        items, verdict = service.scorecard(store, "320902", 2024)
        card = json.dumps([i.as_dict() for i in items] + [verdict], ensure_ascii=False, default=str)
        return cv, card
    finally:
        store.close()


@example_settings(EXAMPLES)
@given(data=workbooks)
def test_export_then_import_gives_the_same_tables_and_answers(data, tmp_path_factory, capsys):
    tmp = tmp_path_factory.mktemp("rt")
    report, db = import_example(with_extra_schools(data), tmp)
    if not report.written:
        return
    out = tmp / "export.xlsx"
    code, _, _ = run_cli(["export", "--db", str(db), "--out", str(out)], capsys)
    assert code == 0
    again = tmp / "again.duckdb"
    back = import_workbook(out, again, outline_source=wbk.box_outlines, accept_warnings=True)
    assert back.written, [p.format() for p in back.errors]
    first, second = tables(db), tables(again)
    for key in first:
        pd.testing.assert_frame_equal(first[key], second[key], check_dtype=False, obj=key)
    assert answers(db) == answers(again)


def test_the_cli_export_of_a_missing_database_says_so(tmp_path, capsys):
    code, _, err = run_cli(["export", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "x.xlsx")], capsys)
    assert code == 2 and "none.duckdb" in err


def test_the_demo_county_round_trips(demo_db, tmp_path, capsys):
    capsys.readouterr()
    out = tmp_path / "demo.xlsx"
    assert run_cli(["export", "--db", str(demo_db), "--out", str(out)], capsys)[0] == 0
    again = tmp_path / "again.duckdb"
    assert import_workbook(out, again, outline_source=wbk.box_outlines, accept_warnings=True).written
    first, second = tables(demo_db), tables(again)
    for key in first:
        pd.testing.assert_frame_equal(first[key], second[key], check_dtype=False, obj=key)
    assert answers(demo_db) == answers(again)
