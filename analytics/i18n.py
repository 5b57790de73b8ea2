"""The one catalog of user-facing strings (``data/i18n/strings.yaml``), zh-CN and English.

Pages, the CLI and exports all read their words from here. ``t("key", "en", n=3)`` formats the
entry with ``str.format``; a missing English entry falls back to Chinese, a missing key shows
the key itself so a gap is visible instead of crashing a page.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

CATALOG_PATH = Path(__file__).resolve().parent.parent / "data" / "i18n" / "strings.yaml"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    with open(CATALOG_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **kwargs) -> str:
    entry = catalog().get(key)
    if entry is None:
        return key
    text = entry.get(lang)
    if text is None:                   # missing in this language; an empty string (no unit in English) is kept
        text = entry.get(DEFAULT_LANGUAGE) or key
    return text.format(**kwargs) if kwargs else text
