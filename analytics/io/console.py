"""The SQL console of analysts (page 数据查询 and ``python -m analytics sql``): one SELECT over the current
version, read-only and closed (see :func:`analytics.io.storage.console_connection`), scoped to the user's
regions, limited in rows and time (data/settings.yaml ``sql_console``), and every query in the audit log
with its text and the rows it returned — or why it was refused."""
from __future__ import annotations

from analytics.io import audit, state, storage

# the questions analysts ask most, as starting points beside the editor (catalog key of the title → SQL)
EXAMPLES = {
    "sql.example.schools_per_town": (
        "SELECT county_name AS 区县, town AS 乡镇街道, count(*) AS 学校数\nFROM schools\nGROUP BY ALL\n"
        "ORDER BY 学校数 DESC"),
    "sql.example.large_classes": (
        "SELECT s.name AS 学校, c.year AS 学年, c.grade AS 年级, c.class_name AS 班级, c.students AS 班额\n"
        "FROM classes c JOIN schools s USING (school_id)\nWHERE c.students > 45\nORDER BY c.students DESC"),
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


def limits() -> tuple[int, float]:
    """(row limit, time limit in seconds) from the settings."""
    from analytics.standards import settings_section
    section = settings_section("sql_console")
    return int(section["row_limit"]), float(section["time_limit_seconds"])


def run(db_path, sql: str, scope: tuple[str, ...] = (), user: str = "", role: str = "cli", connection=None,
        row_limit: int | None = None) -> storage.ConsoleResult:
    """Run ``sql`` over the current version of ``db_path`` within ``scope`` (region codes; empty: every region)
    and record it in the audit log (refusals too). ``connection``: a :func:`storage.console_connection` for
    the same version and scope to reuse (the page keeps one per session). Raises
    :class:`storage.ConsoleRefused`."""
    rows, time_limit = limits()
    rows = min(rows, row_limit) if row_limit else rows
    region, text = ",".join(scope), " ".join((sql or "").split())[:400]
    con = storage.console_connection(db_path, tuple(scope)) if connection is None else connection.cursor()
    try:
        result = storage.console_query(con, sql, rows, time_limit)
    except storage.ConsoleRefused as refused:
        audit.append(state.state_path(db_path), user, role, "sql", region, text, refused.key)
        raise
    finally:
        con.close()
    shown = f"{len(result.table)}{'+' if result.truncated else ''} rows: {text}"
    audit.append(state.state_path(db_path), user, role, "sql", region, shown, "ok")
    return result
