"""Backup and restore of an installation: every dataset version, their tags, which one is current, and the
state database (accounts, audit log, saved scenarios) — one tar file with a manifest.

    manifest.json            format, when, the current version, sha256 and size of every file, the state's
                             engine, its row counts per table and the audit chain's head
    versions/vNNNN.duckdb    every version kept (immutable files, linked into a staging folder under the
                             publish lock, so an import may publish while the archive is written)
    versions/tags.json       the tags, when there are any
    current.duckdb           only when the current file is not one of the versions (data from before versions)
    state.sqlite | state.pgdump   SQLite's online backup, or ``pg_dump --format=custom``

The manifest is signed: an HMAC under the installation key (:mod:`analytics.io.keys`, kept apart from the
backups) over the whole manifest, which holds every file's SHA-256 — so a file changed and its manifest
entry changed to match is refused, and so is a backup of another installation unless its key is given
(``restore --key-file``: the restore says so, and that key becomes this place's key).

Restore is all or nothing and goes into an empty place only (no data file, no versions, no state rows):
the signature, every checksum and the engine of the state are checked, and a SQLite state is checked in
the staging folder (row counts, the keyed audit chain and its head against the manifest) before anything is
moved in; then the data is moved into place and the state restored (one transaction), and the whole is
checked again. Any failure removes everything the restore wrote (data, versions, the state's rows, a key it
installed), so a retry starts from the same empty place.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from datetime import datetime, timezone
from pathlib import Path

from analytics.io import audit, keys, state, storage, versions

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


def state_summary(location, key: bytes | None = None) -> dict:
    """Row counts of every state table and the audit chain's check (what a restore is compared with);
    ``key``: the installation key to check the chain with (default: the one of ``location``)."""
    chain = audit.verify(location, key=key)
    return {"rows": {table: len(state.table_rows(location, table)) for table in state.TABLES},
            "audit_ok": bool(chain.get("ok")), "audit_head": chain.get("head", "")}


def canonical(manifest: dict) -> str:
    """The text the signature covers: the manifest without its signature, keys sorted."""
    return json.dumps({k: v for k, v in manifest.items() if k != "signature"}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))


def sign(manifest: dict, key: bytes) -> dict:
    signed = dict(manifest, installation=keys.fingerprint(key))
    return dict(signed, signature=keys.mac(key, "equity-backup:" + canonical(signed)))


def signature_key(manifest: dict, location, key_file=None) -> tuple[bytes, bool]:
    """The key that authenticates ``manifest`` and whether it is another installation's (given by
    ``key_file``); :class:`BackupError` when it is unsigned, signed by another installation without its key
    given, or altered."""
    if not manifest.get("signature") or not manifest.get("installation"):
        raise BackupError("unsigned")
    try:
        ours = keys.load(location)
        given = keys.read_key_file(key_file) if key_file else None
    except (OSError, keys.KeyMissing) as exc:
        raise BackupError("key_unreadable", where=str(key_file or keys.where(location)), reason=str(exc)) from exc
    key = given or ours
    if key is None:
        raise BackupError("no_key", theirs=manifest["installation"], where=keys.where(location))
    if keys.fingerprint(key) != manifest["installation"]:
        raise BackupError("wrong_key" if given else "other_installation", theirs=manifest["installation"],
                          ours=keys.fingerprint(key))
    if not keys.same(manifest["signature"], keys.mac(key, "equity-backup:" + canonical(manifest))):
        raise BackupError("forged")
    other = given is not None and (ours is None or keys.fingerprint(ours) != keys.fingerprint(given))
    return key, other


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
        key = keys.load(location, create=state.is_empty(location))
        if key is None:
            raise keys.KeyMissing(keys.where(location))
        manifest = sign({"format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         "database": db.name, "current_version": current, "files": files,
                         "state": dict(state_summary(location), kind=kind)}, key)
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
    except (OSError, KeyError, tarfile.TarError, ValueError, EOFError, zlib.error) as exc:
        raise BackupError("not_a_backup", path=str(archive), reason=str(exc)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not_a_backup", path=str(archive), reason="manifest")
    return manifest


def restore(archive, db_path, key_file=None) -> dict:
    """Restore ``archive`` into the empty place ``db_path`` (and the state that belongs to it: a SQLite file
    beside it, or ``$EQUITY_STATE_URL``), all or nothing. ``key_file``: the key of the installation that made
    the backup, when it is not this place's. Returns {'versions', 'current_version', 'state': summary,
    'other_installation': bool}."""
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
    key, other = signature_key(manifest, location, key_file)
    if other and os.environ.get(keys.KEY_ENV):
        raise BackupError("key_in_environment", variable=keys.KEY_ENV)
    expected = {k: manifest["state"][k] for k in ("rows", "audit_ok", "audit_head")}
    db.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=db.parent))
    written: list[Path] = []
    old_key = None
    state_loaded = False
    try:
        try:
            with tarfile.open(archive) as tar:
                names = set(manifest["files"]) | {"manifest.json"}
                members = [m for m in tar.getmembers() if m.name in names and m.isfile()]
                tar.extractall(staging, members=members, filter="data")
        except (tarfile.TarError, EOFError, zlib.error) as exc:          # a truncated or damaged archive
            raise BackupError("damaged", name=f"{Path(archive).name} ({type(exc).__name__})") from exc
        for name, listed in manifest["files"].items():
            if not (staging / name).is_file() or sha256(staging / name) != listed["sha256"]:
                raise BackupError("damaged", name=name)
        if kind == "sqlite":                           # the state checked where it is staged, before any move
            staged = state_summary(staging / STATE_FILES[kind], key=key)
            if staged != expected:
                raise BackupError("mismatch", expected=json.dumps(expected), found=json.dumps(staged))
        with versions.publish_lock(db):
            vdir.mkdir(parents=True, exist_ok=True)
            written.append(vdir)
            for item in sorted((staging / "versions").iterdir()) if (staging / "versions").exists() else []:
                os.replace(item, vdir / item.name)
            written.append(db)
            if (staging / "current.duckdb").exists():
                os.replace(staging / "current.duckdb", db)
            else:
                versions.make_current(db, versions.versions_dir(db) / f"v{manifest['current_version']:04d}.duckdb")
        if other:
            path = keys.key_path(location)
            old_key = path.read_bytes() if path.exists() else b""
            keys.install(location, key)
        state_loaded = True
        state.load_dump(location, kind, staging / STATE_FILES[kind])
        summary = state_summary(location)
        if summary != expected:
            raise BackupError("mismatch", expected=json.dumps(expected), found=json.dumps(summary))
    except BaseException:
        _undo(db, location, written, state_loaded, old_key)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {"versions": versions.version_numbers(db), "current_version": versions.current_version(db),
            "state": summary, "other_installation": other, "installation": manifest["installation"]}


def _undo(db: Path, location, written: list[Path], state_loaded: bool, old_key: bytes | None) -> None:
    """Everything a failed restore wrote, removed: the place is empty again (the state's rows deleted, a
    SQLite state file that was empty before removed), and a key it installed put back as it was."""
    for path in written:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    if state_loaded:
        if state.is_postgres(location):
            with state.connect(location, write=True) as con:
                for table in state.TABLES:
                    con.execute(f"DELETE FROM {table}")
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(str(location) + suffix).unlink(missing_ok=True)
    if old_key is not None:
        path = keys.key_path(location)
        if old_key:
            path.write_bytes(old_key)
        else:
            path.unlink(missing_ok=True)


def _shown(location) -> str:
    """The state's place for a message, without a password a URL may hold."""
    text = str(location)
    if state.is_postgres(text) and "@" in text:
        scheme, rest = text.split("://", 1)
        user, _, host = rest.rpartition("@")
        return f"{scheme}://{user.split(':')[0]}@{host}"
    return text
