"""Saved views on both state engines: saved, listed newest first per owner and page, replaced under the same
name, deleted; another account does not see them; a bad name is refused."""
import pytest

from analytics.io import saved_views, state

pytestmark = pytest.mark.usefixtures("state_backend")


def test_views_are_kept_per_owner_and_page(new_state):
    location = new_state()
    saved_views.save(location, "analyst1", "explore", "骨干教师与班额", {"view": "scatter", "x": "L2", "years": "2024"})
    saved_views.save(location, "analyst1", "explore", "  城乡  差距 ", {"view": "box", "x": "L4"})
    saved_views.save(location, "analyst2", "explore", "别人的", {"view": "pivot"})
    mine = saved_views.listing(location, "analyst1", "explore")
    assert sorted(v["name"] for v in mine) == ["城乡 差距", "骨干教师与班额"]
    assert next(v for v in mine if v["name"] == "骨干教师与班额")["query"] == {"view": "scatter", "x": "L2", "years": "2024"}
    saved_views.save(location, "analyst1", "explore", "城乡 差距", {"view": "histogram"})       # replaced
    assert [v["query"] for v in saved_views.listing(location, "analyst1", "explore") if v["name"] == "城乡 差距"] == [
        {"view": "histogram"}]
    assert saved_views.listing(location, "analyst1", "sql_console") == []
    saved_views.delete(location, "analyst1", "explore", "城乡 差距")
    assert [v["name"] for v in saved_views.listing(location, "analyst1", "explore")] == ["骨干教师与班额"]
    assert [v["name"] for v in saved_views.listing(location, "analyst2", "explore")] == ["别人的"]
    for bad in ("", "   ", "x" * 41):
        with pytest.raises(saved_views.ViewNameError):
            saved_views.save(location, "analyst1", "explore", bad, {})
    assert len(state.table_rows(location, "saved_views")) == 2
