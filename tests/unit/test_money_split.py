"""Money as a budget reads it: every cost is one-off or recurring (costs.yaml), and a total is never one sum of
the two — it is split into one-off, per year and the cumulative over the plan's horizon."""
import pytest

from analytics.formatting import fmt_money_split
from analytics.planning import rectification
from analytics.planning.rectification import Action, cost_totals


def test_two_classrooms_and_their_teachers_worked_by_hand():
    """2 classrooms at 280,000 once and 3.6 teachers at 150,000 a year, over 6 years: one-off 560,000,
    recurring 540,000 a year, cumulative 560,000 + 6 × 540,000 = 3,800,000."""
    act = Action("S", "小学", "G5", 2.0, "个班", 560_000 + 540_000, "guarantee", recurring_yuan=540_000)
    totals = cost_totals([act], 6)
    assert totals == {"one_off_yuan": 560_000, "recurring_yuan": 540_000, "cumulative_yuan": 3_800_000,
                      "horizon_years": 6}
    assert fmt_money_split(totals) == "一次性投入56.00万元；每年经常性投入54.00万元/年；6年累计380.00万元"


def test_every_cost_says_what_kind_of_money_it_is_and_choices_count_years():
    kinds = rectification.cost_kinds()
    assert set(kinds) == set(rectification.load_costs())
    assert kinds["teacher_per_year"] == kinds["teacher_exchange_per_year"] == "recurring"
    assert kinds["classroom"] == kinds["school_seat"] == kinds["backbone_training"] == "one_off"
    over = rectification.horizon_unit_costs(rectification.load_costs(), 6)
    assert over["teacher_per_year"] == 6 * 150_000 and over["classroom"] == 280_000


def test_a_cost_without_a_kind_is_refused(tmp_path):
    path = tmp_path / "costs.yaml"
    path.write_text("classroom: 300000\nnew_thing: 5\n", encoding="utf-8")      # a bare number the shipped file lacks
    with pytest.raises(ValueError, match="new_thing"):
        rectification.load_costs(str(path))
    path.write_text("classroom: 300000\n", encoding="utf-8")                     # a known key keeps its kind
    assert rectification.load_costs(str(path)) == {"classroom": 300_000}
    assert rectification.cost_kinds(str(path)) == {"classroom": "one_off"}
