"""What 100,000 tasks share instead of copying (domain/task.py, task_manager.py, history/), and
why sharing never shows: a TaskEvent's info stays the TaskInfo as it was when the task was
created, however the task changes later (vCenter's TaskEvent carries that snapshot).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from vtasksim.domain.clock import ManualClock
from vtasksim.domain.history.event_filter import EventFilterSpec
from vtasksim.domain.history.task_filter import TaskFilterSpec
from vtasksim.domain.history.events import TaskEvent
from vtasksim.domain.scenarios.timeline import SetProgress, SetState, Step, Timeline
from vtasksim.domain.sharing import SharedValues
from vtasksim.domain.simulator import ROOT_FOLDER, Simulator, SimulatorSettings
from vtasksim.domain.task import NO_ITEMS, Task, TaskInfo, TaskState, copy_info
from vtasksim.domain.vmodl import KeyAnyValue, LocalizableMessage, MoRef

TASK_TYPE = "com.example.backup"


@pytest.fixture
def simulator() -> Simulator:
    return Simulator(ManualClock(), SimulatorSettings(cancel_delay=5.0))


def create(simulator: Simulator, user: str = "alice", task_type: str = TASK_TYPE) -> tuple[Task, TaskEvent]:
    # The arguments arrive as a request's reader makes them: strings of their own, a MoRef of its own.
    info = simulator.task_manager.create_task(MoRef("Folder", "group-d1"), "".join(task_type), "".join(user), True)
    event = simulator.event_manager.latestEvent
    assert isinstance(event, TaskEvent)
    return simulator.registry.get(info.task, Task), event


def snapshot(info: TaskInfo) -> dict:
    return {name: getattr(info, name) for name in TaskInfo.WIRE_ORDER}


# The TaskEvent's info: the task as it was created


def test_an_unchanged_task_and_its_event_share_one_task_info(simulator: Simulator) -> None:
    task, event = create(simulator)
    assert event.info is task.info


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda task: task.set_state(TaskState.running), id="SetTaskState running"),
        pytest.param(lambda task: (task.set_state(TaskState.running), task.update_progress(40)), id="UpdateProgress"),
        pytest.param(lambda task: task.set_state(TaskState.success), id="SetTaskState success"),
        pytest.param(lambda task: task.set_description(LocalizableMessage("phase.two", message="Phase two")), id="SetTaskDescription"),
        pytest.param(lambda task: task.cancel(), id="CancelTask (delayed)"),
    ],
)
def test_a_change_to_the_task_leaves_its_event_info_as_it_was(simulator: Simulator, change) -> None:
    task, event = create(simulator)
    created = snapshot(event.info)
    change(task)
    assert event.info is not task.info
    assert snapshot(event.info) == created
    assert event.info.state is TaskState.queued and not event.info.cancelled


def test_every_later_change_goes_to_the_tasks_own_copy(simulator: Simulator) -> None:
    task, event = create(simulator)
    task.cancel()  # cancelled now, error in 5 s
    own = task.info
    simulator.clock.advance(5.0)  # type: ignore[attr-defined]
    assert task.info is own and task.info.state is TaskState.error and task.info.cancelled
    assert event.info.state is TaskState.queued and not event.info.cancelled and event.info.error is None


def test_a_refused_change_copies_nothing(simulator: Simulator) -> None:
    task, event = create(simulator)
    with pytest.raises(Exception):
        task.update_progress(10)  # a queued task takes no progress
    assert event.info is task.info


def test_create_task_answers_the_task_as_its_due_timeline_steps_left_it(simulator: Simulator) -> None:
    simulator.task_type_timelines[TASK_TYPE] = Timeline((Step(0.0, SetState(TaskState.running)), Step(0.0, SetProgress(30))))
    info = simulator.task_manager.create_task(ROOT_FOLDER, TASK_TYPE, "alice", True)
    event = simulator.event_manager.latestEvent
    assert info.state is TaskState.running and info.progress == 30
    assert event.info.state is TaskState.queued and event.info.progress is None


def test_a_restored_info_is_the_tasks_own(simulator: Simulator) -> None:
    """The state store puts a stored TaskInfo in place: changing it must not need a copy, nor touch the event's."""
    task, event = create(simulator)
    task.info = copy_info(task.info)
    restored = task.info
    task.set_state(TaskState.running)
    assert task.info is restored and event.info.state is TaskState.queued


def test_copy_info_has_every_field_and_is_a_task_info_of_its_own(simulator: Simulator) -> None:
    task, _ = create(simulator)
    task.set_state(TaskState.running)
    task.info.progressDetails = [KeyAnyValue("disk", 2)]
    copied = copy_info(task.info)
    assert copied == task.info and copied is not task.info and type(copied) is TaskInfo
    copied.progress = 99
    assert task.info.progress is None


# What tasks share


def test_unset_list_fields_share_one_empty_list_and_setting_one_touches_no_other(simulator: Simulator) -> None:
    first, _ = create(simulator)
    second, _ = create(simulator)
    assert first.info.locked is NO_ITEMS and second.info.progressDetails is NO_ITEMS and NO_ITEMS == []
    first.info.locked = [ROOT_FOLDER]
    assert second.info.locked == [] and NO_ITEMS == []


def test_tasks_of_one_type_user_and_entity_share_their_strings_reason_and_reference(simulator: Simulator) -> None:
    (first, first_event), (second, second_event) = create(simulator), create(simulator)
    assert first.info.descriptionId is second.info.descriptionId
    assert first.info.reason is second.info.reason and first.info.reason.userName == "alice"
    assert first.info.entity is second.info.entity is simulator.root_folder.ref
    assert first_event.fullFormattedMessage is second_event.fullFormattedMessage == f"Task: {TASK_TYPE}"
    assert first.behaviour is second.behaviour and first.behaviour.cancel_delay == 5.0
    other, _ = create(simulator, user="bob", task_type="com.example.other")
    assert other.info.reason.userName == "bob" and other.info.descriptionId == "com.example.other"
    assert first.info.reason.userName == "alice"


def test_a_task_with_its_own_cancel_delay_has_its_own_behaviour(simulator: Simulator) -> None:
    assert simulator.task_behaviour(cancel_delay=1.0) is simulator.task_behaviour(cancel_delay=1.0)
    assert simulator.task_behaviour(cancel_delay=1.0).cancel_delay == 1.0
    assert simulator.task_behaviour().cancel_delay == 5.0


def test_shared_values_stop_remembering_at_their_limit() -> None:
    made: list[str] = []
    shared = SharedValues(lambda key: made.append(key) or key.upper(), limit=2)
    assert [shared("a"), shared("a"), shared("b"), shared("c"), shared("c")] == ["A", "A", "B", "C", "C"]
    assert made == ["a", "b", "c", "c"] and len(shared) == 2


def test_history_and_events_still_see_each_task_once(simulator: Simulator) -> None:
    tasks = [create(simulator)[0] for _ in range(3)]
    tasks[0].set_state(TaskState.running)
    simulator.clock.advance(timedelta(seconds=1).total_seconds())  # type: ignore[attr-defined]
    events = simulator.event_manager.query_events(EventFilterSpec())
    assert [e.info.key for e in events] == [t.info.key for t in reversed(tasks)]
    assert [e.info.state for e in events] == [TaskState.queued] * 3
    assert [t.info.key for t in simulator.task_history.newest_first()] == [t.info.key for t in reversed(tasks)]


def test_a_task_keeps_its_attributes_in_slots(simulator: Simulator) -> None:
    task, _ = create(simulator)
    task.set_state(TaskState.running)
    task.cancel()
    assert vars(task) == {}  # nothing fell back to an instance dict


# History without a stored key per entry: the same order, the same retention


def test_events_older_than_event_max_age_go_and_a_fixtures_count_from_the_server_start(simulator: Simulator) -> None:
    clock = simulator.clock
    old = TaskInfo(key="task-old", task=MoRef("Task", "task-old"), queueTime=clock.now() - timedelta(days=400))
    simulator.add_task(old)  # as a fixture written last year adds it
    first, _ = create(simulator)
    clock.advance(timedelta(days=29).total_seconds())  # type: ignore[attr-defined]
    create(simulator)
    assert [e.info.key for e in simulator.event_manager.query_events(EventFilterSpec())][1:] == [first.info.key, "task-old"]
    clock.advance(timedelta(days=1, seconds=1).total_seconds())  # type: ignore[attr-defined]
    last, _ = create(simulator)
    keys = [e.info.key for e in simulator.event_manager.query_events(EventFilterSpec())]
    assert "task-old" not in keys and first.info.key not in keys and keys[0] == last.info.key and len(keys) == 2


def test_a_task_queued_earlier_than_the_newest_takes_its_place_in_history(simulator: Simulator) -> None:
    newest, _ = create(simulator)
    earlier = TaskInfo(key="task-early", task=MoRef("Task", "task-early"), queueTime=simulator.clock.now() - timedelta(hours=1))
    simulator.add_task(earlier)
    assert [t.info.key for t in simulator.task_history.newest_first()] == [newest.info.key, "task-early"]
    collector = simulator.task_manager.create_collector_for_tasks(simulator.session_manager.login("alice", "pw"), TaskFilterSpec())
    assert [info.key for info in collector.read_next(10)] == ["task-early", newest.info.key]
