"""Idle sessions end when they expire, not when next looked at: what they own goes with them on time."""

from __future__ import annotations

from datetime import datetime, timezone

from vtasksim.domain.clock import ManualClock
from vtasksim.domain.faults import RequestCanceled
from vtasksim.domain.query import ObjectSpec, PropertyFilterSpec, PropertySpec
from vtasksim.domain.simulator import Simulator, SimulatorSettings
from vtasksim.domain.task import TaskInfo
from vtasksim.domain.vmodl import MoRef

START = datetime(2024, 1, 1, tzinfo=timezone.utc)


def test_a_held_wait_is_released_when_its_session_expires() -> None:
    clock = ManualClock(START)
    simulator = Simulator(clock, SimulatorSettings(session_timeout=60))
    simulator.add_task(TaskInfo(key="task-1", task=MoRef("Task", "task-1"), queueTime=START, descriptionId="d"))
    session = simulator.session_manager.login("me", "pw")
    collector = simulator.property_collector
    spec = PropertyFilterSpec(propSet=[PropertySpec("Task", pathSet=["info.state"])], objectSet=[ObjectSpec(MoRef("Task", "task-1"))])
    collector.create_filter(session, spec, False)
    answers: list[object] = []
    collector.wait_for_updates(session, None, None, answers.append)
    collector.wait_for_updates(session, answers[0].version, None, answers.append)  # nothing changed: it waits
    assert len(answers) == 1
    clock.advance(59)
    assert len(answers) == 1 and simulator.session_manager.find(session.key) is session
    clock.advance(2)
    assert len(answers) == 2 and isinstance(answers[1], RequestCanceled), answers
    assert simulator.session_manager.find(session.key) is None
    assert simulator.session_manager.sessionList == []


def test_the_sweep_follows_activity_and_stops_when_no_session_is_left() -> None:
    clock = ManualClock(START)
    manager = Simulator(clock, SimulatorSettings(session_timeout=10)).session_manager
    first = manager.login("a", "pw")
    clock.advance(8)
    second = manager.login("b", "pw")
    clock.advance(3)  # the first is 11 s idle, the second 3
    assert [session.userName for session in manager.sessionList] == ["b"]
    manager.authenticate(second.key, MoRef("Task", "task-1"), None)  # activity keeps it
    clock.advance(9)
    assert manager.find(second.key) is second and manager.find(first.key) is None
    clock.advance(2)
    assert manager.find(second.key) is None
    assert manager._sweep is None  # nothing left to watch: no timer keeps running
