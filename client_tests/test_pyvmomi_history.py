"""Task history and events as pyVmomi programs read them: TaskHistoryCollector page by page with
each TaskFilterSpec field, EventManager.QueryEvents after CreateTask, WaitForUpdatesEx on a
collector's latestPage, VpxSettings, and tasks leaving history as vCenter lets them go.

Each test starts from a server of its module (or its own), so the history it reads is known.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest
from pyVim.connect import Disconnect
from pyVmomi import vim, vmodl

from running_server import RunningServer, smart_connect, start_server

FIXTURE = """\
objects:
  - {type: Datacenter, value: datacenter-2, name: DC0}
  - {type: VirtualMachine, value: vm-42, name: web-01}
  - {type: VirtualMachine, value: vm-43, name: web-02}
  - {type: Alarm, value: alarm-7, name: Heartbeat}
  - {type: ScheduledTask, value: schedule-1, name: Nightly}
tasks:
  - key: task-1
    descriptionId: VirtualMachine.reset
    entity: {type: VirtualMachine, value: vm-43}
    state: success
    reason: {type: TaskReasonAlarm, alarm: {type: Alarm, value: alarm-7}, entity: {type: VirtualMachine, value: vm-43}}
    queueTime: 2025-12-31T20:15:00Z
    startTime: 2025-12-31T20:15:00Z
    completeTime: 2025-12-31T20:15:02Z
  - key: task-2
    descriptionId: VirtualMachine.createSnapshot
    entity: {type: VirtualMachine, value: vm-43}
    state: success
    changeTag: nightly-backup
    reason: {type: TaskReasonSchedule, scheduledTask: {type: ScheduledTask, value: schedule-1}}
    queueTime: 2025-12-31T21:00:00Z
    startTime: 2025-12-31T21:00:00Z
    completeTime: 2025-12-31T21:00:09Z
  - key: task-3
    descriptionId: HostSystem.scan
    entity: {type: VirtualMachine, value: vm-43}
    state: success
    reason: {type: TaskReasonSystem}
    queueTime: 2025-12-31T22:00:00Z
    startTime: 2025-12-31T22:00:00Z
    completeTime: 2025-12-31T22:00:01Z
"""
TASK_TYPE = "com.example.history"


@pytest.fixture(scope="module")
def history_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    path = tmp_path_factory.mktemp("history") / "history.yaml"
    path.write_text(FIXTURE)
    running = start_server(path)
    yield running
    running.stop()


@pytest.fixture
def si(history_server: RunningServer) -> Iterator[vim.ServiceInstance]:
    connection = smart_connect(history_server, "alice@vsphere.local", "pw")
    yield connection
    try:
        Disconnect(connection)
    except vim.fault.NotAuthenticated:
        pass


def vm(si: vim.ServiceInstance, value: str = "vm-42") -> vim.VirtualMachine:
    return vim.VirtualMachine(value, si._stub)


def create(
    si: vim.ServiceInstance, obj=None, parent: str | None = None, state: str | None = None, activation: str | None = None
) -> vim.TaskInfo:
    content = si.RetrieveContent()
    info = content.taskManager.CreateTask(
        obj=obj or vm(si), taskTypeId=TASK_TYPE, initiatedBy="alice", cancelable=True, parentTaskKey=parent,
        activationId=activation,
    )
    if state is not None:
        task = vim.Task(info.key, si._stub)
        task.SetTaskState("running")
        if state != "running":
            task.SetTaskState(state)
    return info


def read_all(collector: vim.TaskHistoryCollector, page: int = 2) -> list[str]:
    """Page by page with ReadNextTasks, as a script reads history, until a page comes back empty."""
    keys: list[str] = []
    while True:
        tasks = collector.ReadNextTasks(page)
        if not tasks:
            return keys
        assert len(tasks) <= page
        keys.extend(task.key for task in tasks)


def collect(si: vim.ServiceInstance, **spec) -> vim.TaskHistoryCollector:
    return si.RetrieveContent().taskManager.CreateCollectorForTasks(vim.TaskFilterSpec(**spec))


def keys_of(si: vim.ServiceInstance, **spec) -> list[str]:
    collector = collect(si, **spec)
    try:
        return read_all(collector)
    finally:
        collector.DestroyCollector()


# Reading page by page


def test_read_task_history_page_by_page_then_backwards(si: vim.ServiceInstance) -> None:
    """A new collector is rewound: ReadNextTasks reads oldest first, page by page; ResetCollector
    then ReadPreviousTasks reads, newest first, what the latest page does not show."""
    target = vm(si)
    created = [create(si, target).key for _ in range(5)]
    collector = collect(si, entity=vim.TaskFilterSpec.ByEntity(entity=target, recursion="self"))
    assert read_all(collector) == created
    assert collector.ReadNextTasks(10) == []
    collector.SetCollectorPageSize(2)
    assert [t.key for t in collector.latestPage] == created[:2:-1]
    collector.ResetCollector()
    assert [t.key for t in collector.ReadPreviousTasks(10)] == created[2::-1]
    collector.RewindCollector()
    assert [t.key for t in collector.ReadNextTasks(1)] == created[:1]
    assert collector.filter.entity.entity == target
    collector.DestroyCollector()


def test_latest_page_defaults_to_ten_tasks(si: vim.ServiceInstance) -> None:
    for _ in range(11):
        create(si)
    collector = collect(si)
    assert len(collector.latestPage) == 10
    collector.DestroyCollector()


# TaskFilterSpec, field by field


def test_filter_by_entity_recursion_self_children_all(si: vim.ServiceInstance) -> None:
    other = vm(si, "vm-43")
    mine = create(si, other).key
    found = keys_of(si, entity=vim.TaskFilterSpec.ByEntity(entity=other, recursion="self"))
    assert found[-1] == mine and set(found) >= {"task-1", "task-2", "task-3"}
    content = si.RetrieveContent()
    on_root = create(si, content.rootFolder).key
    assert keys_of(si, entity=vim.TaskFilterSpec.ByEntity(entity=content.rootFolder, recursion="self")) == [on_root]
    below_root = keys_of(si, entity=vim.TaskFilterSpec.ByEntity(entity=content.rootFolder, recursion="children"))
    assert on_root not in below_root and mine in below_root
    datacenter = vim.Datacenter("datacenter-2", si._stub)
    on_datacenter = create(si, datacenter).key
    by_datacenter = lambda recursion: keys_of(si, entity=vim.TaskFilterSpec.ByEntity(entity=datacenter, recursion=recursion))  # noqa: E731
    assert on_datacenter not in by_datacenter("children") and {mine, "task-1"} <= set(by_datacenter("children"))
    assert set(by_datacenter("all")) == set(by_datacenter("children")) | {on_datacenter}
    assert set(keys_of(si, entity=vim.TaskFilterSpec.ByEntity(entity=content.rootFolder, recursion="all"))) == set(keys_of(si))


def test_filter_by_time_queued_started_and_completed(si: vim.ServiceInstance) -> None:
    now = si.CurrentTime()
    queued = create(si).key
    done = create(si, state="success").key
    window = dict(beginTime=now - timedelta(seconds=1), endTime=now + timedelta(minutes=5))
    by = lambda kind: keys_of(si, time=vim.TaskFilterSpec.ByTime(timeType=kind, **window))  # noqa: E731
    assert {queued, done} <= set(by("queuedTime"))
    assert done in by("startedTime") and queued not in by("startedTime")
    assert done in by("completedTime") and queued not in by("completedTime")
    before_fixture = vim.TaskFilterSpec.ByTime(timeType="completedTime", endTime=now - timedelta(days=300))
    assert keys_of(si, time=before_fixture) == ["task-1", "task-2", "task-3"]


def test_filter_by_user_name_and_system_user(si: vim.ServiceInstance) -> None:
    assert keys_of(si, userName=vim.TaskFilterSpec.ByUsername(systemUser=True)) == ["task-1", "task-2", "task-3"]
    mine = create(si).key
    assert mine in keys_of(si, userName=vim.TaskFilterSpec.ByUsername(systemUser=False, userList=["alice@vsphere.local"]))
    assert keys_of(si, userName=vim.TaskFilterSpec.ByUsername(systemUser=False, userList=["nobody"])) == []


def test_filter_by_state(si: vim.ServiceInstance) -> None:
    running = create(si, state="running").key
    found = keys_of(si, state=["running"])
    assert running in found
    task_states = {t.info.state for t in (vim.Task(key, si._stub) for key in found)}
    assert task_states == {"running"}


def test_filter_by_alarm_and_scheduled_task(si: vim.ServiceInstance) -> None:
    assert keys_of(si, alarm=vim.alarm.Alarm("alarm-7", si._stub)) == ["task-1"]
    assert keys_of(si, scheduledTask=vim.scheduler.ScheduledTask("schedule-1", si._stub)) == ["task-2"]


def test_filter_by_event_chain_id_tag_parent_and_root_task(si: vim.ServiceInstance) -> None:
    root = create(si)
    child = create(si, parent=root.key)
    grandchild = create(si, parent=child.key)
    assert keys_of(si, eventChainId=[child.eventChainId]) == [child.key]
    assert keys_of(si, tag=["nightly-backup"]) == ["task-2"]
    assert keys_of(si, parentTaskKey=[root.key]) == [child.key]
    assert keys_of(si, rootTaskKey=[root.key]) == [child.key, grandchild.key]


def test_filter_by_activation_id(si: vim.ServiceInstance) -> None:
    activated = create(si, activation="activation-7").key
    create(si, activation="activation-8")
    assert keys_of(si, activationId=["activation-7"]) == [activated]


def test_bad_filters_are_invalid_argument_naming_the_field(si: vim.ServiceInstance) -> None:
    now = si.CurrentTime()
    with pytest.raises(vmodl.fault.InvalidArgument) as raised:
        collect(si, time=vim.TaskFilterSpec.ByTime(timeType="queuedTime", beginTime=now, endTime=now - timedelta(hours=1)))
    assert raised.value.invalidProperty == "filter.time"
    with pytest.raises(vmodl.fault.ManagedObjectNotFound):
        collect(si, entity=vim.TaskFilterSpec.ByEntity(entity=vm(si, "vm-999"), recursion="self"))
    collector = collect(si)
    with pytest.raises(vmodl.fault.InvalidArgument) as raised:
        collector.ReadNextTasks(0)
    assert raised.value.invalidProperty == "maxCount"
    with pytest.raises(vmodl.fault.InvalidArgument):
        collector.SetCollectorPageSize(1001)
    collector.DestroyCollector()


# Collectors belong to their session


def test_collectors_belong_to_their_session_and_count_against_max_collector(history_server: RunningServer) -> None:
    first, second = smart_connect(history_server, "a", "x"), smart_connect(history_server, "b", "x")
    manager = first.RetrieveContent().taskManager
    collector = collect(first)
    mine = vim.TaskHistoryCollector(collector._moId, second._stub)
    with pytest.raises(vmodl.fault.ManagedObjectNotFound):
        mine.ReadNextTasks(1)
    extra = [collect(first) for _ in range(manager.maxCollector - 1)]
    with pytest.raises(vim.fault.InvalidState):
        collect(first)
    extra.pop().DestroyCollector()
    collect(first)
    Disconnect(first)
    probe = vim.TaskHistoryCollector(collector._moId, smart_connect(history_server, "a", "x")._stub)
    with pytest.raises(vmodl.fault.ManagedObjectNotFound):
        probe.ReadNextTasks(1)  # gone with the session that made it
    Disconnect(second)


# latestPage through WaitForUpdatesEx


def test_wait_for_updates_ex_sees_the_latest_page_change_when_a_task_is_created(si: vim.ServiceInstance) -> None:
    content = si.RetrieveContent()
    collector = collect(si, entity=vim.TaskFilterSpec.ByEntity(entity=vm(si, "vm-43"), recursion="self"))
    pc = content.propertyCollector.CreatePropertyCollector()
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=collector)],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.TaskHistoryCollector, pathSet=["latestPage"])],
    )
    pc.CreateFilter(spec, partialUpdates=False)
    version = pc.WaitForUpdatesEx("", vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=0)).version

    def newest_after(change_something) -> vim.TaskInfo:
        """Wait in another thread, as a watching program does, while this one changes history."""
        nonlocal version
        found: dict = {}
        options = vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=10)
        waiter = threading.Thread(target=lambda: found.update(update=pc.WaitForUpdatesEx(version, options)))
        waiter.start()
        change_something()
        waiter.join(15)
        version = found["update"].version
        change = found["update"].filterSet[0].objectSet[0].changeSet[0]
        assert change.name == "latestPage"
        return change.val[0]

    created: list[vim.TaskInfo] = []
    newest = newest_after(lambda: created.append(create(si, vm(si, "vm-43"))))
    assert newest.key == created[0].key and newest.state == "queued"
    newest = newest_after(lambda: vim.Task(created[0].key, si._stub).SetTaskState("running"))
    assert newest.key == created[0].key and newest.state == "running"
    pc.DestroyPropertyCollector()
    collector.DestroyCollector()


# Events


def test_query_events_after_create_task(si: vim.ServiceInstance) -> None:
    """CreateTask records a TaskEvent: the TaskInfo, the user, the entity, and chainId = eventChainId."""
    content = si.RetrieveContent()
    info = create(si, vm(si))
    events = content.eventManager.QueryEvents(vim.event.EventFilterSpec(eventChainId=info.eventChainId))
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, vim.event.TaskEvent)
    assert event.chainId == info.eventChainId and event.userName == "alice@vsphere.local"
    assert event.info.key == info.key and event.info.state == "queued"
    assert event.vm.vm == vm(si) and event.vm.name == "web-01"
    assert event.fullFormattedMessage == f"Task: {TASK_TYPE}"
    assert content.eventManager.latestEvent.key == event.key
    categories = {detail.key: detail.category for detail in content.eventManager.description.eventInfo}
    assert categories[vim.event.TaskEvent] == "info"  # pyVmomi reads the key, a vim type name, as the type


def test_event_history_collector_reads_events_page_by_page(si: vim.ServiceInstance) -> None:
    content = si.RetrieveContent()
    target = vm(si, "vm-43")
    spec = vim.event.EventFilterSpec(entity=vim.event.EventFilterSpec.ByEntity(entity=target, recursion="self"))
    collector = content.eventManager.CreateCollectorForEvents(spec)
    keys: list[int] = []
    while page := collector.ReadNextEvents(2):
        keys.extend(event.key for event in page)
    assert len(keys) >= 3 and keys == sorted(keys)
    assert {event.key for event in collector.latestPage} <= set(keys)
    collector.ResetCollector()
    collector.DestroyCollector()
    with pytest.raises(vmodl.fault.ManagedObjectNotFound):
        collector.ReadNextEvents(1)


# VpxSettings and retention


def test_setting_holds_vcenter_task_settings(si: vim.ServiceInstance) -> None:
    setting = si.RetrieveContent().setting
    values = {option.key: option.value for option in setting.QueryOptions("task.")}
    assert values == {"task.maxAge": 30, "task.maxAgeEnabled": True}
    assert {option.key for option in setting.supportedOption} >= {"VirtualCenter.InstanceName", "instance.id", "task.maxAge"}
    with pytest.raises(vim.fault.InvalidName):
        setting.QueryOptions("task.noSuchSetting")
    with pytest.raises(vmodl.fault.InvalidArgument):
        setting.UpdateOptions([vim.option.OptionValue(key="task.maxAge", value="thirty")])


def test_completed_tasks_beyond_the_history_limit_leave_the_server(start) -> None:
    server = start("objects: [{type: VirtualMachine, value: vm-42, name: web-01}]\n", "--history-limit", "2")
    si = smart_connect(server, "alice", "x")
    done = [create(si, state="success").key for _ in range(3)]
    with pytest.raises(vmodl.fault.ManagedObjectNotFound):
        vim.Task(done[0], si._stub).info
    assert vim.Task(done[2], si._stub).info.state == "success"
    assert keys_of(si) == done[1:]
    Disconnect(si)


def test_a_vms_task_event_names_its_host_cluster_and_datacenter(start) -> None:
    """On the default fixture's inventory: web-01 runs on esx-01 in Cluster-01 of DC-Lab."""
    from running_server import REPO

    server = start((REPO / "fixtures" / "default.yaml").read_text())
    si = smart_connect(server, "alice", "x")
    content = si.RetrieveContent()
    web01 = content.searchIndex.FindByInventoryPath("DC-Lab/vm/Web/web-01")
    info = content.taskManager.CreateTask(obj=web01, taskTypeId=TASK_TYPE, initiatedBy="alice", cancelable=False)
    (event,) = content.eventManager.QueryEvents(vim.event.EventFilterSpec(eventChainId=info.eventChainId))
    assert (event.vm.name, event.host.name, event.computeResource.name, event.datacenter.name) == (
        "web-01", web01.runtime.host.name, web01.runtime.host.parent.name, "DC-Lab"
    )
    assert (web01.runtime.host.name, web01.runtime.host.parent.name) == ("esx-01.lab.local", "Cluster-01")
    folder_events = content.eventManager.QueryEvents(
        vim.event.EventFilterSpec(entity=vim.event.EventFilterSpec.ByEntity(entity=web01.parent, recursion="children"))
    )
    assert event.key in [e.key for e in folder_events]
    Disconnect(si)


def test_changing_a_setting_takes_global_settings(start) -> None:
    server = start(
        "users:\n"
        "  - {name: admin, password: pw, role: Admin}\n"
        "  - {name: reader, password: pw, role: ReadOnly}\n"
    )
    reader = smart_connect(server, "reader", "pw")
    change = [vim.option.OptionValue(key="task.maxAge", value=7)]
    with pytest.raises(vim.fault.NoPermission) as raised:
        reader.RetrieveContent().setting.UpdateOptions(change)
    assert raised.value.privilegeId == "Global.Settings"
    assert {o.key: o.value for o in reader.RetrieveContent().setting.QueryOptions("task.maxAge")} == {"task.maxAge": 30}
    admin = smart_connect(server, "admin", "pw")
    admin.RetrieveContent().setting.UpdateOptions(change)
    assert reader.RetrieveContent().setting.QueryOptions("task.maxAge")[0].value == 7
    Disconnect(reader)
    Disconnect(admin)
