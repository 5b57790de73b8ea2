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

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.io import storage

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


def publish_lock(db_path, timeout: float | None = None):
    """The dataset's publish lock (``<db>.lock``, held across processes): one writer at a time picks the
    next number, writes the version and swaps it in, so two imports at once both become versions."""
    from filelock import FileLock
    return FileLock(str(Path(db_path)) + ".lock", timeout=LOCK_TIMEOUT_S if timeout is None else timeout)


def publish(db_path, tables: dict[str, pd.DataFrame], outlines, towns, meta: dict[str, str],
            extra: pd.DataFrame | None = None) -> int:
    """Write a new version and make it current, under the publish lock; returns its number."""
    from filelock import Timeout
    db = Path(db_path)
    try:
        with publish_lock(db):
            _archive_unversioned_current(db)
            number = (version_numbers(db) or [0])[-1] + 1
            target = version_path(db, number)
            meta = dict(meta, version=str(number))
            storage.write_database(target, tables, outlines, towns, meta, extra)
            make_current(db, target)
            return number
    except Timeout as exc:
        raise PublishBusy(str(db)) from exc


def rollback(db_path, number: int) -> None:
    """Make version ``number`` current again (it stays in the list; nothing is deleted)."""
    path = version_path(db_path, number)
    if not path.exists():
        raise FileNotFoundError(path)
    with publish_lock(db_path):
        make_current(db_path, path)


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

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def list_versions(db_path) -> list[VersionInfo]:
    """Every version, newest first, with its metadata and which one is current."""
    current = current_version(db_path)
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
            is_demo=meta.get("is_demo") == "true", current=number == current))
    return out


def changes_against(previous: storage.Store | None, tables: dict[str, pd.DataFrame], top: int = 5) -> dict:
    """What a new dataset changes against the current one.

    Returns schools_added / schools_removed (ids with names), row count differences per table, and the
    ``top`` largest changes of a school's students in the latest school year both datasets have.
    """
    new_schools = tables["schools"][["school_id", "name"]]
    new_counts = {k: int(len(v)) for k, v in tables.items()}
    if previous is None:
        return {"first": True, "row_counts": new_counts}
    old_schools = previous.schools()[["school_id", "name"]]
    added = new_schools[~new_schools["school_id"].isin(old_schools["school_id"])]
    removed = old_schools[~old_schools["school_id"].isin(new_schools["school_id"])]
    old_counts = previous.row_counts()
    diff_counts = {k: new_counts.get(k, 0) - old_counts.get(k, 0) for k in set(new_counts) | set(old_counts)}
    largest = []
    new_stats = tables.get("stage_stats")
    old_stats = previous.stage_stats()
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


def versions_table(listed: list[VersionInfo], lang: str = "zh") -> pd.DataFrame:
    """The version list as a table for the app (newest first), times in China time."""
    from analytics.i18n import t
    from analytics.report.formatting import fmt_time
    rows = []
    for v in listed:
        ch = v.changes
        summary = t("versions.first", lang) if ch.get("first") else t(
            "versions.changes", lang, added=len(ch.get("schools_added", [])), removed=len(ch.get("schools_removed", [])),
            largest="；".join(f"{c['name']} {c['before']}→{c['after']}" for c in ch.get("largest_changes", [])[:3]) or "—")
        rows.append({
            t("versions.col.version", lang): f"v{v.number:04d}" + (" ★" if v.current else ""),
            t("versions.col.when", lang): fmt_time(v.imported_at, lang),
            t("versions.col.who", lang): v.imported_by,
            t("versions.col.file", lang): v.source_file,
            "SHA-256": v.source_sha256[:16],
            t("versions.col.rows", lang): "、".join(f"{t('table.' + k, lang)} {n:,}" for k, n in v.row_counts.items() if n),
            t("versions.col.changes", lang): summary,
        })
    return pd.DataFrame(rows)
