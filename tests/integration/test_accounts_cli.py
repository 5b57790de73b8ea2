"""The operator's commands on the server: user add / list / disable / passwd (password on stdin only), and
audit --verify — every import, rollback and account change leaves an entry; a row edited by hand is named."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.io import state
from tests import workbooks as wbk
from tests.helpers import run_cli

pytestmark = pytest.mark.usefixtures("state_backend")   # on SQLite and on PostgreSQL

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, stdin: str | None = None):
    done = subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, input=stdin, capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def test_accounts_from_the_command_line(tmp_path, state_backend):
    db = str(tmp_path / "equity.duckdb")
    code, out, err = cli("user", "add", "王芳", "--role", "manager", "--scope", "320902", "--db", db)
    assert code == 2 and "--password-stdin" in err                       # never a password on the command line
    code, out, _ = cli("user", "add", "王芳", "--role", "manager", "--scope", "320902", "--password-stdin", "--db", db,
                       stdin="a long enough password\n")
    assert code == 0 and "王芳" in out
    code, _, err = cli("user", "add", "王芳", "--role", "viewer", "--scope", "3209", "--password-stdin", "--db", db,
                       stdin="a long enough password\n")
    assert code == 2 and "已存在" in err
    code, _, err = cli("user", "add", "李明", "--role", "viewer", "--scope", "3209", "--password-stdin", "--db", db,
                       stdin="short\n")
    assert code == 2 and "密码太短" in err
    cli("user", "disable", "王芳", "--db", db)
    code, out, _ = cli("user", "list", "--json", "--db", db)
    assert json.loads(out) == [{"name": "王芳", "role": "manager", "scope": ["320902"], "disabled": True, "locked_until": None}]
    code, out, _ = cli("user", "passwd", "王芳", "--password-stdin", "--db", db, stdin="another long password\n")
    assert code == 0
    if state_backend == "sqlite":
        assert state.state_path(db).exists() and not Path(db).exists()      # the accounts live beside the data


def test_imports_and_rollbacks_are_audited_and_a_hand_edit_is_named(tmp_path, capsys):
    db = tmp_path / "equity.duckdb"
    book = wbk.write(tmp_path / "亭湖区.xlsx", wbk.rows())
    assert run_cli(["import", str(book), "--db", str(db), "--user", "王芳"], capsys)[0] == 0
    bad = wbk.write(tmp_path / "坏.xlsx", {"学校": [["学校标识码"]]})
    assert run_cli(["import", str(bad), "--db", str(db)], capsys)[0] == 2
    assert run_cli(["rollback", "1", "--db", str(db)], capsys)[0] == 0
    code, out, _ = run_cli(["audit", "--db", str(db), "--json"], capsys)
    log = json.loads(out)
    assert [(e["action"], e["outcome"]) for e in log] == [            # the configuration in use, seen first
        ("settings", "first_seen"), ("import", "ok"), ("import", "rejected"), ("rollback", "ok")]
    assert log[1]["user"] == "王芳" and "亭湖区.xlsx sha256:" in log[1]["object"] and log[1]["object"].endswith("v1")
    code, out, _ = run_cli(["audit", "--db", str(db), "--verify"], capsys)
    assert code == 0 and "4条" in out
    with state.connect(state.state_path(db), write=True) as con:        # edited by hand
        con.execute('UPDATE audit SET "user" = \'nobody\' WHERE id = 3')
    code, _, err = run_cli(["audit", "--db", str(db), "--verify"], capsys)
    assert code == 2 and "第3条" in err
