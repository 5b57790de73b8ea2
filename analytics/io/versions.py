"""Dataset versions: every successful import is kept, the current one is swapped in atomically.

Layout beside the database file ``data/equity.duckdb``::

    data/equity.duckdb                 the current dataset (a hard link to — or copy of — a version)
    data/equity.versions/v0001.duckdb  every version, never modified after it is written

A new version is written completely as ``vNNNN.duckdb.building-<pid>`` (one transaction,
checkpointed, closed), renamed to ``vNNNN.duckdb``, and only then made current by linking it to
``equity.duckdb.swap-<pid>`` and ``os.replace``-ing that over the database file. A process killed
at any point leaves the current file exactly as it was (at worst an unused version or a stray
temporary file, both ignored). Readers holding the old file keep reading the old inode; the app
notices the new inode and reopens.
"""
from __future__ import annotations

import getpass
import json
import os
import re
import shutil
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from analytics.io import audit, state, storage
from analytics.standards import settings_section

VERSION_FILE = re.compile(r"^v(\d{4,})\.duckdb$")


versions_dir = storage.versions_dir


def version_path(db_path, number: int) -> Path:
    return versions_dir(db_path) / f"v{number:04d}.duckdb"


def version_numbers(db_path) -> list[int]:
    vdir = versions_dir(db_path)
    if not vdir.is_dir():
        return []
    return sorted(int(m.group(1)) for f in vdir.iterdir() if (m := VERSION_FILE.match(f.name)))


def current_version(db_path) -> int | None:
    """The version number recorded in the current database file (None: no file or unversioned)."""
    if not Path(db_path).exists():
        return None
    store = storage.Store(db_path)
    try:
        value = store.meta().get("version")
    finally:
        store.close()
    return int(value) if value else None


def make_current(db_path, source: Path) -> None:
    """Atomically make ``source`` the database file: hard link (copy where links fail) + rename."""
    db = Path(db_path)
    tmp = db.with_name(f"{db.name}.swap-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copy2(source, tmp)
        os.replace(tmp, db)
    finally:
        tmp.unlink(missing_ok=True)


def _archive_unversioned_current(db_path) -> None:
    """A database written before versions existed is kept as a version before it is replaced."""
    db = Path(db_path)
    if not db.exists() or current_version(db) is not None:
        return
    number = (version_numbers(db) or [0])[-1] + 1
    target = version_path(db, number)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".building-{os.getpid()}")
    shutil.copy2(db, tmp)
    os.replace(tmp, target)


# How long a publish waits for another one to finish before it gives up (seconds).
LOCK_TIMEOUT_S = 600.0


class PublishBusy(RuntimeError):
    """Another process held the dataset's publish lock for longer than LOCK_TIMEOUT_S."""


@contextmanager
def publish_lock(db_path, timeout: float | None = None):
    """The dataset's publish lock, held across processes: one writer at a time picks the next number, writes
    the version and swaps it in, so two imports at once both become versions. A file lock (``<db>.lock``) on
    this machine and, when the state is on PostgreSQL (``$EQUITY_STATE_URL``), also that server's advisory
    lock, which holds across machines sharing one versions folder (file locks on a network volume are not
    to be trusted). Waits ``timeout`` seconds (default :data:`LOCK_TIMEOUT_S`), then raises
    :class:`PublishBusy`."""
    from filelock import FileLock, Timeout

    wait = LOCK_TIMEOUT_S if timeout is None else timeout
    location = state.state_path(db_path)
    held = ExitStack()
    try:
        held.enter_context(FileLock(str(Path(db_path)) + ".lock", timeout=wait))
        if state.is_postgres(location):
            held.enter_context(state.advisory_lock(str(location), state.PUBLISH_LOCK, timeout_s=wait))
    except (Timeout, TimeoutError) as exc:
        held.close()
        raise PublishBusy(str(db_path)) from exc
    with held:
        yield


def submission_scope(tables: dict[str, pd.DataFrame]) -> dict[str, dict]:
    """The counties a workbook holds and the school years of each (county code → {name, years}):
    what its import replaces. Years come from the per-school-year sheets and 县级指标 (the 人口 sheet's
    birth years are not school years: that series is replaced whole, see storage.write_submission)."""
    schools = tables["schools"]
    names = schools.dropna(subset=["county_code"]).groupby("county_code")["county_name"].first()
    county_of = dict(zip(schools["school_id"], schools["county_code"]))
    years: dict[str, set] = {str(c): set() for c in names.index}
    for name in storage.SCHOOL_TABLES:
        df = tables.get(name)
        if df is not None and len(df):
            for sid, y in zip(df["school_id"], df["year"]):
                c = county_of.get(sid)
                if c is not None and pd.notna(y):
                    years.setdefault(str(c), set()).add(int(y))
    for name in storage.COUNTY_YEAR_TABLES:
        df = tables.get(name)
        if df is not None and len(df):
            for c, y in zip(df["county_code"], df["year"]):
                if pd.notna(c) and pd.notna(y):
                    years.setdefault(str(c), set()).add(int(y))
    return {c: {"name": None if c not in names.index or pd.isna(names[c]) else str(names[c]), "years": sorted(ys)}
            for c, ys in sorted(years.items())}


def replacement(db_path, scope: dict[str, dict]) -> dict:
    """What importing a workbook of ``scope`` does to the current dataset, before anything is written:
    ``replace`` [{county_code, county_name, years}] (also counties new to the dataset, ``new`` True) and
    ``keep`` [{county_code, county_name, years}] — every county the workbook does not hold."""
    present: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    if Path(db_path).exists():
        store = storage.Store(db_path)
        try:
            present = store.county_years()
            counties = store.counties()
            names = dict(zip(counties["county_code"].astype(str), counties["county_name"]))
        finally:
            store.close()
    replace = [{"county_code": c, "county_name": v["name"] or names.get(c), "years": v["years"], "new": c not in present}
               for c, v in scope.items()]
    keep = [{"county_code": c, "county_name": names.get(c), "years": ys} for c, ys in sorted(present.items())
            if c not in scope]
    return {"replace": replace, "keep": keep}



@dataclass(frozen=True)
class Entry:
    """The audit entry of a publish or rollback, written inside it (see :func:`publish`); the version's number
    is added to ``obj`` (" v7")."""
    user: str
    role: str
    action: str
    region: str = ""
    obj: str = ""


def _audited(db_path, entry: Entry, number: int, outcome: str = "ok") -> tuple[int, str]:
    return audit.append_entry(state.state_path(db_path), entry.user, entry.role, entry.action, entry.region,
                              f"{entry.obj} v{number}".strip(), outcome)


def publish(db_path, tables: dict[str, pd.DataFrame], outlines, towns, meta: dict[str, str],
            extra: pd.DataFrame | None = None, scope: dict[str, dict] | None = None, *, entry: Entry) -> int:
    """Write a new version and make it current, under the publish lock; returns its number.

    Its audit ``entry`` is written after the version file is complete and before it is swapped in, and the
    version records the audit head as it was when its writing began (``audit_head`` in its metadata): a
    version cannot become current without its entry (an entry that cannot be written — a broken log, a
    full disk — removes the version again); a process killed between entry and swap leaves an entry for a
    version that never became current, never the reverse. A write that fails (a full disk, a read-only
    folder) is recorded with the outcome 'failed'.

    With ``scope`` (see :func:`submission_scope`) only those counties and years are replaced and every
    other county of the latest current version is kept — read under the lock, so two counties
    submitting at once both end up in the current version. Without it the tables are the whole dataset.
    """
    db = Path(db_path)
    with publish_lock(db):
        _sweep(db)
        _archive_unversioned_current(db)
        number = (version_numbers(db) or [0])[-1] + 1
        target = version_path(db, number)
        head = audit.read_head(state.state_path(db))
        meta = dict(meta, version=str(number),
                    audit_head=json.dumps({"entries": head[0] if head else 0, "hash": head[1] if head else audit.GENESIS}))
        try:
            _write_version(db, target, tables, outlines, towns, meta, extra, scope)
        except BaseException:
            try:
                _audited(db, entry, number, "failed")
            except Exception:  # noqa: BLE001 — the state may be on the same full disk; the fault is raised below
                pass
            raise
        try:
            _audited(db, entry, number)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        make_current(db, target)
        prune(db)
        return number


def _sweep(db: Path) -> list[Path]:
    """Temporary files a killed writer left (``vNNNN.duckdb.building-<pid>`` and its ``.wal``,
    ``equity.duckdb.swap-<pid>``). Called under the publish lock, when no writer anywhere is at work, so
    every such file is a leftover. Returns what it removed."""
    gone = []
    candidates = list(versions_dir(db).glob("*.building-*")) if versions_dir(db).is_dir() else []
    candidates += list(db.parent.glob(db.name + ".swap-*")) + list(db.parent.glob(db.name + ".building-*"))
    for stray in candidates:
        stray.unlink(missing_ok=True)
        gone.append(stray)
    return gone


def _write_version(db: Path, target: Path, tables, outlines, towns, meta: dict, extra, scope) -> None:
    if scope is not None and db.exists():
        base = storage.physical_path(db)
        previous = storage.Store(db)
        try:
            meta.update(synthetic_meta(previous.meta(), set(previous.counties()["county_code"].astype(str)),
                                       meta, set(scope)))
            meta["changes"] = json.dumps(changes_against(previous, tables,
                                                         counties={c: v["years"] for c, v in scope.items()}),
                                         ensure_ascii=False, default=str)
        finally:
            previous.close()
        storage.write_submission(base, target, tables, {c: v["years"] for c, v in scope.items()},
                                 outlines, towns, meta, extra)
    else:
        if meta.get("is_demo") == "true":
            meta["synthetic_counties"] = json.dumps(sorted({str(c) for c in tables["schools"]["county_code"]})
                                                    if "schools" in tables else [])
        if "changes" not in meta:
            meta["changes"] = json.dumps({"first": True, "row_counts": {k: int(len(v)) for k, v in tables.items()}},
                                         ensure_ascii=False)
        meta.setdefault("row_counts", json.dumps({k: int(len(v)) for k, v in tables.items()}, ensure_ascii=False))
        storage.write_database(target, tables, outlines, towns, meta, extra)


def synthetic_meta(previous: dict, previous_counties: set[str], meta: dict, replaced: set[str]) -> dict:
    """The demo marks of a submission merged into the previous version: its synthetic counties are the
    previous version's (every county of a demo without the list) less those this submission replaces, plus
    all it brings when it is itself a demo; the version is a demo (``is_demo``, the banner on every page)
    while any synthetic county remains — one real county imported into the province demo leaves 94
    synthetic ones, and the banner stays."""
    if "synthetic_counties" in previous:
        before = set(json.loads(previous["synthetic_counties"] or "[]"))
    else:
        before = set(previous_counties) if previous.get("is_demo") == "true" else set()
    now = (before | replaced) if meta.get("is_demo") == "true" else (before - replaced)
    return {"synthetic_counties": json.dumps(sorted(now)), "is_demo": "true" if now else "false"}


def synthetic_counties(meta: dict, counties: set[str]) -> set[str]:
    """The synthetic counties of a version (all of a demo without the list, none of a real dataset)."""
    if "synthetic_counties" in meta:
        return set(json.loads(meta["synthetic_counties"] or "[]")) & set(counties)
    return set(counties) if meta.get("is_demo") == "true" else set()


def rollback(db_path, number: int, *, entry: Entry) -> None:
    """Make version ``number`` current again (it stays in the list; nothing is deleted); its audit ``entry``
    is written under the lock before the swap."""
    path = version_path(db_path, number)
    if not path.exists():
        raise FileNotFoundError(path)
    with publish_lock(db_path):
        _audited(db_path, entry, number)
        make_current(db_path, path)


def rollback_county(db_path, county_code: str, number: int, user: str = "", role: str = "cli") -> int:
    """Bring back one county as it was in version ``number`` — every year of it — and keep every other
    county as it is now: a new version (nothing is deleted). Returns its number. A county absent from
    ``number`` raises LookupError."""
    path = version_path(db_path, number)
    if not path.exists():
        raise FileNotFoundError(path)
    old = storage.Store(path)
    try:
        rows = old.county_rows(county_code)
        old_years = old.county_years().get(county_code, [])
        name = old.counties().set_index("county_code")["county_name"].get(county_code)
        was_synthetic = county_code in synthetic_counties(old.meta(), set(old.counties()["county_code"].astype(str)))
    finally:
        old.close()
    if rows["schools"].empty:
        raise LookupError(county_code)
    current = storage.Store(db_path)
    try:
        now_years = current.county_years().get(county_code, [])
    finally:
        current.close()
    tables = {k: v for k, v in rows.items() if k not in ("county_outlines", "town_areas", "extra_columns")}
    scope = {county_code: {"name": name, "years": sorted(set(old_years) | set(now_years))}}
    meta = {"is_demo": "true" if was_synthetic else "false", "source_file": f"v{number}", "source_sha256": "",
            "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "imported_by": user or getpass.getuser(),
            "submission": json.dumps({"rollback_of": number, "counties": scope}, ensure_ascii=False)}
    entry = Entry(meta["imported_by"], role, "rollback", county_code, f"v{number} →")
    return publish(db_path, tables, rows["county_outlines"], rows["town_areas"], meta, rows["extra_columns"], scope=scope,
                   entry=entry)


# Versions kept by :func:`prune` (data/settings.yaml ``versions``): the newest N that changed each county,
# every tagged one, the current one and the newest overall.
def retention() -> dict:
    return settings_section("versions")


def tags_path(db_path) -> Path:
    return versions_dir(db_path) / "tags.json"


def tags(db_path) -> dict[str, str]:
    """Tagged versions ('v0003' → label): never pruned."""
    path = tags_path(db_path)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def tag(db_path, number: int, label: str) -> None:
    """Keep version ``number`` for good under ``label`` (e.g. 省级督导 2024)."""
    if not version_path(db_path, number).exists():
        raise FileNotFoundError(version_path(db_path, number))
    with publish_lock(db_path):
        found = tags(db_path)
        found[f"v{number:04d}"] = label
        tmp = tags_path(db_path).with_suffix(".json.tmp")
        tmp.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, tags_path(db_path))


def counties_changed(meta: dict) -> list[str] | None:
    """The counties a version replaced (None: the whole dataset, as before submissions by county)."""
    sub = meta.get("submission")
    return sorted(json.loads(sub)["counties"]) if sub else None


def source_for(meta: dict, latest: dict[str, dict], scope: tuple[str, ...] = ()) -> tuple[str, str]:
    """(source file, imported at) for the data-version line of a reader with ``scope`` (region code prefixes;
    empty: every region): the current version's own for the whole view; else the newest submission among the
    scope's counties (``latest``: :func:`latest_submissions`) — another county's file name, importer or time
    is not shown to a county's staff. ("—", "") when none of the scope's counties was submitted."""
    if not scope:
        return meta.get("source_file", "—") or "—", meta.get("imported_at", "")
    mine = [info for code, info in latest.items() if any(str(code).startswith(s) for s in scope)]
    if not mine:
        return "—", ""
    newest = max(mine, key=lambda info: info["version"])
    return newest["source_file"] or "—", newest["imported_at"]


def latest_submissions(db_path) -> dict[str, dict]:
    """Each county's latest submission (county code → version, imported_at, imported_by, source_file,
    source_sha256, years, sheets, warnings, rollback_of), from the versions' metadata, newest first.
    A version written before submissions by county counts as a submission of every county in it."""
    out: dict[str, dict] = {}
    for number in reversed(version_numbers(db_path)):
        store = storage.Store(version_path(db_path, number))
        try:
            meta = store.meta()
            sub = json.loads(meta["submission"]) if meta.get("submission") else None
            counties = sub["counties"] if sub else {c: {"years": ys} for c, ys in store.county_years().items()}
        finally:
            store.close()
        for county, info in counties.items():
            if county in out:
                continue
            out[county] = {"version": number, "imported_at": meta.get("imported_at", ""),
                           "imported_by": meta.get("imported_by", ""), "source_file": meta.get("source_file", ""),
                           "source_sha256": meta.get("source_sha256", ""), "years": info.get("years", []),
                           "sheets": (sub or {}).get("sheets"), "warnings": (sub or {}).get("warnings", []),
                           "rollback_of": (sub or {}).get("rollback_of")}
    return out


def county_names_changed(meta: dict) -> dict[str, str] | None:
    """The counties a version replaced, code → name (None: the whole dataset)."""
    sub = meta.get("submission")
    if not sub:
        return None
    return {c: (v.get("name") or c) for c, v in sorted(json.loads(sub)["counties"].items())}


def prune(db_path, keep_per_county: int | None = None) -> list[int]:
    """Delete the versions the retention rule does not keep (call under the publish lock); returns them.
    Readers that still have a deleted version open keep reading it (the file lives until closed)."""
    keep_n = int(retention()["keep_per_county"] if keep_per_county is None else keep_per_county)
    numbers = version_numbers(db_path)
    if not numbers:
        return []
    kept = {numbers[-1], current_version(db_path) or numbers[-1]}
    kept |= {int(k.lstrip("v")) for k in tags(db_path)}
    seen: dict[str | None, int] = {}
    for number in reversed(numbers):
        store = storage.Store(version_path(db_path, number))
        try:
            meta = store.meta()
        finally:
            store.close()
        changed = counties_changed(meta)
        for county in (changed if changed is not None else [None]):
            if seen.get(county, 0) < keep_n:
                kept.add(number)
            seen[county] = seen.get(county, 0) + 1
    removed = [n for n in numbers if n not in kept]
    for n in removed:
        version_path(db_path, n).unlink(missing_ok=True)
    return removed


@dataclass
class VersionInfo:
    number: int
    imported_at: str
    imported_by: str
    source_file: str
    source_sha256: str
    row_counts: dict
    changes: dict
    is_demo: bool
    current: bool
    counties: dict[str, str] | None = None  # the counties it replaced, code → name (None: the whole dataset)
    tag: str | None = None
    rollback_of: int | None = None          # a county brought back as it was in this version

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def list_versions(db_path) -> list[VersionInfo]:
    """Every version, newest first, with its metadata and which one is current."""
    current = current_version(db_path)
    tagged = tags(db_path)
    out = []
    for number in reversed(version_numbers(db_path)):
        store = storage.Store(version_path(db_path, number))
        try:
            meta = store.meta()
        finally:
            store.close()
        out.append(VersionInfo(
            number=number, imported_at=meta.get("imported_at", ""), imported_by=meta.get("imported_by", ""),
            source_file=meta.get("source_file", ""), source_sha256=meta.get("source_sha256", ""),
            row_counts=json.loads(meta.get("row_counts", "{}")), changes=json.loads(meta.get("changes", "{}")),
            is_demo=meta.get("is_demo") == "true", current=number == current, counties=county_names_changed(meta),
            tag=tagged.get(f"v{number:04d}"),
            rollback_of=json.loads(meta["submission"]).get("rollback_of") if meta.get("submission") else None))
    return out


def changes_against(previous: storage.Store | None, tables: dict[str, pd.DataFrame], top: int = 5,
                    counties: dict[str, list[int]] | None = None) -> dict:
    """What a new dataset (or, with ``counties``, a submission of those counties) changes against the
    current one.

    Returns schools_added / schools_removed (ids with names), row count differences per table, and the
    ``top`` largest changes of a school's students in the latest school year both datasets have; with
    ``counties`` (county code → school years replaced) everything is counted over those county-years
    only (the rest is kept as it is).
    """
    new_schools = tables["schools"][["school_id", "name"]]
    new_counts = {k: int(len(v)) for k, v in tables.items()}
    if previous is None:
        return {"first": True, "row_counts": new_counts}
    old_all = previous.schools() if counties is None else pd.concat(
        [previous.schools(c) for c in counties] or [previous.schools().iloc[0:0]], ignore_index=True)
    kept_ids: set = set()
    if counties is not None:
        old_tables = {c: previous.county_rows(c) for c in counties}
        for c, years in counties.items():                      # rows of the years a submission leaves alone
            for key, df in old_tables[c].items():
                if key in storage.SCHOOL_TABLES:
                    kept_ids |= set(df.loc[~df["year"].isin(years), "school_id"])
    old_schools = old_all[["school_id", "name"]]
    added = new_schools[~new_schools["school_id"].isin(old_schools["school_id"])]
    removed = old_schools[~old_schools["school_id"].isin(new_schools["school_id"]) & ~old_schools["school_id"].isin(kept_ids)]
    if counties is None:
        old_counts = previous.row_counts()
        old_stats = previous.stage_stats()
    else:
        def replaced(key: str, df: pd.DataFrame, years: list[int]) -> pd.DataFrame:
            per_year = key in storage.SCHOOL_TABLES + storage.COUNTY_YEAR_TABLES
            return df[df["year"].isin(years)] if per_year else df
        parts = {k: [replaced(k, old_tables[c][k], ys) for c, ys in counties.items()] for k in new_counts}
        old_counts = {k: int(sum(len(p) for p in v)) for k, v in parts.items() if k != "schools"}
        old_counts["schools"] = int(len(old_schools))
        old_stats = pd.concat(parts.get("stage_stats") or [pd.DataFrame(columns=["school_id", "year", "stage", "students"])],
                              ignore_index=True)
    diff_counts = {k: new_counts.get(k, 0) - old_counts.get(k, 0) for k in set(new_counts) | set(old_counts)}
    largest = []
    new_stats = tables.get("stage_stats")
    if new_stats is not None and len(new_stats) and len(old_stats):
        common = sorted(set(new_stats["year"]) & set(old_stats["year"]))
        if common:
            year = common[-1]

            def per_school(df):
                part = df[(df["year"] == year) & (df["stage"] != "全校")]
                return part.groupby("school_id")["students"].sum()
            both = pd.concat([per_school(old_stats).rename("before"), per_school(new_stats).rename("after")],
                             axis=1).fillna(0)
            both["change"] = both["after"] - both["before"]
            both = both[both["change"] != 0]
            names = dict(zip(new_schools["school_id"], new_schools["name"]))
            for sid, r in both.reindex(both["change"].abs().sort_values(ascending=False).index).head(top).iterrows():
                largest.append({"school_id": sid, "name": names.get(sid, ""), "year": int(year),
                                "before": int(r["before"]), "after": int(r["after"])})
    return {"first": False,
            "schools_added": added.to_dict("records"), "schools_removed": removed.to_dict("records"),
            "row_counts": {k: v for k, v in diff_counts.items() if v}, "largest_changes": largest}



