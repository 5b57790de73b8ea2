"""The invariant: anything the importer accepts, every command handles — exit 0 (with "unknown" where a
figure cannot be computed) or exit 2 with a message, never a traceback.

Hypothesis takes the full small workbook (every sheet of the contract) and drops optional sheets,
drops optional columns and blanks optional cells; each version the importer accepts goes through
every command of the CLI, in-process.
"""
import json
import os

from hypothesis import given

from tests.helpers import run_cli
from tests.strategies import example_settings, import_example, workbooks

EXAMPLES = int(os.environ.get("ACCEPTED_EXAMPLES", "12"))


def commands(db, tmp):
    common = ["--db", str(db), "--county", "320902"]
    steps = tmp / "steps.json"
    steps.write_text(json.dumps([{"kind": "redraw"}]), encoding="utf-8")
    return [["cv", *common, "--year", "2024", "--json"],
            ["scorecard", *common, "--year", "2024", "--json"],
            ["plan", *common, "--year", "2024", "--json"],
            ["plan", *common, "--year", "2024", "--budget", "3000", "--horizon", "3", "--json"],
            ["forecast", *common, "--json"],
            ["sites", *common, "--stage", "小学", "--k", "1", "--json"],
            ["scenario", *common, "--steps", str(steps), "--json"],
            ["briefing", *common, "--year", "2024", "--out", str(tmp / "b.docx")]]


@example_settings(EXAMPLES)
@given(data=workbooks)
def test_every_command_handles_what_the_importer_accepts(data, tmp_path_factory, capsys):
    tmp = tmp_path_factory.mktemp("accepted")
    report, db = import_example(data, tmp)
    if not report.written:
        assert report.errors and all(p.format() for p in report.errors)      # refused with where and what
        return
    capsys.readouterr()
    for args in commands(db, tmp):
        code, out, err = run_cli(args, capsys)                               # an exception fails the test
        assert code in (0, 2), (args[0], code, err)
        assert code == 0 or err.strip(), (args[0], "exit 2 without a message")
        assert "Traceback" not in err, (args[0], err)
