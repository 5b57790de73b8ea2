"""达标评估: the verdict, every item's status and its coverage equal ``python -m analytics scorecard --json``."""
import json

from analytics.i18n import t
from tests.app.apptest import app
from tests.helpers import run_cli


def test_scorecard_page_shows_the_items_the_cli_prints(good_db, monkeypatch, capsys):
    code, out, _ = run_cli(["scorecard", "--db", str(good_db), "--county", "320902", "--year", "2024", "--json"], capsys)
    assert code == 0
    cli = json.loads(out)
    at = app(good_db, monkeypatch, "scorecard", query={"county": "320902", "year": "2024"})
    assert not at.exception
    shown = [row for df in at.dataframe for row in df.value.to_dict("records")]
    assert len(shown) == len(cli)
    for rec, row in zip(cli, shown):
        assert row[t("col.status")] == t(f"status.{rec['status']}")
        assert row[t("score.item")].startswith(rec["name"])
        cov = rec["coverage"]
        if cov is not None and cov["in_scope"]:
            assert row[t("score.coverage")] == t("score.coverage_value", complete=cov["complete"], total=cov["in_scope"])
        else:                                   # read from 县级指标, an estimate (Q9), or nothing to judge
            assert row[t("score.coverage")] in (t("score.county_figure"), "—")
        for school in rec["failing_schools"][:8]:
            assert school["label"] in row[t("score.failing")]
    counts = {s: sum(r["status"] == s for r in cli) for s in ("pass", "fail", "unknown", "not_applicable")}
    assert counts["not_applicable"] >= 1                      # G7: the fixture has no special-education school
    assert any(c.value == t("score.counts", p=counts["pass"], f=counts["fail"], u=counts["unknown"],
                            na=counts["not_applicable"]) for c in at.caption)
    # each item's clause and the choices it makes, whole, below its part's table (the column cuts them)
    per_part = {}
    for rec in cli:
        per_part[rec["part"]] = per_part.get(rec["part"], 0) + bool(rec["basis"])
    labels = [e.label for e in at.expander]
    assert [t("score.scope_all", n=n) for n in per_part.values() if n] == [x for x in labels if x.startswith(
        t("score.scope_all", n=0)[:6])]
    whole = "\n".join(m.value for m in at.markdown).replace("\\", "")
    for rec in cli:
        if rec["basis"]:
            assert rec["basis"] in whole, rec["code"]
