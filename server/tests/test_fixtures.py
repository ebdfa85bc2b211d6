"""Fixture loading: the shipped fixtures load, and every mistake names file, line and field."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import vtasksim.app.fixtures as fixtures
from vtasksim.app.fixtures import (
    FixtureError,
    FixtureExtension,
    FixtureUser,
    load_fixture,
    load_fixture_document,
    load_fixture_document_text,
    load_fixture_text,
)
from vtasksim.domain.clock import ManualClock
from vtasksim.domain.faults import MethodFault
from vtasksim.domain.simulator import ROOT_FOLDER, Simulator, SimulatorSettings
from vtasksim.domain.task import (
    Task,
    TaskReasonAlarm,
    TaskReasonSchedule,
    TaskReasonSystem,
    TaskReasonUser,
    TaskState,
)
from vtasksim.domain.typesystem import TypeSystem
from vtasksim.domain.vmodl import DataObject, MoRef, TypedValue

REPO = Path(__file__).resolve().parents[2]
DEFAULT = REPO / "fixtures" / "default.yaml"
EMPTY = REPO / "fixtures" / "empty.yaml"
START = datetime(2026, 1, 1, tzinfo=timezone.utc)

# Objects most snippets point at; two lines, so a snippet's tasks start on line 3.
OBJECTS = """\
objects:
  - {type: VirtualMachine, value: vm-42, name: web-01}
"""

# A small vim type table, so the fault checks are tested whatever the generated one holds.
MINI_TABLE = {
    "versions": ["2.0"],
    "types": {
        "DynamicData": {"kind": "data", "since": "2.0", "fields": []},
        "MethodFault": {"kind": "fault", "base": "DynamicData", "since": "2.0", "fields": [
            ["faultCause", "LocalizedMethodFault", "?", "4.0"],
            ["faultMessage", "LocalizableMessage", "*", "4.0"]]},
        "LocalizedMethodFault": {"kind": "data", "base": "DynamicData", "since": "2.0", "fields": [
            ["fault", "MethodFault", "", "2.0"], ["localizedMessage", "xsd:string", "?", "2.0"]]},
        "LocalizableMessage": {"kind": "data", "base": "DynamicData", "since": "2.0", "fields": [
            ["key", "xsd:string", "", "2.0"], ["arg", "KeyAnyValue", "*", "2.0"],
            ["message", "xsd:string", "?", "2.0"]]},
        "KeyAnyValue": {"kind": "data", "base": "DynamicData", "since": "2.0", "fields": [
            ["key", "xsd:string", "", "2.0"], ["value", "xsd:anyType", "", "2.0"]]},
        "RuntimeFault": {"kind": "fault", "base": "MethodFault", "since": "2.0", "fields": []},
        "RequestCanceled": {"kind": "fault", "base": "RuntimeFault", "since": "2.0", "fields": []},
        "NotSupported": {"kind": "fault", "base": "RuntimeFault", "since": "2.0", "fields": []},
        "VimFault": {"kind": "fault", "base": "MethodFault", "since": "2.0", "fields": []},
        "InvalidState": {"kind": "fault", "base": "VimFault", "since": "2.0", "fields": []},
        "InvalidPowerState": {"kind": "fault", "base": "InvalidState", "since": "2.0", "fields": [
            ["requestedState", "VirtualMachinePowerState", "?", "2.0"],
            ["existingState", "VirtualMachinePowerState", "", "2.0"]]},
        "FileFault": {"kind": "fault", "base": "VimFault", "since": "2.0", "fields": [
            ["file", "xsd:string", "", "2.0"]]},
        "FileNotFound": {"kind": "fault", "base": "FileFault", "since": "2.0", "fields": []},
        "TaskInProgress": {"kind": "fault", "base": "VimFault", "since": "2.0", "fields": [
            ["task", "ManagedObjectReference", "", "2.0"]]},
        "VirtualMachinePowerState": {"kind": "enum", "since": "2.0",
                                     "values": ["poweredOff", "poweredOn", "suspended"]},
    },
}  # fmt: skip


@pytest.fixture
def mini_table(monkeypatch: pytest.MonkeyPatch) -> TypeSystem:
    table = TypeSystem(MINI_TABLE)
    monkeypatch.setattr(fixtures, "vim_types", lambda: table)
    return table


def load(text: str, **kwargs) -> Simulator:
    return load_fixture_text(textwrap.dedent(text), "x.yaml", ManualClock(START), **kwargs)


def error_of(text: str) -> str:
    with pytest.raises(FixtureError) as caught:
        load_fixture_document_text(textwrap.dedent(text), "x.yaml", ManualClock(START))
    return str(caught.value)


def tasks_of(simulator: Simulator) -> dict[str, Task]:
    return {obj.info.key: obj for obj in simulator.registry if isinstance(obj, Task)}


def one_task(text: str, **kwargs) -> Task:
    (task,) = tasks_of(load(text, **kwargs)).values()
    return task


# The shipped fixtures


def test_default_fixture_has_a_task_in_every_state() -> None:
    tasks = tasks_of(load_fixture(DEFAULT, ManualClock(START)))
    assert {task.info.state for task in tasks.values()} == set(TaskState)
    queued, running = tasks["task-101"].info, tasks["task-102"].info
    assert queued.state is TaskState.queued and queued.cancelable
    assert running.state is TaskState.running and running.cancelable and running.progress == 40
    assert [(arg.key, arg.value) for arg in running.description.arg] == [("disk", 2), ("disks", 3)]
    assert tasks["task-102"].behaviour.cancel_delay == 5.0
    assert tasks["task-101"].behaviour.cancel_delay == 0.0
    assert not tasks["task-103"].info.cancelable
    assert tasks["task-104"].info.result == "[datastore1] web-01/web-01-1.png"
    assert tasks["task-105"].info.result == MoRef("VirtualMachine", "vm-45")


def test_default_fixture_errors_and_reasons() -> None:
    tasks = tasks_of(load_fixture(DEFAULT, ManualClock(START)))
    not_found = tasks["task-106"].info.error
    assert not_found.fault == DataObject("FileNotFound", {"file": "[datastore1] db-01/db-01.vmdk"})
    canceled = tasks["task-108"].info
    assert canceled.cancelled and canceled.error.fault.vim_type == "RequestCanceled"
    assert isinstance(tasks["task-109"].info.reason, TaskReasonSchedule)
    assert tasks["task-109"].info.reason.name == "Nightly snapshot of web-01"
    alarm = tasks["task-110"].info.reason
    assert isinstance(alarm, TaskReasonAlarm)
    assert (alarm.alarmName, alarm.entityName) == ("Virtual machine heartbeat", "db-01")


def test_default_fixture_passes_the_vim_type_table(mini_table: TypeSystem) -> None:
    load_fixture(DEFAULT, ManualClock(START))


def test_default_fixture_passes_the_generated_table_when_there_is_one() -> None:
    try:
        fixtures.vim_types()
    except FileNotFoundError:
        pytest.skip("server/vtasksim/domain/vim_types.json is not generated yet")
    load_fixture(DEFAULT, ManualClock(START))


def test_default_fixture_cancels_task_102_after_its_delay() -> None:
    clock = ManualClock(START)
    task = tasks_of(load_fixture(DEFAULT, clock))["task-102"]
    task.cancel()
    assert task.info.cancelled and task.info.state is TaskState.running
    clock.advance(5)
    assert task.info.state is TaskState.error
    assert task.info.error.fault.vim_type == "RequestCanceled"


def test_empty_fixture_holds_only_the_root_folder() -> None:
    simulator = load_fixture(EMPTY, ManualClock(START))
    assert tasks_of(simulator) == {}
    assert simulator.root_folder.name == "Datacenters"


def test_loading_a_missing_file_is_a_fixture_error(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match=r"missing\.yaml: cannot read the fixture"):
        load_fixture(tmp_path / "missing.yaml", ManualClock(START))


def test_an_empty_document_is_an_empty_fixture() -> None:
    assert tasks_of(load("")) == {}


def test_load_fixture_document_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(OBJECTS + "tasks:\n  - {key: task-1, descriptionId: d, progress: abc}\n")
    with pytest.raises(FixtureError) as caught:
        load_fixture_document(path, ManualClock(START))
    assert str(caught.value) == f"{path}:4: tasks[0].progress: expected an integer 0..100, got 'abc'"


# Values and defaults


def test_entity_name_defaults_to_the_object_name_and_may_be_given() -> None:
    simulator = load(OBJECTS + textwrap.dedent("""\
        tasks:
          - {key: task-1, descriptionId: d, entity: {type: VirtualMachine, value: vm-42}}
          - {key: task-2, descriptionId: d, entity: {type: VirtualMachine, value: vm-42}, entityName: other}
          - {key: task-3, descriptionId: d, entity: {type: Folder, value: group-d1}}
        """))
    names = {key: task.info.entityName for key, task in tasks_of(simulator).items()}
    assert names == {"task-1": "web-01", "task-2": "other", "task-3": "Datacenters"}


def test_declaring_the_root_folder_renames_it() -> None:
    simulator = load("objects: [{type: Folder, value: group-d1, name: Root}]\n")
    assert simulator.registry.get(ROOT_FOLDER).name == "Root"


def test_defaults_of_a_bare_task() -> None:
    info = one_task("tasks: [{key: task-1, descriptionId: com.example.run}]").info
    assert info.task == MoRef("Task", "task-1")
    assert (info.state, info.cancelable, info.cancelled) == (TaskState.queued, False, False)
    assert info.reason == TaskReasonSystem()
    assert info.queueTime == START and info.startTime is None and info.completeTime is None
    assert info.progress is None and info.eventChainId == 1


@pytest.mark.parametrize(
    "written, expected",
    [
        ("2026-01-01T10:00:00Z", datetime(2026, 1, 1, 10, tzinfo=timezone.utc)),
        ("2026-01-01T12:00:00+02:00", datetime(2026, 1, 1, 10, tzinfo=timezone.utc)),
        ("2026-01-01 10:00:00", datetime(2026, 1, 1, 10, tzinfo=timezone.utc)),
        ('"2026-01-01T10:00:00.5Z"', datetime(2026, 1, 1, 10, 0, 0, 500000, tzinfo=timezone.utc)),
    ],
)
def test_timestamps_become_utc_aware(written: str, expected: datetime) -> None:
    info = one_task(f"tasks: [{{key: t, descriptionId: d, queueTime: {written}}}]").info
    assert info.queueTime == expected
    assert info.queueTime.utcoffset() == timedelta(0)


def test_start_and_complete_times_default_along_the_state() -> None:
    simulator = load("""\
        tasks:
          - {key: run, descriptionId: d, state: running, queueTime: 2025-12-31T10:00:00Z}
          - {key: done, descriptionId: d, state: success, startTime: 2025-12-31T11:00:00Z}
        """)
    run, done = (task.info for task in tasks_of(simulator).values())
    assert run.startTime == datetime(2025, 12, 31, 10, tzinfo=timezone.utc) and run.completeTime is None
    # queueTime falls back to the earlier startTime, not to the clock's later now.
    assert done.queueTime == done.startTime == done.completeTime == datetime(2025, 12, 31, 11, tzinfo=timezone.utc)


def test_event_chain_ids_count_around_the_ones_given() -> None:
    simulator = load("""\
        tasks:
          - {key: a, descriptionId: d}
          - {key: b, descriptionId: d, eventChainId: 2}
          - {key: c, descriptionId: d}
        """)
    assert {key: task.info.eventChainId for key, task in tasks_of(simulator).items()} == {"a": 1, "b": 2, "c": 3}


def test_description_progress_details_and_a_list_result() -> None:
    info = one_task(OBJECTS + textwrap.dedent("""\
        tasks:
          - key: t
            descriptionId: d
            state: success
            description: {key: k, message: 42, arg: [{key: vm, value: {type: VirtualMachine, value: vm-42}}]}
            progressDetails: [{key: step, value: copy}]
            result: [a, b]
        """)).info
    assert info.description.message == "42"
    assert info.description.arg[0].value == MoRef("VirtualMachine", "vm-42")
    assert info.progressDetails[0].value == "copy"
    assert info.result == TypedValue("ArrayOfString", ["a", "b"])


@pytest.mark.parametrize(
    "written, expected",
    [("[1, 2]", "ArrayOfInt"), ("[1, 5000000000]", "ArrayOfLong"), ("[1, 2.5]", "ArrayOfDouble"),
     ("[true]", "ArrayOfBoolean"), ("[a, 1]", "ArrayOfAnyType"), ("[]", "ArrayOfString")],
)  # fmt: skip
def test_list_results_become_vim_arrays(written: str, expected: str) -> None:
    info = one_task(f"tasks: [{{key: t, descriptionId: d, state: success, result: {written}}}]").info
    assert info.result.type == expected


def test_a_cancelled_task_gets_request_canceled_by_default() -> None:
    info = one_task("tasks: [{key: t, descriptionId: d, state: error, cancelable: true, cancelled: true}]").info
    assert info.error.fault.vim_type == "RequestCanceled"
    assert info.error.localizedMessage == "The task was canceled by a user."


def test_reasons() -> None:
    simulator = load(OBJECTS + textwrap.dedent("""\
          - {type: Alarm, value: alarm-1, name: Heartbeat}
        tasks:
          - {key: u, descriptionId: d, reason: {type: TaskReasonUser, userName: root}}
          - key: a
            descriptionId: d
            reason: {type: TaskReasonAlarm, alarm: {type: Alarm, value: alarm-1},
                     entity: {type: VirtualMachine, value: vm-42}, alarmName: Given}
        """))
    tasks = tasks_of(simulator)
    assert tasks["u"].info.reason == TaskReasonUser(userName="root")
    assert tasks["a"].info.reason == TaskReasonAlarm(
        alarmName="Given", alarm=MoRef("Alarm", "alarm-1"), entityName="web-01",
        entity=MoRef("VirtualMachine", "vm-42"),
    )  # fmt: skip


def test_links_between_tasks() -> None:
    simulator = load("""\
        tasks:
          - {key: child, descriptionId: d, parentTaskKey: root, rootTaskKey: root}
          - {key: root, descriptionId: d, state: success, result: {type: Task, value: child}}
        """)
    tasks = tasks_of(simulator)
    assert tasks["child"].info.parentTaskKey == "root"
    assert tasks["root"].info.result == MoRef("Task", "child")


def test_fault_fields_are_read_by_the_type_table(mini_table: TypeSystem) -> None:
    info = one_task(OBJECTS + textwrap.dedent("""\
        tasks:
          - key: t
            descriptionId: d
            state: error
            error:
              fault:
                type: InvalidPowerState
                existingState: poweredOn
                faultCause: {fault: {type: FileNotFound, file: x.vmdk}}
                faultMessage: [{key: k, arg: [{key: n, value: [1, 2]}]}]
        """)).info
    fault = info.error.fault
    assert fault.vim_type == "InvalidPowerState" and info.error.localizedMessage is None
    assert fault.properties["existingState"] == "poweredOn"
    cause = fault.properties["faultCause"]
    assert cause == DataObject("LocalizedMethodFault", {"fault": DataObject("FileNotFound", {"file": "x.vmdk"})})
    (message,) = fault.properties["faultMessage"]
    assert message.properties["arg"][0].properties["value"] == TypedValue("ArrayOfInt", [1, 2])


# Users and extensions


def test_users_and_extensions_are_kept_on_the_fixture() -> None:
    fixture = load_fixture_document_text(textwrap.dedent("""\
        users:
          - {name: administrator@vsphere.local, password: vmware, role: Admin}
          - {name: reader@vsphere.local, password: secret, privileges: [System.View, Global.CancelTask]}
        extensions:
          - key: com.example.backup
            taskList: [{taskID: com.example.backup.run}]
          - key: com.example.empty
            description: {label: Empty, summary: Registers nothing}
        """), "x.yaml", ManualClock(START))
    assert fixture.users == (
        FixtureUser("administrator@vsphere.local", "vmware", "Admin", None),
        FixtureUser("reader@vsphere.local", "secret", None, ("System.View", "Global.CancelTask")),
    )
    assert fixture.extensions == (
        FixtureExtension("com.example.backup", ("com.example.backup.run",), "com.example.backup", "com.example.backup"),
        FixtureExtension("com.example.empty", (), "Empty", "Registers nothing"),
    )
    simulator = fixture.simulator
    assert simulator.extension_manager.find_extension("com.example.empty").description.label == "Empty"
    assert simulator.extension_manager.knows_task_type("com.example.backup.run")
    assert not simulator.extension_manager.knows_task_type("com.example.other.run")


def test_fixture_users_are_the_ones_who_log_in() -> None:
    simulator = load("""\
        users:
          - {name: admin, password: vmware, role: Admin}
          - {name: reader, password: secret, privileges: [Global.CancelTask]}
        """)
    sessions = simulator.session_manager
    assert sessions.login("admin", "vmware").user.has_privilege("Task.Update")
    reader = sessions.login("reader", "secret").user
    assert reader.has_privilege("Global.CancelTask") and not reader.has_privilege("Task.Update")
    with pytest.raises(MethodFault):
        sessions.login("admin", "wrong")


def test_absent_users_and_extensions_are_none() -> None:
    fixture = load_fixture_document(EMPTY, ManualClock(START))
    assert fixture.users is None and fixture.extensions is None


# Settings and overrides

SETTINGS = """\
settings: {cancelDelay: 5, compat: vc2}
tasks:
  - {key: t, descriptionId: d}
  - {key: own, descriptionId: d, cancelDelay: 1}
"""


def test_fixture_settings_apply() -> None:
    simulator = load(SETTINGS)
    assert simulator.settings == SimulatorSettings(cancel_delay=5.0, compat="vc2")
    assert tasks_of(simulator)["t"].behaviour.cancel_delay == 5.0
    assert tasks_of(simulator)["t"].behaviour.progress_out_of_bounds


def test_override_mapping_wins_and_none_means_not_given() -> None:
    simulator = load(SETTINGS, overrides={"cancel_delay": 0.0, "compat": None})
    assert simulator.settings == SimulatorSettings(cancel_delay=0.0, compat="vc2")
    tasks = tasks_of(simulator)
    assert tasks["t"].behaviour.cancel_delay == 0.0
    assert tasks["own"].behaviour.cancel_delay == 1.0  # the task's own setting is the most specific


def test_override_settings_win_where_they_differ_from_the_defaults() -> None:
    simulator = load(SETTINGS, overrides=SimulatorSettings(cancel_delay=2.0))
    assert simulator.settings == SimulatorSettings(cancel_delay=2.0, compat="vc2")
    assert load("tasks: []", overrides=SimulatorSettings(compat="vc2")).settings.compat == "vc2"


def test_an_unknown_override_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="cancelDelay"):
        load("", overrides={"cancelDelay": 1})


# Errors: file, line, field, what is wrong

TASK = OBJECTS + "tasks:\n  - key: task-1\n    descriptionId: d\n"  # task fields from line 6


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("setings:\n  cancelDelay: 1\n", "x.yaml:1: setings: unknown field; did you mean 'settings'?",
                     id="unknown-top-level-key"),
        pytest.param("tasks: {}\n", "x.yaml:1: tasks: expected a list, got a mapping", id="tasks-not-a-list"),
        pytest.param("- a\n", "x.yaml:1: expected a mapping, got a list", id="document-not-a-mapping"),
        pytest.param("settings: {cancelDelay: -1}\n",
                     "x.yaml:1: settings.cancelDelay: must not be negative, got -1", id="negative-cancel-delay"),
        pytest.param("settings:\n  compat: vc3\n",
                     "x.yaml:2: settings.compat: unknown compat mode 'vc3'; one of vc2 (or null)", id="compat"),
        pytest.param("settings: {cancelDelay: soon}\n",
                     "x.yaml:1: settings.cancelDelay: expected a number of seconds, got 'soon'", id="delay-type"),
        pytest.param("tasks:\n  - key: a\n   descriptionId: d\n",
                     "x.yaml:3: invalid YAML: expected <block end>, but found '<block mapping start>' "
                     "(while parsing a block collection started on line 2)",
                     id="invalid-yaml"),
        pytest.param("tasks: [\n", "x.yaml:2: invalid YAML: expected the node content, but found '<stream end>' "
                     "(while parsing a flow node started on line 2)", id="unclosed-flow"),
        pytest.param(OBJECTS + "  - {type: VirtualMachine, value: vm-42, name: again}\n",
                     "x.yaml:3: objects[1]: duplicate object VirtualMachine 'vm-42' (first at line 2)",
                     id="duplicate-object"),
        pytest.param("objects:\n  - {type: VirtualMachine, value: vm-1}\n",
                     "x.yaml:2: objects[0].name: required field is missing", id="object-without-name"),
        pytest.param("objects:\n  - {type: VirtualMachine, value: vm-1, name: a, nmae: b}\n",
                     "x.yaml:2: objects[0].nmae: unknown field; did you mean 'name'?", id="unknown-object-field"),
        pytest.param("objects:\n  - {type: Task, value: task-1, name: a}\n",
                     "x.yaml:2: objects[0].type: tasks are declared under tasks:, not objects:", id="object-task"),
        pytest.param("objects:\n  - {type: VirtualMachine, value: vm-1, name: 2024}\n",
                     "x.yaml:2: objects[0].name: expected a non-empty string, got '2024' (quote it)",
                     id="name-not-a-string"),
        pytest.param(TASK + "    descriptonId: e\n",
                     "x.yaml:6: tasks[0].descriptonId: unknown field; did you mean 'descriptionId'?",
                     id="unknown-task-field"),
        pytest.param(TASK + "    descriptionid: e\n",
                     "x.yaml:6: tasks[0].descriptionid: unknown field; did you mean 'descriptionId'?",
                     id="field-case"),
        pytest.param(TASK + "    descriptionId: e\n",
                     "x.yaml:6: tasks[0].descriptionId: duplicate field (first at line 5)", id="duplicate-field"),
        pytest.param(OBJECTS + "tasks:\n  - key: task-1\n",
                     "x.yaml:4: tasks[0].descriptionId: required field is missing",
                     id="missing-description-id"),
        pytest.param(TASK + '    queueTime: "2026-01-01"\n',
                     "x.yaml:6: tasks[0].queueTime: '2026-01-01' is a date; a timestamp needs a time too "
                     "(2026-01-01T10:00:00Z)", id="timestamp-quoted-date"),
        pytest.param("objects:\n  - {type: SessionManager, value: SessionManager, name: s}\n",
                     "x.yaml:2: objects[0]: SessionManager 'SessionManager' is the simulator's own; "
                     "it cannot be declared", id="object-simulator-own"),
        pytest.param(TASK + "    description:\n      key: k\n    description: {key: k}\n",
                     "x.yaml:8: tasks[0].description: duplicate field (first at line 6)", id="duplicate-block-field"),
        pytest.param(TASK + "    state: success\n    result: [[1]]\n",
                     "x.yaml:7: tasks[0].result: a list inside a list has no vim type", id="nested-list"),
        pytest.param("base: &base {key: a, descriptionId: d}\n",
                     "x.yaml:1: base: unknown field; one of settings, objects, tasks, users, extensions, timelines, faultRules",
                     id="unknown-section-lists-all"),
        pytest.param("tasks:\n  - <<: {key: a}\n    descriptionId: d\n",
                     "x.yaml:2: tasks[0]: merge keys (<<) are not supported; write the fields out", id="merge-key"),
        pytest.param("hello\n", "x.yaml:1: expected a mapping, got 'hello'", id="document-scalar"),
        pytest.param(TASK + "    progress: abc\n",
                     "x.yaml:6: tasks[0].progress: expected an integer 0..100, got 'abc'", id="progress-type"),
        pytest.param(TASK + "    progress: 101\n",
                     "x.yaml:6: tasks[0].progress: 101 is out of range; expected an integer 0..100",
                     id="progress-range"),
        pytest.param(TASK + "    cancelable: yes please\n",
                     "x.yaml:6: tasks[0].cancelable: expected true or false, got 'yes please'", id="bool"),
        pytest.param(OBJECTS + "tasks:\n  - {key: a, descriptionId: d}\n"
                     "  - {key: b, descriptionId: d, state: runing}\n",
                     "x.yaml:5: tasks[1].state: unknown state 'runing'; one of queued, running, success, error",
                     id="state"),
        pytest.param(OBJECTS + "tasks:\n  - {key: a, descriptionId: d}\n  - {key: a, descriptionId: d}\n",
                     "x.yaml:5: tasks[1].key: duplicate task key 'a' (first at line 4)", id="duplicate-task"),
        pytest.param(TASK + "    task: {type: Task, value: task-1}\n",
                     "x.yaml:6: tasks[0].task: a task's MoRef is Task:<key>; write key only", id="task-field"),
        pytest.param(TASK + "    name: createVM\n",
                     "x.yaml:6: tasks[0].name: 'createVM' is not a vim method name such as CreateVM_Task",
                     id="method-name"),
        pytest.param(TASK + "    entity: {type: VirtualMachine, value: vm-99}\n",
                     "x.yaml:6: tasks[0].entity: VirtualMachine 'vm-99' is not declared in objects",
                     id="bad-entity"),
        pytest.param(TASK + "    entity: {type: HostSystem, value: vm-42}\n",
                     "x.yaml:6: tasks[0].entity: HostSystem 'vm-42' is not declared in objects "
                     "(there is a VirtualMachine 'vm-42')", id="entity-wrong-type"),
        pytest.param(TASK + "    entity: vm-42\n",
                     "x.yaml:6: tasks[0].entity: expected a managed object reference {type: ..., value: ...}, "
                     "got 'vm-42'", id="entity-not-a-moref"),
        pytest.param(TASK + "    locked: [{type: VirtualMachine, value: vm-42}, {type: Datastore, value: ds-1}]\n",
                     "x.yaml:6: tasks[0].locked[1]: Datastore 'ds-1' is not declared in objects", id="bad-locked"),
        pytest.param(TASK + "    reason:\n      type: TaskReasonAlarm\n      alarm: {type: Alarm, value: alarm-1}\n"
                     "      entity: {type: VirtualMachine, value: vm-42}\n",
                     "x.yaml:8: tasks[0].reason.alarm: Alarm 'alarm-1' is not declared in objects",
                     id="bad-reason-reference"),
        pytest.param(TASK + "    reason: {type: TaskReasonUsr, userName: a}\n",
                     "x.yaml:6: tasks[0].reason.type: unknown reason type 'TaskReasonUsr'; "
                     "did you mean 'TaskReasonUser'?", id="reason-type"),
        pytest.param(TASK + "    reason: {userName: a}\n",
                     "x.yaml:6: tasks[0].reason.type: required field is missing; one of TaskReasonSystem, "
                     "TaskReasonUser, TaskReasonAlarm, TaskReasonSchedule", id="reason-without-type"),
        pytest.param(TASK + "    reason: {type: TaskReasonUser}\n",
                     "x.yaml:6: tasks[0].reason.userName: required field is missing", id="reason-user-name"),
        pytest.param(TASK + "    reason: {type: TaskReasonSystem, userName: a}\n",
                     "x.yaml:6: tasks[0].reason.userName: unknown field; one of type", id="reason-field"),
        pytest.param(TASK + "    state: success\n    result: {type: VirtualMachine, value: vm-7}\n",
                     "x.yaml:7: tasks[0].result: VirtualMachine 'vm-7' is not declared in objects",
                     id="bad-result-reference"),
        pytest.param(TASK + "    state: success\n    result: {type: Task, value: task-7}\n",
                     "x.yaml:7: tasks[0].result: no task with key 'task-7' is declared in tasks",
                     id="bad-result-task"),
        pytest.param(TASK + "    parentTaskKey: task-0\n",
                     "x.yaml:6: tasks[0].parentTaskKey: no task with key 'task-0' is declared in tasks",
                     id="bad-parent"),
        pytest.param(TASK + "    queueTime: yesterday\n",
                     "x.yaml:6: tasks[0].queueTime: not an ISO 8601 timestamp: 'yesterday'", id="timestamp-text"),
        pytest.param(TASK + "    queueTime: 2026-13-01T10:00:00Z\n",
                     "x.yaml:6: tasks[0].queueTime: not a valid timestamp '2026-13-01T10:00:00Z': "
                     "month must be in 1..12", id="timestamp-month"),
        pytest.param(TASK + "    queueTime: 2026-01-01\n",
                     "x.yaml:6: tasks[0].queueTime: '2026-01-01' is a date; a timestamp needs a time too "
                     "(2026-01-01T10:00:00Z)", id="timestamp-date"),
        pytest.param(TASK + "    queueTime: 42\n",
                     "x.yaml:6: tasks[0].queueTime: expected a timestamp such as 2026-01-01T10:00:00Z, got '42'",
                     id="timestamp-number"),
        pytest.param(TASK + "    state: running\n    queueTime: 2026-01-01T10:00:00Z\n"
                     "    startTime: 2026-01-01T09:00:00Z\n",
                     "x.yaml:8: tasks[0].startTime: 2026-01-01T09:00:00Z is before queueTime 2026-01-01T10:00:00Z",
                     id="start-before-queue"),
        pytest.param(TASK + "    startTime: 2026-01-01T09:00:00Z\n",
                     "x.yaml:6: tasks[0].startTime: a queued task has not started; remove startTime or change "
                     "the state", id="queued-start"),
        pytest.param(TASK + "    state: running\n    completeTime: 2026-01-01T09:00:00Z\n",
                     "x.yaml:7: tasks[0].completeTime: a running task has not completed; remove completeTime",
                     id="running-complete"),
        pytest.param(TASK + "    cancelDelay: -0.5\n",
                     "x.yaml:6: tasks[0].cancelDelay: must not be negative, got -0.5", id="task-cancel-delay"),
        pytest.param(TASK + "    state: success\n    error: {fault: {type: InvalidState}}\n",
                     "x.yaml:7: tasks[0].error: error is set but state is success; only a task in state error "
                     "has one", id="success-with-error"),
        pytest.param(TASK + "    state: error\n",
                     "x.yaml:6: tasks[0].error: a task in state error needs an error: {fault: {type: ...}, "
                     "localizedMessage: ...}", id="error-without-error"),
        pytest.param(TASK + "    state: running\n    result: 3\n",
                     "x.yaml:7: tasks[0].result: result is set but state is running; only a task in state "
                     "success has one", id="result-on-running"),
        pytest.param(TASK + "    state: running\n    cancelled: true\n",
                     "x.yaml:7: tasks[0].cancelled: cancelled: true needs state error (a canceled task ends in "
                     "error/RequestCanceled), not running", id="cancelled-running"),
        pytest.param(TASK + "    state: error\n    error: {localizedMessage: m}\n",
                     "x.yaml:7: tasks[0].error.fault: required field is missing", id="error-without-fault"),
        pytest.param(TASK + "    state: error\n    error: {fault: {file: x}}\n",
                     "x.yaml:7: tasks[0].error.fault.type: required field is missing (the fault's vim type, "
                     "such as InvalidState)", id="fault-without-type"),
        pytest.param("users:\n  - {name: a, password: b, role: admin}\n",
                     "x.yaml:2: users[0].role: unknown role 'admin'; did you mean 'Admin'?", id="user-role"),
        pytest.param("users:\n  - {name: a, pasword: b, role: Admin}\n",
                     "x.yaml:2: users[0].pasword: unknown field; did you mean 'password'?", id="user-field"),
        pytest.param("users:\n  - {name: a, password: b, role: Admin, privileges: [System.View]}\n",
                     "x.yaml:2: users[0].privileges: a user has a role or privileges, not both", id="user-both"),
        pytest.param("users:\n  - {name: a, password: b}\n",
                     "x.yaml:2: users[0].role: a user needs a role (Admin, ReadOnly, NoAccess, Anonymous, View) "
                     "or privileges", id="user-neither"),
        pytest.param("users:\n  - {name: a, password: 1234, role: Admin}\n",
                     "x.yaml:2: users[0].password: expected a non-empty string, got '1234' (quote it)",
                     id="user-password-number"),
        pytest.param("users:\n  - {name: a, password: b, privileges: [view]}\n",
                     "x.yaml:2: users[0].privileges[0]: 'view' is not a privilege id such as System.View",
                     id="user-privilege"),
        pytest.param("users:\n  - {name: a, password: b, role: Admin}\n  - {name: a, password: c, role: Admin}\n",
                     "x.yaml:3: users[1].name: duplicate user 'a' (first at line 2)", id="user-duplicate"),
        pytest.param("extensions:\n  - {key: com.example, tasklist: []}\n",
                     "x.yaml:2: extensions[0].tasklist: unknown field; did you mean 'taskList'?",
                     id="extension-field"),
        pytest.param("extensions:\n  - key: com.example\n    taskList: [{taskID: a}, {taskID: a}]\n",
                     "x.yaml:3: extensions[0].taskList[1].taskID: duplicate taskID 'a' (first at line 3)",
                     id="extension-task-id"),
        pytest.param("extensions:\n  - {key: e, taskList: [{taskId: a}]}\n",
                     "x.yaml:2: extensions[0].taskList[0].taskId: unknown field; did you mean 'taskID'?",
                     id="extension-task-id-case"),
    ],
)
def test_errors_name_file_line_and_field(text: str, message: str) -> None:
    assert error_of(text) == message


# Errors in faults: judged by the vim type table when there is one

ERROR_TASK = TASK + "    state: error\n    error:\n      fault: "  # the fault on line 8


def test_request_canceled_is_accepted_on_a_cancelled_task(mini_table: TypeSystem) -> None:
    info = one_task(TASK + "    state: error\n    cancelled: true\n    error: {fault: {type: RequestCanceled}}\n").info
    assert info.error.fault.vim_type == "RequestCanceled"


def test_session_timeout_setting_sets_the_idle_timeout() -> None:
    simulator = load_fixture_text("settings: {sessionTimeout: 90}\n", "t.yaml", ManualClock())
    assert simulator.session_manager.idle_timeout == 90


def test_session_timeout_must_be_positive() -> None:
    with pytest.raises(FixtureError, match=r"t.yaml:1: settings.sessionTimeout: must be more than 0 seconds"):
        load_fixture_text("settings: {sessionTimeout: 0}\n", "t.yaml", ManualClock())
