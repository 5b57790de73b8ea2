"""乡村小规模学校: the village school under the small-school line is listed with its size."""
from tests.app.apptest import app, texts


def test_the_38_pupil_teaching_point_is_a_very_small_school(good_db, monkeypatch):
    at = app(good_db, monkeypatch, "small_schools", query={"county": "320902", "year": "2024"})
    assert not at.exception
    assert "乡村小学和教学点1所，其中不足100人1所、不足50人1所" in texts(at)
