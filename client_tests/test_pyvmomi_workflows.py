"""vSphere automation as it is written today: SmartConnect, TaskManager.CreateTask, WaitForTask.

One connection creates a task and blocks in ``pyVim.task.WaitForTask`` (or ``WaitForTasks``) in a
thread of its own, while a second connection (a second session, as a second program would have)
drives the task with UpdateProgress, SetTaskDescription and SetTaskState, or cancels it. The
waiting side sees what WaitForTask shows a program: ``onProgressUpdate`` calls, the returned
state, and the raised fault.

What WaitForTask can see: it wakes on every WaitForUpdates answer and then reads ``task.info``,
so changes made between two of its reads coalesce. It reports a progress value only when it
differs from the last one it reported. The lock-step tests therefore make the driver wait until
the waiter has reported a step before making the next one; then every step must be seen. The
free-running test asserts only what must hold whatever the timing: the reported values are the
sent ones in order, and the last is the task's final progress.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests
from pyVim.task import WaitForTask, WaitForTasks
from pyVmomi import SoapStubAdapter, VmomiSupport, vim, vmodl

import soap
from running_server import ADMIN, RunningServer, start_server

VM = "vm-42"
VM_NAME = "web-01"
TASK_TYPE = "com.vmware.vtasksim.test"
#: Longest a waiter may take to report a change; generous, it is only reached on failure.
STEP_TIMEOUT = 10.0
USER, PASSWORD = ADMIN  # what the `connect` fixture logs in as

API_5_5 = "vim.version.version9"
API_6_5 = "vim.version.version11"
API_8_0_3 = "vim.version.v8_0_3_0"


# Connections, as a vSphere program makes them


def stub_at(url: str, version: str) -> SoapStubAdapter:
    """A stub speaking one vSphere API version, logged in as a program of that era would be."""
    stub = SoapStubAdapter(url=url, version=version)
    content = vim.ServiceInstance("ServiceInstance", stub).RetrieveContent()
    content.sessionManager.Login(USER, PASSWORD)
    return stub


def vm_on(si: vim.ServiceInstance, value: str = VM) -> vim.VirtualMachine:
    return vim.VirtualMachine(value, si._stub)


def same_task_on(si: vim.ServiceInstance, task: vim.Task) -> vim.Task:
    """The task as another connection names it."""
    return vim.Task(task._moId, si._stub)


def create_task(si: vim.ServiceInstance, cancelable: bool = True, **options: Any) -> vim.Task:
    info = si.content.taskManager.CreateTask(obj=vm_on(si), taskTypeId=TASK_TYPE, cancelable=cancelable, **options)
    return info.task


def message(text: str) -> vmodl.LocalizableMessage:
    return vmodl.LocalizableMessage(key="com.vmware.vtasksim.test.step", message=text)


def api_version_of(stub: SoapStubAdapter) -> str:
    """``8.0.3.0`` for ``vim.version.v8_0_3_0``: the version a stub puts in its SOAPAction."""
    return VmomiSupport.GetVersionNamespace(stub.version).split("/", 1)[1]


# A program blocked in WaitForTask(s)


@dataclass(frozen=True)
class Observation:
    """One onProgressUpdate call, with the task's state and description read right then."""

    task: str
    progress: Any  # "created", an int (or None while unset), "completed", "error: ..."
    state: str
    description: str | None


class BlockedWaiter:
    """Runs ``wait(on_progress)`` (a WaitForTask or WaitForTasks call) in a thread of its own."""

    def __init__(self, wait: Callable[[Callable[[vim.Task, Any], None]], Any]) -> None:
        self.history: list[Observation] = []
        self._seen: queue.Queue[Observation] = queue.Queue()
        self._outcome: dict[str, Any] = {}
        self._thread = threading.Thread(target=self._run, args=(wait,), daemon=True)
        self._thread.start()

    def _on_progress(self, task: vim.Task, progress: Any) -> None:
        info = task.info
        description = info.description.message if info.description is not None else None
        observation = Observation(task._moId, progress, str(info.state), description)
        self.history.append(observation)
        self._seen.put(observation)

    def _run(self, wait: Callable) -> None:
        try:
            self._outcome["returned"] = wait(self._on_progress)
        except BaseException as error:  # handed to the test thread by outcome()
            self._outcome["raised"] = error

    def wait_for(self, wanted: Callable[[Observation], bool], what: str) -> Observation:
        """The first report from now on that is ``wanted``; fails after STEP_TIMEOUT."""
        deadline = time.monotonic() + STEP_TIMEOUT
        while (left := deadline - time.monotonic()) > 0:
            try:
                observation = self._seen.get(timeout=left)
            except queue.Empty:
                break
            if wanted(observation):
                return observation
        raise AssertionError(f"the waiter never reported {what}; it reported {self.history}, outcome {self._outcome}")

    def progress_of(self, task: vim.Task, percent: int) -> Observation:
        return self.wait_for(lambda o: o.task == task._moId and o.progress == percent, f"{percent}% of {task._moId}")

    def created(self, task: vim.Task) -> Observation:
        return self.wait_for(lambda o: o.task == task._moId and o.progress == "created", f"the start on {task._moId}")

    def outcome(self) -> Any:
        """What the wait returned; re-raises what it raised."""
        self._thread.join(STEP_TIMEOUT)
        assert not self._thread.is_alive(), f"the waiter is still blocked; it reported {self.history}"
        if "raised" in self._outcome:
            raise self._outcome["raised"]
        return self._outcome["returned"]

    def progress_reported(self, task: vim.Task) -> list[int]:
        return [o.progress for o in self.history if o.task == task._moId and isinstance(o.progress, int)]


def wait_for_task(task: vim.Task) -> BlockedWaiter:
    return BlockedWaiter(lambda on_progress: WaitForTask(task, onProgressUpdate=on_progress))


# The shared pool server (no users: any name and password log in with every privilege)


def test_smartconnect_reaches_the_task_manager(server: RunningServer, connect) -> None:
    """SmartConnect logs in, and the session names its user (SessionManager.currentSession)."""
    si = connect(server)
    assert si.content.sessionManager.currentSession.userName == USER
    assert isinstance(si.content.taskManager, vim.TaskManager)


def test_create_task_returns_a_queued_task_of_the_user_on_the_object(server: RunningServer, connect) -> None:
    """CreateTask returns a TaskInfo: queued, reason TaskReasonUser of the session's user, entity/entityName of obj."""
    si = connect(server)
    info = si.content.taskManager.CreateTask(obj=vm_on(si), taskTypeId=TASK_TYPE, cancelable=True)
    assert info.state == vim.TaskInfo.State.queued
    assert isinstance(info.reason, vim.TaskReasonUser) and info.reason.userName == USER
    assert info.entity == vm_on(si) and info.entityName == VM_NAME
    assert info.descriptionId == TASK_TYPE
    assert info.cancelable is True and info.cancelled is False
    assert info.key == info.task._moId
    assert info.task.info.key == info.key


@pytest.mark.parametrize("result_kind", ["string", "moref"])
def test_wait_for_task_sees_every_state_step_and_the_result(server: RunningServer, connect, result_kind: str) -> None:
    """WaitForTask in one program sees each progress step, description and state another program sets,
    then the result (a string, or a managed object reference) SetTaskState stored with success."""
    waiting, driving = connect(server), connect(server)
    task = create_task(waiting)
    waiter = wait_for_task(task)
    assert waiter.created(task).state == "queued"
    driven = same_task_on(driving, task)
    driven.SetTaskState(state=vim.TaskInfo.State.running)
    steps = [10, 35, 60, 90]
    for step in steps:
        driven.SetTaskDescription(description=message(f"copying, {step}% done"))
        driven.UpdateProgress(percentDone=step)
        seen = waiter.progress_of(task, step)
        assert (seen.state, seen.description) == ("running", f"copying, {step}% done")
    result = "backup-42.tar" if result_kind == "string" else vm_on(driving)
    driven.SetTaskState(state=vim.TaskInfo.State.success, result=result)
    assert waiter.outcome() == vim.TaskInfo.State.success
    assert waiter.progress_reported(task) == steps
    assert waiter.history[-1].progress == "completed"
    got = task.info.result
    if result_kind == "string":
        assert got == "backup-42.tar"
    else:
        assert isinstance(got, vim.VirtualMachine) and got._moId == VM


def test_wait_for_task_reports_free_running_progress_in_order(server: RunningServer, connect) -> None:
    """Without lock-step, WaitForTask may coalesce steps, but what it reports is what was set, in
    order, and its last report is the task's final progress."""
    waiting, driving = connect(server), connect(server)
    task = create_task(waiting)
    waiter = wait_for_task(task)
    waiter.created(task)
    driven = same_task_on(driving, task)
    driven.SetTaskState(state=vim.TaskInfo.State.running)
    sent = list(range(5, 101, 5))
    for percent in sent:
        driven.UpdateProgress(percentDone=percent)
    driven.SetTaskState(state=vim.TaskInfo.State.success, result="done")
    assert waiter.outcome() == vim.TaskInfo.State.success
    reported = waiter.progress_reported(task)
    assert reported, "WaitForTask reported no progress at all"
    assert reported == sorted(set(reported)) and set(reported) <= set(sent), reported
    assert reported[-1] == task.info.progress == 100


def test_wait_for_task_raises_the_vim_fault_the_task_ended_with(server: RunningServer, connect) -> None:
    """SetTaskState(error, fault): "Sets task state and optionally sets results or fault" -> WaitForTask raises that fault."""
    waiting, driving = connect(server), connect(server)
    task = create_task(waiting)
    waiter = wait_for_task(task)
    waiter.created(task)
    driven = same_task_on(driving, task)
    driven.SetTaskState(state=vim.TaskInfo.State.running)
    driven.UpdateProgress(percentDone=20)
    waiter.progress_of(task, 20)
    missing = "[datastore1] web-01/web-01.vmdk"
    driven.SetTaskState(state=vim.TaskInfo.State.error, fault=vim.fault.FileNotFound(file=missing))
    with pytest.raises(vim.fault.FileNotFound) as raised:
        waiter.outcome()
    assert raised.value.file == missing
    assert waiter.history[-1].progress.startswith("error")


@pytest.mark.parametrize("state_when_canceled", ["queued", "running"])
def test_wait_for_task_raises_request_canceled_when_another_program_cancels(
    server: RunningServer, connect, state_when_canceled: str
) -> None:
    """Reference, CancelTask: "If a task is canceled, its runtime state will be set to error and its
    error state will be set to RequestCanceled." -> WaitForTask raises RequestCanceled."""
    waiting, driving = connect(server), connect(server)
    task = create_task(waiting, cancelable=True)
    waiter = wait_for_task(task)
    waiter.created(task)
    driven = same_task_on(driving, task)
    if state_when_canceled == "running":
        driven.SetTaskState(state=vim.TaskInfo.State.running)
        driven.UpdateProgress(percentDone=40)
        waiter.progress_of(task, 40)
    driven.CancelTask()
    with pytest.raises(vmodl.fault.RequestCanceled):
        waiter.outcome()
    info = task.info
    assert (info.state, info.cancelled) == (vim.TaskInfo.State.error, True)


def test_a_task_created_not_cancelable_refuses_cancel(server: RunningServer, connect) -> None:
    """Reference, CancelTask: "A task may only be canceled if it is cancelable." -> NotSupported for CreateTask(cancelable=False)."""
    si = connect(server)
    task = create_task(si, cancelable=False)
    with pytest.raises(vmodl.fault.NotSupported):
        task.CancelTask()
    assert task.info.state == vim.TaskInfo.State.queued


def test_wait_for_tasks_sees_three_tasks_end_differently(server: RunningServer, connect) -> None:
    """WaitForTasks over a task that succeeds, one that fails with a VimFault and one canceled: it
    returns once all three ended, having cached the one result and reported each ending."""
    waiting, driving = connect(server), connect(server)
    succeeding, failing, canceled = (create_task(waiting) for _ in range(3))
    results: list[Any] = []
    waiter = BlockedWaiter(
        lambda on_progress: WaitForTasks(
            [succeeding, failing, canceled], raiseOnError=False, onProgressUpdate=on_progress, results=results
        )
    )
    for task in (succeeding, failing, canceled):
        waiter.created(task)
    driven = {task._moId: same_task_on(driving, task) for task in (succeeding, failing, canceled)}
    for task in driven.values():
        task.SetTaskState(state=vim.TaskInfo.State.running)
    # WaitForTasks reads only changes named info or info.state; a progress-only change arrives as
    # info.progress (partial updates), so it cannot report this step and the test does not wait for it.
    driven[succeeding._moId].UpdateProgress(percentDone=50)
    driven[succeeding._moId].SetTaskState(state=vim.TaskInfo.State.success, result="r-1")
    driven[failing._moId].SetTaskState(state=vim.TaskInfo.State.error, fault=vim.fault.FileNotFound(file="f"))
    driven[canceled._moId].CancelTask()
    waiter.outcome()
    assert results == ["r-1"]
    endings = {o.task: o.progress for o in waiter.history if o.state in ("success", "error") and isinstance(o.progress, str)}
    assert endings[succeeding._moId] == "completed"
    assert endings[failing._moId].startswith("error") and endings[canceled._moId].startswith("error")
    assert isinstance(failing.info.error, vim.fault.FileNotFound)
    assert isinstance(canceled.info.error, vmodl.fault.RequestCanceled)


def test_wait_for_tasks_raises_the_first_fault_when_asked_to(server: RunningServer, connect) -> None:
    """WaitForTasks(raiseOnError=True) raises the fault of a task that ended in error."""
    waiting, driving = connect(server), connect(server)
    tasks = [create_task(waiting) for _ in range(2)]
    waiter = BlockedWaiter(lambda on_progress: WaitForTasks(tasks, onProgressUpdate=on_progress))
    for task in tasks:
        waiter.created(task)
    failing = same_task_on(driving, tasks[1])
    failing.SetTaskState(state=vim.TaskInfo.State.running)
    failing.SetTaskState(state=vim.TaskInfo.State.error, fault=vim.fault.InvalidState())
    with pytest.raises(vim.fault.InvalidState):
        waiter.outcome()


def test_create_task_on_a_missing_object_is_managed_object_not_found(server: RunningServer, connect) -> None:
    """CreateTask's obj must exist: a MoRef to nothing -> ManagedObjectNotFound naming it."""
    si = connect(server)
    with pytest.raises(vmodl.fault.ManagedObjectNotFound) as raised:
        si.content.taskManager.CreateTask(obj=vm_on(si, "vm-9999"), taskTypeId=TASK_TYPE, cancelable=True)
    assert raised.value.obj._moId == "vm-9999"


def test_recent_task_lists_a_new_task_while_it_runs_and_after_it_ends(server: RunningServer, connect) -> None:
    """TaskManager.recentTask holds the tasks created lately, running or just completed, as a vCenter's does."""
    si, other = connect(server), connect(server)
    task = create_task(si)
    assert task._moId in {t._moId for t in other.content.taskManager.recentTask}
    same_task_on(other, task).SetTaskState(state=vim.TaskInfo.State.running)
    same_task_on(other, task).SetTaskState(state=vim.TaskInfo.State.success)
    assert task._moId in {t._moId for t in si.content.taskManager.recentTask}


def test_task_manager_description_and_max_collector_are_readable(server: RunningServer, connect) -> None:
    """TaskManager.description (labels of each TaskInfo.State) and maxCollector are required properties."""
    manager = connect(server).content.taskManager
    description = manager.description
    assert isinstance(description, vim.TaskDescription)
    assert {e.key for e in description.state} >= {"queued", "running", "success", "error"}
    assert all(e.label and e.summary for e in description.state)
    assert isinstance(manager.maxCollector, int) and manager.maxCollector > 0


def test_parent_and_root_task_keys_link_subtasks(server: RunningServer, connect) -> None:
    """CreateTask(parentTaskKey): the subtask names its parent, and rootTaskKey the top of the tree."""
    si, other = connect(server), connect(server)
    root = create_task(si)
    child = create_task(si, parentTaskKey=root._moId)
    grandchild = create_task(si, parentTaskKey=child._moId)
    child_info, grandchild_info = same_task_on(other, child).info, same_task_on(other, grandchild).info
    assert (child_info.parentTaskKey, child_info.rootTaskKey) == (root._moId, root._moId)
    assert (grandchild_info.parentTaskKey, grandchild_info.rootTaskKey) == (child._moId, root._moId)


def test_smartconnect_about_api_version_is_the_negotiated_version(server: RunningServer, connect) -> None:
    """about.apiVersion follows the version the client speaks: SmartConnect's negotiated one."""
    si = connect(server)
    assert si.content.about.apiVersion == api_version_of(si._stub)


@pytest.mark.parametrize("version", [API_5_5, API_6_5, API_8_0_3])
def test_about_api_version_follows_each_client_version(server: RunningServer, version: str) -> None:
    """about.apiVersion follows the version of the request."""
    stub = SoapStubAdapter(url=server.url, version=version)
    assert vim.ServiceInstance("ServiceInstance", stub).RetrieveContent().about.apiVersion == api_version_of(stub)


def test_activation_id_reaches_a_6_0_client_and_never_a_5_5_one(server: RunningServer) -> None:
    """TaskInfo.activationId exists since vSphere API 6.0: an 8.0.3 client sees the one CreateTask
    was given; a 5.5 client reading the same TaskInfo is never sent the field."""
    new_stub, old_stub = stub_at(server.url, API_8_0_3), stub_at(server.url, API_5_5)
    manager = vim.ServiceInstance("ServiceInstance", new_stub).RetrieveContent().taskManager
    vm = vim.VirtualMachine(VM, new_stub)
    info = manager.CreateTask(obj=vm, taskTypeId=TASK_TYPE, cancelable=True, activationId="activation-7")
    assert info.activationId == "activation-7"
    assert vim.Task(info.key, new_stub).info.activationId == "activation-7"
    old_info = vim.Task(info.key, old_stub).info
    assert old_info.key == info.key and old_info.activationId is None
    raw = soap.login(server.url).call("Fetch", "Task", info.key, "<prop>info</prop>", soap_action='"urn:vim25/5.5"')
    assert not raw.is_fault, raw.text
    assert "activationId" not in soap.child_names(raw.returnvals[0])


# Servers of the tests' own


def test_a_created_task_is_readable_by_another_session_at_once(start, connect) -> None:
    """CreateTask's task "is readable by every session the moment the call returns" (vcsim: 92 misses in 3000)."""
    server = start("objects:\n  - {type: VirtualMachine, value: vm-42, name: web-01}\n")
    creating, reading = connect(server), connect(server)
    manager = creating.content.taskManager
    for n in range(200):
        info = manager.CreateTask(obj=vm_on(creating), taskTypeId=TASK_TYPE, cancelable=True)
        read = same_task_on(reading, info.task).info  # raises ManagedObjectNotFound on a miss
        assert (read.key, read.state) == (info.key, vim.TaskInfo.State.queued), f"attempt {n}"


EXTENSIONS_FIXTURE = """\
objects:
  - {type: VirtualMachine, value: vm-42, name: web-01}
extensions:
  - key: com.example.backup
    taskList: [{taskID: com.example.backup.run}, {taskID: com.example.backup.verify}]
"""


def test_extension_task_types_are_the_only_ones_created(start, connect) -> None:
    """With extensions registered, CreateTask takes their task types; any other taskTypeId -> InvalidArgument."""
    si = connect(start(EXTENSIONS_FIXTURE))
    manager = si.content.taskManager
    for task_type in ("com.example.backup.run", "com.example.backup.verify"):
        info = manager.CreateTask(obj=vm_on(si), taskTypeId=task_type, cancelable=False)
        assert info.descriptionId == task_type
    with pytest.raises(vmodl.fault.InvalidArgument) as raised:
        manager.CreateTask(obj=vm_on(si), taskTypeId="com.example.backup.restore", cancelable=False)
    assert raised.value.invalidProperty == "taskTypeId"


def test_registered_extensions_are_listed_with_their_task_types(start, connect) -> None:
    """ExtensionManager.extensionList shows the fixture's extensions and the task types they declare."""
    si = connect(start(EXTENSIONS_FIXTURE))
    (extension,) = si.content.extensionManager.extensionList
    assert extension.key == "com.example.backup"
    assert [t.taskID for t in extension.taskList] == ["com.example.backup.run", "com.example.backup.verify"]


VERSIONED_FIXTURE = """\
objects:
  - {type: VirtualMachine, value: vm-42, name: web-01}
tasks:
  - key: task-77
    descriptionId: com.vmware.vtasksim.test
    entity: {type: VirtualMachine, value: vm-42}
    state: running
    cancelable: true
    progress: 40
    progressDetails: [{key: phase, value: copy}]
    activationId: activation-77
"""


@pytest.fixture(scope="module")
def versioned_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    path: Path = tmp_path_factory.mktemp("versioned") / "fixture.yaml"
    path.write_text(VERSIONED_FIXTURE)
    running = start_server(path)
    yield running
    running.stop()


@pytest.mark.parametrize(
    ("version", "has_activation_id", "has_progress_details"),
    [(API_5_5, False, False), (API_6_5, True, False), (API_8_0_3, True, True)],
)
def test_each_client_version_reads_the_task_info_fields_of_its_version(
    versioned_server: RunningServer, version: str, has_activation_id: bool, has_progress_details: bool
) -> None:
    """Never a field newer than the request's version: activationId is 6.0, progressDetails 8.0.1.0."""
    info = vim.Task("task-77", stub_at(versioned_server.url, version)).info
    assert (info.key, info.progress) == ("task-77", 40)
    assert info.activationId == ("activation-77" if has_activation_id else None)
    assert [(d.key, d.value) for d in info.progressDetails] == ([("phase", "copy")] if has_progress_details else [])


def test_smartconnect_over_tls_runs_a_task_to_its_end(start, connect) -> None:
    """`vtasksim serve --tls` serves a self-signed certificate; SmartConnect(disableSslCertValidation=True) works."""
    server = start("objects:\n  - {type: VirtualMachine, value: vm-42, name: web-01}\n", "--tls")
    assert server.url.startswith("https://")
    waiting, driving = connect(server), connect(server)
    task = create_task(waiting)
    waiter = wait_for_task(task)
    waiter.created(task)
    driven = same_task_on(driving, task)
    driven.SetTaskState(state=vim.TaskInfo.State.running)
    driven.SetTaskState(state=vim.TaskInfo.State.success, result="over TLS")
    assert waiter.outcome() == vim.TaskInfo.State.success
    assert task.info.result == "over TLS"


def test_plain_http_to_the_tls_port_gets_no_answer(start) -> None:
    """A TLS port speaks TLS only: a plain HTTP request is not served."""
    server = start("objects: []\n", "--tls")
    plain = f"http://{server.host}:{server.port}/sdk"
    body = soap.operation("RetrieveServiceContent", "ServiceInstance", "ServiceInstance")
    try:
        answer = requests.post(plain, data=body, headers={"Content-Type": "text/xml", "SOAPAction": soap.DEFAULT_SOAP_ACTION}, timeout=5)
    except requests.exceptions.ConnectionError:
        return
    assert answer.status_code >= 400 and b"RetrieveServiceContentResponse" not in answer.content
