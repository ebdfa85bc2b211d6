"""Timelines in the domain and as fixtures write them: ramps, offsets, refusals, file:line errors."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from vtasksim.app.fixtures import FixtureError, load_fixture_text
from vtasksim.domain.clock import ManualClock
from vtasksim.domain.scenarios.timeline import SetProgress, Step, ramp
from vtasksim.domain.task import Task
from vtasksim.domain.vmodl import MoRef

START = datetime(2026, 1, 1, 10, tzinfo=timezone.utc)


def _load(text: str) -> tuple:
    clock = ManualClock(START)
    return load_fixture_text(text, "t.yaml", clock), clock


def _task(simulator, key: str = "task-1") -> Task:
    task = simulator.registry.find(MoRef("Task", key))
    assert isinstance(task, Task)
    return task


def test_a_ramp_lands_on_its_end_whatever_every_divides() -> None:
    steps = ramp(2.0, 10, 20, over=3.0, every=2.0)
    assert [(s.offset, s.action) for s in steps] == [(2.0, SetProgress(10)), (3.5, SetProgress(15)), (5.0, SetProgress(20))]
    assert ramp(0.0, 0, 100, over=0.0, every=1.0) == [Step(0.0, SetProgress(0))]


def test_at_counts_from_the_server_start_and_after_from_the_task() -> None:
    simulator, clock = _load("""\
tasks:
  - {key: task-1, descriptionId: a.b, state: running, timeline: [{at: 5s, progress: 50}, {after: 2s, progress: 20}]}
timelines:
  a.c: [{after: 1s, state: running}]
""")
    task = _task(simulator)
    clock.advance(2)
    assert task.info.progress == 20
    clock.advance(3)
    assert task.info.progress == 50
    info = simulator.task_manager.create_task(MoRef("Folder", "group-d1"), "a.c", "me", False)
    created = _task(simulator, info.key)
    assert created.info.state.value == "queued"
    clock.advance(1)
    assert created.info.state.value == "running" and created.info.startTime == datetime(2026, 1, 1, 10, 0, 6, tzinfo=timezone.utc)


def test_steps_go_through_the_task_rules() -> None:
    simulator, clock = _load("""\
tasks:
  - key: task-1
    descriptionId: a.b
    timeline:
      - {after: 1s, progress: 50}         # queued: InvalidState, noted
      - {after: 2s, state: running}
      - {after: 3s, progress: -20}        # clamped to 0
      - {after: 4s, cancel: true}         # not cancelable: NotSupported
""")
    clock.advance(5)
    task = _task(simulator)
    assert (task.info.state.value, task.info.progress, task.info.cancelled) == ("running", 0, False)
    (playback,) = simulator.playbacks["task-1"]
    refused = [(o.step.action.describe(), o.refused.vim_type) for o in playback.outcomes if o.refused]
    assert refused == [("progress 50", "InvalidState"), ("cancel", "NotSupported")]


@pytest.mark.parametrize(
    "step, line, path, message",
    [
        ("{after: soon, state: running}", 4, "tasks[0].timeline[0].after", "expected a duration"),
        ("{after: 1s, at: 2s, state: running}", 4, "tasks[0].timeline[0].at", "not both"),
        ("{after: 1s}", 4, "tasks[0].timeline[0]", "a step does one of state, progress, description, cancel; it has none"),
        ("{progress: 1, cancel: true}", 4, "tasks[0].timeline[0]", "it has progress, cancel"),
        ("{state: runing}", 4, "tasks[0].timeline[0].state", "unknown state 'runing'"),
        ("{state: error}", 4, "tasks[0].timeline[0].state", "needs an error"),
        ("{state: running, result: 1}", 4, "tasks[0].timeline[0].result", "result goes with state: success"),
        ("{state: error, error: {fault: {type: NotAuthenticated}}}", 4, "tasks[0].timeline[0].error.fault.type", "does not extend VimFault"),
        ("{progress: {from: 0, to: 101, over: 1s}}", 4, "tasks[0].timeline[0].progress.to", "out of range"),
        ("{progress: {from: 0, to: 50}}", 4, "tasks[0].timeline[0].progress.over", "required field is missing"),
        ("{cancel: false}", 4, "tasks[0].timeline[0].cancel", "cancel: true cancels the task"),
        ("{stat: running}", 4, "tasks[0].timeline[0].stat", "did you mean 'state'"),
    ],
)
def test_bad_steps_name_the_file_line_and_field(step: str, line: int, path: str, message: str) -> None:
    with pytest.raises(FixtureError) as error:
        _load(f"tasks:\n  - key: task-1\n    descriptionId: a.b\n    timeline: [{step}]\n")
    assert (error.value.line, error.value.path) == (line, path)
    assert message in error.value.message


def test_a_type_timeline_counts_from_creation() -> None:
    with pytest.raises(FixtureError) as error:
        _load("timelines:\n  a.b:\n    - {at: 1s, state: running}\n")
    assert error.value.path == "timelines.a.b" and "write after, not at" in error.value.message


def test_a_task_that_leaves_the_history_takes_its_timeline_along() -> None:
    """CreateTask of a type with a timeline, again and again: the playbacks stay as few as the tasks kept."""
    simulator, clock = _load("settings: {historyLimit: 3}\ntimelines:\n  a.b: [{state: running}, {after: 1s, state: success}]\n")
    for _ in range(10):
        simulator.task_manager.create_task(MoRef("Folder", "group-d1"), "a.b", "me", False)
        clock.advance(1)
    kept = {task.ref.value for task in simulator.task_history.tasks()}
    assert set(simulator.playbacks) <= kept and len(simulator.playbacks) <= 4
