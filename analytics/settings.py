"""Settings of an installation (data/settings.yaml): not the assessment method, which is in standards/."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

SETTINGS_PATH = Path(__file__).resolve().parents[1] / "data" / "settings.yaml"


@lru_cache(maxsize=1)
def _read() -> dict:
    with open(SETTINGS_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def section(name: str) -> dict:
    """One section of the settings (``versions``, ``compare`` …), as a copy."""
    return dict(_read()[name])
