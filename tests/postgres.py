"""A throw-away PostgreSQL cluster for the tests and benchmarks: Debian's server binaries, a data folder and
a unix socket in a temp folder (no TCP port, no system service), fsync off; removed on stop. As root the
server runs as the ``postgres`` system user (it refuses to run as root)."""
from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg


def server_binaries() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    assert found, "PostgreSQL server binaries missing: run `make system-deps` (Debian package postgresql)"
    return found[-1].parent


class Cluster:
    """``with Cluster() as pg: url = pg.new_database()``"""

    def __init__(self):
        self.bin = server_binaries()
        self.home = Path(tempfile.mkdtemp(prefix="equity-pg-"))
        self.socket = self.home / "socket"
        self.data = self.home / "data"
        self.log = self.home / "server.log"
        self.numbers = itertools.count(1)
        self.as_root = os.geteuid() == 0

    def _run(self, *argv: str) -> None:
        command = (["runuser", "-u", "postgres", "--"] if self.as_root else []) + [str(self.bin / argv[0]), *argv[1:]]
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode == 0, f"{argv[0]} failed: {done.stdout}{done.stderr}" + (
            self.log.read_text(errors="replace")[-2000:] if self.log.exists() else "")

    def start(self) -> "Cluster":
        self.socket.mkdir()
        if self.as_root:
            shutil.chown(self.home, "postgres", "postgres")
            shutil.chown(self.socket, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o",
                  f"-k {self.socket} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
                  "-c full_page_writes=off -c max_connections=300", "start")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket}"

    def new_database(self) -> str:
        """A new empty database; its URL."""
        name = f"state_{next(self.numbers)}"
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
