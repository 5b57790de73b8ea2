"""The SQL console of analysts (page 数据查询 and ``python -m analytics sql``): one SELECT over the current
version, read-only and closed (see :func:`analytics.io.storage.console_connection`), scoped to the user's
regions, limited in rows and time (data/settings.yaml ``sql_console``), and every query in the audit log
with its text and the rows it returned — or why it was refused."""
from __future__ import annotations

from analytics.codes import JUNIOR, LAST_PRIMARY_GRADE, PRIMARY
from analytics.io import audit, state, storage
from analytics.io.console_worker import read_frame, write_frame
from analytics.standards import settings_section

# the questions analysts ask most, as starting points beside the editor (catalog key of the title → SQL)
EXAMPLES = {
    "sql.example.schools_per_town": (
        "SELECT county_name AS 区县, town AS 乡镇街道, count(*) AS 学校数\nFROM schools\nGROUP BY ALL\n"
        "ORDER BY 学校数 DESC"),
    "sql.example.large_classes": (
        "SELECT s.name AS 学校, c.year AS 学年, c.grade AS 年级, c.class_name AS 班级, c.students AS 班额\n"
        "FROM classes c JOIN schools s USING (school_id)\n"
        "WHERE c.students > CASE WHEN c.grade <= {last_primary_grade} THEN {primary_max} ELSE {junior_max} END\n"
        "ORDER BY c.students DESC"),
    "sql.example.backbone_and_class_size": (
        "SELECT s.name AS 学校, s.town AS 乡镇街道, t.year AS 学年, t.stage AS 学段,\n"
        "       round(100.0 * t.backbone_teachers / t.students, 2) AS 每百生骨干教师,\n"
        "       round(t.students / t.classes, 1) AS 平均班额\n"
        "FROM stage_stats t JOIN schools s USING (school_id)\n"
        "WHERE t.students > 0 AND t.classes > 0\nORDER BY 每百生骨干教师"),
    "sql.example.pupils_by_urban_rural": (
        "SELECT t.year AS 学年, t.stage AS 学段, left(s.urban_rural_code, 1) AS 城乡代码首位, sum(t.students) AS 在校生数\n"
        "FROM stage_stats t JOIN schools s USING (school_id)\nGROUP BY ALL\nORDER BY ALL"),
}


def examples(std) -> dict[str, str]:
    """:data:`EXAMPLES` with the lines of ``std`` (the standards in force) written in: the large-class example
    asks for classes above their 学段's line of those standards, not a number of its own."""
    lines = {"{last_primary_grade}": str(LAST_PRIMARY_GRADE), "{primary_max}": str(std.class_max(PRIMARY)),
             "{junior_max}": str(std.class_max(JUNIOR))}
    out = {}
    for key, sql in EXAMPLES.items():
        for mark, value in lines.items():
            sql = sql.replace(mark, value)
        out[key] = sql
    return out


def limits() -> tuple[int, float]:
    """(row limit, time limit in seconds) from the settings."""
    section = settings_section("sql_console")
    return int(section["row_limit"]), float(section["time_limit_seconds"])


class Workers:
    """The console's worker processes (:mod:`analytics.io.console_worker`) of this process: at most
    ``sql_console.workers`` at once, each started with an address-space limit of
    ``sql_console.worker_memory_mb`` and kept for the next query. A worker that dies (out of memory) or does
    not answer in time is killed and replaced; the query is refused in words. One query at a time per
    account: a second while the first runs is refused (``one_at_a_time``)."""

    def __init__(self):
        import threading
        self._idle: list = []
        self._started = 0
        self._running: set[str] = set()
        self._busy: set[int] = set()
        self._lock = threading.Condition()

    @staticmethod
    def _bounds() -> tuple[int, int]:
        section = settings_section("sql_console")
        return int(section["workers"]), int(section["worker_memory_mb"])

    def _start(self):
        import os
        import subprocess
        import sys
        from pathlib import Path
        memory = self._bounds()[1] * 2**20

        def limit() -> None:                      # in the child, before it runs Python
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            os.nice(10)                           # pages first: a heavy query takes what the pages leave
        root = Path(__file__).resolve().parents[2]
        env = {**os.environ, "PYTHONPATH": str(root), "MALLOC_ARENA_MAX": "2"}   # (arenas reserve address space)
        return subprocess.Popen([sys.executable, "-m", "analytics.io.console_worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, preexec_fn=limit, cwd=str(root), env=env)

    def busy_pids(self) -> list[int]:
        """The process ids of the workers running a query now (tests kill one to see it replaced)."""
        with self._lock:
            return list(self._busy)

    def _acquire(self, wait_s: float):
        import time
        deadline = time.monotonic() + wait_s
        with self._lock:
            while True:
                while self._idle:
                    worker = self._idle.pop()
                    if worker.poll() is None:
                        return worker
                    self._started -= 1
                if self._started < self._bounds()[0]:
                    self._started += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise storage.ConsoleRefused("server_busy", n=self._bounds()[0])
                self._lock.wait(left)
        try:
            return self._start()
        except BaseException:
            with self._lock:
                self._started -= 1
                self._lock.notify()
            raise

    def _release(self, worker, healthy: bool) -> None:
        with self._lock:
            if healthy and worker.poll() is None:
                self._idle.append(worker)
            else:
                if worker.poll() is None:
                    worker.kill()
                worker.wait()
                self._started -= 1
            self._lock.notify()

    def ask(self, request: dict, wait_s: float, user: str = ""):
        """Send ``request`` to a worker and return its payload (raises :class:`storage.ConsoleRefused`)."""
        import select

        with self._lock:
            if user and user in self._running:
                raise storage.ConsoleRefused("one_at_a_time")
            if user:
                self._running.add(user)
        try:
            worker = self._acquire(wait_s)
            healthy = False
            with self._lock:
                self._busy.add(worker.pid)
            try:
                write_frame(worker.stdin, request)
                ready, _, _ = select.select([worker.stdout], [], [], wait_s + 15)   # its own timer stops it first
                if not ready:
                    raise storage.ConsoleRefused("time_limit", seconds=request.get("seconds", wait_s))
                reply = read_frame(worker.stdout)
                if reply is None:                       # the worker died: its memory limit (or a crash)
                    raise storage.ConsoleRefused("worker_failed", mb=self._bounds()[1])
                healthy = True
            except (BrokenPipeError, OSError) as error:
                raise storage.ConsoleRefused("worker_failed", mb=self._bounds()[1]) from error
            finally:
                with self._lock:
                    self._busy.discard(worker.pid)
                self._release(worker, healthy)
        finally:
            if user:
                with self._lock:
                    self._running.discard(user)
        if reply[0] == "refused":
            raise storage.ConsoleRefused(reply[1], **reply[2])
        return reply[1]

    def close(self) -> None:
        with self._lock:
            for worker in self._idle:
                worker.kill()
                worker.wait()
            self._started -= len(self._idle)
            self._idle.clear()


WORKERS = Workers()


def tables(db_path, scope: tuple[str, ...] = ()):
    """The console's tables and columns for ``scope`` (table, column, type), from a worker."""
    import pandas as pd
    _, time_limit = limits()
    return pd.DataFrame(WORKERS.ask({"kind": "tables", "db": str(db_path), "scope": tuple(scope),
                                     "bounds": storage.console_limits()}, time_limit + 30))


def run(db_path, sql: str, scope: tuple[str, ...] = (), user: str = "", role: str = "cli",
        row_limit: int | None = None) -> storage.ConsoleResult:
    """Run ``sql`` over the current version of ``db_path`` within ``scope`` (region codes; empty: every region)
    in a worker process, and record it in the audit log (refusals too). Raises :class:`storage.ConsoleRefused`."""
    rows, time_limit = limits()
    rows = min(rows, row_limit) if row_limit else rows
    region, text = ",".join(scope), " ".join((sql or "").split())[:400]
    try:
        storage.console_statement_check(sql)           # refused here already: no worker for a bad statement
        answer = WORKERS.ask({"kind": "query", "db": str(db_path), "scope": tuple(scope), "sql": sql,
                              "rows": rows, "seconds": time_limit, "bounds": storage.console_limits()},
                             time_limit, user=user)
    except storage.ConsoleRefused as refused:
        audit.append(state.state_path(db_path), user, role, "sql", region, text, refused.key)
        raise
    result = storage.console_result(answer)
    shown = f"{len(result.table)}{'+' if result.truncated else ''} rows: {text}"
    audit.append(state.state_path(db_path), user, role, "sql", region, shown, "ok")
    return result
