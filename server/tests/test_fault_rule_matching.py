"""Fault rules in the domain (matching, skip, probability, max count) and as fixtures write them."""

from __future__ import annotations

import pytest

from vtasksim.app.fixtures import FixtureError, load_fixture_text
from vtasksim.domain.clock import ManualClock
from vtasksim.domain.scenarios.fault_rules import FaultRule, FaultRules, InjectedFault
from vtasksim.domain.vmodl import MoRef

TASK = MoRef("Task", "task-1")


def _fires(rules: FaultRules, calls: int, method: str = "UpdateProgress", user: str | None = "bob") -> list[int | None]:
    return [getattr(rules.check(method, TASK, user), "id", None) for _ in range(calls)]


def test_rules_are_tried_in_order_and_the_first_that_fires_answers() -> None:
    rules = FaultRules()
    rules.add(FaultRule(method="UpdateProgress", skip=1, drop=True))
    rules.add(FaultRule(user="bob", delay=1.0))
    assert _fires(rules, 3) == [2, 1, 1]
    assert _fires(rules, 1, user="alice") == [1]
    assert _fires(rules, 1, method="CancelTask", user="alice") == [None]
    assert [(r.matched, r.fired) for r in rules.rules] == [(4, 3), (1, 1)]  # rule 2 never saw the calls rule 1 answered


def test_max_count_zero_never_fires_and_probability_is_seeded() -> None:
    rules = FaultRules()
    rules.add(FaultRule(max_count=0, drop=True))
    assert _fires(rules, 3) == [None] * 3
    first, second = FaultRules(), FaultRules()
    for rules in (first, second):
        rules.add(FaultRule(probability=0.5, seed=3, drop=True))
    assert _fires(first, 30) == _fires(second, 30)
    assert 5 < _fires(first, 30).count(1) < 25


def test_an_injected_fault_has_the_rules_type_and_fields() -> None:
    rule = FaultRule(fault=("InvalidArgument", "", {"invalidProperty": "x"}))
    rules = FaultRules()
    rules.add(rule)
    with pytest.raises(InjectedFault) as raised:
        rule.raise_for("UpdateProgress", TASK)
    assert raised.value.vim_type == "InvalidArgument" and raised.value.as_data().properties == {"invalidProperty": "x"}
    assert raised.value.message == "InvalidArgument (vtasksim fault rule 1 on UpdateProgress Task:task-1)"


def test_fixture_rules_load_in_order() -> None:
    simulator = load_fixture_text(
        "faultRules:\n  - {method: UpdateProgress, skip: 1, maxCount: 2, fault: {type: InvalidState}, message: busy}\n"
        "  - {objectType: Task, moref: {type: Task, value: task-9}, user: bob, probability: 0.25, delay: 500ms, drop: true}\n",
        "f.yaml", ManualClock(),
    )  # fmt: skip
    first, second = simulator.fault_rules.rules
    assert (first.method, first.skip, first.max_count, first.fault) == ("UpdateProgress", 1, 2, ("InvalidState", "busy", {}))
    assert (second.object_type, second.moref, second.user) == ("Task", MoRef("Task", "task-9"), "bob")
    assert (second.probability, second.delay, second.drop) == (0.25, 0.5, True)


@pytest.mark.parametrize(
    "rule, path, message",
    [
        ("{method: UpdateProgres, drop: true}", "faultRules[0].method", "did you mean 'UpdateProgress'?"),
        ("{drop: true, probability: 1.5}", "faultRules[0].probability", "a probability is 0 to 1"),
        ("{message: x, drop: true}", "faultRules[0]", "give a fault too"),
        ("{fault: {type: OutOfBounds}}", "faultRules[0].fault.argumentName", "required field is missing"),
        ("{fault: {type: InvalidState}, drp: true}", "faultRules[0].drp", "did you mean 'drop'?"),
        ("{method: UpdateProgress}", "faultRules[0]", "a rule needs a fault, a delay or drop: true"),
    ],
)
def test_bad_rules_name_the_file_line_and_field(rule: str, path: str, message: str) -> None:
    with pytest.raises(FixtureError) as error:
        load_fixture_text(f"settings: {{}}\nfaultRules:\n  - {rule}\n", "f.yaml", ManualClock())
    assert (error.value.line, error.value.path) == (3, path)
    assert message in error.value.message
