"""学校画像: one school's card, ranks and what it lacks."""
from analytics.i18n import t
from tests.app.apptest import app, texts


def test_profile_of_a_school_in_scope_and_one_out_of_scope(good_db, monkeypatch):
    at = app(good_db, monkeypatch, "school_profile", query={"county": "320902", "year": "2024"})
    assert not at.exception
    at.selectbox(key="profile_school").set_value("1320902001").run()
    assert not at.exception
    assert any("城东小学" in m.value for m in at.markdown)
    ranks = at.dataframe[0].value
    assert len(ranks) == 7 and set(ranks[t("profile.rank")]) <= {"1 / 2", "2 / 2"}       # two 小学 schools in scope
    at.selectbox(key="profile_school").set_value("1320902004").run()       # the 38-pupil 教学点
    assert not at.exception
    assert t("profile.out_of_scope") in texts(at)
