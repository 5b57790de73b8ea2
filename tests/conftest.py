import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """The demo built once per test session through the real path (workbook → importer)."""
    from analytics.__main__ import main
    db = tmp_path_factory.mktemp("demo") / "equity.duckdb"
    assert main(["demo", "--db", str(db)]) == 0
    return db
