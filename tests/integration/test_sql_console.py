"""The SQL console (`python -m analytics sql`): ordinary queries answer what the data holds; an attack list —
files, other databases, extensions, settings, DDL/DML, a second statement — is refused with a clear message
(exit 2) and nothing on disk changes; a scoped console sees only its regions' rows whatever the query; rows
and time are limited; every query, refused or not, is in the audit log."""
import json
import shutil

import pytest

from analytics.io import audit, state, storage, versions
from analytics.io.storage import Store
from tests.helpers import run_cli, sha

ATTACKS = {   # query → what the refusal says (zh)
    "COPY schools TO '{out}/schools.csv'": "不执行 COPY 语句",
    "EXPORT DATABASE '{out}/dump'": "不执行 EXPORT 语句",
    "ATTACH '{out}/other.duckdb' AS other": "不执行 ATTACH 语句",
    "ATTACH ':memory:' AS m": "不执行 ATTACH 语句",
    "DETACH source": "不执行 DETACH 语句",
    "INSTALL httpfs": "不执行 LOAD 语句",
    "LOAD httpfs": "不执行 LOAD 语句",
    "SET enable_external_access = true": "不执行 SET 语句",
    "RESET lock_configuration": "不执行 SET 语句",
    "PRAGMA database_list": "不执行 PRAGMA 语句",
    "CALL pragma_version()": "不执行 CALL 语句",
    "CHECKPOINT": "不执行 CALL 语句",
    "EXPLAIN SELECT 1": "不执行 EXPLAIN 语句",
    "CREATE TABLE t AS SELECT 1": "不执行 CREATE 语句",
    "DROP TABLE schools": "不执行 DROP 语句",
    "DELETE FROM schools": "不执行 DELETE 语句",
    "UPDATE schools SET name = 'x'": "不执行 UPDATE 语句",
    "INSERT INTO schools SELECT * FROM schools": "不执行 INSERT 语句",
    "BEGIN TRANSACTION": "不执行 TRANSACTION 语句",
    "SELECT 1; DROP TABLE schools": "一次只能执行一条语句（收到2条）",
    "SELECT * FROM schools; COPY schools TO '{out}/x.csv'": "一次只能执行一条语句（收到2条）",
    "/* a comment */ COPY schools TO '{out}/y.csv'": "不执行 COPY 语句",
    "SELECT * FROM read_csv('/etc/passwd')": "不能读取文件或执行其他语句（read_csv）",
    "sElEcT * FrOm ReAd_CsV_AuTo('/etc/passwd')": "不能读取文件或执行其他语句（ReAd_CsV_AuTo）",
    "SELECT * FROM read_text('/etc/passwd')": "（read_text）",
    "SELECT * FROM read_blob('/etc/passwd')": "（read_blob）",
    "SELECT * FROM read_parquet('{out}/x.parquet')": "（read_parquet）",
    "SELECT * FROM glob('/etc/*')": "（glob）",
    "SELECT * FROM query('SELECT 1')": "（query）",
    "SELECT * FROM sqlite_scan('{out}/x.db', 't')": "（sqlite_scan）",
    "SELECT * FROM duckdb_secrets()": "（duckdb_secrets）",
    "SELECT getenv('HOME')": "（getenv）",
    "WITH x AS (SELECT 1) SELECT * FROM read_json('{out}/x.json')": "（read_json）",
    "SELECT * FROM '/etc/passwd'": "查询出错",                          # no file reached: external access is off
    "SELECT * FROM 'data/equity.duckdb'": "查询出错",
    "SELECT * FROM source.schools": "查询出错",                         # the version file is not attached
    "SELEC * FROM schools": "语法错误",
    "": "没有查询语句",
}


def folder_state(folder):
    """Every file under ``folder`` and its checksum, the state database aside (the audit log grows; its
    installation key is made with the first entry)."""
    return {str(p.relative_to(folder)): sha(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and ".state.sqlite" not in p.name and not p.name.endswith((".lock", ".installation.key"))}


@pytest.fixture()
def db(demo_db, tmp_path):
    target = tmp_path / "data" / "equity.duckdb"
    target.parent.mkdir()
    shutil.copy(demo_db, target)
    shutil.copytree(versions.versions_dir(demo_db), versions.versions_dir(target))
    return target


def test_every_attack_is_refused_and_nothing_on_disk_changes(db, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    before = folder_state(tmp_path)
    for query, says in ATTACKS.items():
        code, stdout, err = run_cli(["sql", "--db", str(db), query.format(out=out)], capsys)
        assert code == 2 and says in err and not stdout, (query, code, err)
        assert folder_state(tmp_path) == before, query
    assert not any(out.iterdir())
    refused = audit.entries(state.state_path(db))
    assert len(refused) == len(ATTACKS) and set(refused["action"]) == {"sql"}
    assert "ok" not in set(refused["outcome"]) and "select_only" in set(refused["outcome"])
    assert audit.verify(state.state_path(db))["ok"]


def test_ordinary_queries_answer_what_the_data_holds(db, capsys):
    store = Store(db)
    try:
        schools = store.query("SELECT county_code FROM schools")
    finally:
        store.close()
    code, stdout, err = run_cli(["sql", "--db", str(db), "--json",
                                 "WITH s AS (SELECT county_code, count(*) AS n FROM schools GROUP BY ALL) "
                                 "SELECT * FROM s ORDER BY county_code"], capsys)
    assert code == 0, err
    answer = json.loads(stdout)
    expected = schools.groupby("county_code").size()
    assert answer["columns"] == ["county_code", "n"] and not answer["truncated"]
    assert {c: n for c, n in answer["rows"]} == {str(c): int(n) for c, n in expected.items()}
    assert f"{len(expected)}行" in err

    code, stdout, err = run_cli(["sql", "--db", str(db), "--json", "--limit", "5", "SELECT * FROM classes"], capsys)
    assert code == 0 and json.loads(stdout)["truncated"] and len(json.loads(stdout)["rows"]) == 5
    assert "只显示前5行" in err
    log = audit.entries(state.state_path(db))
    assert list(log["outcome"]) == ["ok", "ok"] and log["object"].iloc[1].startswith("5+ rows: SELECT * FROM classes")


def test_a_scoped_console_sees_only_its_regions_rows(db, capsys):
    others = "SELECT (SELECT count(*) FROM schools WHERE county_code <> '320902') + " \
             "(SELECT count(*) FROM stage_stats t WHERE t.school_id NOT IN (SELECT school_id FROM schools)) + " \
             "(SELECT count(*) FROM classes c WHERE c.school_id NOT IN (SELECT school_id FROM schools)) + " \
             "(SELECT count(*) FROM county_outlines WHERE county_code <> '320902') + " \
             "(SELECT count(*) FROM population WHERE county_code <> '320902') AS outside"
    code, stdout, _ = run_cli(["sql", "--db", str(db), "--json", "--scope", "320902", others], capsys)
    assert code == 0 and json.loads(stdout)["rows"] == [[0]]
    code, stdout, _ = run_cli(["sql", "--db", str(db), "--json", "--scope", "320902",
                               "SELECT DISTINCT county_code FROM schools"], capsys)
    assert json.loads(stdout)["rows"] == [["320902"]]
    code, stdout, _ = run_cli(["sql", "--db", str(db), "--json", "SELECT count(DISTINCT county_code) FROM schools"], capsys)
    assert json.loads(stdout)["rows"][0][0] > 1                         # unscoped: every county
    code, _, err = run_cli(["sql", "--db", str(db), "--scope", "3209' OR 1=1 --", "SELECT 1"], capsys)
    assert code == 2 and "范围应为区域代码" in err
    assert list(audit.entries(state.state_path(db))["region"])[:2] == ["320902", "320902"]


def test_a_query_longer_than_the_time_limit_is_stopped(db, tmp_path, capsys, monkeypatch):
    local = tmp_path / "settings.local.yaml"
    local.write_text("sql_console:\n  time_limit_seconds: 1\n", encoding="utf-8")
    monkeypatch.setenv("EQUITY_SETTINGS", str(local))
    code, _, err = run_cli(["sql", "--db", str(db), "SELECT count(*) FROM range(1000000000000) a"], capsys)
    assert code == 2 and "超过1.0秒，已停止" in err
    assert list(audit.entries(state.state_path(db))["outcome"]) == ["time_limit"]


def test_a_county_account_sees_no_other_countys_submission_and_heavy_results_are_refused(db):
    """The probes: the console copied `meta` whole (another county's importer, file and new schools reached
    every analyst); `SELECT list(range) FROM range(20000000)` took the app from 0.5 to 2.6 GB; duckdb_settings()
    showed server paths."""
    con = storage.console_connection(db, ("320902",))
    try:
        meta = storage.console_query(con.cursor(), "SELECT * FROM meta", 100, 10).table
        assert set(meta["key"]) == {"version"}                   # no importer, file, submission or row counts
        with pytest.raises(storage.ConsoleRefused) as big:
            storage.console_query(con.cursor(), "SELECT list(range) FROM range(20000000)", 100, 10)
        assert big.value.key == "result_too_large"
        with pytest.raises(storage.ConsoleRefused) as settings:
            storage.console_query(con.cursor(), "SELECT * FROM duckdb_settings()", 100, 10)
        assert settings.value.key == "file_access"
        schools = storage.console_query(con.cursor(), "SELECT DISTINCT county_code FROM schools", 100, 10).table
        assert set(schools["county_code"]) == {"320902"}
    finally:
        con.close()
    whole = storage.console_connection(db, ())                    # an administrator: the whole meta
    try:
        assert len(storage.console_query(whole.cursor(), "SELECT * FROM meta", 100, 10).table) > 1
    finally:
        whole.close()


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def test_memory_hungry_queries_run_in_a_bounded_worker_and_one_at_a_time_per_account(db):
    """The probes: `repeat('x', 2000000000)` reached 4 GB and `list(range)` over 20 M rows 2.6 GB in the app
    process. Now the query runs in a worker process with an address-space limit: the app process holds only
    the answer, a query past the limit is refused in words, a dead worker is replaced, and an account's second
    query while its first runs is refused."""
    import threading
    import time

    from analytics.io import console
    console.run(db, "SELECT 1", user="warm")                       # a worker started and kept
    before = rss_mb()
    for sql, key in [("SELECT repeat('x', 2000000000) AS s", "memory_limit"),
                     ("SELECT list(range) AS l FROM range(20000000)", None),
                     ("SELECT string_agg(repeat('x', 1000), '') FROM range(3000000)", "memory_limit")]:
        with pytest.raises(storage.ConsoleRefused) as refused:
            console.run(db, sql, user="li")
        assert refused.value.key in ({key} if key else {"memory_limit", "result_too_large", "worker_failed"})
    assert rss_mb() - before < 150                                  # the app process did not hold the query

    done = {}
    slow = threading.Thread(target=lambda: done.setdefault("first", _refusal(
        lambda: console.run(db, "SELECT count(*) FROM range(1000000000000) a", user="li"))))
    slow.start()
    time.sleep(1.0)
    assert _refusal(lambda: console.run(db, "SELECT 1", user="li")) == "one_at_a_time"
    assert console.run(db, "SELECT 2 AS n", user="wang").table["n"].tolist() == [2]   # others are not held up
    for worker in list(console.WORKERS.busy_pids()):             # the first query's worker dies under it
        import os
        import signal
        os.kill(worker, signal.SIGKILL)
    slow.join(60)
    assert done["first"] == "worker_failed"
    assert console.run(db, "SELECT 3 AS n", user="li").table["n"].tolist() == [3]     # replaced, li may go on
    outcomes = list(audit.entries(state.state_path(db))["outcome"])
    assert "one_at_a_time" in outcomes and "worker_failed" in outcomes and "memory_limit" in outcomes


def _refusal(work) -> str:
    try:
        work()
    except storage.ConsoleRefused as refused:
        return refused.key
    return "ok"
