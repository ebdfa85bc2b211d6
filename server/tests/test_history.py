"""Task and event history in the domain (domain/history/), without a server.

The rules are those of the vSphere API reference pages of HistoryCollector,
TaskHistoryCollector, TaskFilterSpec (and its ByEntity, ByTime, ByUsername, RecursionOption,
TimeOption), EventManager, EventHistoryCollector and EventFilterSpec, and vCenter's task
retention (``task.maxAge``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from vtasksim.domain.authorization import anyone
from vtasksim.domain.clock import ManualClock
from vtasksim.domain.faults import InvalidArgument, InvalidName, InvalidState, ManagedObjectNotFound
from vtasksim.domain.history.event_filter import EventFilterSpec, EventFilterSpecByEntity, EventFilterSpecByTime, EventFilterSpecByUsername
from vtasksim.domain.history.events import TaskEvent
from vtasksim.domain.history.task_filter import (
    TaskFilterSpec,
    TaskFilterSpecByEntity,
    TaskFilterSpecByTime,
    TaskFilterSpecByUsername,
)
from vtasksim.domain.options.option_manager import OptionValue
from vtasksim.domain.simulator import ROOT_FOLDER, Simulator, SimulatorSettings
from vtasksim.domain.task import Task, TaskReasonAlarm, TaskReasonSchedule, TaskReasonSystem, TaskState
from vtasksim.domain.vmodl import MoRef, TypedValue

DATACENTER = MoRef("Datacenter", "datacenter-2")
VM_FOLDER = MoRef("Folder", "group-v3")
VM = MoRef("VirtualMachine", "vm-42")
OTHER_VM = MoRef("VirtualMachine", "vm-43")
ALARM = MoRef("Alarm", "alarm-7")
SCHEDULE = MoRef("ScheduledTask", "schedule-1")


class Lab:
    """A simulator with a small tree (root → datacenter → vm folder → two VMs) and a session."""

    def __init__(self, **settings) -> None:
        self.clock = ManualClock()
        # Idle sessions expire on time: the lab's must outlive the month retention tests let pass.
        settings.setdefault("session_timeout", 365 * 86400.0)
        self.sim = Simulator(self.clock, SimulatorSettings(**settings))
        for ref, name, parent in (
            (DATACENTER, "DC0", ROOT_FOLDER), (VM_FOLDER, "vm", DATACENTER),
            (VM, "web-01", VM_FOLDER), (OTHER_VM, "web-02", VM_FOLDER),
        ):  # fmt: skip
            self.sim.add_inventory_object(ref, name).parent = parent  # type: ignore[attr-defined]
        self.session = self.sim.session_manager.login("alice", "pw")

    def create(self, obj: MoRef = VM, user: str = "alice", parent: str | None = None, seconds: float = 1) -> Task:
        self.clock.advance(seconds)
        info = self.sim.task_manager.create_task(obj, "com.example.job", user, True, parent_task_key=parent)
        return self.task(info.key)

    def task(self, key: str) -> Task:
        return self.sim.registry.get(MoRef("Task", key), Task)

    def collect(self, spec: TaskFilterSpec | None = None):
        return self.sim.task_manager.create_collector_for_tasks(self.session, spec or TaskFilterSpec())

    def keys(self, spec: TaskFilterSpec) -> list[str]:
        collector = self.collect(spec)
        return [info.key for info in collector.read_next(1000)]


@pytest.fixture
def lab() -> Lab:
    return Lab()


def keys(infos) -> list[str]:
    return [info.key for info in infos]


# HistoryCollector: the scrollable view and the latest page


def test_new_collector_is_rewound_and_read_next_reads_oldest_first_until_the_end(lab: Lab) -> None:
    """"rewind - Moves the scrollable view to the oldest item (the default setting)"; ReadNextTasks:
    "No item is returned when the end of the collector is reached"."""
    created = [lab.create().info.key for _ in range(5)]
    collector = lab.collect()
    assert keys(collector.read_next(2)) == created[:2]
    assert keys(collector.read_next(2)) == created[2:4]
    assert keys(collector.read_next(2)) == created[4:]
    assert collector.read_next(2) == []


def test_latest_page_holds_the_newest_ten_newest_first(lab: Lab) -> None:
    """latestPage: as new tasks are created, the oldest leave the page to keep it at the page size (10 by default)."""
    created = [lab.create().info.key for _ in range(12)]
    collector = lab.collect()
    assert keys(collector.latestPage) == created[::-1][:10]
    newer = lab.create().info.key
    assert keys(collector.latestPage) == [newer, *created[::-1][:9]]


def test_set_collector_page_size_changes_the_latest_page(lab: Lab) -> None:
    created = [lab.create().info.key for _ in range(4)]
    collector = lab.collect()
    collector.set_page_size(2)
    assert keys(collector.latestPage) == created[:1:-1]
    collector.set_page_size(0)
    assert collector.latestPage == []
    for bad in (-1, 1001):
        with pytest.raises(InvalidArgument) as raised:
            collector.set_page_size(bad)
        assert raised.value.properties["invalidProperty"] == "maxCount"


def test_reset_moves_before_the_latest_page_so_read_previous_reads_what_it_does_not_show(lab: Lab) -> None:
    """ResetCollector: "Moves the scrollable view to the item immediately preceding the viewable
    latest page"; readPrev: "Retrieves all items (excluding the viewable latest page) … from the
    newest item to the oldest item"."""
    created = [lab.create().info.key for _ in range(6)]
    collector = lab.collect()
    collector.set_page_size(2)
    collector.reset()
    assert keys(collector.read_previous(3)) == created[3::-1][:3]
    assert keys(collector.read_previous(3)) == [created[0]]
    assert collector.read_previous(3) == []  # the head of the collector
    collector.reset()
    assert keys(collector.read_next(10)) == created[4:]  # after a reset, ReadNext reads the latest page


def test_rewind_goes_back_to_the_oldest(lab: Lab) -> None:
    created = [lab.create().info.key for _ in range(3)]
    collector = lab.collect()
    collector.read_next(10)
    collector.rewind()
    assert keys(collector.read_next(1)) == created[:1]


def test_read_counts_must_be_positive(lab: Lab) -> None:
    collector = lab.collect()
    for read in (collector.read_next, collector.read_previous):
        with pytest.raises(InvalidArgument) as raised:
            read(0)
        assert raised.value.properties["invalidProperty"] == "maxCount"


def test_tasks_created_later_are_read_next(lab: Lab) -> None:
    lab.create()
    collector = lab.collect()
    collector.read_next(10)
    later = lab.create().info.key
    assert keys(collector.read_next(10)) == [later]


def test_latest_page_changes_are_published_when_a_matching_task_is_created_or_changes(lab: Lab) -> None:
    """latestPage is observable: the collector says it changed through the change feed."""
    task = lab.create()
    collector = lab.collect(TaskFilterSpec(entity=TaskFilterSpecByEntity(VM, "self")))
    seen: list[tuple[MoRef, tuple[str, ...]]] = []
    lab.sim.changes.subscribe(lambda ref, paths: seen.append((ref, paths)))
    task.set_state(TaskState.running)
    task.update_progress(50)
    lab.create(OTHER_VM)  # does not match: no change of the page
    lab.create(VM)
    assert [paths for ref, paths in seen if ref == collector.ref] == [("latestPage",)] * 3


# Collectors and sessions


def test_collectors_count_against_max_collector_per_session(lab: Lab) -> None:
    """TaskManager.maxCollector: "Maximum number of TaskHistoryCollector data objects that can
    exist concurrently, per client"; CreateCollectorForTasks declares InvalidState."""
    lab.sim.task_manager.maxCollector = 2
    first = lab.collect()
    lab.collect()
    with pytest.raises(InvalidState):
        lab.collect()
    other = lab.sim.session_manager.login("bob", "pw")
    lab.sim.task_manager.create_collector_for_tasks(other, TaskFilterSpec())  # another client has its own
    first.destroy()
    lab.collect()


def test_a_collector_goes_with_its_session_and_is_invisible_to_others(lab: Lab) -> None:
    collector = lab.collect()
    other = lab.sim.session_manager.login("bob", "pw")
    assert collector.visible_to(lab.session) and not collector.visible_to(other)
    lab.sim.session_manager.logout(lab.session)
    assert collector.ref not in lab.sim.registry


def test_destroy_collector_removes_it(lab: Lab) -> None:
    collector = lab.collect()
    collector.destroy()
    with pytest.raises(ManagedObjectNotFound):
        lab.sim.registry.get(collector.ref)


# TaskFilterSpec, field by field


def test_filter_by_entity_self_children_all(lab: Lab) -> None:
    """RecursionOption: self = the entity only; children = its child entities only; all = either."""
    on_folder = lab.create(VM_FOLDER).info.key
    on_vm = lab.create(VM).info.key
    on_other = lab.create(OTHER_VM).info.key
    by = lambda entity, recursion: lab.keys(TaskFilterSpec(entity=TaskFilterSpecByEntity(entity, recursion)))  # noqa: E731
    assert by(VM_FOLDER, "self") == [on_folder]
    assert by(VM_FOLDER, "children") == [on_vm, on_other]
    assert by(VM_FOLDER, "all") == [on_folder, on_vm, on_other]
    assert by(ROOT_FOLDER, "all") == [on_folder, on_vm, on_other]  # children of children too
    assert by(VM, "self") == [on_vm]


def test_filter_by_time_of_each_kind(lab: Lab) -> None:
    first, second = lab.create(), lab.create()
    second.set_state(TaskState.running)
    lab.clock.advance(10)
    second.set_state(TaskState.success)
    begin = first.info.queueTime + timedelta(seconds=0.5)
    by = lambda kind, begin=None, end=None: lab.keys(TaskFilterSpec(time=TaskFilterSpecByTime(kind, begin, end)))  # noqa: E731
    assert by("queuedTime", begin) == [second.info.key]
    assert by("queuedTime", None, begin) == [first.info.key]
    assert by("startedTime", first.info.queueTime) == [second.info.key]  # first never started
    assert by("completedTime", second.info.completeTime, second.info.completeTime) == [second.info.key]


def test_filter_time_begin_after_end_is_invalid(lab: Lab) -> None:
    now = lab.clock.now()
    with pytest.raises(InvalidArgument) as raised:
        lab.collect(TaskFilterSpec(time=TaskFilterSpecByTime("queuedTime", now, now - timedelta(1))))
    assert raised.value.properties["invalidProperty"] == "filter.time"


def test_filter_by_user_name_and_system_user(lab: Lab) -> None:
    alice, bob = lab.create(user="alice"), lab.create(user="bob")
    system = lab.create()
    system.info.reason = TaskReasonSystem()
    by = lambda system_user, users: lab.keys(TaskFilterSpec(userName=TaskFilterSpecByUsername(system_user, users)))  # noqa: E731
    assert by(False, ["bob"]) == [bob.info.key]
    assert by(True, []) == [system.info.key]
    assert by(True, ["alice"]) == [alice.info.key, system.info.key]


def test_filter_by_state(lab: Lab) -> None:
    queued, running = lab.create(), lab.create()
    running.set_state(TaskState.running)
    assert lab.keys(TaskFilterSpec(state=["running"])) == [running.info.key]
    assert lab.keys(TaskFilterSpec(state=["queued", "running"])) == [queued.info.key, running.info.key]


def test_a_task_joins_and_leaves_a_state_filtered_collector_as_its_state_changes(lab: Lab) -> None:
    task = lab.create()
    collector = lab.collect(TaskFilterSpec(state=["running"]))
    assert collector.latestPage == []
    task.set_state(TaskState.running)
    assert keys(collector.latestPage) == [task.info.key]
    task.set_state(TaskState.success)
    assert collector.latestPage == []


def test_filter_by_alarm_and_scheduled_task(lab: Lab) -> None:
    by_alarm, by_schedule, _ = lab.create(), lab.create(), lab.create()
    by_alarm.info.reason = TaskReasonAlarm(alarm=ALARM, entity=VM)
    by_schedule.info.reason = TaskReasonSchedule(scheduledTask=SCHEDULE)
    assert lab.keys(TaskFilterSpec(alarm=ALARM)) == [by_alarm.info.key]
    assert lab.keys(TaskFilterSpec(scheduledTask=SCHEDULE)) == [by_schedule.info.key]
    with pytest.raises(InvalidArgument) as raised:
        lab.collect(TaskFilterSpec(alarm=VM))
    assert raised.value.properties["invalidProperty"] == "filter.alarm"


def test_filter_by_event_chain_id_tag_parent_and_root_task(lab: Lab) -> None:
    root = lab.create()
    child = lab.create(parent=root.info.key)
    grandchild = lab.create(parent=child.info.key)
    grandchild.info.changeTag = "nightly"
    assert lab.keys(TaskFilterSpec(eventChainId=[child.info.eventChainId])) == [child.info.key]
    assert lab.keys(TaskFilterSpec(tag=["nightly"])) == [grandchild.info.key]
    assert lab.keys(TaskFilterSpec(parentTaskKey=[root.info.key])) == [child.info.key]
    assert lab.keys(TaskFilterSpec(rootTaskKey=[root.info.key])) == [child.info.key, grandchild.info.key]


def test_filter_entity_must_be_a_managed_entity_that_exists(lab: Lab) -> None:
    task = lab.create()
    with pytest.raises(InvalidArgument) as raised:
        lab.collect(TaskFilterSpec(entity=TaskFilterSpecByEntity(task.ref, "self")))
    assert raised.value.properties["invalidProperty"] == "filter.entity.entity"
    with pytest.raises(ManagedObjectNotFound):
        lab.collect(TaskFilterSpec(entity=TaskFilterSpecByEntity(MoRef("VirtualMachine", "vm-999"), "self")))


# Retention: task.maxAge and the count bound


def test_completed_tasks_older_than_max_age_leave_the_server(lab: Lab) -> None:
    task = lab.create()
    task.set_state(TaskState.running)
    task.set_state(TaskState.success)
    running = lab.create()
    running.set_state(TaskState.running)
    collector = lab.collect()
    lab.clock.advance(timedelta(days=30, seconds=1).total_seconds())
    lab.create()  # the history looks at ages as tasks come and go
    assert task.ref not in lab.sim.registry
    assert running.ref in lab.sim.registry  # a task that has not completed stays
    assert task.info.key not in keys(collector.read_next(100))


def test_the_oldest_completed_tasks_go_beyond_the_history_limit() -> None:
    lab = Lab(history_limit=3)
    done = []
    for _ in range(5):
        task = lab.create()
        task.set_state(TaskState.running)
        task.set_state(TaskState.success)
        done.append(task)
    assert [t.ref in lab.sim.registry for t in done] == [False, False, True, True, True]
    assert len(lab.sim.task_history) == 3
    assert len(lab.sim.event_manager) == 3


def test_fixture_tasks_count_their_age_from_the_server_start() -> None:
    """A fixture's completed tasks (however old) stay for task.maxAge after the server started."""
    lab = Lab()
    old = lab.create()
    old.info.state, old.info.completeTime = TaskState.success, lab.clock.now() - timedelta(days=400)
    lab.sim.task_history.prune()
    assert old.ref in lab.sim.registry


def test_update_options_task_max_age_applies_at_once(lab: Lab) -> None:
    task = lab.create()
    task.set_state(TaskState.running)
    task.set_state(TaskState.success)
    lab.clock.advance(timedelta(days=2).total_seconds())
    lab.sim.option_manager.update_options([OptionValue("task.maxAge", TypedValue("xsd:long", 1))])
    lab.create()
    assert task.ref not in lab.sim.registry
    assert lab.sim.option_manager.query_options("task.maxAge") == [OptionValue("task.maxAge", 1)]


def test_option_manager_names_and_values_are_checked(lab: Lab) -> None:
    options = lab.sim.option_manager
    assert {v.key for v in options.query_options("task.")} == {"task.maxAge", "task.maxAgeEnabled"}
    with pytest.raises(InvalidName):
        options.query_options("task.nope")
    with pytest.raises(InvalidName):
        options.update_options([OptionValue("nope", 1)])
    with pytest.raises(InvalidArgument) as raised:
        options.update_options([OptionValue("task.maxAge", 2), OptionValue("task.maxAgeEnabled", TypedValue("xsd:string", "yes"))])
    assert raised.value.properties["invalidProperty"] == "changedValue[1].value"
    assert options.value("task.maxAge") == 30  # one bad value changes nothing


# Events


def test_a_task_event_is_recorded_when_a_task_is_created(lab: Lab) -> None:
    task = lab.create(VM)
    event = lab.sim.event_manager.latestEvent
    assert isinstance(event, TaskEvent)
    assert event.chainId == task.info.eventChainId and event.userName == "alice"
    assert event.info.key == task.info.key and event.info.state is TaskState.queued
    assert event.vm.vm == VM and event.vm.name == "web-01"
    assert event.datacenter.datacenter == DATACENTER and event.datacenter.name == "DC0"
    task.set_state(TaskState.running)
    assert event.info.state is TaskState.queued  # the TaskInfo as it was when the task was created


def test_query_events_newest_first_by_chain_entity_user_time_and_type(lab: Lab) -> None:
    first, second = lab.create(VM, user="alice"), lab.create(OTHER_VM, user="bob")
    query = lab.sim.event_manager.query_events
    assert [e.info.key for e in query(EventFilterSpec())] == [second.info.key, first.info.key]
    assert [e.info.key for e in query(EventFilterSpec(eventChainId=first.info.eventChainId))] == [first.info.key]
    assert [e.info.key for e in query(EventFilterSpec(entity=EventFilterSpecByEntity(OTHER_VM, "self")))] == [second.info.key]
    assert len(query(EventFilterSpec(entity=EventFilterSpecByEntity(VM_FOLDER, "children")))) == 2
    assert [e.info.key for e in query(EventFilterSpec(userName=EventFilterSpecByUsername(False, ["alice"])))] == [first.info.key]
    assert query(EventFilterSpec(time=EventFilterSpecByTime(beginTime=lab.clock.now() + timedelta(seconds=1)))) == []
    assert len(query(EventFilterSpec(type=["Event"]))) == 2 and len(query(EventFilterSpec(eventTypeId=["TaskEvent"]))) == 2
    assert query(EventFilterSpec(eventTypeId=["VmPoweredOnEvent"])) == []
    assert len(query(EventFilterSpec(maxCount=1))) == 1
    assert query(EventFilterSpec(disableFullMessage=True))[0].fullFormattedMessage is None
    with pytest.raises(InvalidArgument) as raised:
        query(EventFilterSpec(type=["TaskInfo"]))
    assert raised.value.properties["invalidProperty"] == "filter.type[0]"


def test_event_history_collector_pages_and_delayed_init(lab: Lab) -> None:
    created = [lab.create() for _ in range(3)]
    manager = lab.sim.event_manager
    collector = manager.create_collector(lab.session, EventFilterSpec(maxCount=2))
    assert [e.info.key for e in collector.latestPage.value] == [t.info.key for t in created[:0:-1]]
    delayed = manager.create_collector(lab.session, EventFilterSpec(delayedInit=True))
    assert not delayed.initialized and delayed.latestPage == []
    assert [e.info.key for e in delayed.read_next_events(10)] == [t.info.key for t in created]
    assert delayed.initialized and len(delayed.latestPage.value) == 3


def test_a_fixtures_tasks_are_created_in_queue_order_so_event_keys_follow_time() -> None:
    from vtasksim.app.fixtures import load_fixture_text

    text = """\
objects: [{type: VirtualMachine, value: vm-42, name: web-01}]
tasks:
  - {key: task-2, descriptionId: b, entity: {type: VirtualMachine, value: vm-42}, queueTime: 2025-12-31T23:00:00Z}
  - {key: task-1, descriptionId: a, entity: {type: VirtualMachine, value: vm-42}, queueTime: 2025-12-31T22:00:00Z}
"""
    sim = load_fixture_text(text, "test.yaml", ManualClock())
    events = sim.event_manager.query_events(EventFilterSpec())
    assert [(e.key, e.info.key) for e in events] == [(2, "task-2"), (1, "task-1")]
