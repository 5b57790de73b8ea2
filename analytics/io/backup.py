"""Backup and restore of an installation: every dataset version, their tags, which one is current, and the
state database (accounts, audit log, saved scenarios) — one tar file with a manifest.

    manifest.json            format, when, the current version, sha256 and size of every file, the state's
                             engine, its row counts per table and the audit chain's head
    versions/vNNNN.duckdb    every version kept (immutable files, linked into a staging folder under the
                             publish lock, so an import may publish while the archive is written)
    versions/tags.json       the tags, when there are any
    current.duckdb           only when the current file is not one of the versions (data from before versions)
    state.sqlite | state.pgdump   SQLite's online backup, or ``pg_dump --format=custom``

Restore goes into an empty place only (no data file, no versions, no state rows): every checksum is checked
and the engine of the state matched before anything is written; the data is moved into place, then the
state restored (one transaction); if that fails the data written is removed again. Afterwards the row counts
and the audit chain's head are compared with the manifest.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from analytics.io import state, storage, versions

FORMAT = 1
STATE_FILES = {"sqlite": "state.sqlite", "postgresql": "state.pgdump"}


class BackupError(ValueError):
    """A backup or restore that cannot be done; ``key`` names the catalog message (cli.backup.<key>), ``params``
    fill it in."""

    def __init__(self, key: str, **params):
        super().__init__(f"{key}: {params}")
        self.key, self.params = key, params


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def state_summary(location) -> dict:
    """Row counts of every state table and the audit chain's check (what a restore is compared with)."""
    from analytics.io import audit
    chain = audit.verify(location)
    return {"rows": {table: len(state.table_rows(location, table)) for table in state.TABLES},
            "audit_ok": bool(chain.get("ok")), "audit_head": chain.get("head", "")}


def backup(db_path, out) -> dict:
    """Write the installation of ``db_path`` into the tar file ``out`` (``.tar.gz``/``.tgz``: compressed);
    returns the manifest. The archive appears whole or not at all (written beside, then renamed)."""
    db, out = Path(db_path), Path(out)
    if not db.exists():
        raise BackupError("no_database", path=str(db))
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=db.parent) as staging_name:
        staging = Path(staging_name)
        (staging / "versions").mkdir()
        files: dict[str, dict] = {}
        with versions.publish_lock(db):                  # a consistent list: no version pruned or added meanwhile
            current = versions.current_version(db)
            for number in versions.version_numbers(db):
                name = versions.version_path(db, number).name
                _link_or_copy(versions.version_path(db, number), staging / "versions" / name)
                files[f"versions/{name}"] = {}
            if versions.tags_path(db).exists():
                shutil.copy2(versions.tags_path(db), staging / "versions" / "tags.json")
                files["versions/tags.json"] = {}
            if current is None or storage.physical_path(db) == str(db):
                _link_or_copy(db, staging / "current.duckdb")
                files["current.duckdb"] = {}
        location = state.state_path(db)
        kind = state.dump(location, staging / ("state.dump"))
        os.replace(staging / "state.dump", staging / STATE_FILES[kind])
        files[STATE_FILES[kind]] = {}
        for name in files:
            files[name] = {"sha256": sha256(staging / name), "bytes": (staging / name).stat().st_size}
        manifest = {"format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "database": db.name, "current_version": current, "files": files,
                    "state": dict(state_summary(location), kind=kind)}
        (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp = out.with_name(out.name + f".writing-{os.getpid()}")
        mode = "w:gz" if out.name.endswith((".gz", ".tgz")) else "w"
        try:
            with tarfile.open(tmp, mode) as tar:
                tar.add(staging / "manifest.json", arcname="manifest.json")
                for name in files:
                    tar.add(staging / name, arcname=name)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
    return manifest


def read_manifest(archive) -> dict:
    try:
        with tarfile.open(archive) as tar:
            member = tar.extractfile("manifest.json")
            manifest = json.loads(member.read().decode("utf-8")) if member else None
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError("not_a_backup", path=str(archive), reason=str(exc)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not_a_backup", path=str(archive), reason="manifest")
    return manifest


def restore(archive, db_path) -> dict:
    """Restore ``archive`` into the empty place ``db_path`` (and the state that belongs to it: a SQLite file
    beside it, or ``$EQUITY_STATE_URL``). Returns {'versions', 'current_version', 'state': summary}."""
    db = Path(db_path)
    manifest = read_manifest(archive)
    vdir = versions.versions_dir(db)
    if db.exists() or (vdir.exists() and any(vdir.iterdir())):
        raise BackupError("target_not_empty", path=str(db))
    location = state.state_path(db)
    kind = manifest["state"]["kind"]
    if kind != ("postgresql" if state.is_postgres(location) else "sqlite"):
        raise BackupError("engine_mismatch", kind=kind)
    if not state.is_empty(location):
        raise BackupError("state_not_empty", where=_shown(location))
    db.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=db.parent))
    written: list[Path] = []
    try:
        with tarfile.open(archive) as tar:
            names = set(manifest["files"]) | {"manifest.json"}
            members = [m for m in tar.getmembers() if m.name in names and m.isfile()]
            tar.extractall(staging, members=members, filter="data")
        for name, expected in manifest["files"].items():
            if not (staging / name).is_file() or sha256(staging / name) != expected["sha256"]:
                raise BackupError("damaged", name=name)
        with versions.publish_lock(db):
            vdir.mkdir(parents=True, exist_ok=True)
            written.append(vdir)
            for item in sorted((staging / "versions").iterdir()) if (staging / "versions").exists() else []:
                os.replace(item, vdir / item.name)
            if (staging / "current.duckdb").exists():
                os.replace(staging / "current.duckdb", db)
            else:
                versions.make_current(db, versions.versions_dir(db) / f"v{manifest['current_version']:04d}.duckdb")
            written.append(db)
        state.load_dump(location, kind, staging / STATE_FILES[kind])
    except BaseException:
        for path in written:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary = state_summary(location)
    expected = {k: manifest["state"][k] for k in ("rows", "audit_ok", "audit_head")}
    if summary != expected:
        raise BackupError("mismatch", expected=json.dumps(expected), found=json.dumps(summary))
    return {"versions": versions.version_numbers(db), "current_version": versions.current_version(db),
            "state": summary}


def _shown(location) -> str:
    """The state's place for a message, without a password a URL may hold."""
    text = str(location)
    if state.is_postgres(text) and "@" in text:
        scheme, rest = text.split("://", 1)
        user, _, host = rest.rpartition("@")
        return f"{scheme}://{user.split(':')[0]}@{host}"
    return text
