"""compare --json (each county judged by its scorecard) against cv --json of each county and the grouped pass
of every county at once, on the demo's nine counties of 盐城市."""
import json

import pytest

from tests.helpers import run_cli


def test_compare_resource_items_equal_each_countys_cv_and_its_fast_grouped_pass(demo_db, capsys):
    """compare --json's resource items (the county's scorecard) equal cv --json of each county, and the grouped
    pass over all counties (service.compare, the page's small multiples and map) gives the same values."""
    from analytics import service
    from analytics.io.storage import Store
    code, out, err = run_cli(["compare", "--db", str(demo_db), "--region", "3209", "--year", "2024", "--json"], capsys)
    assert code == 0, err
    records = json.loads(out)
    assert len(records) == 9 and all(r["county_code"].startswith("3209") for r in records)
    store = Store(demo_db)
    try:
        grouped = service.compare(store, "3209", 2024)
    finally:
        store.close()
    by_key = {(r.county_code, r.stage, r.indicator): r for r in grouped.itertuples()}
    for r in records:
        code, out, _ = run_cli(["cv", "--db", str(demo_db), "--county", r["county_code"], "--year", "2024", "--json"], capsys)
        cv = {(c["stage"], c["indicator"]): c for c in json.loads(out) if not c.get("informational")}
        resource = [i for i in r["items"] if i["part"] == "resource"]
        assert len(resource) == 2 * 8                                    # 2 学段 × (7 CVs + R8)
        for i in resource:
            fast = by_key[(r["county_code"], i["stage"], i["code"])]
            assert fast.status == i["status"] and fast.threshold == i["threshold"]
            assert (fast.value is None and i["value"] is None) or fast.value == pytest.approx(i["value"], abs=1e-9)
            if i["code"] != "R8":
                assert cv[(i["stage"], i["code"])]["cv"] == pytest.approx(i["value"], abs=1e-12)


def test_compare_of_a_region_without_data_says_so(demo_db, capsys):
    code, _, err = run_cli(["compare", "--db", str(demo_db), "--region", "33", "--year", "2024"], capsys)
    assert code == 2 and "区域 33 没有 2024 学年的数据" in err
