"""A version's scorecard and plan are computed once and shared by every caller and thread; the warm-up
of a newly opened version computes the default view's (first county, latest year) before anyone asks."""
import threading

from analytics import service
from analytics.io.storage import Store


def test_results_are_computed_once_per_version_and_shared_across_threads(good_db):
    store = Store(good_db)
    calls = []
    gate = threading.Event()

    def slow():
        calls.append(1)
        gate.wait(5)
        return {"value": 42}

    got = []
    threads = [threading.Thread(target=lambda: got.append(service.once_per_version(store, ("t",), slow))) for _ in range(4)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(10)
    assert len(calls) == 1 and len(got) == 4 and all(g is got[0] for g in got)
    # another version (another store) computes its own
    assert service.once_per_version(Store(good_db), ("t",), lambda: {"value": 7}) == {"value": 7}


def test_a_failure_is_not_kept(good_db):
    store = Store(good_db)
    tries = []

    def flaky():
        tries.append(1)
        if len(tries) == 1:
            raise RuntimeError("first try fails")
        return "ok"

    try:
        service.once_per_version(store, ("f",), flaky)
    except RuntimeError:
        pass
    assert service.once_per_version(store, ("f",), flaky) == "ok" and len(tries) == 2


def test_the_warm_up_computes_the_default_view_before_it_is_asked(good_db):
    store = Store(good_db)
    counties = store.counties()
    county = str(counties["county_code"].iloc[0])
    year = max(int(y) for y in counties["years"].iloc[0])
    service.warm_up(store)

    def again():
        raise AssertionError("computed again although the warm-up computed it")

    plan = service.once_per_version(store, ("plan", county, year), again)
    items, verdict = service.once_per_version(store, ("scorecard", county, year), again)
    assert service.plan(store, county, year) is plan                       # every caller gets the one result
    assert plan["actions"] is not None and verdict["status"] in ("pass", "fail", "unknown") and items
    explored = service.once_per_version(store, ("explore", county), again)   # 数据探索's table of every year
    assert len(explored) and set(explored["year"]) >= {year}
