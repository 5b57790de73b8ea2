"""The vocabulary every layer speaks, on the ground floor: the 学段 and 城乡 groups and their reading order,
school-type and urban–rural code tests, grade → 学段, the 居民点 columns the method reads — from the ``codes``
of the data contract (``data/contract.yaml``). Reading cells stays in the importer (:mod:`analytics.io.contract`)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

CONTRACT_PATH = Path(__file__).resolve().parents[1] / "data" / "contract.yaml"
PRIMARY, JUNIOR, WHOLE_SCHOOL = "小学", "初中", "全校"
STAGES = (PRIMARY, JUNIOR)
# 城乡分类 groups in the order every table and chart reads them
URBAN_RURAL_GROUPS = ("城区", "镇区", "乡村")


def canonical_rank(value) -> int:
    """Where a 学段 or 城乡 group sits in the reading order (小学, 初中; 城区, 镇区, 乡村); others after."""
    order = {v: k for k, v in enumerate(tuple(STAGES) + URBAN_RURAL_GROUPS)}
    return order.get(value, len(order))
# 居民点 sheet: the children of school age of each 学段
CHILDREN_COLUMN = {PRIMARY: "age_6_11", JUNIOR: "age_12_14"}


LAST_PRIMARY_GRADE = 6


def stage_of_grade(grade: int) -> str:
    """Grades 1–6 are 小学, 7–9 初中."""
    return PRIMARY if int(grade) <= LAST_PRIMARY_GRADE else JUNIOR


def stages_of_grades(grades):
    """:func:`stage_of_grade` of an array or Series of grades (a province has hundreds of thousands of classes)."""
    import numpy as np
    return np.where(np.asarray(grades, dtype=int) <= LAST_PRIMARY_GRADE, PRIMARY, JUNIOR)


@lru_cache(maxsize=1)
def raw_contract() -> dict:
    with open(CONTRACT_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def codes() -> dict:
    return raw_contract()["codes"]




def school_type_code(value: str) -> str:
    """Canonical 办学类型 code: '211' … '345', or '5xx' for any special-education code."""
    return "5xx" if str(value).startswith("5") else str(value)


def is_special_education(type_code: str) -> bool:
    return str(type_code).startswith("5")


def is_combined_school(type_code: str) -> bool:
    """九年一贯制 / 十二年一贯制: the G4 size line is the combined one (config ``max_combined``)."""
    return school_type_code(type_code) in codes()["combined_types"]


def has_senior_part(type_code: str) -> bool:
    """完全中学 / 十二年一贯制: a 高中部 shares the 全校 resources (split with 高中在校生数)."""
    return school_type_code(type_code) in codes()["senior_types"]


def urban_rural_group(code: str) -> str:
    """城乡分类代码 → 城区 / 镇区 / 乡村 (111,112 → 城区; 121–123 → 镇区; 210,220 → 乡村)."""
    return codes()["urban_rural"][str(code)]


def is_village_school(type_code: str, urban_rural_code: str, village: dict) -> bool:
    """A village school by the standards' definition (``Standards.village_schools``: school type → the
    城乡分类代码 it must have; nationally a 小学 in a 村庄 220, a 教学点 in 乡村 210/220)."""
    return str(urban_rural_code) in village.get(school_type_code(type_code), ())


def is_urban(code: str) -> bool:
    """A 城区 school (城乡分类代码 111, 112): the urban side of the urban–rural gaps."""
    return urban_rural_group(code) == "城区"
