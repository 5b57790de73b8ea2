"""Coverage: how many schools a figure stands on, and the one rule that turns it into a status.

The standard judges every school in scope (standard.md §5a). A figure computed over only the
schools that reported its inputs is not the county's figure, so:

    not applicable   nothing in scope to judge (no special-education school for G7 …)
    fail             a school already known to fail the item (whatever the blanks hold)
    unknown          some school in scope lacks an input the item needs (数据不全)
    pass             every school in scope has its inputs and none fails
    fail             (full coverage, the rule broken)

Statuses are plain strings so that they travel through JSON, DuckDB and the pages unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from analytics.method.labels import school_labels

PASS, FAIL, UNKNOWN, NOT_APPLICABLE = "pass", "fail", "unknown", "not_applicable"
STATUSES = (PASS, FAIL, UNKNOWN, NOT_APPLICABLE)


@dataclass(frozen=True)
class Coverage:
    """The schools in an item's scope and those among them whose inputs are incomplete (by id)."""
    in_scope: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    reason: str = ""                       # what is missing, in the contract's words (e.g. 经费 · 教师培训经费)
    names: dict = field(default_factory=dict, compare=False)   # id → school name, for display

    @classmethod
    def of(cls, in_scope, missing=(), reason: str = "", names: dict | None = None) -> "Coverage":
        scope = tuple(dict.fromkeys(str(i) for i in in_scope))
        members = set(scope)
        gaps = tuple(i for i in dict.fromkeys(str(i) for i in missing) if i in members)
        return cls(scope, gaps, reason, dict(names or {}))

    @property
    def total(self) -> int:
        return len(self.in_scope)

    @property
    def complete(self) -> int:
        return self.total - len(self.missing)

    @property
    def full(self) -> bool:
        return not self.missing

    def labels(self) -> dict[str, str]:
        """id → the school's name, told apart from namesakes (:func:`analytics.method.labels.school_labels`)."""
        ids = list(self.names)
        return dict(zip(ids, school_labels(ids, list(self.names.values()))))

    def as_dict(self) -> dict:
        labels = self.labels() if self.missing else {}
        return {"in_scope": self.total, "complete": self.complete, "reason": self.reason,
                "missing": [{"school_id": i, "name": self.names.get(i, ""), "label": labels.get(i, i)}
                            for i in self.missing]}


def combine(statuses, empty: str = UNKNOWN) -> str:
    """Many statuses as one — a school's 学段, a 学段's resource items, a county's items: the one rule,
    written once. Items that do not apply are set aside; then any fail → fail; any other status that is
    not a pass (unknown, None) → unknown; nothing left → ``empty`` (unknown: nothing decided is no pass);
    else pass."""
    left = [s for s in statuses if s != NOT_APPLICABLE]
    if FAIL in left:
        return FAIL
    if any(s != PASS for s in left):
        return UNKNOWN
    return PASS if left else empty


def combine_flags(failing, unknown):
    """:func:`combine` over arrays (a province's schools at once): per row fail where ``failing``, else
    unknown where ``unknown``, else pass."""
    import numpy as np
    return np.where(np.asarray(failing, dtype=bool), FAIL, np.where(np.asarray(unknown, dtype=bool), UNKNOWN, PASS))


def decide(coverage: Coverage, known_failing: bool, rule_met: bool | None = True) -> str:
    """The status of an item from its coverage (the order of standard.md §5a):

        nothing in scope                      → not_applicable
        a school known to fail                → fail (blanks cannot repair it)
        a school in scope missing its inputs  → unknown
        rule_met is None (not computable)     → unknown
        otherwise                             → pass if rule_met else fail

    ``rule_met`` is the county-level test on complete data (e.g. CV ≤ line; None: it cannot be
    computed); items judged school by school leave it True (they pass when no school fails).
    """
    if coverage.total == 0:
        return NOT_APPLICABLE
    if known_failing:
        return FAIL
    if not coverage.full:
        return UNKNOWN
    if rule_met is None:
        return UNKNOWN
    return PASS if rule_met else FAIL
