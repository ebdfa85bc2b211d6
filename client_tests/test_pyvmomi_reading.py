"""Reading vim.Task with pyVmomi: ``task.info`` (Fetch), the PropertyCollector, ServiceContent,
and what each vSphere API version a stub speaks may receive.

A field newer than the client's version must never be sent. pyVmomi 9.1.1 does not always
notice one: a 6.5 or 4.0 stub reads progressDetails (8.0.1) or activationId (6.0) without
complaint, while a 2.5 stub fails on a description (4.0) with ``AttributeError: info``. So these
tests check that the newer fields are absent, not only that the read succeeds.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import logged_in_stub
from pyVmomi import SoapStubAdapter, vim, vmodl

PropertyCollector = vmodl.query.PropertyCollector

# What conftest's pool fixture puts in every task.
POOL_DESCRIPTION_ID = "com.vmware.vtasksim.test"
POOL_ENTITY = ("vm-42", "web-01")
POOL_USER = "tester@vsphere.local"

V8_0_3 = "vim.version.v8_0_3_0"
# pyVmomi 9.1.1 has no "vim.version.v6_5": 6.5 is its version11 (versionIdMap: "6.5").
V6_5 = "vim.version.version11"
V4_0 = "vim.version.version5"
V2_5 = "vim.version.version2"


def property_collector(stub: SoapStubAdapter) -> Any:
    return vim.ServiceInstance("ServiceInstance", stub).RetrieveContent().propertyCollector


def task_filter(task: vim.Task, path_set: list[str] | None = None, all_properties: bool = False) -> Any:
    return PropertyCollector.FilterSpec(
        objectSet=[PropertyCollector.ObjectSpec(obj=task, skip=False)],
        propSet=[PropertyCollector.PropertySpec(type=vim.Task, pathSet=path_set or [], all=all_properties)],
    )


def retrieve_properties(collector: Any, spec: Any) -> list[Any]:
    return list(collector.RetrieveProperties(specSet=[spec]))


def retrieve_properties_ex(collector: Any, spec: Any) -> list[Any]:
    result = collector.RetrievePropertiesEx(specSet=[spec], options=PropertyCollector.RetrieveOptions())
    assert result is not None, "RetrievePropertiesEx found nothing"
    assert result.token is None  # one task's properties fit in one page
    return list(result.objects)


RETRIEVALS = {"RetrieveProperties": retrieve_properties, "RetrievePropertiesEx": retrieve_properties_ex}


def properties_of(task: vim.Task, retrieval: str, path_set: list[str] | None = None, all_properties: bool = False) -> dict[str, Any]:
    """The task's properties as one PropertyCollector call reports them, by property path."""
    collector = property_collector(task._stub)
    objects = RETRIEVALS[retrieval](collector, task_filter(task, path_set, all_properties))
    assert [content.obj for content in objects] == [task]
    return {prop.name: prop.val for prop in objects[0].propSet}


def description(key: str = "com.example.backup.copy") -> vmodl.LocalizableMessage:
    return vmodl.LocalizableMessage(
        key=key, message="Copying disk 2 of 3",
        arg=[vmodl.KeyAnyValue(key="disk", value=2), vmodl.KeyAnyValue(key="vm", value="web-01")],
    )  # fmt: skip


def assert_description(got: Any, key: str = "com.example.backup.copy") -> None:
    assert isinstance(got, vmodl.LocalizableMessage)
    assert (got.key, got.message) == (key, "Copying disk 2 of 3")
    assert [(arg.key, arg.value) for arg in got.arg] == [("disk", 2), ("vm", "web-01")]
    assert type(got.arg[0].value) is int


# task.info (Fetch)


def test_task_info_of_a_running_task(stub, tasks) -> None:
    """vim.Task, info: "Detailed information about this task." read as pyVmomi reads every
    property (Fetch)."""
    key = tasks.take(state="running", cancelable=True)
    task = vim.Task(key, stub)
    info = task.info
    assert isinstance(info, vim.TaskInfo)
    assert info.key == key
    assert info.task == task
    assert info.descriptionId == POOL_DESCRIPTION_ID
    assert info.entity == vim.VirtualMachine(POOL_ENTITY[0], stub)
    assert info.entityName == POOL_ENTITY[1]
    assert (info.state, info.cancelable, info.cancelled) == ("running", True, False)
    assert isinstance(info.reason, vim.TaskReasonUser) and info.reason.userName == POOL_USER
    assert info.queueTime is not None and info.startTime is not None
    assert info.queueTime <= info.startTime
    assert info.completeTime is None and info.error is None and info.result is None


def test_task_info_of_completed_tasks(stub, tasks) -> None:
    """vim.Task, info: "Detailed information about this task.": a completed task's result, and
    a failed task's error with its message."""
    succeeded = vim.Task(tasks.take(state="success"), stub).info
    assert succeeded.state == "success" and succeeded.result == "fixture-result"
    assert succeeded.completeTime >= succeeded.startTime
    failed = vim.Task(tasks.take(state="error"), stub).info
    assert failed.state == "error"
    assert isinstance(failed.error, vim.fault.InvalidState)
    assert failed.error.msg == "fixture error"


# The PropertyCollector


@pytest.mark.parametrize("retrieval", list(RETRIEVALS))
def test_property_collector_reads_info(stub, tasks, retrieval: str) -> None:
    """vim.Task, info (vim.TaskInfo) through the PropertyCollector, pathSet ["info"]."""
    task = vim.Task(tasks.take(state="running"), stub)
    task.UpdateProgress(percentDone=37)
    properties = properties_of(task, retrieval, ["info"])
    assert list(properties) == ["info"]
    info = properties["info"]
    assert isinstance(info, vim.TaskInfo)
    assert (info.key, info.state, info.progress) == (task._moId, "running", 37)


@pytest.mark.parametrize("retrieval", list(RETRIEVALS))
def test_property_collector_reads_sub_paths_of_info(stub, tasks, retrieval: str) -> None:
    """vim.TaskInfo's fields as property paths: pathSet ["info.state"], ["info.progress"]."""
    task = vim.Task(tasks.take(state="running"), stub)
    task.UpdateProgress(percentDone=37)
    assert properties_of(task, retrieval, ["info.state"]) == {"info.state": "running"}
    assert properties_of(task, retrieval, ["info.progress"]) == {"info.progress": 37}
    both = properties_of(task, retrieval, ["info.state", "info.progress"])
    assert both == {"info.state": "running", "info.progress": 37}


@pytest.mark.parametrize("retrieval", list(RETRIEVALS))
def test_property_collector_reads_all_properties(stub, tasks, retrieval: str) -> None:
    """vim.Task's attributes (info) with all=True; the task is one that SetTaskState completed."""
    task = vim.Task(tasks.take(state="running"), stub)
    task.SetTaskState(state="success", result="done")
    properties = properties_of(task, retrieval, all_properties=True)
    assert "info" in properties
    assert (properties["info"].state, properties["info"].result) == ("success", "done")


@pytest.mark.parametrize("retrieval", list(RETRIEVALS))
def test_property_collector_sees_a_cancelation(stub, tasks, retrieval: str) -> None:
    """Reference, CancelTask: "its runtime state will be set to error and its error state will
    be set to RequestCanceled", as the PropertyCollector reports it."""
    task = vim.Task(tasks.take(state="running", cancelable=True), stub)
    task.CancelTask()
    properties = properties_of(task, retrieval, ["info.state", "info.error", "info.cancelled"])
    assert properties["info.state"] == "error"
    assert properties["info.cancelled"] is True
    assert isinstance(properties["info.error"], vmodl.fault.RequestCanceled)
    assert properties["info.error"].msg == "The task was canceled by a user."


# ServiceContent


def test_service_content_about_names_a_vcenter_at_the_clients_version(stub) -> None:
    """RetrieveServiceContent's about: apiType VirtualCenter, apiVersion the stub's version."""
    about = vim.ServiceInstance("ServiceInstance", stub).RetrieveContent().about
    assert about.apiType == "VirtualCenter"
    assert about.apiVersion == "8.0.3.0"
    assert about.vendor == "VMware, Inc."


def test_service_content_about_of_a_6_5_client(server) -> None:
    """RetrieveServiceContent's about.apiVersion answers in the version the client speaks."""
    about = vim.ServiceInstance("ServiceInstance", logged_in_stub(server.url, V6_5)).RetrieveContent().about
    assert about.apiType == "VirtualCenter"
    assert about.apiVersion == "6.5"


# API versions: no field newer than the client's


NEWER_FIELDS_FIXTURE = """\
objects:
  - {type: VirtualMachine, value: vm-42, name: web-01}
tasks:
  - key: task-1
    descriptionId: com.example.backup.run
    entity: {type: VirtualMachine, value: vm-42}
    state: running
    cancelable: true
    progress: 40
    progressDetails: [{key: phase, value: copy}]
    activationId: activation-1
    description: {key: com.example.backup.copy, message: "Copying disk 2 of 3", arg: [{key: disk, value: 2}, {key: vm, value: web-01}]}
"""


def test_a_6_5_client_reads_a_task_with_8_0_fields(start) -> None:
    """TaskInfo.progressDetails is "since 8.0.1.0": a 6.5 client never receives it; the fields
    6.5 knows (description, activationId) it does."""
    server = start(NEWER_FIELDS_FIXTURE)
    info = vim.Task("task-1", logged_in_stub(server.url, V6_5)).info
    assert info.progress == 40
    assert list(info.progressDetails) == []
    assert info.activationId == "activation-1"
    assert_description(info.description)


def test_an_8_0_3_client_reads_the_8_0_fields(start) -> None:
    """TaskInfo.progressDetails (since 8.0.1.0) reaches a client that speaks 8.0.3."""
    server = start(NEWER_FIELDS_FIXTURE)
    info = vim.Task("task-1", logged_in_stub(server.url, V8_0_3)).info
    assert [(detail.key, detail.value) for detail in info.progressDetails] == [("phase", "copy")]
    assert info.activationId == "activation-1"


def test_a_4_0_client_reads_a_task_with_6_0_fields(start) -> None:
    """TaskInfo.activationId is since 6.0 and progressDetails since 8.0.1.0: a 4.0 client gets
    neither, but the description (since 4.0) it does."""
    server = start(NEWER_FIELDS_FIXTURE)
    info = vim.Task("task-1", logged_in_stub(server.url, V4_0)).info
    assert info.activationId is None
    assert list(info.progressDetails) == []
    assert_description(info.description)


@pytest.mark.parametrize("version", [V4_0, V6_5, V8_0_3])
def test_description_set_by_one_version_reads_in_another(server, stub, tasks, version: str) -> None:
    """Reference, SetTaskDescription: "Updates task description to describe the current phase of
    the task." (since vSphere API 4.0); set through an 8.0.3 stub, every client since 4.0 reads
    the task, and its description, in its own version's shape."""
    key = tasks.take(state="running")
    vim.Task(key, stub).SetTaskDescription(description=description())
    info = vim.Task(key, logged_in_stub(server.url, version)).info
    assert (info.key, info.state, info.entityName) == (key, "running", POOL_ENTITY[1])
    assert_description(info.description)


def test_a_4_0_client_sets_a_description(server, stub, tasks) -> None:
    """Reference, SetTaskDescription: "since: vSphere API 4.0" (vim.version.version5): a 4.0
    client may call it."""
    key = tasks.take(state="running")
    vim.Task(key, logged_in_stub(server.url, V4_0)).SetTaskDescription(description=description("com.example.v4"))
    assert_description(vim.Task(key, stub).info.description, "com.example.v4")


def test_a_2_5_client_cannot_set_a_description(server, stub, tasks) -> None:
    """Reference, SetTaskDescription: "since: vSphere API 4.0". pyVmomi knows it and refuses
    locally with MethodNotFound (receiver, its own method name, no msg) before sending anything,
    so the task's description stays as it was; the server's own MethodNotFound for a 2.5
    request is for the raw HTTP tests."""
    key = tasks.take(state="running")
    old_client_task = vim.Task(key, logged_in_stub(server.url, V2_5))
    with pytest.raises(vmodl.fault.MethodNotFound) as raised:
        old_client_task.SetTaskDescription(description=description("com.example.v2"))
    assert raised.value.receiver == old_client_task
    assert raised.value.method == "UpdateDescription"
    assert vim.Task(key, stub).info.description is None


def test_a_2_5_client_reads_task_info_without_a_description(server, stub, tasks) -> None:
    """TaskInfo.description is since vSphere API 4.0 (as SetTaskDescription is): a 2.5 client
    reads the task, and no description."""
    key = tasks.take(state="running")
    vim.Task(key, stub).SetTaskDescription(description=description())
    info = vim.Task(key, logged_in_stub(server.url, V2_5)).info
    assert (info.key, info.state, info.entityName) == (key, "running", POOL_ENTITY[1])
    assert info.description is None


def test_task_extends_extensible_managed_object(stub, tasks) -> None:
    """Reference: vim.Task ":extends: vim.ExtensibleManagedObject": its custom-field properties
    exist (and are empty), so reading them is no InvalidProperty."""
    from pyVmomi import vim

    task = vim.Task(tasks.take(state="queued", cancelable=False), stub)
    assert list(task.value) == []
    assert list(task.availableField) == []
