"""Small contract workbooks built in code, for importer and app tests."""
from __future__ import annotations

import copy
from pathlib import Path

import openpyxl


SCHOOLS = [
    # school_id, name, county_code, county_name, town, type, urban_rural, ownership, lon, lat
    ["1320902001", "城东小学", "320902", "亭湖区", "五星街道", "小学", "111", "公办", 120.16, 33.39],
    ["1320902002", "城东初级中学", "320902", "亭湖区", "五星街道", "初级中学", "111", "公办", 120.17, 33.38],
    ["1320902003", "南洋九年制学校", "320902", "亭湖区", "南洋镇", "九年一贯制学校", "121", "公办", 120.30, 33.42],
    ["1320902004", "新民教学点", "320902", "亭湖区", "南洋镇", "小学教学点", "220", "公办", 120.33, 33.45],
]
STAGE_HEADER = ["学校标识码", "学年", "学段", "在校生数", "班级数", "专任教师数", "高于规定学历教师数",
                "县级以上骨干教师数", "体育专任教师数", "音乐专任教师数", "美术专任教师数", "持证专任教师数",
                "教学及辅助用房面积", "体育运动场馆面积", "教学仪器设备值", "网络多媒体教室数",
                "音乐专用教室数", "音乐专用教室最小面积", "美术专用教室数", "美术专用教室最小面积"]
STAGES = [
    ["1320902001", 2024, "小学", 1200, 26, 65, 63, 15, 6, 4, 4, 65, 5600, 8000, 290, 30, 3, 98, 3, 92],
    ["1320902002", 2024, "初中", 800, 16, 62, 58, 10, 4, 2, 2, 62, 4800, 8500, 220, 20, 2, 100, 2, 95],
    ["1320902003", 2024, "小学", 166, 6, 14, 13, 1, 1, 1, 0, 14, None, None, None, None, None, None, None, None],
    ["1320902003", 2024, "初中", 210, 6, 20, 18, 2, 1, 1, 1, 20, None, None, None, None, None, None, None, None],
    ["1320902003", 2024, "全校", None, None, None, None, None, None, None, None, None, 2600, 5200, 95, 14, 1, 80, 1, 75],
    ["1320902004", 2024, "小学", 38, 3, 4, 3, 0, 1, 0, 0, 4, 300, 600, 8, 3, 0, None, 0, None],
]
# 城东小学's 26 classes (its 学段 row): two of 49–50 in every grade (above the 小学 line of 45), and 14 more
# of 43–44 — 1,200 pupils in all, as the 学段 row says (the sheets must agree: the G5 of a school whose class
# rows are missing is unknown)
EXTRA = [(g, k) for k in (3, 4) for g in range(1, 7)] + [(1, 5), (2, 5)]


def class_rows(year: int, above: int, within: tuple[int, int]) -> list[list]:
    """城东小学's class rows of ``year``: 12 of ``above`` + 1/+2 pupils, then 14 of the ``within`` sizes
    (ten of the first, four of the second)."""
    sizes = [within[0]] * 10 + [within[1]] * 4
    return ([["1320902001", year, g, f"{g}年级{k}班", above + k] for g in range(1, 7) for k in range(1, 3)]
            + [["1320902001", year, g, f"{g}年级{k}班", n] for (g, k), n in zip(EXTRA, sizes)])


CLASSES = class_rows(2024, 48, (43, 44))          # 12 × 49/50 = 594, + 10 × 43 + 4 × 44 = 606: 1,200


def rows() -> dict[str, list[list]]:
    """Header + data rows of a small valid workbook (schools, stage_stats, classes)."""
    return {
        "学校": [["学校标识码", "学校名称", "区县代码", "区县名称", "乡镇街道", "办学类型", "城乡分类代码",
                 "举办者", "经度", "纬度"]] + copy.deepcopy(SCHOOLS),
        "学段": [list(STAGE_HEADER)] + copy.deepcopy(STAGES),
        "班级": [["学校标识码", "学年", "年级", "班级", "学生数"]] + copy.deepcopy(CLASSES),
    }


def write(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, data in sheets.items():
        ws = wb.create_sheet(name)
        for r in data:
            ws.append(r)
    wb.save(path)
    return path


def no_outlines(counties):
    """Outline source that finds nothing (as for a county whose name cnmaps does not know)."""
    import pandas as pd
    from analytics.geo.boundaries import OUTLINE_COLUMNS
    return pd.DataFrame(columns=OUTLINE_COLUMNS)


def box_outlines(counties):
    """Outline source for tests that must not load cnmaps: a box 119.9–120.6 E, 33.1–33.7 N per county."""
    import json

    import pandas as pd
    from shapely.geometry import box, mapping

    from analytics.geo.boundaries import OUTLINE_COLUMNS
    geo = json.dumps(mapping(box(119.9, 33.1, 120.6, 33.7)))
    return pd.DataFrame([{"county_code": c, "county_name": n, "province": "江苏省", "city": "盐城市",
                          "geojson": geo, "source": "test"} for c, n in zip(counties["county_code"], counties["county_name"])],
                        columns=OUTLINE_COLUMNS)


def header_index(sheet_rows: list[list], zh: str) -> int:
    return sheet_rows[0].index(zh)




def full_rows() -> dict[str, list[list]]:
    """The small workbook with every sheet of the contract: two school years of statistics and classes,
    funds, teacher exchange, quality monitoring, county indicators, births since 2015 and settlements —
    enough for every page and command to have something to show."""
    data = rows()
    older = []
    for r in copy.deepcopy(STAGES):
        r[1] = 2023
        if r[3] is not None:
            r[3] = int(r[3] * 0.95)
        older.append(r)
    data["学段"] += older
    data["班级"] += class_rows(2023, 46, (41, 40))   # 12 × 47/48 = 570, + 10 × 41 + 4 × 40 = 570: 1,140
    data["经费"] = [["学校标识码", "学年", "生均公用经费拨付标准", "公用经费拨付总额", "教师培训经费", "随班就读残疾学生数"]] + [
        [sid, 2024, 700, 700 * max(p, 100), 0.06 * 700 * max(p, 100), 1]
        for sid, p in (("1320902001", 1200), ("1320902002", 800), ("1320902003", 376), ("1320902004", 38))]
    data["师资交流"] = [["学校标识码", "学年", "符合交流条件教师数", "交流轮岗教师数", "其中骨干教师数", "完成360学时培训教师数"]] + [
        [sid, 2024, 20, 3, 1, 20] for sid in ("1320902001", "1320902002", "1320902003", "1320902004")]
    data["质量监测"] = [["学校标识码", "学年", "学段", "科目", "参测学生数", "平均分", "标准差", "合格率", "达到Ⅲ级以上比例"]] + [
        [sid, 2024, stage, "数学", 60, mean, 12, 0.95, 0.6]
        for sid, stage, mean in (("1320902001", "小学", 78), ("1320902002", "初中", 74), ("1320902003", "小学", 72),
                                 ("1320902003", "初中", 70))]
    codes = ["G1", "G2", "G8", "G10", "G13", "G14", "G15", "Q1", "Q2", "Q3", "Q5", "Q6", "Q7", "Q8", "S1"]
    data["县级指标"] = [["区县代码", "学年", "指标代码", "数值", "说明"]] + [
        ["320902", 2024, c, 1 if c in ("G1", "G2", "G10", "Q3", "Q5", "Q6", "Q7", "Q8") else 0.97, ""] for c in codes]
    data["人口"] = [["区县代码", "乡镇街道", "年份", "常住人口", "出生人口", "6–11岁人口", "12–14岁人口"]] + [
        ["320902", town, y, 60000, births, 1300, 700]
        for town, births in (("五星街道", 260), ("南洋镇", 90)) for y in range(2015, 2025)]
    data["居民点"] = [["区县代码", "乡镇街道", "名称", "经度", "纬度", "坐标系", "常住人口", "6–11岁人口", "12–14岁人口"]] + [
        ["320902", "五星街道", "东园社区", 120.165, 33.388, "WGS84", 8000, 600, 300],
        ["320902", "五星街道", "西园社区", 120.175, 33.382, "WGS84", 6000, 500, 250],
        ["320902", "南洋镇", "新民村", 120.32, 33.44, "WGS84", 2500, 120, 60]]
    return data


def for_county(data: dict[str, list[list]], code: str, name: str) -> dict[str, list[list]]:
    """The same workbook for another county: county code and name, and the school ids built on the code
    (1320902001 → 1<code>001), replaced in every cell."""
    out = copy.deepcopy(data)
    for sheet in out.values():
        for r in sheet[1:]:
            for k, v in enumerate(r):
                if isinstance(v, str):
                    r[k] = v.replace("1320902", f"1{code}").replace("320902", code).replace("亭湖区", name)
    return out
