"""Thresholds, weights and norms from ``data/standards/*.yaml``.

The national file is the default; ``province_<2-digit code>.yaml`` overrides any key of it
(deep merge). Nothing in the analytics hard-codes a threshold: every function takes the
``Standards`` mapping returned here.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
STANDARDS_DIR = ROOT / "data" / "standards"

Standards = dict[str, Any]


def deep_merge(base: dict, override: dict) -> dict:
    """Return ``base`` with ``override`` merged in, recursively for nested mappings."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@lru_cache(maxsize=64)
def _load_yaml(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def load_standards(county_code: str | None = None, directory: Path | None = None) -> Standards:
    """National standards, overridden by the county's province file when one exists."""
    directory = Path(directory or STANDARDS_DIR)
    standards = copy.deepcopy(_load_yaml(str(directory / "national.yaml")))
    if county_code:
        province_file = directory / f"province_{str(county_code)[:2]}.yaml"
        if province_file.exists():
            override = dict(_load_yaml(str(province_file)))
            override["province_name"] = override.pop("name", None)
            standards = deep_merge(standards, override)
    return standards


def indicator_codes(standards: Standards) -> list[str]:
    """The resource indicator codes in their published order (L1 … L7)."""
    return list(standards["resource"]["indicators"].keys())


def threshold(standards: Standards, code: str, stage: str) -> float:
    """The line of resource indicator ``code`` for ``stage``."""
    return float(standards["resource"]["indicators"][code][stage])


def cv_max(standards: Standards, stage: str) -> float:
    """The county line for the CV of every resource indicator in ``stage``."""
    return float(standards["resource"]["cv_max"][stage])
