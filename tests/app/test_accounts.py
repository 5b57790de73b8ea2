"""Signing in (AppTest): single-user mode without accounts; with accounts only the sign-in page until signed
in; a wrong password is refused and audited; a viewer of 亭湖区 sees only 亭湖区 — an edited URL asking for
盐都区 gets "不在您的权限范围内" and none of its data — and the pages of roles above it are not there."""

import pytest

from analytics.io import accounts, audit, state
from tests.app.apptest import app, with_accounts

pytestmark = pytest.mark.usefixtures("state_backend")   # the state on SQLite and on PostgreSQL

PASSWORD = "correct horse battery"


@pytest.fixture()
def signed_db(demo_db, tmp_path):
    return with_accounts(demo_db, tmp_path, {"viewer1": ("viewer", "320902"), "王芳": ("manager", "3209")}, PASSWORD)


def sign_in(at, name, password):
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(password)
    return at.button[0].click().run()


def test_without_accounts_the_app_says_it_is_in_single_user_mode(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch)
    assert not at.exception and at.title[0].value == "总览"
    assert any("单用户模式" in c.value for c in at.sidebar.caption)


def test_only_the_sign_in_page_until_signed_in_and_failures_are_audited(signed_db, monkeypatch):
    at = app(signed_db, monkeypatch, query={"county": "320902", "year": "2024"})
    assert at.title[0].value == "登录" and not at.metric and not at.dataframe
    sign_in(at, "viewer1", "wrong password")
    assert any("账户名或密码不正确" in e.value for e in at.error) and at.title[0].value == "登录"
    sign_in(at, "nobody", PASSWORD)
    assert any("账户名或密码不正确" in e.value for e in at.error)           # an unknown name reads the same
    sign_in(at, "viewer1", PASSWORD)
    assert not at.exception and at.title[0].value == "总览" and at.metric
    log = audit.entries(state.state_path(signed_db))
    assert list(zip(log["user"], log["action"], log["outcome"]))[-3:] == [
        ("viewer1", "sign_in", "wrong"), ("nobody", "sign_in", "unknown"), ("viewer1", "sign_in", "ok")]
    assert audit.verify(state.state_path(signed_db))["ok"]


def test_a_viewer_reads_only_its_county(signed_db, monkeypatch):
    at = app(signed_db, monkeypatch, query={"county": "320903", "year": "2024"})     # an edited URL: 盐都区
    sign_in(at, "viewer1", PASSWORD)
    assert not at.exception
    assert any("320903 不在您的权限范围内" in e.value for e in at.error)
    assert at.session_state["county"] == "320902" and at.query_params.get("county") == "320902"
    assert "盐都区" not in " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert at.selectbox(key="county").options == ["亭湖区（320902）"]                  # its county only
    for page in ("data_admin", "rectification", "scenarios"):                        # not pages of its role
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"app_pages/{page}.py")


def test_a_city_manager_sees_the_city_and_may_import(signed_db, monkeypatch):
    at = app(signed_db, monkeypatch, query={"region": "32", "year": "2024"})         # the province: too wide
    sign_in(at, "王芳", PASSWORD)
    assert any("32 不在您的权限范围内" in e.value for e in at.error)
    assert len(at.selectbox(key="county").options) == 10                              # 全部区县 + 9 counties
    at.switch_page("app_pages/data_admin.py").run()
    assert not at.exception and at.title[0].value == "数据管理"


def test_an_administrator_adds_an_account_resets_a_password_and_sees_the_audit_chain(signed_db, monkeypatch):
    accounts.add(state.state_path(signed_db), "admin", "admin", None, PASSWORD)
    at = app(signed_db, monkeypatch)
    sign_in(at, "admin", PASSWORD)
    at.switch_page("app_pages/accounts.py").run()
    assert not at.exception and "viewer1" in list(at.dataframe[0].value["账户名"])
    box = {}
    for w in at.text_input:                          # the add form's boxes (the role form below has a scope too)
        box.setdefault(w.label, w)
    box["账户名"].input("张伟")
    box["范围（区域代码）"].input("3209")
    box["密码"].input("a long enough password")
    next(b for b in at.button if b.label == "添加账户").click().run()
    assert not at.exception and any("已添加账户 张伟" in s.value for s in at.success)
    assert accounts.sign_in(state.state_path(signed_db), "张伟", "a long enough password").ok
    assert any("审计日志完整" in s.value for s in at.success)
    log = audit.entries(state.state_path(signed_db))
    assert ("admin", "account_add", "3209") in set(zip(log["user"], log["action"], log["region"]))
    at.selectbox(key="account_who").select("viewer1")
    role_form = [w for w in at.text_input if w.label == "范围（区域代码）"][-1]
    role_form.input("320902,320903")
    next(s for s in at.selectbox if s.label == "新角色").select("analyst")
    next(b for b in at.button if b.label == "变更角色与范围").click().run()
    assert not at.exception and any("viewer1 的角色改为分析员" in s.value for s in at.success), [s.value for s in at.success]
    changed = accounts.get(state.state_path(signed_db), "viewer1")
    assert (changed.role, changed.scope) == ("analyst", ("320902", "320903"))
    log = audit.entries(state.state_path(signed_db))
    assert ("admin", "account_role", "320902,320903") == tuple(log[["user", "action", "region"]].iloc[-1])


def test_a_session_idle_too_long_is_signed_out(signed_db, monkeypatch):
    at = app(signed_db, monkeypatch)
    sign_in(at, "viewer1", PASSWORD)
    assert at.title[0].value == "总览"
    with state.connect(state.state_path(signed_db), write=True) as con:     # the last action long ago
        con.execute("UPDATE sessions SET seen_at = '2026-01-01T00:00:00+00:00' WHERE name = 'viewer1'")
    at.run()
    assert at.title[0].value == "登录" and any("长时间未操作" in i.value for i in at.info)
    log = audit.entries(state.state_path(signed_db))
    assert list(zip(log["action"], log["outcome"]))[-1] == ("sign_out", "idle")


def test_signing_out_in_one_tab_ends_the_other_and_an_account_change_ends_its_sessions(signed_db, monkeypatch):
    path = state.state_path(signed_db)
    tab1, tab2 = app(signed_db, monkeypatch), app(signed_db, monkeypatch)
    for tab in (tab1, tab2):
        sign_in(tab, "王芳", PASSWORD)
        assert tab.title[0].value == "总览"
    tab1.sidebar.button(key="auth_sign_out").click().run()
    assert tab1.title[0].value == "登录"
    tab2.run()                                                      # the other tab's next action
    assert tab2.title[0].value == "登录" and any("所有窗口同时退出" in i.value for i in tab2.info)
    new = "another horse staple"
    for change, said, password in [
            (lambda: accounts.set_role(path, "王芳", "viewer", "3209"), "角色或管辖范围已变更", PASSWORD),
            (lambda: accounts.set_password(path, "王芳", new), "密码已更改", PASSWORD),
            (lambda: accounts.disable(path, "王芳"), "账户已停用", new)]:
        tab = app(signed_db, monkeypatch)
        sign_in(tab, "王芳", password)
        assert tab.title[0].value == "总览", said
        change()
        tab.run()
        assert tab.title[0].value == "登录" and any(said in i.value for i in tab.info), said


def test_a_plan_looked_at_is_in_the_audit_log_once_and_a_viewer_has_no_downloads(signed_db, monkeypatch):
    at = app(signed_db, monkeypatch, query={"county": "320902", "year": "2024"})
    sign_in(at, "王芳", PASSWORD)
    at.switch_page("app_pages/rectification.py").run()
    assert not at.exception and at.title[0].value == "整改方案"
    at.run()                                                   # a rerun (any click) is not a second plan
    log = audit.entries(state.state_path(signed_db))
    plans = log[log["action"] == "plan"]
    assert list(zip(plans["user"], plans["region"])) == [("王芳", "320902")] and "2024" in plans["object"].iloc[0]
    assert at.get("download_button")                           # a manager may export …
    viewer = app(signed_db, monkeypatch, query={"county": "320902", "year": "2024"})
    sign_in(viewer, "viewer1", PASSWORD)
    viewer.switch_page("app_pages/scorecard.py").run()
    assert not viewer.exception and viewer.title[0].value == "达标评估"
    assert not viewer.get("download_button")                   # … a viewer may not


def test_a_two_county_account_is_not_offered_the_whole_city_and_compare_says_why(demo_db, tmp_path, monkeypatch):
    db = with_accounts(demo_db, tmp_path, {"two": ("analyst", "320902,320903"), "city": ("analyst", "3209")}, PASSWORD)
    at = app(db, monkeypatch, query={"county": "320902", "year": "2024"})
    sign_in(at, "two", PASSWORD)
    assert not at.exception and at.selectbox(key="county").options == ["亭湖区（320902）", "盐都区（320903）"]
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception and not at.error and not at.dataframe
    assert any("其他区县的数据不在权限范围内" in i.value and "320902、320903" in i.value for i in at.info)
    city = app(db, monkeypatch, query={"county": "320902", "year": "2024"})
    sign_in(city, "city", PASSWORD)
    assert city.selectbox(key="county").options[0] == "全部区县：盐城市"           # the whole of its city: its own
    city.switch_page("app_pages/compare.py").run()
    assert not city.exception and not city.error and city.dataframe
    assert city.radio(key="compare_level").options == ["盐城市（市）"]          # not the province: not its to read
