"""The only module with SQL and database connections.

A database file holds one complete dataset: the contract's tables, county outlines, town
areas and a ``meta`` table. It is written whole into a new file and swapped in with
``os.replace`` so readers never see a half-written dataset and a failed import leaves the
previous file untouched. Readers open it read-only; every query runs on its own cursor
(a DuckDB connection is not thread-safe).
"""
from __future__ import annotations

import json
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from analytics.io import contract, state
from analytics.standards import settings_section

_SQL_TYPES = {
    "count": "BIGINT", "grade": "INTEGER", "year": "INTEGER",
    "amount": "DOUBLE", "number": "DOUBLE", "share": "DOUBLE", "lon": "DOUBLE", "lat": "DOUBLE",
    "yes_no": "BOOLEAN",
}
EXTRA_TABLES = {
    "county_outlines": "county_code VARCHAR PRIMARY KEY, county_name VARCHAR, province VARCHAR, "
                       "city VARCHAR, geojson VARCHAR, source VARCHAR",
    "town_areas": "county_code VARCHAR, town VARCHAR, geojson VARCHAR, approximate BOOLEAN",
    "meta": "key VARCHAR PRIMARY KEY, value VARCHAR",
    # cells of columns the contract does not know: kept aside, never dropped silently
    "extra_columns": "sheet VARCHAR, excel_row INTEGER, record_key VARCHAR, header VARCHAR, value VARCHAR, "
                     "county_code VARCHAR",
}
# Tables of one county (by its schools or its own code) and whether their rows are per school year.
SCHOOL_TABLES = ("stage_stats", "classes", "funding", "teacher_exchange", "quality")
COUNTY_YEAR_TABLES = ("county_indicators",)
# per county, not per school year (a birth series, places): replaced whole when a workbook has the sheet
COUNTY_SERIES_TABLES = ("population", "settlements")


def table_ddl(sheet: contract.Sheet) -> str:
    cols = [f'"{c.key}" {_SQL_TYPES.get(c.type, "VARCHAR")}' for c in sheet.columns]
    if sheet.key == "schools":
        cols.append("urban_rural_group VARCHAR")
    return f'CREATE TABLE {sheet.key} ({", ".join(cols)})'


@contextmanager
def building(path: str | os.PathLike):
    """A new database file written as ``<path>.building-<pid>`` and renamed over ``path`` only when the
    block completes; any error removes the temporary file and leaves ``path`` as it was. Yields the
    temporary path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.building-{os.getpid()}")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)


def insert_rows(con, tables: dict[str, pd.DataFrame], outlines: pd.DataFrame | None,
                town_areas: pd.DataFrame | None, extra: pd.DataFrame | None) -> None:
    """Add the rows of the contract tables, outlines, town areas and extra cells (columns by name)."""
    frames = [(sheet.key, tables.get(sheet.key), sheet.column_keys + (["urban_rural_group"] if sheet.key == "schools" else []))
              for sheet in contract.sheets()]
    frames += [(name, df, None if df is None else list(df.columns))
               for name, df in (("county_outlines", outlines), ("town_areas", town_areas), ("extra_columns", extra))]
    for name, df, cols in frames:
        if df is not None and len(df):
            con.register("incoming", df.reindex(columns=cols))
            names = ", ".join(f'"{c}"' for c in cols)
            con.execute(f"INSERT INTO {name} ({names}) SELECT {names} FROM incoming")
            con.unregister("incoming")


def write_meta(con, meta: dict[str, str]) -> None:
    con.execute("DELETE FROM meta")
    for key, value in meta.items():
        con.execute("INSERT INTO meta VALUES (?, ?)", [key, str(value)])


def write_database(path: str | os.PathLike, tables: dict[str, pd.DataFrame],
                   outlines: pd.DataFrame | None = None, town_areas: pd.DataFrame | None = None,
                   meta: dict[str, str] | None = None, extra: pd.DataFrame | None = None) -> None:
    """Write a complete dataset to ``path`` atomically (see :func:`building`), in one transaction."""
    with building(path) as tmp:
        con = duckdb.connect(str(tmp))
        try:
            con.execute("BEGIN TRANSACTION")
            for sheet in contract.sheets():
                con.execute(table_ddl(sheet))
            for name, ddl in EXTRA_TABLES.items():
                con.execute(f"CREATE TABLE {name} ({ddl})")
            insert_rows(con, tables, outlines, town_areas, extra)
            write_meta(con, meta or {})
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()


def write_submission(base: str | os.PathLike, path: str | os.PathLike, tables: dict[str, pd.DataFrame],
                     replace: dict[str, list[int]], outlines: pd.DataFrame | None = None,
                     town_areas: pd.DataFrame | None = None, meta: dict[str, str] | None = None,
                     extra: pd.DataFrame | None = None) -> dict[str, int]:
    """Write to ``path`` the dataset ``base`` with the counties of ``replace`` (county code → school
    years) replaced by ``tables``; every other county stays exactly as it was. Returns the row counts
    of the written dataset (also stored in its meta as ``row_counts``).

    For each county C with school years Y: its rows of Y in every per-year table (per school: 学段,
    班级, 经费, 师资交流, 质量监测; per county: 县级指标) are removed — also from sheets the workbook
    leaves out, so a county-year is never half old, half new — and the workbook's rows added; its
    人口 (a birth series) and 居民点 are replaced whole when the workbook has the sheet; its schools become the
    workbook's plus the old ones still holding rows of other years; its outline, town areas and extra
    cells are replaced. The work is the size of the counties replaced: ``base`` is copied as a file
    and changed in one transaction (see :func:`building`).
    """
    import shutil
    with building(path) as tmp:
        shutil.copyfile(base, tmp)
        con = duckdb.connect(str(tmp))
        try:
            con.execute("BEGIN TRANSACTION")
            columns = set(con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'extra_columns'").df()["column_name"])
            if "county_code" not in columns:           # written before submissions by county
                con.execute("ALTER TABLE extra_columns ADD COLUMN county_code VARCHAR")
            scope = pd.DataFrame([(c, int(y)) for c, years in replace.items() for y in years],
                                 columns=["county_code", "year"])
            con.register("scope", scope)
            con.register("scope_counties", pd.DataFrame({"county_code": sorted(replace)}))
            county_schools = "SELECT school_id FROM schools WHERE county_code IN (SELECT county_code FROM scope_counties)"
            for name in SCHOOL_TABLES:
                con.execute(f"""DELETE FROM {name} t USING schools s, scope y
                                WHERE t.school_id = s.school_id AND s.county_code = y.county_code
                                  AND t.year = y.year""")
            for name in COUNTY_YEAR_TABLES:
                con.execute(f"DELETE FROM {name} t USING scope y WHERE t.county_code = y.county_code AND t.year = y.year")
            for name in COUNTY_SERIES_TABLES:
                if name in tables:
                    con.execute(f"DELETE FROM {name} WHERE county_code IN (SELECT county_code FROM scope_counties)")
            con.register("incoming_ids", tables["schools"][["school_id"]])
            # schools of the counties kept only while rows of other years still need them
            still_used = " UNION ".join(f"SELECT school_id FROM {name}" for name in SCHOOL_TABLES)
            con.execute(f"""DELETE FROM schools WHERE school_id IN ({county_schools})
                            AND (school_id IN (SELECT school_id FROM incoming_ids)
                                 OR school_id NOT IN ({still_used}))""")
            con.execute("DELETE FROM schools WHERE school_id IN (SELECT school_id FROM incoming_ids)")
            for name in ("county_outlines", "town_areas", "extra_columns"):
                con.execute(f"DELETE FROM {name} WHERE county_code IN (SELECT county_code FROM scope_counties)")
            insert_rows(con, tables, outlines, town_areas, extra)
            counts = {sheet.key: int(con.execute(f"SELECT count(*) FROM {sheet.key}").fetchone()[0])
                      for sheet in contract.sheets()}
            write_meta(con, dict(meta or {}, row_counts=json.dumps(counts, ensure_ascii=False)))
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()
    return counts


def file_signature(path: str | os.PathLike) -> tuple[int, int] | None:
    """(inode, mtime_ns) of the database file: changes when a new dataset is swapped in."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def versions_dir(db_path: str | os.PathLike) -> Path:
    """Where the versions of a database live: ``equity.duckdb`` → ``equity.versions/``."""
    db = Path(db_path)
    return db.with_name(db.stem + ".versions")


def physical_path(db_path: str | os.PathLike, stat: os.stat_result | None = None) -> str:
    """The version file the database path currently is (same inode, or same size and mtime when
    it is a copy), else the path itself. ``stat`` is the database file's stat when the caller already
    has it (so the signature and the file opened describe the same moment).

    DuckDB keeps one database instance per path in a process: reopening ``equity.duckdb`` after a
    new version was swapped in would silently hand back the old instance. Opening the version's
    own path gives each version its own instance.
    """
    st = stat or os.stat(db_path)
    vdir = versions_dir(db_path)
    if vdir.is_dir():
        for f in vdir.iterdir():
            if not f.name.endswith(".duckdb"):
                continue
            fs = f.stat()
            if (fs.st_ino, fs.st_dev) == (st.st_ino, st.st_dev) or \
                    (fs.st_size, fs.st_mtime_ns) == (st.st_size, st.st_mtime_ns):
                return str(f)
    return str(db_path)


class Store:
    """Read-only access to one dataset file; safe to share between threads."""

    def __init__(self, path: str | os.PathLike):
        self.path = str(path)
        for _ in range(5):      # a new version swapped in between stat and connect: open again
            stat = os.stat(self.path)
            self.signature = (stat.st_ino, stat.st_mtime_ns)
            physical = physical_path(self.path, stat)
            self._con = duckdb.connect(physical, read_only=True)
            if physical != self.path or file_signature(self.path) == self.signature:
                break           # a version file never changes; the bare path did not change meanwhile
            self._con.close()
        self._lock = threading.Lock()

    def close(self) -> None:
        self._con.close()

    def is_stale(self) -> bool:
        """True when another dataset has been swapped in since this store was opened."""
        return file_signature(self.path) != self.signature

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with self._lock:
            cur = self._con.cursor()
        try:
            df = cur.execute(sql, params or []).df()
        finally:
            cur.close()
        # Text columns as plain Python strings: pandas 3 makes them Arrow-backed, whose element-wise
        # paths (isin with a list, iteration, map) go through one Arrow scalar per value — at a
        # province's 10,000 schools and 267,000 classes the scorecard took 2.9 s instead of 1.1 s.
        for c in df.columns:
            if df[c].dtype != object and pd.api.types.is_string_dtype(df[c]):
                df[c] = df[c].astype(object)
        return df

    # ------------------------------------------------------------ reads used by the analytics

    def meta(self) -> dict[str, str]:
        df = self.query("SELECT key, value FROM meta")
        return dict(zip(df["key"], df["value"]))

    def is_demo(self) -> bool:
        return self.meta().get("is_demo") == "true"

    def counties(self) -> pd.DataFrame:
        """One row per county with data: code, name and the school years present."""
        return self.query(
            """SELECT s.county_code, any_value(s.county_name) AS county_name,
                      list_sort(list_distinct(list(st.year))) AS years
               FROM schools s LEFT JOIN stage_stats st USING (school_id)
               GROUP BY s.county_code ORDER BY s.county_code""")

    def schools(self, county_code: str | None = None) -> pd.DataFrame:
        if county_code is None:
            return self.query("SELECT * FROM schools ORDER BY school_id")
        return self.query("SELECT * FROM schools WHERE county_code = ? ORDER BY school_id", [county_code])

    def _by_school(self, table: str, county_code: str | None, years: list[int] | None) -> pd.DataFrame:
        sql = f"SELECT t.* FROM {table} t JOIN schools s USING (school_id) WHERE TRUE"
        params: list = []
        if county_code is not None:
            sql += " AND s.county_code = ?"
            params.append(county_code)
        if years is not None:
            sql += f" AND t.year IN ({', '.join('?' * len(years))})" if years else " AND FALSE"
            params.extend(int(y) for y in years)
        return self.query(sql + " ORDER BY ALL", params)

    def region_schools(self, region: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Every school of the counties whose code starts with ``region`` (province 32, city 3209, county);
        ``columns``: only these (contract keys), else all."""
        known = {c.key for c in contract.sheet("schools").columns} | {"urban_rural_group"}
        picked = "*" if columns is None else ", ".join(f'"{c}"' for c in columns if c in known)
        return self.query(f"SELECT {picked} FROM schools WHERE starts_with(county_code, ?) ORDER BY school_id",
                          [str(region)])

    def region_stage_stats(self, region: str, years: list[int]) -> pd.DataFrame:
        """学段 rows of ``years`` of every school of the region's counties (one query for all of them)."""
        marks = ", ".join("?" * len(years)) if years else "NULL"
        return self.query(f"""SELECT t.* FROM stage_stats t JOIN schools s USING (school_id)
                              WHERE starts_with(s.county_code, ?) AND t.year IN ({marks})""",
                          [str(region)] + [int(y) for y in years])

    def stage_stats(self, county_code: str | None = None, years: list[int] | None = None) -> pd.DataFrame:
        return self._by_school("stage_stats", county_code, years)

    def classes(self, county_code: str | None = None, years: list[int] | None = None) -> pd.DataFrame:
        return self._by_school("classes", county_code, years)

    def school_table(self, table: str, county_code: str | None = None,
                     years: list[int] | None = None) -> pd.DataFrame:
        """Any per-school sheet (funding, teacher_exchange, quality, …) for a county and years."""
        if table not in {s.key for s in contract.sheets()} or "school_id" not in contract.sheet(table).column_keys:
            raise ValueError(table)
        return self._by_school(table, county_code, years)

    def county_table(self, table: str, county_code: str, years: list[int] | None = None) -> pd.DataFrame:
        """A per-county sheet (county_indicators, population, settlements)."""
        if table not in ("county_indicators", "population", "settlements"):
            raise ValueError(table)
        sql, params = f"SELECT * FROM {table} WHERE county_code = ?", [county_code]
        if years is not None and table != "settlements":
            sql += f" AND year IN ({', '.join('?' * len(years))})" if years else " AND FALSE"
            params.extend(int(y) for y in years)
        return self.query(sql + " ORDER BY ALL", params)

    def outline(self, county_code: str) -> dict | None:
        """The county outline as a GeoJSON geometry mapping, or None when none was found."""
        df = self.query("SELECT geojson FROM county_outlines WHERE county_code = ?", [county_code])
        return json.loads(df["geojson"].iloc[0]) if len(df) else None

    def outlines(self) -> pd.DataFrame:
        return self.query("SELECT * FROM county_outlines ORDER BY county_code")

    def town_areas(self, county_code: str) -> pd.DataFrame:
        return self.query("SELECT * FROM town_areas WHERE county_code = ? ORDER BY town", [county_code])

    def table(self, name: str) -> pd.DataFrame:
        """A whole contract table (every county and year)."""
        if name not in {s.key for s in contract.sheets()}:
            raise ValueError(name)
        return self.query(f"SELECT * FROM {name}")

    def extra_columns(self) -> pd.DataFrame:
        return self.query("SELECT * FROM extra_columns ORDER BY sheet, excel_row, header")

    def table_names(self) -> set[str]:
        return set(self.query("SELECT table_name FROM information_schema.tables")["table_name"])

    def county_rows(self, county_code: str) -> dict[str, pd.DataFrame]:
        """Everything stored for one county (every contract table, every year; outline, town areas and
        extra cells as ``county_outlines`` / ``town_areas`` / ``extra_columns``): what rolling one
        county back to this version brings back."""
        out = {"schools": self.schools(county_code)}
        for name in SCHOOL_TABLES:
            out[name] = self._by_school(name, county_code, None)
        for name in COUNTY_YEAR_TABLES + COUNTY_SERIES_TABLES:
            out[name] = self.query(f"SELECT * FROM {name} WHERE county_code = ?", [county_code])
        out["county_outlines"] = self.query("SELECT * FROM county_outlines WHERE county_code = ?", [county_code])
        out["town_areas"] = self.town_areas(county_code)
        extra = self.query("SELECT * FROM extra_columns")
        out["extra_columns"] = extra[extra["county_code"] == county_code] if "county_code" in extra else extra.iloc[0:0]
        return out

    def schools_with_classes(self, year: int) -> set[str]:
        """Schools that have class rows (班级) in ``year``."""
        return set(self.query("SELECT DISTINCT school_id FROM classes WHERE year = ?", [int(year)])["school_id"])

    def county_years(self) -> dict[str, list[int]]:
        """The school years each county has rows of (in any per-school-year table or 县级指标)."""
        union = " UNION ".join([f"SELECT s.county_code, t.year FROM {name} t JOIN schools s USING (school_id)"
                                for name in SCHOOL_TABLES] +
                               [f"SELECT county_code, year FROM {name}" for name in COUNTY_YEAR_TABLES])
        df = self.query(f"SELECT county_code, list_sort(list_distinct(list(year))) AS years FROM ({union}) "
                        "GROUP BY county_code")
        return {str(c): [int(y) for y in ys] for c, ys in zip(df["county_code"], df["years"])}

    def row_counts(self) -> dict[str, int]:
        out = {}
        for sheet in contract.sheets():
            out[sheet.key] = int(self.query(f"SELECT count(*) AS n FROM {sheet.key}")["n"].iloc[0])
        return out


def scenarios_path(db_path: str | os.PathLike) -> Path:
    """Where saved layout scenarios lived before the state database (``equity.scenarios.duckdb``): read once
    and moved into the state database by :class:`ScenarioStore`."""
    db = Path(db_path)
    return db.with_name(db.stem + ".scenarios.duckdb")


class ScenarioStore:
    """Saved scenarios (name, author, date, base year and version, steps as JSON) of one dataset, in the
    application state database (:mod:`analytics.io.state`: SQLite beside the data, or PostgreSQL). Each call opens and
    closes its own connection, so the app's sessions, the CLI and tests share the file. Scenarios of an
    earlier installation (``equity.scenarios.duckdb``) are moved in on first use; that file is kept,
    renamed ``….migrated``."""

    def __init__(self, db_path: str | os.PathLike):
        self.path = state.state_path(db_path)
        self.legacy = scenarios_path(db_path)

    def _migrate(self) -> None:
        if not self.legacy.exists():
            return
        con = duckdb.connect(str(self.legacy), read_only=True)
        try:
            rows = con.execute("SELECT county_code, name, author, strftime(created_at, '%Y-%m-%dT%H:%M:%S+00:00'), "
                               "base_year, base_version, steps FROM scenarios").fetchall()
        finally:
            con.close()
        with state.connect(self.path, write=True) as lite:
            lite.executemany("INSERT INTO scenarios VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows)
        self.legacy.rename(self.legacy.with_name(self.legacy.name + ".migrated"))

    def save(self, county_code: str, name: str, author: str, base_year: int, base_version: str,
             steps: list[dict]) -> None:
        """Save (or replace, same county and name) one scenario in a single transaction."""
        from datetime import datetime, timezone

        self._migrate()
        with state.connect(self.path, write=True) as con:
            con.execute("INSERT INTO scenarios VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (county_code, name) DO UPDATE SET "
                        "author = excluded.author, created_at = excluded.created_at, base_year = excluded.base_year, "
                        "base_version = excluded.base_version, steps = excluded.steps",
                        [county_code, name, author, datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         int(base_year), base_version, json.dumps(steps, ensure_ascii=False)])

    def list(self, county_code: str) -> pd.DataFrame:
        """The county's scenarios, newest first (name, author, created_at, base_year, base_version, steps)."""
        columns = ["name", "author", "created_at", "base_year", "base_version", "steps"]
        self._migrate()
        with state.connect(self.path) as con:
            if con is None:
                return pd.DataFrame(columns=columns)
            rows = con.execute("SELECT name, author, created_at, base_year, base_version, steps FROM scenarios "
                               "WHERE county_code = ? ORDER BY created_at DESC, name", [county_code]).fetchall()
        return pd.DataFrame(rows, columns=columns)

    def load(self, county_code: str, name: str) -> dict | None:
        found = self.list(county_code)
        found = found[found["name"] == name]
        if found.empty:
            return None
        row = found.iloc[0].to_dict()
        row["steps"] = json.loads(row["steps"])
        return row

    def delete(self, county_code: str, name: str) -> bool:
        self._migrate()
        with state.connect(self.path, write=True) as con:
            return con.execute("DELETE FROM scenarios WHERE county_code = ? AND name = ?", [county_code, name]).rowcount > 0


# ---------------------------------------------------------------- the SQL console (read-only, closed, scoped)

class ConsoleRefused(ValueError):
    """A console query that is not run: ``key`` names the catalog message (sql.refused.<key>), ``params`` fill it."""

    def __init__(self, key: str, **params):
        super().__init__(f"{key}: {params}")
        self.key, self.params = key, params


# table functions that read files or run other SQL: refused by name (external access is off as well, so a
# name missing here is still stopped by DuckDB, with a less clear message)
CONSOLE_FORBIDDEN_FUNCTIONS = re.compile(
    r"\b(read_\w+|glob|sniff_csv|parquet_\w+|iceberg_\w+|delta_scan|st_read\w*|query|query_table|sqlite_\w+|"
    r"postgres_\w+|mysql_\w+|duckdb_secrets|which_secret|load_extension|getenv|duckdb_\w+|current_setting|"
    r"pragma_\w+)\s*\(", re.IGNORECASE)


@dataclass
class ConsoleResult:
    table: pd.DataFrame
    truncated: bool          # more rows than the row limit: only the first ``row_limit`` are in ``table``
    seconds: float


def console_statement_check(sql: str) -> None:
    """Refuse anything but one SELECT (or WITH … SELECT) statement, judged by DuckDB's own parser: a second
    statement, COPY, ATTACH/DETACH, INSTALL/LOAD, SET/PRAGMA/CALL, EXPLAIN, any DDL or DML, transactions; and
    table functions that read files or run other SQL. Raises :class:`ConsoleRefused`."""
    text = (sql or "").strip()
    if not text:
        raise ConsoleRefused("empty")
    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as error:
        raise ConsoleRefused("syntax", detail=str(error).splitlines()[0][:300]) from error
    if len(statements) != 1:
        raise ConsoleRefused("one_statement", n=len(statements))
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise ConsoleRefused("select_only", kind=kind.name)
    if found := CONSOLE_FORBIDDEN_FUNCTIONS.search(text):
        raise ConsoleRefused("file_access", name=found.group(1))


def console_scope_filter(table: str, columns: list[str], scope: tuple[str, ...]) -> str:
    """The WHERE clause that keeps ``table``'s rows in ``scope`` (region code prefixes; empty: every row)."""
    if not scope:
        return ""
    prefixes = " OR ".join(f"starts_with(CAST(county_code AS VARCHAR), '{code}')" for code in scope)
    if "county_code" in columns:
        return f" WHERE {prefixes}"
    if "school_id" in columns:
        return f" WHERE school_id IN (SELECT school_id FROM source.schools WHERE {prefixes})"
    if table == "meta":          # who imported what, for which counties: only the version number is everyone's
        return " WHERE key = 'version'"
    return " WHERE false"        # a table with no region column: none of it, rather than all of it


def console_limits() -> dict:
    """The console connection's bounds (data/settings.yaml ``sql_console``): DuckDB ``memory_limit`` and
    ``threads`` — a query needing more memory is refused, never the server's whole memory."""
    section = settings_section("sql_console")
    return {"memory_limit": str(section["memory_limit"]), "threads": int(section["threads"]),
            "result_mb": section["result_mb"]}


def console_connection(db_path: str | os.PathLike, scope: tuple[str, ...] = (), bounds: dict | None = None):
    """An in-memory DuckDB holding the current version's tables, only the rows of ``scope`` (codes checked as
    digits), then closed: external access off (no file, no ATTACH, no extension) and the configuration locked.
    The query never sees the version file, so no query can reach rows outside the scope."""
    if any(not str(code).isdigit() for code in scope):
        raise ValueError(f"region codes are digits: {scope}")
    bounds = bounds or console_limits()
    con = duckdb.connect(":memory:", config={"memory_limit": bounds["memory_limit"], "threads": int(bounds["threads"])})
    try:                        # (bounded from the start: the copy below runs within them too)
        con.execute(f"ATTACH '{physical_path(db_path)}' AS source (READ_ONLY)")
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_catalog = 'source' ORDER BY table_name").fetchall()]
        for table in tables:
            columns = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE "
                                                 "table_catalog = 'source' AND table_name = ?", [table]).fetchall()]
            con.execute(f"CREATE TABLE memory.main.{table} AS SELECT * FROM source.main.{table}"
                        + console_scope_filter(table, columns, tuple(scope)))
        con.execute("DETACH source")
        con.execute(f"SET memory_limit = '{bounds['memory_limit']}'")
        con.execute(f"SET threads = {int(bounds['threads'])}")
        con.execute("SET max_temp_directory_size = '0B'")          # no spilling to disk either
        con.execute("SET enable_external_access = false")
        con.execute("SET autoinstall_known_extensions = false")
        con.execute("SET autoload_known_extensions = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def console_tables(con) -> pd.DataFrame:
    """The console's tables and columns (table, column, type), for the list beside the editor."""
    return con.execute("SELECT table_name AS \"table\", column_name AS \"column\", data_type AS type "
                       "FROM information_schema.columns WHERE table_schema = 'main' "
                       "ORDER BY table_name, ordinal_position").df()


def console_arrow(con, sql: str, row_limit: int, time_limit_s: float, bounds: dict | None = None) -> dict:
    """Run one checked SELECT on a :func:`console_connection`: at most ``row_limit`` rows kept, interrupted
    after ``time_limit_s`` seconds (raises :class:`ConsoleRefused` ``time_limit``; DuckDB's own errors, e.g.
    an unknown column, as ``error``; a result over ``result_mb`` as ``result_too_large``, before any of it
    becomes Python objects). ``bounds``: :func:`console_limits` as the caller read them. Returns
    ``{"arrow": IPC stream bytes, "truncated", "seconds"}``."""
    import time
    bounds = bounds or console_limits()
    console_statement_check(sql)
    timer = threading.Timer(time_limit_s, con.interrupt)
    t0 = time.perf_counter()
    max_bytes = int(float(bounds["result_mb"]) * 2**20)
    timer.start()
    try:                        # Arrow batches, their size counted before any becomes Python objects
        import warnings
        with warnings.catch_warnings():     # (the DB-API result's Arrow copy: a relation here aborted DuckDB at exit)
            warnings.simplefilter("ignore")
            reader = con.execute(sql).to_arrow_reader(2048)
        batches, n, size = [], 0, 0
        try:
            for batch in reader:
                batches.append(batch)
                n, size = n + batch.num_rows, size + batch.nbytes
                if size > max_bytes:
                    raise ConsoleRefused("result_too_large", mb=bounds["result_mb"])
                if n > row_limit:
                    break
            schema = reader.schema
        finally:                # the stream closed here, not by a collector at exit (DuckDB aborts there)
            reader.close()
    except duckdb.InterruptException as error:
        raise ConsoleRefused("time_limit", seconds=time_limit_s) from error
    except duckdb.OutOfMemoryException as error:
        raise ConsoleRefused("memory_limit", limit=bounds["memory_limit"]) from error
    except duckdb.Error as error:
        if time.perf_counter() - t0 >= time_limit_s:
            raise ConsoleRefused("time_limit", seconds=time_limit_s) from error
        raise ConsoleRefused("error", detail=str(error).splitlines()[0][:300]) from error
    finally:
        timer.cancel()
    import pyarrow as pa
    table = pa.Table.from_batches(batches, schema).slice(0, row_limit)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return {"arrow": sink.getvalue().to_pybytes(), "truncated": n > row_limit, "seconds": time.perf_counter() - t0}


def console_result(answer: dict) -> ConsoleResult:
    """A :func:`console_arrow` answer as a table (dates as dates, integer columns with gaps as objects)."""
    import pyarrow as pa
    table = pa.ipc.open_stream(answer["arrow"]).read_all()
    return ConsoleResult(table.to_pandas(integer_object_nulls=True, date_as_object=True), answer["truncated"],
                         answer["seconds"])


def console_query(con, sql: str, row_limit: int, time_limit_s: float) -> ConsoleResult:
    """:func:`console_arrow` in this process, as a table (tests; the app and the CLI run queries in a worker
    process, :mod:`analytics.io.console`)."""
    return console_result(console_arrow(con, sql, row_limit, time_limit_s))
