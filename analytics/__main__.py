"""Command line: ``python -m analytics {import,demo,cv} …`` (see ``--help``)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from analytics.i18n import t

DEFAULT_DB = "data/equity.duckdb"


def _print_problems(report, lang: str, as_json: bool) -> None:
    shown = [p for p in report.problems if as_json or p.severity != "note"]
    if as_json:
        print(json.dumps([p.as_dict(lang) for p in shown], ensure_ascii=False, indent=1), file=sys.stderr)
        return
    for p in shown:
        print(f"[{p.severity}] {p.format(lang)}", file=sys.stderr)


def cmd_import(args) -> int:
    from analytics.importer import import_workbook
    report = import_workbook(args.workbook, args.db)
    _print_problems(report, args.lang, args.json)
    if not report.ok:
        print(t("cli.rejected", args.lang, n=len(report.errors)), file=sys.stderr)
        return 2
    print(t("cli.imported", args.lang, counts=json.dumps(report.row_counts(), ensure_ascii=False)))
    return 0


def cmd_demo(args) -> int:
    from analytics import demo
    from analytics.importer import import_workbook
    workbook = Path(args.workbook or Path(args.db).with_name("demo_workbook.xlsx"))
    demo.build_workbook(workbook, seed=args.seed)
    report = import_workbook(workbook, args.db, is_demo=True, user="demo")
    _print_problems(report, args.lang, False)
    if not report.ok:
        return 2
    print(t("cli.imported", args.lang, counts=json.dumps(report.row_counts(), ensure_ascii=False)))
    return 0


def cmd_cv(args) -> int:
    from analytics import dashboard
    from analytics.storage import Store
    store = Store(args.db)
    try:
        if args.county not in set(store.counties()["county_code"]):
            print(t("cli.no_such_county", args.lang, county=args.county), file=sys.stderr)
            return 2
        records = dashboard.cv_records(store, args.county, args.year)
    finally:
        store.close()
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=1))
    else:
        for r in records:
            cv = "—" if r["cv"] is None else f"{r['cv']:.3f}"
            flag = "" if r["passed"] is None else (t("status.pass", args.lang) if r["passed"] else t("status.fail", args.lang))
            print(f"{r['stage']}\t{r['indicator']}\t{t('indicator.' + r['indicator'], args.lang)}\t{cv}\t≤{r['threshold']}\t{flag}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analytics", description="义务教育优质均衡 analytics")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="validate a contract workbook (.xlsx or CSV folder) and load it")
    p.add_argument("workbook")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--json", action="store_true", help="print problems as a JSON list on stderr")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("demo", help="write the synthetic demo workbook and load it")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--workbook", help="where to keep the demo workbook (default beside the database)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("cv", help="student-weighted CVs of the seven indicators")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--county", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cv)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
