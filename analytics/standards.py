"""The assessment standards: every line, weight, band and scope rule, read from ``data/standards/``.

``national.yaml`` is the default; ``province_<2-digit code>.yaml`` overrides any key of it (deep
merge). :func:`load_standards` returns a :class:`Standards` — the merged mapping (so a rule can still
be read as ``std["class_size"]["max"]["小学"]``) with typed accessors, loaded once per province.
Nothing else in the code writes a line of the standard: the method, the plan, the scenarios, the
pages, the charts and every sentence that states a line (see :meth:`Standards.wording`) read it here.
"""
from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import numpy as np
import yaml

from analytics.codes import codes as contract_codes
from analytics.formatting import fmt_cv_line

ROOT = Path(__file__).resolve().parent.parent
STANDARDS_DIR = ROOT / "data" / "standards"
# A deployment may keep its standards elsewhere (a province's own folder): EQUITY_STANDARDS_DIR.
STANDARDS_ENV = "EQUITY_STANDARDS_DIR"


def standards_dir() -> Path:
    """The folder of national.yaml and the province files (``EQUITY_STANDARDS_DIR`` or data/standards)."""
    return Path(os.environ.get(STANDARDS_ENV) or STANDARDS_DIR)

# Comparisons with a line allow for binary floating point (201.4 万元 stored as 201.39999…): a value
# within one part in 10⁹ of its line counts as on it. Far below any figure a bureau reports.
FLOAT_SLACK = 1e-9

# Indicator kinds of ``resource.indicators`` and the factor from "per student" to the indicator's unit.
KIND_SCALE = {"per100": 100.0, "per_student": 1.0}

# The one met / nearly / below vocabulary (ratio = value / line; nearly = below the line but at least
# the school rule's min_ratio_unmet of it). Colours are chosen by this class, nowhere else.
MET, NEARLY, BELOW, MISSING = "met", "nearly", "below", "missing"
LINE_CLASSES = (BELOW, NEARLY, MET)


@dataclass(frozen=True)
class SchoolRule:
    """A school complies when at least ``min_met`` of ``n_indicators`` are met and every unmet one is at
    least ``min_ratio_unmet`` of its line."""
    min_met: int
    n_indicators: int
    min_ratio_unmet: float

    @property
    def allowed_unmet(self) -> int:
        return self.n_indicators - self.min_met


def deep_merge(base: dict, override: dict) -> dict:
    """Return ``base`` with ``override`` merged in, recursively for nested mappings."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _pct(x: float) -> str:
    """0.85 → '85%', 0.875 → '87.5%' (how a line is written in a sentence)."""
    v = round(float(x) * 100, 1)
    return f"{v:g}%"


def _num(x: float) -> str:
    v = float(x)
    return f"{v:g}" if v != int(v) else f"{int(v)}"


class Standards(dict):
    """The merged standards of one province (a dict of the YAML) with typed accessors."""

    # ------------------------------------------------------------ resource indicators
    @property
    def stages(self) -> list[str]:
        return list(self["stages"])

    @property
    def indicator_codes(self) -> list[str]:
        """The resource indicator codes in their published order (L1 … L7)."""
        return list(self["resource"]["indicators"].keys())

    def line(self, code: str, stage: str) -> float:
        """The line of resource indicator ``code`` for ``stage``."""
        return float(self["resource"]["indicators"][code][stage])

    def indicator_kind(self, code: str) -> str:
        return str(self["resource"]["indicators"][code]["kind"])

    def indicator_scale(self, code: str) -> float:
        """Factor from quantity per student to the indicator's unit: 100 for ``per100``, 1 for ``per_student``."""
        return KIND_SCALE[self.indicator_kind(code)]

    def cv_line(self, stage: str) -> float:
        """The county line for the CV of every resource indicator in ``stage``."""
        return float(self["resource"]["cv_max"][stage])

    @property
    def school_rule(self) -> SchoolRule:
        rule = self["resource"]["school_rule"]
        return SchoolRule(int(rule["min_met"]), len(self.indicator_codes), float(rule["min_ratio_unmet"]))

    # ------------------------------------------------------------ met / nearly / below
    def line_class(self, ratio: float | None) -> str:
        """The one met / nearly / below decision for a value against its line (``ratio`` = value / line).

        met: ratio ≥ 1; nearly: min_ratio_unmet ≤ ratio < 1; below: under min_ratio_unmet; missing: no
        value. Lines are compared with :data:`FLOAT_SLACK`.
        """
        if ratio is None or not math.isfinite(float(ratio)):
            return MISSING
        if ratio >= 1 - FLOAT_SLACK:
            return MET
        if ratio >= self.school_rule.min_ratio_unmet - FLOAT_SLACK:
            return NEARLY
        return BELOW

    CLASS_ORDER = (MET, NEARLY, BELOW, MISSING)          # the codes of :meth:`line_class_codes`

    def line_class_codes(self, ratios) -> np.ndarray:
        """:meth:`line_class` of every ratio as a position in ``CLASS_ORDER`` (0 met … 3 missing)."""
        r = np.asarray(ratios, dtype=float)
        return np.select([~np.isfinite(r), r >= 1 - FLOAT_SLACK, r >= self.school_rule.min_ratio_unmet - FLOAT_SLACK],
                         [3, 0, 1], 2).astype(np.int8)

    def line_classes(self, ratios) -> np.ndarray:
        """:meth:`line_class` of every ratio (array of class names)."""
        return np.array(self.CLASS_ORDER, dtype=object)[self.line_class_codes(ratios)]

    # ------------------------------------------------------------ sizes and scope
    def class_max(self, stage: str) -> int:
        return int(self["class_size"]["max"][stage])

    @property
    def class_band_upper(self) -> tuple[int, int]:
        """Upper edges of 偏大 and 大班额; above the second is 超大班额."""
        large, big = self["class_size"]["band_upper"]
        return int(large), int(big)

    def school_size_max(self, combined: bool) -> int:
        size = self["school_size"]
        return int(size["max_combined"] if combined else size["max_single_stage"])

    @property
    def small_school_max(self) -> int:
        return int(self["small_school"]["max_students"])

    @property
    def very_small_school_max(self) -> int:
        return int(self["small_school"]["very_small_students"])

    @property
    def scope(self) -> dict:
        return dict(self["scope"])

    @property
    def min_students_types(self) -> tuple[str, ...]:
        """School types left out of the CVs below ``teaching_point_min_students`` (default: 教学点 218)."""
        return tuple(str(x) for x in self["scope"].get("min_students_types", ["218"]))

    @staticmethod
    def type_name(code: str) -> str:
        """The contract's name of a school type code ('211' → 小学)."""
        return contract_codes()["school_type"].get(str(code), str(code))

    @property
    def village_schools(self) -> dict[str, tuple[str, ...]]:
        """School type → the 城乡分类代码 that make it a village school (``small_school.village``)."""
        return {str(k): tuple(str(c) for c in v) for k, v in self["small_school"]["village"].items()}

    @property
    def senior_counts_in_size(self) -> bool:
        """G4: does a school with a 高中部 count its 高中 pupils (``school_size.count_senior_students``)?"""
        return bool(self["school_size"].get("count_senior_students", False))

    def item_scope(self, code: str) -> dict:
        """Which schools a school-level item judges: ``special_education`` True (all schools), False
        (special-education schools out) or 'only'; ``basis`` — the clause it follows, in words."""
        rule = dict(self["item_scope"][code])
        rule.setdefault("special_education", False)
        rule["basis"] = str(rule.get("basis") or "").format(std=self.wording())   # its lines from these standards
        return rule

    # ------------------------------------------------------------ the lines in words
    def wording(self) -> dict[str, str]:
        """Every line of the standard as the text a sentence needs, for the strings catalog.

        Catalog entries write ``{std[rule_ratio]}`` (etc.) instead of a number; :func:`analytics.i18n.t`
        fills them from the standards of the county shown, so a province file changes every sentence.
        """
        rule = self.school_rule
        large, big = self.class_band_upper
        stages = self.stages
        primary, junior = stages[0], stages[-1]
        out = {
            "rule_min_met": str(rule.min_met), "rule_n": str(rule.n_indicators),
            "rule_ratio": _pct(rule.min_ratio_unmet),
            "class_max_primary": str(self.class_max(primary)), "class_max_junior": str(self.class_max(junior)),
            "band_large_low": str(min(self.class_max(s) for s in stages) + 1), "band_large_high": str(large),
            "band_big_low": str(large + 1), "band_big_high": str(big), "band_huge_low": str(big + 1),
            "school_max_single": str(self.school_size_max(False)), "school_max_combined": str(self.school_size_max(True)),
            "small_max": str(self.small_school_max), "very_small_max": str(self.very_small_school_max),
            "small_low": str(self.very_small_school_max), "small_high": str(self.small_school_max - 1),
            "funding_floor": str(int(self["funding"]["small_school_floor_students"])),
            "teaching_point_min": str(int(self["scope"].get("teaching_point_min_students", 0))),
            "cv_lines": "、".join(f"{s}{fmt_cv_line(self.cv_line(s))}" for s in stages),
            "cv_lines_en": ", ".join(f"{s} {fmt_cv_line(self.cv_line(s), spaced=True)}" for s in stages),
        }
        names, places = contract_codes()["school_type"], contract_codes()["urban_rural_names"]
        out["min_students_types"] = "、".join(names.get(t, t) for t in self.min_students_types)
        out["village_schools"] = "；".join(
            f"{names.get(t, t)}位于" + "、".join(f"{places.get(c, c)}（{c}）" for c in where)
            for t, where in self.village_schools.items())
        out["senior_in_g4"] = ("有高中部的学校（完全中学、十二年一贯制）连同高中在校生计算" if self.senior_counts_in_size
                               else "有高中部的学校（完全中学、十二年一贯制）只计义务教育在校生，不计高中")
        out["senior_in_g3"] = ("有高中部的学校，全校的专用教室按加权学生数拆分，只计义务教育部分（与差异系数L7相同）"
                               if self["guarantee"]["G3"].get("senior_rooms", "whole") == "share"
                               else "有高中部的学校，全校的专用教室全部计入其义务教育班级（差异系数L7则按加权学生数拆分）")
        for code, item in {**self.get("guarantee", {}), **self.get("quality", {}),
                           **self.get("recognition", {})}.items():
            if "line" in item:
                out[f"{code}_line"] = _pct(item["line"])
        g = self["guarantee"]
        out.update(G3_classes_per_room=_num(g["G3"]["classes_per_room"]), G3_music_m2=_num(g["G3"]["music_room_min_m2"]),
                   G3_art_m2=_num(g["G3"]["art_room_min_m2"]), G7_min=_num(g["G7"]["min_per_student"]),
                   G11_exchanged=_pct(g["G11"]["exchanged_share"]), G11_backbone=_pct(g["G11"]["backbone_share"]),
                   Q4_share=_pct(self["quality"]["Q4"]["training_share"]), Q9_line=_num(self["quality"]["Q9"]["line"]))
        return out


@lru_cache(maxsize=64)
def _load_yaml(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


@lru_cache(maxsize=64)
def _load(province: str | None, directory: str) -> Standards:
    standards = copy.deepcopy(_load_yaml(str(Path(directory) / "national.yaml")))
    if province:
        province_file = Path(directory) / f"province_{province}.yaml"
        if province_file.exists():
            override = dict(_load_yaml(str(province_file)))
            override["province_name"] = override.pop("name", None)
            standards = deep_merge(standards, override)
    return Standards(standards)


def load_standards(county_code: str | None = None, directory: Path | None = None) -> Standards:
    """National standards, overridden by the county's province file when one exists (loaded once;
    callers get their own copy, so nothing can change the cached one)."""
    province = str(county_code)[:2] if county_code else None
    return Standards(copy.deepcopy(dict(_load(province, str(directory or standards_dir())))))


def standards_group(county_code: str, directory: Path | None = None) -> str:
    """Which standards a county is judged by: its province code when the province has its own file
    (province_NN.yaml), else '' (the national standards alone). Counties of one group share one
    :func:`load_standards` result, so a comparison can compute them in one pass."""
    province = str(county_code)[:2]
    return province if (Path(directory or standards_dir()) / f"province_{province}.yaml").exists() else ""


@lru_cache(maxsize=64)
def _wording(province: str | None, directory: str) -> dict[str, str]:
    return _load(province, directory).wording()


def wording_for(county_code: str | None = None, directory: Path | None = None) -> Mapping[str, str]:
    """:meth:`Standards.wording` of the county's province, read-only (cached: the catalog asks for it
    on every string that states a line)."""
    return MappingProxyType(_wording(str(county_code)[:2] if county_code else None, str(directory or standards_dir())))


def clear_cache() -> None:
    """Forget loaded files (tests that write their own province file)."""
    _load.cache_clear()
    _wording.cache_clear()
    _load_yaml.cache_clear()


# Functional forms kept for the many call sites that read one line.
def indicator_codes(standards: Standards) -> list[str]:
    """The resource indicator codes in their published order (L1 … L7)."""
    return list(standards["resource"]["indicators"].keys())


def threshold(standards: Standards, code: str, stage: str) -> float:
    """The line of resource indicator ``code`` for ``stage``."""
    return float(standards["resource"]["indicators"][code][stage])


# Settings of an installation (data/settings.yaml: versions kept, peer-group cuts …) — not the method.
SETTINGS_PATH = ROOT / "data" / "settings.yaml"


LOCAL_SETTINGS_ENV = "EQUITY_SETTINGS"    # an installation's own file overriding some of them


@lru_cache(maxsize=4)
def _settings(local: str | None) -> dict:
    """data/settings.yaml with the keys of ``local`` (a YAML file of the same sections) put over it; a
    section or key the shipped file does not have is refused by name, not silently ignored."""
    with open(SETTINGS_PATH, encoding="utf-8") as fh:
        merged = yaml.safe_load(fh)
    if local:
        with open(local, encoding="utf-8") as fh:
            overrides = yaml.safe_load(fh) or {}
        for section, values in overrides.items():
            if section not in merged or not isinstance(values, dict):
                raise ValueError(f"{local}: unknown settings section {section!r} (known: {', '.join(merged)})")
            unknown = set(values) - set(merged[section])
            if unknown:
                raise ValueError(f"{local}: unknown key(s) {', '.join(sorted(unknown))} in section {section!r}")
            merged[section] = {**merged[section], **values}
    return merged


def configuration_files() -> list[Path]:
    """Every file that decides a figure or a rule of this installation: the standards (national and
    provincial), data/settings.yaml and the local settings file when one is set."""
    files = sorted(standards_dir().glob("*.yaml")) + [SETTINGS_PATH]
    local = os.environ.get(LOCAL_SETTINGS_ENV)
    return files + ([Path(local)] if local else [])


def configuration_digest() -> str:
    """SHA-256 over the names and contents of :func:`configuration_files` — changes whenever a line, a
    weight, a cost or a setting does (the audit log records each change)."""
    import hashlib
    h = hashlib.sha256()
    for path in configuration_files():
        h.update(path.name.encode("utf-8") + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
    return h.hexdigest()


def settings_section(name: str) -> dict:
    """One section of the installation's settings (``versions``, ``compare``, ``auth`` …), as a copy:
    data/settings.yaml, with the file named by $EQUITY_SETTINGS over it when set."""
    return dict(_settings(os.environ.get(LOCAL_SETTINGS_ENV) or None)[name])
