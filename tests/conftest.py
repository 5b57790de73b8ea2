"""Shared fixtures, and the tier of each test from its folder (markers registered in pytest.ini):
unit (pure functions, hand cases, small fixtures) · integration (the demo, real subprocesses, stress) ·
app (AppTest per page) · browser (Playwright + Debian Chromium, offline)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import os  # noqa: E402

import pytest  # noqa: E402

# a page's fault reaches the tests as the exception it is (AppTest's at.exception, the browser's stException):
# the pages' error boundary (ui.page.error_boundary) would show it as a message with a reference id
os.environ.setdefault("EQUITY_PAGE_ERRORS", "raise")

TIERS = ("unit", "integration", "app", "browser")


def pytest_collection_modifyitems(items):
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        tier = parts[0] if parts and parts[0] in TIERS else None
        assert tier, f"{item.nodeid}: every test lives in one of tests/{{{','.join(TIERS)}}}/"
        item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """The demo built once per test session through the real path (workbook → importer)."""
    from analytics.cli import main
    db = tmp_path_factory.mktemp("demo") / "equity.duckdb"
    assert main(["demo", "--db", str(db)]) == 0
    return db


@pytest.fixture(scope="module")
def full_tables(tmp_path_factory):
    """亭湖区 2024 of the small full workbook (tests/workbooks.py ``full_rows``), as the scorecard reads them."""
    from analytics import service
    from analytics.io.storage import Store
    from tests import workbooks as wbk
    from tests.helpers import load
    tmp = tmp_path_factory.mktemp("full")
    db = tmp / "equity.duckdb"
    load(db, wbk.full_rows(), tmp, "full.xlsx", accept_warnings=True)
    store = Store(db)
    try:
        yield service.county_year_tables(store, "320902", 2024)
    finally:
        store.close()


@pytest.fixture()
def good_db(tmp_path):
    """The small valid workbook of tests/workbooks.py imported as version 1 (no cnmaps)."""
    from analytics.io.importer import import_workbook
    from tests import workbooks as wbk
    db = tmp_path / "equity.duckdb"
    report = import_workbook(wbk.write(tmp_path / "good.xlsx", wbk.rows()), db, outline_source=wbk.box_outlines)
    assert report.ok and report.written, [p.format() for p in report.errors]
    return db


# The state database (accounts, audit, scenarios) on both engines: a test module that declares
# ``pytestmark = pytest.mark.usefixtures("state_backend")`` runs every test once on SQLite and once on a
# throw-away PostgreSQL cluster (one per test session, a new database per test, EQUITY_STATE_URL set for
# the test and the processes it starts).
STATE_BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc):
    if "state_backend" in metafunc.fixturenames:
        metafunc.parametrize("state_backend", STATE_BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def postgres_cluster():
    from tests.postgres import Cluster
    with Cluster() as cluster:
        yield cluster


@pytest.fixture()
def state_backend(request, monkeypatch):
    from analytics.io import state
    monkeypatch.delenv(state.STATE_URL_ENV, raising=False)
    if request.param == "postgresql":
        monkeypatch.setenv(state.STATE_URL_ENV, request.getfixturevalue("postgres_cluster").new_database())
        postgres_key(request, monkeypatch)
    return request.param


def postgres_key(request, monkeypatch) -> None:
    """The installation key of a test on PostgreSQL: a file of the test's own (the default place for a
    PostgreSQL state is the checkout's data folder, shared by every test run)."""
    from analytics.io import keys
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(request.getfixturevalue("tmp_path") / "installation.key"))


@pytest.fixture(autouse=True)
def _postgres_key(request, monkeypatch):
    if "postgres_cluster" in request.fixturenames:
        postgres_key(request, monkeypatch)


@pytest.fixture()
def new_state(state_backend, tmp_path, request):
    """A factory of empty state databases on the test's engine: a SQLite file, or a new PostgreSQL database."""
    import itertools
    numbers = itertools.count(1)

    def make():
        if state_backend == "postgresql":
            return request.getfixturevalue("postgres_cluster").new_database()
        return tmp_path / f"state{next(numbers)}.sqlite"
    return make
