"""Fault injection over the wire: each field of a rule, as pyVmomi sees it, and the rules listed
with how often each fired."""

from __future__ import annotations

import http.client
import time

import pytest

from running_server import smart_connect, start_server
from vtasksim.testing.control import Control, ControlAPIError

FIXTURE = """\
tasks:
  - {key: task-1, descriptionId: a.b, state: running, cancelable: true}
  - {key: task-2, descriptionId: a.b, state: running, cancelable: true}
faultRules:
  - {method: SetTaskDescription, fault: {type: InvalidState}, message: Descriptions are frozen.}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module, reset before each test through the control API."""
    path = tmp_path_factory.mktemp("faults") / "faults.yaml"
    path.write_text(FIXTURE)
    running = start_server(path)
    yield running
    running.stop()


@pytest.fixture
def control(server) -> Control:
    control = Control(server.base)
    control.reset()
    control.clear_requests()
    return control


@pytest.fixture
def si(server, control, connect):
    return connect(server)


def _task(si, key: str = "task-1"):
    from pyVmomi import vim

    return vim.Task(key, si._stub)


def _outcomes(task, calls: int) -> list[str]:
    """``ok`` or the fault's type, for each of ``calls`` UpdateProgress calls."""
    seen = []
    for n in range(calls):
        try:
            task.UpdateProgress(n)
            seen.append("ok")
        except Exception as fault:  # the injected vim fault
            seen.append(type(fault).__name__.rsplit(".", 1)[-1])
    return seen


def test_a_fixture_rule_answers_with_its_fault_and_message(si, control) -> None:
    from pyVmomi import vim

    task = _task(si)
    with pytest.raises(vim.fault.InvalidState) as refused:
        task.SetTaskDescription(vim.LocalizableMessage(key="k", message="m"))
    assert refused.value.msg == "Descriptions are frozen."
    assert task.info.description is None  # the method did not run
    (rule,) = control.get("faults")
    assert (rule["origin"], rule["matched"], rule["fired"]) == ("fixture", 1, 1)


def test_probability_1_always_and_0_never(si, control) -> None:
    control.post("faults", {"method": "UpdateProgress", "probability": 0, "fault": {"type": "Timedout"}})
    assert _outcomes(_task(si), 5) == ["ok"] * 5
    control.delete("faults")
    control.post("faults", {"method": "UpdateProgress", "probability": 1, "fault": {"type": "Timedout"}})
    assert _outcomes(_task(si), 5) == ["Timedout"] * 5
    (rule,) = control.get("faults")
    assert (rule["matched"], rule["fired"]) == (5, 5)


def test_a_probability_between_is_seeded_and_repeatable(server, control) -> None:
    rule = {"method": "UpdateProgress", "probability": 0.5, "seed": 7, "fault": {"type": "Timedout"}}
    runs = []
    for _ in range(2):
        control.reset()
        control.post("faults", rule)
        runs.append(_outcomes(_task(smart_connect(server)), 20))
    assert runs[0] == runs[1]
    assert 3 <= runs[0].count("Timedout") <= 17


def test_skip_lets_the_first_calls_through(si, control) -> None:
    control.post("faults", {"method": "UpdateProgress", "skip": 2, "fault": {"type": "Timedout"}})
    assert _outcomes(_task(si), 4) == ["ok", "ok", "Timedout", "Timedout"]


def test_max_count_fires_at_most_that_often(si, control) -> None:
    control.post("faults", {"method": "UpdateProgress", "maxCount": 2, "fault": {"type": "Timedout"}})
    assert _outcomes(_task(si), 4) == ["Timedout", "Timedout", "ok", "ok"]
    (_, rule) = control.get("faults")
    assert (rule["matched"], rule["fired"], rule["maxCount"]) == (4, 2, 2)


def test_skip_probability_and_max_count_together(si, control) -> None:
    control.post("faults", {"method": "UpdateProgress", "skip": 1, "maxCount": 1, "probability": 1, "fault": {"type": "Timedout"}})
    assert _outcomes(_task(si), 3) == ["ok", "Timedout", "ok"]


def test_fault_fields_reach_the_client(si, control) -> None:
    from pyVmomi import vim, vmodl

    control.post("faults", {"method": "UpdateProgress", "fault": {"type": "InvalidArgument", "invalidProperty": "percentDone"}})
    control.post("faults", {"method": "CancelTask", "fault": {"type": "NoPermission", "privilegeId": "Global.CancelTask",
                                                              "object": {"type": "Task", "value": "task-1"}},
                            "message": "Permission to perform this operation was denied."})
    with pytest.raises(vmodl.fault.InvalidArgument) as bad:
        _task(si).UpdateProgress(5)
    assert bad.value.invalidProperty == "percentDone"
    assert "fault rule" in bad.value.msg  # the default message names the rule
    with pytest.raises(vim.fault.NoPermission) as denied:
        _task(si).CancelTask()
    assert denied.value.privilegeId == "Global.CancelTask" and denied.value.object._moId == "task-1"
    assert denied.value.msg == "Permission to perform this operation was denied."


def test_fault_fields_are_checked_by_the_type_table(control) -> None:
    cases = [
        ({"fault": {"type": "InvalidStat"}}, "unknown fault type 'InvalidStat'; did you mean 'InvalidState'?"),
        ({"fault": {"type": "TaskInfo"}}, "unknown fault type 'TaskInfo'"),
        ({"fault": {"type": "InvalidArgument", "invalidProp": "x"}}, "fault.invalidProp: unknown field"),
        ({"fault": {"type": "NoPermission", "privilegeId": ["a"]}}, "fault.privilegeId: expected a single value"),
        ({"method": "UpdateProgres", "delay": 1}, "did you mean 'UpdateProgress'?"),
        ({"method": "UpdateProgress"}, "a rule needs a fault, a delay or drop: true"),
        ({"drop": True, "fault": {"type": "InvalidState"}}, "not both"),
        ({"probability": 2, "drop": True}, "a probability is 0 to 1"),
        ({"skip": -1, "drop": True}, "skip: -1 is out of range"),
        ({"delay": "soon"}, "expected a duration"),
    ]
    for rule, message in cases:
        with pytest.raises(ControlAPIError) as refused:
            control.post("faults", rule)
        assert refused.value.status == 400 and message in refused.value.message, (rule, refused.value.message)
    assert len(control.get("faults")) == 1  # only the fixture's


def test_delay_holds_the_answer_back(si, control) -> None:
    from pyVmomi import vim

    control.post("faults", {"method": "UpdateProgress", "delay": "0.6s"})
    control.post("faults", {"method": "CancelTask", "delay": 0.6, "fault": {"type": "InvalidState"}})
    task = _task(si)
    started = time.monotonic()
    task.UpdateProgress(33)  # the real answer, late
    assert time.monotonic() - started >= 0.6
    assert task.info.progress == 33
    started = time.monotonic()
    with pytest.raises(vim.fault.InvalidState):
        task.CancelTask()
    assert time.monotonic() - started >= 0.6
    assert task.info.cancelled is False


def test_drop_closes_the_connection_without_an_answer(server, si, control) -> None:
    control.post("faults", {"method": "UpdateProgress", "moref": {"type": "Task", "value": "task-1"}, "drop": True, "maxCount": 1})
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        _task(si).UpdateProgress(50)
    fresh = smart_connect(server)  # the server goes on serving
    assert _task(fresh).info.progress is None  # the dropped call did not run
    _task(fresh).UpdateProgress(50)
    dropped = control.requests(method="UpdateProgress")[0]
    assert dropped["status"] == 0 and dropped["note"] == "dropped by fault rule 2" and dropped["fault"] is None


def test_rules_match_by_method_object_type_moref_and_user(server, control) -> None:
    control.post("faults", {"moref": {"type": "Task", "value": "task-2"}, "fault": {"type": "InvalidState"}})
    control.post("faults", {"objectType": "SessionManager", "method": "SessionIsActive", "fault": {"type": "NotFound"}})
    control.post("faults", {"user": "bob", "method": "UpdateProgress", "fault": {"type": "Timedout"}})
    alice, bob = smart_connect(server, "alice", "x"), smart_connect(server, "bob", "x")
    assert _outcomes(_task(alice, "task-1"), 1) == ["ok"]
    assert _outcomes(_task(alice, "task-2"), 1) == ["InvalidState"]
    assert _outcomes(_task(bob, "task-1"), 1) == ["Timedout"]
    with pytest.raises(Exception) as not_found:
        alice.content.sessionManager.SessionIsActive("x", "alice")
    assert type(not_found.value).__name__.endswith("NotFound")
    listed = control.get("faults")
    assert [(rule["id"], rule["fired"]) for rule in listed] == [(1, 0), (2, 1), (3, 1), (4, 1)]
    logged = control.requests(moref="Task:task-2")
    assert logged[-1]["note"] == "fault rule 2" and logged[-1]["fault"]["type"] == "InvalidState"


def test_rules_are_removed_one_by_one_or_all_and_reset_restores_the_fixtures(control) -> None:
    control.post("faults", {"method": "UpdateProgress", "drop": True})
    assert [rule["id"] for rule in control.delete("faults/1")] == [2]
    with pytest.raises(ControlAPIError) as missing:
        control.delete("faults/1")
    assert missing.value.status == 404
    assert control.delete("faults") == []
    control.reset()
    assert [rule["origin"] for rule in control.get("faults")] == ["fixture"]
