"""The administrative hierarchy of the counties in a dataset: province → city (地级市) → county.

Region codes follow GB/T 2260: a province is the first two digits of a county's code (``32``), a city the
first four (``3209``), a county all six (``320902``). County-level units governed directly by their
province (the city digits are ``90``, e.g. ``429004`` 仙桃市) have no city: they hang under the province.
City names come from the county outlines (cnmaps, stored with the dataset); a city without any outline is
named by its code.
"""
from __future__ import annotations

import pandas as pd

LEVELS = ("province", "city", "county")
TREE_COLUMNS = ["county_code", "county_name", "years", "province_code", "province_name", "city_code", "city_name"]


def level_of(code: str | None) -> str | None:
    """'province' (2 digits), 'city' (4) or 'county' (6); None for anything else."""
    return {2: "province", 4: "city", 6: "county"}.get(len(str(code))) if code else None


def city_code_of(county_code: str) -> str | None:
    """The city a county belongs to (its first four digits), or None when its province governs it directly."""
    code = str(county_code)
    return None if code[2:4] == "90" else code[:4]


def hierarchy(counties: pd.DataFrame, outlines: pd.DataFrame | None, provinces: dict[str, str]) -> pd.DataFrame:
    """One row per county with its province and city (codes and names), sorted by code.

    ``counties``: county_code, county_name[, years]; ``outlines``: county_code, city (cnmaps's city name);
    ``provinces``: province name by two-digit code.
    """
    tree = counties.copy()
    if "years" not in tree:
        tree["years"] = [[] for _ in range(len(tree))]
    tree["county_code"] = tree["county_code"].astype(str)
    tree["province_code"] = tree["county_code"].str[:2]
    tree["province_name"] = tree["province_code"].map(lambda p: provinces.get(p, p))
    tree["city_code"] = tree["county_code"].map(city_code_of)
    named = pd.Series(dtype=object)
    if outlines is not None and len(outlines) and "city" in outlines:
        known = outlines[outlines["city"].map(lambda c: isinstance(c, str) and bool(c.strip()))]
        by_city = known.assign(city_code=known["county_code"].astype(str).map(city_code_of)).dropna(subset=["city_code"])
        named = by_city.groupby("city_code")["city"].first()
    tree["city_name"] = tree["city_code"].map(lambda c: None if c is None else named.get(c, c))
    return tree[TREE_COLUMNS].sort_values("county_code").reset_index(drop=True)


def region_name(tree: pd.DataFrame, code: str) -> str:
    """The name of a province, city or county of the tree (its code when unnamed)."""
    code = str(code)
    level = level_of(code)
    column = {"province": ("province_code", "province_name"), "city": ("city_code", "city_name"),
              "county": ("county_code", "county_name")}.get(level)
    if column is None:
        return code
    match = tree.loc[tree[column[0]] == code, column[1]]
    name = match.iloc[0] if len(match) else None
    return name if isinstance(name, str) and name else code


def counties_in(tree: pd.DataFrame, code: str) -> pd.DataFrame:
    """The tree's rows of the counties within a region (every county for an empty code)."""
    return tree[tree["county_code"].str.startswith(str(code or ""))]


def cities(tree: pd.DataFrame, province_code: str) -> list[str]:
    """City codes of a province, in code order (counties governed by the province have none)."""
    rows = tree[(tree["province_code"] == province_code) & tree["city_code"].notna()]
    return sorted(rows["city_code"].unique().tolist())


def parent_of(tree: pd.DataFrame, county_code: str, level: str) -> str:
    """The city ('city') or province ('province') code of a county; a county without a city compares
    within its province."""
    code = str(county_code)
    if level == "city" and city_code_of(code) is not None:
        return code[:4]
    return code[:2]


def years_in(tree: pd.DataFrame, code: str) -> list[int]:
    """Every school year present in any county of the region, ascending."""
    years = {int(y) for ys in counties_in(tree, code)["years"] for y in (list(ys) if ys is not None else [])
             if y is not None and not pd.isna(y)}
    return sorted(years)


def county_labels(tree: pd.DataFrame) -> dict[str, str]:
    """Each county's name as a reader can tell it apart: its name, or — when another county of the tree
    shares it (南京 320106 and 徐州 320302 are both 鼓楼区) — 'name（city）' (the province's name for a
    county without a city; the code when even that repeats). Keyed by county code."""
    names = tree["county_name"].where(tree["county_name"].map(lambda n: isinstance(n, str) and bool(n)),
                                      tree["county_code"]).astype(str)
    parent = tree["city_name"].where(tree["city_name"].map(lambda n: isinstance(n, str) and bool(n)),
                                     tree["province_name"]).astype(str)
    label = names.where(~names.duplicated(keep=False), names + "（" + parent + "）")
    label = label.where(~label.duplicated(keep=False), names + "（" + tree["county_code"].astype(str) + "）")
    return dict(zip(tree["county_code"].astype(str), label))
