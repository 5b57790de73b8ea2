"""Command line: ``python -m analytics {import,demo,cv} …`` (see ``--help``)."""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from pathlib import Path

from analytics.formatting import fmt_cv_line, fmt_money_split
from analytics.i18n import t
from analytics.io import contract

DEFAULT_DB = "data/equity.duckdb"


def _print_problems(report, lang: str, as_json: bool) -> None:
    shown = report.problems
    if as_json:
        print(json.dumps([p.as_dict(lang) for p in shown], ensure_ascii=False, indent=1), file=sys.stderr)
        return
    for p in shown:
        print(f"[{p.severity}] {p.format(lang)}", file=sys.stderr)


def _user(args) -> str:
    import getpass
    return getattr(args, "user", None) or getpass.getuser()


def _note_configuration(args) -> None:
    """A 'settings' entry when the standards or settings changed since the last one recorded."""
    from analytics.io import audit, state
    from analytics.standards import configuration_digest, configuration_files
    audit.note_configuration(state.state_path(args.db), configuration_digest(),
                             ", ".join(f.name for f in configuration_files()), _user(args), "cli")


def _record(args, action: str, region: str = "", obj: str = "", outcome: str = "ok") -> None:
    """The command in the audit log (the operator's tool on the server: the OS user, role 'cli'). Imports and
    rollbacks that publish write their own entry inside the publish (see versions.publish)."""
    from analytics.io import audit, state
    _note_configuration(args)
    audit.append(state.state_path(args.db), _user(args), "cli", action, region, obj, outcome)


def _progress_to_stderr(lang: str):
    def say(fraction: float, key: str) -> None:
        print(f"[{fraction:4.0%}] {t(key, lang)}", file=sys.stderr)
    return say


def cmd_import(args) -> int:
    from analytics.io.importer import import_workbook
    _note_configuration(args)
    report = import_workbook(args.workbook, args.db, accept_warnings=args.accept_warnings, user=_user(args),
                             outline_source=args.outline_source, towns_geojson=args.towns,
                             progress=_progress_to_stderr(args.lang) if args.progress else None)
    _print_problems(report, args.lang, args.json)
    from analytics.io.importer import file_sha256
    source = Path(args.workbook)
    what = f"{source.name} sha256:{file_sha256(source) if source.exists() else '—'}"
    if not report.ok:
        _record(args, "import", "", what, "rejected")
        print(t("cli.rejected", args.lang, n=len(report.errors)), file=sys.stderr)
        return 2
    if report.replacement is not None:
        from analytics.report.tables import replacement_words
        print(replacement_words(report.replacement, args.lang), file=sys.stderr)
    if report.needs_confirmation:
        _record(args, "import", "", what, "needs_confirmation")
        print(t("cli.needs_confirmation", args.lang, n=len(report.warnings)), file=sys.stderr)
        return 2
    print(t("cli.imported_version", args.lang, version=report.version,
            counts=json.dumps(report.row_counts(), ensure_ascii=False)))
    return 0


def cmd_demo(args) -> int:
    from analytics.demo import synthetic as demo
    from analytics.io.importer import import_workbook
    workbook = Path(args.workbook or Path(args.db).with_name("demo_workbook.xlsx"))
    demo.build_workbook(workbook, seed=args.seed, scale=args.scale)
    report = import_workbook(workbook, args.db, accept_warnings=True, is_demo=True, user=t("import.demo_user", args.lang))
    # (the demo's import is in the audit log like any other, written inside its publish)
    if not report.ok:
        _print_problems(report, args.lang, False)
        return 2
    print(t("cli.imported_version", args.lang, version=report.version,
            counts=json.dumps(report.row_counts(), ensure_ascii=False)))
    return 0


def cmd_versions(args) -> int:
    from analytics.io import versions
    if args.tag:
        number, label = int(str(args.tag[0]).lstrip("vV")), args.tag[1]
        try:
            versions.tag(args.db, number, label)
        except FileNotFoundError:
            print(t("cli.no_such_version", args.lang, version=number), file=sys.stderr)
            return 2
        print(t("cli.tagged", args.lang, version=number, label=label))
        return 0
    listed = versions.list_versions(args.db)
    if args.json:
        print(json.dumps([v.as_dict() for v in listed], ensure_ascii=False, indent=1))
        return 0
    for v in listed:
        mark = "*" if v.current else " "
        added = len(v.changes.get("schools_added", []))
        removed = len(v.changes.get("schools_removed", []))
        counties = "、".join(v.counties.values()) if v.counties is not None else t("versions.all_counties", args.lang)
        print(f"{mark} v{v.number}  {v.imported_at}  {v.imported_by}  {v.source_file}  "
              f"{v.source_sha256[:12]}  {counties}  {t('cli.version_line', args.lang, schools=v.row_counts.get('schools', 0), added=added, removed=removed)}"
              + (f"  [{v.tag}]" if v.tag else ""))
    return 0


def cmd_rollback(args) -> int:
    from analytics.io import versions
    number = int(str(args.version).lstrip("vV"))
    _note_configuration(args)
    try:
        if args.county:
            new = versions.rollback_county(args.db, args.county, number, user=_user(args))
        else:
            versions.rollback(args.db, number, entry=versions.Entry(_user(args), "cli", "rollback", ""))
    except FileNotFoundError:
        _record(args, "rollback", args.county or "", f"v{number}", "no_such_version")
        print(t("cli.no_such_version", args.lang, version=number), file=sys.stderr)
        return 2
    except LookupError:
        _record(args, "rollback", args.county or "", f"v{number}", "county_not_in_version")
        print(t("cli.county_not_in_version", args.lang, county=args.county, version=number), file=sys.stderr)
        return 2
    if args.county:
        print(t("cli.county_rolled_back", args.lang, county=args.county, version=number, new=new))
    else:
        print(t("cli.rolled_back", args.lang, version=number))
    return 0


def cmd_backup(args) -> int:
    """Every version, the tags and the state into one archive (see analytics.io.backup)."""
    from analytics.io import backup
    try:
        _record(args, "backup", "", Path(args.out).name)     # recorded first: the archive holds its own entry
        manifest = backup.backup(args.db, args.out)
    except backup.BackupError as error:
        print(t(f"cli.backup.{error.key}", args.lang, **error.params), file=sys.stderr)
        return 2
    print(t("cli.backup.written", args.lang, path=args.out, versions=sum(n.startswith("versions/v") for n in manifest["files"]),
            current=manifest["current_version"] or "—", kind=manifest["state"]["kind"],
            rows=", ".join(f"{k} {v}" for k, v in manifest["state"]["rows"].items())))
    return 0


def cmd_restore(args) -> int:
    """An archive of :func:`cmd_backup` into an empty place; the restored audit chain checked against it."""
    from analytics.io import backup
    try:
        restored = backup.restore(args.archive, args.db, key_file=args.key_file)
    except backup.BackupError as error:
        print(t(f"cli.backup.{error.key}", args.lang, **error.params), file=sys.stderr)
        return 2
    if restored["other_installation"]:
        from analytics.io import keys, state
        print(t("cli.backup.key_installed", args.lang, theirs=restored["installation"],
                where=keys.key_path(state.state_path(args.db))), file=sys.stderr)
    _record(args, "restore", "", f"{Path(args.archive).name} installation:{restored['installation']}"
            + (" key_file" if restored["other_installation"] else ""))
    print(t("cli.backup.restored", args.lang, path=args.db, versions=len(restored["versions"]),
            current=restored["current_version"] or "—",
            rows=", ".join(f"{k} {v}" for k, v in restored["state"]["rows"].items())))
    return 0


def cmd_submissions(args) -> int:
    """Per county: the latest submission and how complete its data for the year are."""
    from analytics import service
    from analytics.io.importer import Problem
    if not Path(args.db).exists():
        print(t("cli.no_database", args.lang, path=args.db), file=sys.stderr)
        return 2
    table = service.submissions(args.db, args.year)
    table = table.astype(object).where(table.notna(), None)          # unknown shares: null, not NaN
    if args.json:
        print(json.dumps(table.to_dict("records"), ensure_ascii=False, indent=1, default=str))
        return 0
    pct = lambda v: "—" if v is None or v != v else f"{v:.0%}"  # noqa: E731
    for r in table.to_dict("records"):
        print(f"{r['county_code']}  {r['county_name']}  {t('submission.status.' + r['status'], args.lang)}  "
              f"v{r['version'] or 0}  {r['imported_at'] or '—'}  {r['imported_by'] or '—'}  {r['source_file'] or '—'}  "
              f"{(r['source_sha256'] or '')[:12]}  "
              + t("cli.submission_line", args.lang, indicators=pct(r["share_indicators"]),
                  coordinates=pct(r["share_coordinates"]), classes=pct(r["share_classes"]), warnings=len(r["warnings"])))
        for w in r["warnings"][:3]:
            print("    " + Problem("warning", w["key"], w["sheet"], w["row"], w["column"], w["params"]).format(args.lang))
    return 0


def cmd_user(args) -> int:
    """Built-in accounts: add, list, disable, set a password (read from stdin, never from the command line)."""
    from analytics.io import accounts, state
    path = state.state_path(args.db)
    password = None
    if getattr(args, "password_stdin", False):
        password = sys.stdin.readline().rstrip("\r\n")
    elif args.user_action in ("add", "passwd"):
        print(t("user.password_stdin", args.lang), file=sys.stderr)
        return 2
    try:
        if args.user_action == "add":
            made = accounts.add(path, args.name, args.role, args.scope, password)
            _record(args, "account_add", ",".join(made.scope), f"{made.name} ({made.role})")
            print(t("user.added", args.lang, name=made.name, role=made.role, scope=",".join(made.scope) or "*"))
            import os
            from analytics.standards import settings_section
            if (os.environ.get("EQUITY_AUTH_MODE") or settings_section("auth").get("mode")) == "single_user":
                print(t("user.switch_mode", args.lang), file=sys.stderr)     # the web app stays shut until then
        elif args.user_action == "passwd":
            accounts.set_password(path, args.name, password)
            _record(args, "account_password", "", args.name)
            print(t("user.password_set", args.lang, name=args.name))
        elif args.user_action == "role":
            changed = accounts.set_role(path, args.name, args.role, args.scope)
            _record(args, "account_role", ",".join(changed.scope), f"{changed.name} ({changed.role})")
            print(t("user.role_set", args.lang, name=changed.name, role=changed.role,
                    scope=",".join(changed.scope) or "*"))
        elif args.user_action == "disable":
            accounts.disable(path, args.name)
            _record(args, "account_disable", "", args.name)
            print(t("user.disabled", args.lang, name=args.name))
        else:
            listed = accounts.listing(path)
            if args.json:
                print(json.dumps([{"name": a.name, "role": a.role, "scope": list(a.scope), "disabled": a.disabled,
                                   "locked_until": a.locked_until} for a in listed], ensure_ascii=False, indent=1))
            for a in listed if not args.json else []:
                print(f"{a.name}\t{a.role}\t{','.join(a.scope) or '*'}\t"
                      f"{t('user.state_disabled', args.lang) if a.disabled else t('user.state_active', args.lang)}")
    except accounts.AccountError as e:
        print(t(e.key, args.lang, **e.params), file=sys.stderr)
        return 2
    return 0


def cmd_audit(args) -> int:
    """The audit log: entries (--json) and, with --verify, the hash chain checked (exit 2 at a broken entry)."""
    from analytics.io import audit, state
    path = state.state_path(args.db)
    if args.rotate_key:
        from analytics.io import keys
        try:
            done = audit.rotate_key(path, _user(args), "cli", db_path=args.db)
        except audit.AuditBroken as broken:
            print(t(f"audit.broken.{broken.reason}", args.lang, id=broken.params.get("id", 0), count=0, version="—")
                  + t("audit.rotate_refused", args.lang), file=sys.stderr)
            return 2
        except keys.KeyMissing as missing:
            print(t("audit.rotate_in_environment" if missing.reason == "in_environment" else "audit.broken.key_unusable",
                    args.lang, id=0), file=sys.stderr)
            return 2
        print(t("audit.rotated", args.lang, old=done["from"], new=done["to"], where=keys.key_path(path)))
        return 0
    if args.reanchor:
        try:
            found = audit.reanchor(path, _user(args), "cli", db_path=args.db)
        except audit.AuditBroken as broken:
            print(t("audit.reanchor_refused", args.lang, id=broken.params.get("id", 0), reason=broken.reason),
                  file=sys.stderr)
            return 2
        if found.get("ok"):
            print(t("audit.ok", args.lang, n=found["count"], head=found["head"][:16]))
            return 0
        print(t("audit.reanchored", args.lang, reason=found["reason"], id=len(audit.entries(path))))
        return 0
    if args.verify:
        result = audit.verify(path, args.db)
        if not result["ok"]:
            print(t(f"audit.broken.{result['reason']}", args.lang, **result), file=sys.stderr)
            return 2
        print(t("audit.ok", args.lang, n=result["count"], head=result["head"][:16]))
        return 0
    rows = audit.entries(path)
    if args.json:
        print(json.dumps(rows.to_dict("records"), ensure_ascii=False, indent=1, default=str))
        return 0
    for r in rows.itertuples(index=False):
        print(f"{r.id:6d}  {r.at}  {r.user}  {r.role}  {r.action}  {r.region or '—'}  {r.object or '—'}  {r.outcome}")
    return 0


def cmd_template(args) -> int:
    from analytics.report import template
    template.write_template(args.out)
    print(t("cli.template_written", args.lang, path=args.out))
    return 0


def cmd_sql(args) -> int:
    """One SELECT over the current version (read-only, closed; see analytics.io.console); exit 2 when refused."""
    import getpass

    from analytics.io import console, storage
    if not Path(args.db).exists():
        print(t("cli.no_database", args.lang, path=args.db), file=sys.stderr)
        return 2
    scope = tuple(c for c in (args.scope or "").split(",") if c)
    if any(not c.isdigit() for c in scope):
        print(t("sql.refused.bad_scope", args.lang, scope=args.scope), file=sys.stderr)
        return 2
    try:
        result = console.run(args.db, args.query, scope, user=getpass.getuser(), row_limit=args.limit)
    except storage.ConsoleRefused as refused:
        print(t(f"sql.refused.{refused.key}", args.lang, **refused.params), file=sys.stderr)
        return 2
    table = result.table
    if args.json:
        print(json.dumps({"columns": list(table.columns), "rows": table.astype(object).where(table.notna(), None)
                          .values.tolist(), "truncated": result.truncated}, ensure_ascii=False, default=str))
    else:
        print(table.to_string(index=False, max_colwidth=60))
    print(t("sql.rows", args.lang, n=len(table), seconds=f"{result.seconds:.2f}")
          + (t("sql.truncated", args.lang, n=len(table)) if result.truncated else ""), file=sys.stderr)
    return 0


def cmd_export(args) -> int:
    """The current dataset as a contract workbook: importing it gives the same tables again."""
    from analytics.io.export import contract_workbook
    if not Path(args.db).exists():
        print(t("cli.no_database", args.lang, path=args.db), file=sys.stderr)
        return 2
    from analytics.io.export import write_file
    with open_store(args) as store:
        write_file(args.out, contract_workbook(store))
    _record(args, "export", "", Path(args.out).name)
    print(t("cli.exported", args.lang, path=args.out))
    return 0


def cmd_cv(args) -> int:
    from analytics import service
    with open_store(args, county=True) as store:
        if store is None:
            return 2
        records = service.cv_records(store, args.county, args.year)
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=1))
    else:
        for r in records:
            cv = "—" if r["cv"] is None else f"{r['cv']:.3f}"
            flag = "" if r["passed"] is None else (t("status.pass", args.lang) if r["passed"] else t("status.fail", args.lang))
            print(f"{r['stage']}\t{r['indicator']}\t{t('indicator.' + r['indicator'], args.lang)}\t{cv}\t{fmt_cv_line(r['threshold'])}\t{flag}")
    return 0


def cmd_compare(args) -> int:
    """Every county of a region judged by its own scorecard: verdict, standing, counts, every item's status
    (``--json``), a line per county (text), or the 区县比较 workbook (``--xlsx``)."""
    from analytics import service
    from analytics.geo import regions
    from analytics.report import comparison
    if not Path(args.db).exists():
        print(t("cli.no_database", args.lang, path=args.db), file=sys.stderr)
        return 2
    with open_store(args) as store:
        found = service.region_verdicts(store, args.region, args.year)
        if found["counties"].empty:
            print(t("cli.no_region_data", args.lang, region=args.region, year=args.year), file=sys.stderr)
            return 2
        if args.xlsx:
            from analytics.io.export import to_excel_bytes
            before = service.region_verdicts(store, args.region, args.year - 1)
            name = regions.region_name(service.regions(store), args.region)
            header = comparison.header_lines(name, args.year, store.meta(), int(found["counties"]["is_demo"].sum()), args.lang)
            from analytics.io.export import write_file
            write_file(args.xlsx, to_excel_bytes(comparison.region_sheets(found, before, args.lang), header))
    records = verdict_records(found)
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    for r in records:
        print(f"{r['county_code']}\t{r['label']}\t{t('compare.verdict.' + r['verdict'], args.lang)}\t"
              f"{t('standing.' + r['standing'], args.lang)}\t{t('compare.col.n_fail', args.lang)} {r['n_fail']}\t"
              f"{t('compare.col.n_unknown', args.lang)} {r['n_unknown']}\t"
              f"{comparison.item_names(r['failing'], args.lang) or '—'}")
    return 0


def verdict_records(found: dict) -> list[dict]:
    """``compare --json``: per county its code, name, label, city, verdict, standing, counts, failing /
    unknown / near-line item keys, and every item (part, code, 学段, value, line, status, near)."""
    items = found["items"].astype(object).where(found["items"].notna(), None)
    by_county = {code: part for code, part in items.groupby("county_code", sort=False)}
    out = []
    for r in found["counties"].to_dict("records"):
        part = by_county.get(r["county_code"])
        out.append({"county_code": r["county_code"], "county_name": r["county_name"], "label": r["label"],
                    "city_code": r["city_code"], "city_name": r["city_name"], "verdict": r["status"],
                    "standing": r["standing"], "n_items": int(r["n_items"]), "n_pass": int(r["n_pass"]),
                    "n_fail": int(r["n_fail"]), "n_unknown": int(r["n_unknown"]),
                    "n_not_applicable": int(r["n_not_applicable"]), "failing": list(r["failing"]),
                    "unknown": list(r["unknown"]), "near": list(r["near"]), "synthetic": bool(r["is_demo"]),
                    "items": [] if part is None else [
                        {"part": i["part"], "code": i["code"], "stage": i["stage"], "value": i["value"],
                         "threshold": i["threshold"], "status": i["status"], "near": bool(i["near"])}
                        for i in part.to_dict("records")]})
    return out


@contextmanager
def open_store(args, county: bool = False):
    """The dataset of ``args.db`` open for the block and closed after it, whatever happens in it; with
    ``county``, the block gets None (and the reader is told) when ``args.county`` is not in the data."""
    from analytics.io.storage import Store
    store = Store(args.db)
    try:
        if county and args.county not in set(store.counties()["county_code"]):
            print(t("cli.no_such_county", args.lang, county=args.county), file=sys.stderr)
            yield None
        else:
            yield store
    finally:
        store.close()


def two_sources(item, lang: str) -> str:
    """The county's own figure (县级指标) beside a computed one, as the 达标评估 page words it: '\t（县级指标填报11.7%，
    与学校数据相差超过容差，请核实）'; nothing when the county reported none."""
    from analytics.formatting import fmt_item_value
    if item.coverage is None or item.county_value is None:
        return ""
    key = "score.county_differs" if item.sources_differ else "score.county_reported"
    return "\t" + t(key, lang, value=fmt_item_value(item.code, item.county_value, "", lang))


def cmd_scorecard(args) -> int:
    from analytics import service
    from analytics.method.scorecard import verdict_key
    with open_store(args, county=True) as store:
        if store is None:
            return 2
        items, verdict = service.scorecard(store, args.county, args.year)
    words = service.standards_for(args.county).wording()
    if args.json:
        keys = ("part", "code", "stage", "value", "threshold", "status", "failing_schools", "coverage", "pullers",
                "basis", "estimate", "county_value", "sources_differ")
        print(json.dumps([{**{k: i.as_dict()[k] for k in keys}, "name": t("item." + i.code.split("·")[0], args.lang, std=words),
                           "value_is": t(i.source, args.lang, **i.source_args) if i.source else ""}
                          for i in items], ensure_ascii=False, indent=1))
    else:
        for i in items:
            value = "—" if i.value is None else f"{i.value:.4g}"
            cov = "" if i.coverage is None else f"{i.coverage.complete}/{i.coverage.total}"
            print(f"{i.part}\t{i.code}\t{i.stage or ''}\t{value}\t{i.threshold if i.threshold is not None else ''}\t"
                  f"{t('status.' + i.status, args.lang)}\t{cov}\t{'、'.join(r['label'] for r in i.failing_schools[:5])}"
                  + two_sources(i, args.lang))
        print(t(verdict_key(verdict), args.lang, n=len(verdict["failing"]), m=len(verdict["unknown"])))
    return 0


def cmd_plan(args) -> int:
    from analytics import service
    from analytics.io import export
    from analytics.planning import rectification
    from analytics.report import plan_views
    if args.region or args.budget is not None:
        return _phased_plan(args)
    if not args.county:
        print(t("cli.plan_needs_county", args.lang), file=sys.stderr)
        return 2
    with open_store(args, county=True) as store:
        if store is None:
            return 2
        plan = service.plan(store, args.county, args.year)
        schools = store.schools(args.county)
    summary = rectification.plan_summary(plan, service.standards_for(args.county))
    if args.xlsx:
        export.write_file(args.xlsx, export.to_excel_bytes(plan_views.plan_sheets(plan, schools, service.standards_for(args.county), args.lang)))
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(t("plan.total_line", args.lang, n=len(summary["actions"]), money=fmt_money_split(summary, args.lang)))
    return 0


def _phased_plan(args) -> int:
    """``plan --budget 3000 [--recurring-cap 800 --horizon 6 --hires 150 --start 2025 --lead 2]``: the plan year
    by year under the budget (万元 a year) for a county, or ``--region`` for every county of a city / province."""
    from analytics import service
    from analytics.planning import phasing
    from analytics.report import phasing_views
    options = {"budget_wan": args.budget, "recurring_cap_wan": args.recurring_cap, "hires_per_year": args.hires,
               "horizon": args.horizon}
    if args.region:
        if not Path(args.db).exists():
            print(t("cli.no_database", args.lang, path=args.db), file=sys.stderr)
            return 2
        with open_store(args) as store:
            out = service.region_phases(store, args.region, args.year, **options, progress=lambda done, total, name: print(
                t("compare.plans_progress", args.lang, county=name, done=done, total=total), file=sys.stderr))
        if out["counties"].empty:
            print(t("cli.no_region_data", args.lang, region=args.region, year=args.year), file=sys.stderr)
            return 2
        counties = out["counties"].astype(object).where(out["counties"].notna(), None)
        summary = {"counties": counties.to_dict("records"), "timeline": out["timeline"].to_dict("records")}
        if args.json:
            print(json.dumps(summary, ensure_ascii=False, indent=1, default=float))
        else:
            for r in summary["counties"]:
                print(f"{r['county_name']}\t{r['pass_year'] or '—'}")
            for r in summary["timeline"]:
                print(t("phase.timeline_line", args.lang, year=r["year"], n=r["cumulative"], total=r["total"]))
        return 0
    with open_store(args, county=True) as store:
        if store is None:
            return 2
        plan = service.phased_plan(store, args.county, args.year, start=args.start, lead_years=args.lead, **options)
    if not plan:
        print(t("cli.no_county_year", args.lang, county=args.county, year=args.year), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(phasing.phased_summary(plan), ensure_ascii=False, indent=1, default=float))
    else:
        print(phasing_views.phased_sentence(plan, args.lang))
    return 0


def cmd_briefing(args) -> int:
    from analytics.report import briefing
    if args.region:
        return _region_briefing(args)
    with open_store(args, county=True) as store:
        if store is None:
            return 2
        result = briefing.build(store, args.county, args.year, args.out, pdf=args.pdf, pptx=args.pptx)
    _record(args, "briefing", args.county, f"{Path(args.out).name} {args.year}")
    if result["message"]:
        print(result["message"], file=sys.stderr)
    paths = [p for p in (result["docx"], result["pdf"], result["pptx"]) if p]
    print(t("briefing.written", args.lang, paths="、".join(paths)))
    return 0


def _region_briefing(args) -> int:
    """``briefing --region 3209``: the city or province briefing (counties compared, ranked, costed)."""
    from analytics import service
    from analytics.report import region_briefing
    if not Path(args.db).exists():
        print(t("cli.no_database", args.lang, path=args.db), file=sys.stderr)
        return 2
    with open_store(args) as store:
        if service.compare(store, args.region, args.year).empty:
            print(t("cli.no_region_data", args.lang, region=args.region, year=args.year), file=sys.stderr)
            return 2
        result = region_briefing.build(store, args.region, args.year, args.out, pdf=args.pdf,
                                       progress=lambda done, total, name: print(
                                           t("compare.plans_progress", args.lang, county=name, done=done, total=total),
                                           file=sys.stderr))
    _record(args, "briefing", args.region, f"{Path(args.out).name} {args.year}")
    if result["message"]:
        print(result["message"], file=sys.stderr)
    print(t("briefing.written", args.lang, paths="、".join(p for p in (result["docx"], result["pdf"]) if p)))
    return 0


def cmd_forecast(args) -> int:
    from analytics import service
    with open_store(args, county=True) as store:
        if store is None:
            return 2
        out = service.forecast(store, args.county)
    if not out:
        print(t("forecast.no_data", args.lang), file=sys.stderr)
        return 2
    bal = out["balance"]
    records = [{"town": r.town, "stage": r.stage, "year": int(r.year), "demand": round(float(r.pupils), 1),
                "capacity": float(r.seats), "gap": round(float(r.gap), 1)} for r in bal.itertuples()]
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=1))
    else:
        for r in out["shortages"].itertuples():
            print(f"{r.town}\t{r.stage}\t{r.seats:,.0f}\t{r.first_shortage or '—'}\t{r.seats_needed:,.0f}")
    return 0


def cmd_sites(args) -> int:
    from analytics import service
    with open_store(args, county=True) as store:
        if store is None:
            return 2
        year = args.year or int(store.stage_stats(args.county)["year"].max())
        if not service.positions_known(store, args.county):
            print(t("map.no_positions", args.lang), file=sys.stderr)
            return 2
        result = service.suggest_sites(store, args.county, year, args.stage, args.k, args.model)
    if result["status"] == "no_settlements":
        print(t("sites.no_settlements", args.lang), file=sys.stderr)
        return 2
    out = {"model": result["model"], "k": result["k"], "status": result["status"], "epsg": result["epsg"],
           "objective_before": result["before"], "objective_after": result["objective"],
           "sites": result["sites"].to_dict("records")}
    print(json.dumps(out, ensure_ascii=False, indent=1) if args.json else
          "\n".join(f"{s['town']} {s['name']} ({s['lon']:.5f}, {s['lat']:.5f})" for s in out["sites"]))
    return 0


def cmd_scenario(args) -> int:
    """A layout scenario (steps from a JSON file or a saved scenario) against today, or the saved list."""
    with open_store(args, county=True) as store:
        return 2 if store is None else _scenario(args, store)


def _scenario(args, store) -> int:
    from analytics import service
    from analytics.planning import scenarios
    from analytics.report import scenario_views
    from analytics.io.storage import ScenarioStore
    saved = ScenarioStore(args.db)
    if args.list:
        rows = saved.list(args.county)
        rows["steps"] = rows["steps"].map(lambda x: len(json.loads(x)))
        print(rows.to_json(orient="records", force_ascii=False, date_format="iso") if args.json else rows.to_string(index=False))
        return 0
    try:
        if args.saved:
            found = saved.load(args.county, args.saved)
            if found is None:
                raise ValueError(t("cli.no_such_scenario", args.lang, name=args.saved))
            steps = found["steps"]
        else:
            with open(args.steps, encoding="utf-8") as fh:
                steps = json.load(fh)
        steps = [scenarios.Step.from_dict(s) for s in steps]
    except (OSError, ValueError, TypeError) as exc:
        print(t("cli.bad_steps", args.lang, error=str(exc)), file=sys.stderr)
        return 2
    year = args.year or int(store.stage_stats(args.county)["year"].max())
    std = service.standards_for(args.county)
    if not service.positions_known(store, args.county):
        print(t("map.no_positions", args.lang), file=sys.stderr)
        return 2
    results = {"today": service.run_scenario(store, args.county, year, []),
               "scenario": service.run_scenario(store, args.county, year, steps)}
    table = scenarios.compare(results, std)
    shown = scenario_views.display_table(table.rename(columns={"today": t("scen.today", args.lang),
                                                          "scenario": args.saved or Path(args.steps).stem}), std, args.lang)
    if args.xlsx:
        from analytics.io.export import to_excel_bytes, write_file
        write_file(args.xlsx, to_excel_bytes({t("scen.results", args.lang)[:31]: shown}))
    if args.json:
        print(json.dumps({"year": year, "steps": [s.as_dict() for s in steps], "log": results["scenario"]["log"],
                          "comparison": table.astype(object).where(table.notna(), None).to_dict("records")},
                         ensure_ascii=False, indent=1, default=str))
    else:
        for entry in results["scenario"]["log"]:
            print(scenario_views.describe_log(entry, args.lang))
        print(shown.to_string(index=False))
    return 0


def main(argv: list[str] | None = None, outline_source=None) -> int:
    """Run the CLI; ``outline_source`` replaces cnmaps (tests use a fixed outline)."""
    parser = argparse.ArgumentParser(prog="python -m analytics", description="义务教育优质均衡 analytics")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="validate a contract workbook (.xlsx or CSV folder) and load it as a new version")
    p.add_argument("workbook")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--json", action="store_true", help="print problems as a JSON list on stderr")
    p.add_argument("--accept-warnings", action="store_true", help="import although there are warnings")
    p.add_argument("--user", help="who imports (default: the OS user)")
    p.add_argument("--progress", action="store_true", help="print progress on stderr")
    p.add_argument("--towns", help="GeoJSON of town (乡镇街道) outlines; features need a 'town' property")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("user", help="built-in accounts (the first one switches sign-in on)")
    users = p.add_subparsers(dest="user_action", required=True)
    q = users.add_parser("add", help="a new account: role and regions, password from stdin")
    q.add_argument("name")
    q.add_argument("--role", required=True, choices=["viewer", "analyst", "manager", "admin"])
    q.add_argument("--scope", help="region codes, comma separated: 32 (province), 3209 (city), 320902 (county)")
    q.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    q = users.add_parser("list", help="every account")
    q.add_argument("--json", action="store_true")
    q = users.add_parser("disable", help="stop an account signing in (kept, with its audit trail)")
    q.add_argument("name")
    q = users.add_parser("role", help="a new role and regions (the account's open sessions end)")
    q.add_argument("name")
    q.add_argument("--role", required=True, choices=["viewer", "analyst", "manager", "admin"])
    q.add_argument("--scope", help="region codes, comma separated")
    q = users.add_parser("passwd", help="a new password (also lifts a lock-out)")
    q.add_argument("name")
    q.add_argument("--password-stdin", action="store_true")
    for q in users.choices.values():
        q.add_argument("--db", default=DEFAULT_DB, help="the dataset; the accounts live beside it (.state.sqlite)")
    p.set_defaults(func=cmd_user)

    p = sub.add_parser("audit", help="the audit log; --verify checks its hash chain")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--json", action="store_true")
    p.add_argument("--verify", action="store_true",
                   help="check the keyed chain, its head and the heads the versions recorded; exit 2 naming what broke")
    p.add_argument("--reanchor", action="store_true",
                   help="after looking at a broken head or lost tail: record what was found and move the head to the end")
    p.add_argument("--rotate-key", action="store_true",
                   help="a new installation key: the log verified, then re-keyed in one transaction (see the README)")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("versions", help="list the dataset versions (* = current) and the counties each changed")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--json", action="store_true")
    p.add_argument("--tag", nargs=2, metavar=("VERSION", "LABEL"), help="keep a version for good under a label")
    p.set_defaults(func=cmd_versions)

    p = sub.add_parser("rollback", help="make an earlier version current again (with --county: one county only)")
    p.add_argument("version")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--county", help="bring back only this county as it was in VERSION (a new version)")
    p.add_argument("--user", help="who rolls back (recorded in the version)")
    p.set_defaults(func=cmd_rollback)

    p = sub.add_parser("sql", help="one SELECT over the current version: read-only, no file access, rows and time limited")
    p.add_argument("query")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--json", action="store_true", help="{columns, rows, truncated} on stdout")
    p.add_argument("--limit", type=int, help="at most this many rows (never more than the settings' row_limit)")
    p.add_argument("--scope", help="only these regions' rows, e.g. 320902 or 3209,3210 (default: every region)")
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("backup", help="every data version, the tags and the state database into one archive")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--out", required=True, help="the archive (.tar, or .tar.gz compressed)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="a backup archive into an empty place (no data, no versions, no state rows)")
    p.add_argument("archive")
    p.add_argument("--db", default=DEFAULT_DB, help="the data file to create (the state: beside it, or $EQUITY_STATE_URL)")
    p.add_argument("--key-file", help="the installation key of the installation that made the backup, when it is not "
                                      "this place's (a new machine, another installation): it checks the signature "
                                      "and becomes this place's key")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("compare", help="every county of a region (province 32, city 3209) judged by its scorecard")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--region", required=True, help="region code: province (32), city (3209) or county (320902)")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--json", action="store_true")
    p.add_argument("--xlsx", help="also write the 区县比较 workbook (verdicts, resource part, every item, changes)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("submissions", help="per county: latest submission, sheets, completeness and warnings")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--year", type=int, help="school year (default: the latest in the data)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_submissions)

    p = sub.add_parser("template", help="write an empty workbook of the data contract with instructions")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("export", help="write the current dataset as a contract workbook (imports back as is)")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("demo", help="write the synthetic demo workbook and load it")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--workbook", help="where to keep the demo workbook (default beside the database)")
    p.add_argument("--scale", choices=["city", "province"], default="city",
                   help="city: the 9 county units of 盐城市 (default); province: every county-level unit of 江苏省")
    p.set_defaults(func=cmd_demo)

    for name, func, help_text in (("cv", cmd_cv, "student-weighted CVs of the seven indicators"),
                                  ("scorecard", cmd_scorecard, "every item of the standard and the verdict"),
                                  ("plan", cmd_plan, "the costed rectification plan")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--db", default=DEFAULT_DB)
        p.add_argument("--county", required=name != "plan")
        p.add_argument("--year", type=int, required=True)
        p.add_argument("--json", action="store_true")
        if name == "plan":
            p.add_argument("--xlsx", help="also write the plan as an Excel workbook with Chinese headers")
            p.add_argument("--region", help="with --budget: every county of a city (3209) or province (32)")
            p.add_argument("--budget", type=float, help="the plan year by year: one-off budget a year (万元)")
            p.add_argument("--recurring-cap", type=float, help="recurring money a year at most (万元; default in national.yaml)")
            p.add_argument("--hires", type=int, help="new teachers a year at most")
            p.add_argument("--horizon", type=int, help="years of the plan (default planning.plan_horizon_years)")
            p.add_argument("--start", type=int, help="first year of the plan (default the data year + 1)")
            p.add_argument("--lead", type=int, help="construction lead time in years (default planning.phasing.lead_years)")
        p.set_defaults(func=func)

    p = sub.add_parser("briefing", help="the leadership briefing (.docx, optional .pdf and .pptx) of a county, "
                                        "or of a city / province (--region: counties compared, ranked, costed)")
    p.add_argument("--db", default=DEFAULT_DB)
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--county")
    scope.add_argument("--region", help="a city (3209) or province (32) code")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--pdf", action="store_true")
    p.add_argument("--pptx", action="store_true")
    p.set_defaults(func=cmd_briefing)

    p = sub.add_parser("forecast", help="enrolment forecast and seats per town, 学段 and year")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--county", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_forecast)

    p = sub.add_parser("sites", help="suggest k new school sites (p-median or MCLP, existing schools fixed)")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--county", required=True)
    p.add_argument("--year", type=int)
    p.add_argument("--stage", choices=list(contract.STAGES), required=True)
    p.add_argument("--k", type=int, default=2)
    p.add_argument("--model", choices=["pmedian", "mclp"], default="pmedian")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("scenario", help="a layout scenario (steps in a JSON file, or a saved one) compared with today")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--county", required=True)
    p.add_argument("--year", type=int, help="base school year (default: the latest)")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--steps", help='JSON list of steps, e.g. [{"kind": "open", "stage": "小学", "lon": 120.1, '
                                       '"lat": 33.4, "classes": 24, "opens": 2027}, {"kind": "close", "school_id": "…"}]')
    group.add_argument("--saved", help="the name of a scenario saved on the 布局方案比选 page")
    group.add_argument("--list", action="store_true", help="list the saved scenarios of the county")
    p.add_argument("--json", action="store_true")
    p.add_argument("--xlsx", help="also write the comparison as an Excel workbook")
    p.set_defaults(func=cmd_scenario)

    args = parser.parse_args(argv)
    args.outline_source = outline_source
    return guarded(args.func, args)


def guarded(func, args) -> int:
    """The CLI's one error boundary: a file that is missing or cannot be written (a wrong path, a read-only
    folder, a full disk) is a message and exit 2, as is any other fault — its traceback goes to the log
    file named by $EQUITY_ERROR_LOG (else nowhere on screen) under a reference id the message gives."""
    import errno
    try:
        return func(args)
    except KeyboardInterrupt:
        raise
    except OSError as exc:
        key = {errno.ENOSPC: "cli.error_disk_full", errno.EROFS: "cli.error_read_only", errno.EACCES: "cli.error_read_only",
               errno.ENOENT: "cli.error_missing"}.get(exc.errno, "cli.error_io")
        print(t(key, args.lang, path=exc.filename or "—", detail=exc.strerror or type(exc).__name__), file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 — the boundary: a message, never a traceback on screen
        from analytics.io import audit, keys
        key = ("error.audit_broken" if isinstance(exc, audit.AuditBroken) else
               "error.key_missing" if isinstance(exc, keys.KeyMissing) else "cli.error_internal")
        print(t(key, args.lang, ref=log_fault(exc), kind=type(exc).__name__), file=sys.stderr)
        return 2


def log_fault(exc: BaseException) -> str:
    """Write a fault's traceback to $EQUITY_ERROR_LOG (when set) under a new reference id; return the id."""
    import os
    import traceback
    import uuid
    ref = uuid.uuid4().hex[:8]
    target = os.environ.get("EQUITY_ERROR_LOG")
    if target:
        try:
            with open(target, "a", encoding="utf-8") as out:
                out.write(f"--- {ref}\n" + "".join(traceback.format_exception(exc)))
        except OSError:
            pass
    return ref
