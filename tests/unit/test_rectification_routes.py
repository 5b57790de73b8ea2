"""How far a failing CV is from its line in natural units (rectification.route_distance), by hand."""
from analytics.planning.rectification import Action, route_distance


def test_a_teacher_exchange_counts_teachers_and_a_floor_route_sums_its_amounts():
    move = {"indicator": "L2", "best": {"kind": "move", "cost_yuan": 60000.0, "one_off_yuan": 0.0, "recurring_yuan": 60000.0,
                                        "actions": [Action("a", "小学", "L2", 2, "人", 40000.0, "move", "", "b"),
                                                    Action("c", "小学", "L2", 1, "人", 20000.0, "move", "", "b")]}}
    assert route_distance(move) == {"kind": "move", "quantity": 3.0, "unit": "人", "one_off_yuan": 0.0, "recurring_yuan": 60000.0}
    floor = {"indicator": "L4", "best": {"kind": "floor", "cost_yuan": 3_500_000.0, "one_off_yuan": 3_500_000.0, "recurring_yuan": 0.0,
                                         "actions": [Action("a", "初中", "L4", 1200, "㎡", 3_000_000.0, "floor"),
                                                     Action("d", "初中", "L4", 200, "㎡", 500_000.0, "floor")]}}
    assert route_distance(floor) == {"kind": "floor", "quantity": 1400.0, "unit": "㎡", "one_off_yuan": 3_500_000.0, "recurring_yuan": 0.0}
    none = {"indicator": "L6", "best": None}
    assert route_distance(none) == {"kind": None, "quantity": None, "unit": "元", "one_off_yuan": None, "recurring_yuan": None}
