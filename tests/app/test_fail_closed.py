"""Fail closed: sign-in never switches itself off. In builtin mode a state database that is missing, emptied
or unreadable shuts every page; single-user mode refuses a server others can reach, accounts it would ignore,
and an unknown mode. (SQLite: the state file is moved, emptied and damaged by hand.)"""
import pytest

from analytics.io import state
from tests.app.apptest import app, with_accounts

PASSWORD = "correct horse battery"


@pytest.fixture()
def signed_db(demo_db, tmp_path, monkeypatch):
    monkeypatch.delenv(state.STATE_URL_ENV, raising=False)
    return with_accounts(demo_db, tmp_path, {"viewer1": ("viewer", "320902")}, PASSWORD)


def test_sign_in_never_switches_off_when_the_state_database_goes_missing(signed_db, monkeypatch):
    """builtin mode: the state file moved away while the app ran (or a wrong EQUITY_STATE, a data folder copied
    without its state) — every visitor gets one message and no page; nothing writes a fresh, empty state file."""
    moved = state.state_path(signed_db)
    at = app(signed_db, monkeypatch)
    assert at.title[0].value == "登录"                                  # sign-in is on
    moved.rename(moved.with_suffix(".away"))
    for wal in moved.parent.glob(moved.name + "-*"):
        wal.unlink()
    for page in (None, "data_admin", "accounts"):
        at = app(signed_db, monkeypatch, page=page)
        assert not at.exception and [e.value for e in at.error] and "找不到账户与审计数据库" in at.error[0].value
        assert not at.title and not at.text_input and not at.metric             # no page, no sign-in form
        assert str(moved.parent) not in at.error[0].value                        # no server path to a visitor
    assert not moved.exists()                                                    # nothing opened it afresh


def test_an_emptied_accounts_table_or_an_unreadable_state_keeps_the_app_shut(signed_db, monkeypatch):
    import sqlite3
    location = state.state_path(signed_db)
    con = sqlite3.connect(location)
    con.execute("DELETE FROM accounts")
    con.commit()
    con.close()
    monkeypatch.setenv("EQUITY_AUTH_MODE", "builtin")
    at = app(signed_db, monkeypatch)
    assert not at.exception and "没有任何账户" in at.error[0].value and not at.title and not at.text_input
    location.write_bytes(b"not a database")
    at = app(signed_db, monkeypatch)
    assert not at.exception and "暂时无法读取" in at.error[0].value and not at.title and not at.text_input


def test_single_user_mode_refuses_a_reachable_server_accounts_and_an_unknown_mode(demo_db, signed_db, monkeypatch):
    import ui.auth
    monkeypatch.setenv("EQUITY_AUTH_MODE", "single_user")
    at = app(signed_db, monkeypatch)                                    # accounts exist: sign-in was meant
    assert "已建立账户" in at.error[0].value and not at.title and not at.metric
    at = app(demo_db, monkeypatch)                                      # no account, loopback: the page opens
    assert at.title[0].value == "总览" and not any("不开放" in e.value for e in at.error)
    monkeypatch.setattr(ui.auth, "server_address", lambda: "0.0.0.0")
    at = app(demo_db, monkeypatch)
    assert "只能在本机使用" in at.error[0].value and "0.0.0.0" in at.error[0].value and not at.title
    monkeypatch.setenv("EQUITY_AUTH_MODE", "open")
    at = app(demo_db, monkeypatch)
    assert "auth.mode" in at.error[0].value and not at.title and not at.metric
