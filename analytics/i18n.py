"""The one catalog of user-facing strings (``data/i18n/strings.yaml``), zh-CN and English.

Pages, the CLI and exports all read their words from here. ``t("key", "en", n=3)`` formats the
entry with ``str.format``; a missing English entry falls back to Chinese, a missing key shows
the key itself so a gap is visible instead of crashing a page.

An entry that states a line of the standard never writes the number: it writes ``{std[rule_ratio]}``
(keys in :meth:`analytics.standards.Standards.wording`), filled from ``std=`` — the wording of the
county's standards — or from the national default when the caller names no county.
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


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, std=None, **kwargs) -> str:
    """The entry ``key`` in ``lang``, formatted with ``kwargs``; ``std`` is a wording mapping
    (:func:`analytics.standards.wording_for`) for entries that state a line, or a function returning
    one (asked only by such entries: pages ask for thousands of strings per run)."""
    entry = catalog().get(key)
    if entry is None:
        return key
    text = entry.get(lang)
    if text is None:                   # missing in this language; an empty string (no unit in English) is kept
        text = entry.get(DEFAULT_LANGUAGE) or key
    if "{std[" in text:
        if std is None:
            from analytics.standards import wording_for
            std = wording_for(None)
        elif callable(std):
            std = std()
        return text.format(std=std, **kwargs)
    return text.format(**kwargs) if kwargs else text
