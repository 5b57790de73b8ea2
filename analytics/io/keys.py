"""The installation key: the secret that keys the audit chain and signs backups (HMAC-SHA-256). It lives
outside the state database, so whoever can write the state cannot rewrite the chain or forge a head:

- ``$EQUITY_INSTALLATION_KEY`` (the secret itself, at least 32 characters) when set — e.g. from a systemd
  credential or a secrets manager; else
- the file ``$EQUITY_KEY_FILE`` when set; else
- a file beside a SQLite state (``equity.state.sqlite`` → ``equity.installation.key``), or, for a PostgreSQL
  state, ``data/installation.key`` of this checkout (every replica of one machine shares it; replicas on
  several machines need the same file or variable).

A key is made (64 hex characters, file mode 0600, created exclusively so two processes agree on one) only
while the audit log is still empty; once entries exist a missing key is an error, never a new key (which
would make every past entry look changed). Rotation: ``python -m analytics audit --rotate-key`` (the log is
verified, then re-keyed in one transaction; see the README).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_ENV, KEY_FILE_ENV = "EQUITY_INSTALLATION_KEY", "EQUITY_KEY_FILE"
MIN_LENGTH = 32
PROJECT_DATA = Path(__file__).resolve().parents[2] / "data"


class KeyMissing(RuntimeError):
    """The audit log has entries but the installation key is not where it should be (or is unreadable)."""

    def __init__(self, where: str, reason: str = "missing"):
        super().__init__(f"installation key {reason}: {where}")
        self.where, self.reason = where, reason


def key_path(location) -> Path:
    """Where the key file of the state ``location`` is (see the module docstring)."""
    if os.environ.get(KEY_FILE_ENV):
        return Path(os.environ[KEY_FILE_ENV])
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        return PROJECT_DATA / "installation.key"
    path = Path(location)
    stem = path.name.split(".state.")[0] if ".state." in path.name else path.stem
    return path.with_name(stem + ".installation.key")


def where(location) -> str:
    """The key's place for a message (the variable's name, never its value)."""
    return f"${KEY_ENV}" if os.environ.get(KEY_ENV) else str(key_path(location))


def load(location, create: bool = False) -> bytes | None:
    """The key of ``location``'s installation; ``create``: make one when there is none. None when absent
    and not created; :class:`KeyMissing` when it is there but unusable (too short, unreadable)."""
    if os.environ.get(KEY_ENV):
        value = os.environ[KEY_ENV].strip()
        if len(value) < MIN_LENGTH:
            raise KeyMissing(f"${KEY_ENV}", "too_short")
        return value.encode("utf-8")
    path = key_path(location)
    try:
        value = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if not create:
            return None
        return _create(path)
    except OSError as exc:
        raise KeyMissing(str(path), "unreadable") from exc
    if len(value) < MIN_LENGTH:
        raise KeyMissing(str(path), "too_short")
    return value.encode("utf-8")


def new_value() -> bytes:
    """A fresh key: 64 hex characters (256 bits)."""
    return secrets.token_hex(32).encode("utf-8")


def _create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    value = new_value().decode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:                       # another process made it first: use that one
        return _read_existing(path)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(value + "\n")
        out.flush()
        os.fsync(out.fileno())
    return value.encode("utf-8")


def _read_existing(path: Path) -> bytes:
    """A key file another process has just created (it may still be being written)."""
    import time
    for _ in range(50):
        text = path.read_text(encoding="utf-8").strip()
        if len(text) >= MIN_LENGTH:
            return text.encode("utf-8")
        time.sleep(0.02)
    raise KeyMissing(str(path), "too_short")


def install(location, value: bytes) -> Path:
    """Write ``value`` as the key of ``location`` (restoring another installation's backup into an empty
    place); the file is replaced atomically, mode 0600."""
    path = key_path(location)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".writing-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(value.decode("utf-8") + "\n")
    os.replace(tmp, path)
    return path


def read_key_file(path) -> bytes:
    """A key file given on the command line (another installation's)."""
    value = Path(path).read_text(encoding="utf-8").strip()
    if len(value) < MIN_LENGTH:
        raise KeyMissing(str(path), "too_short")
    return value.encode("utf-8")


def mac(key: bytes, text: str) -> str:
    """HMAC-SHA-256 of ``text`` (UTF-8) under ``key``, as 64 hex characters."""
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(str(a), str(b))


def fingerprint(key: bytes) -> str:
    """Names a key without revealing it (the first 16 hex of SHA-256 over a fixed label and the key)."""
    return hashlib.sha256(b"equity-installation-key:" + key).hexdigest()[:16]
