"""The four vim.Task methods as a pyVmomi program meets them, rule by rule of vim.Task.rst.

Every test takes fresh tasks from the shared server's pool (``tasks.take``) and talks to them
through a pyVmomi stub at vSphere API 8.0.3, exactly as a pyVmomi user would after SmartConnect.
Tests that need other server settings (a default cancel delay, VirtualCenter 2.x behaviour)
start a server of their own.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from conftest import logged_in_stub
from pyVmomi import VmomiSupport, vim, vmodl

CANCELED_MESSAGE = "The task was canceled by a user."
#: The cancel delay of the pool's ``cancel_delay=3`` tasks (conftest.KINDS).
POOL_CANCEL_DELAY = 3.0
#: How far the server's clock (the same host's) may seem off from ours.
CLOCK_SLACK = timedelta(seconds=2)

StringArray = VmomiSupport.GetVmodlType("string[]")


# Helpers


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def single_task_fixture(key: str, state: str = "running", cancelable: bool = True, settings: str = "") -> str:
    lines = [settings] if settings else []
    lines += [
        "tasks:",
        f"  - {{key: {key}, descriptionId: com.vmware.vtasksim.test, state: {state}, cancelable: {str(cancelable).lower()}}}",
        "",
    ]
    return "\n".join(lines)


def assert_same_value(sent: Any, got: Any, exact_type: bool = True) -> None:
    """``got`` is ``sent``: equal, and for data objects every field equal.

    Values of anyType (a result, KeyAnyValue.value) must come back with their exact type, as the
    xsi:type they were sent with says; a declared field may come back as pyVmomi's own type for
    it (``argumentName`` sent as str is read as its PropertyPath subclass of str).
    """
    if exact_type:
        assert type(got) is type(sent), f"{type(sent).__name__} came back as {type(got).__name__}: {got!r}"
    else:
        assert isinstance(got, type(sent)), f"{type(sent).__name__} came back as {type(got).__name__}: {got!r}"
    if isinstance(sent, VmomiSupport.DataObject):
        for prop in sent._GetPropertyList():
            assert_same_value(getattr(sent, prop.name), getattr(got, prop.name), exact_type=prop.type is object)
    elif isinstance(sent, list):
        assert len(got) == len(sent), f"{sent!r} came back as {got!r}"
        for sent_item, got_item in zip(sent, got):
            assert_same_value(sent_item, got_item, exact_type)
    else:
        assert got == sent


# CancelTask


@pytest.mark.parametrize("state", ["running", "queued"])
def test_cancel_ends_the_task_in_error_request_canceled(stub, tasks, state: str) -> None:
    """Reference, CancelTask: "Cancels a running or queued task." and "If a task is canceled, its
    runtime state will be set to error and its error state will be set to RequestCanceled."
    With no cancel delay all of it holds when the call returns."""
    task = vim.Task(tasks.take(state=state, cancelable=True), stub)
    before = now_utc()
    task.CancelTask()
    info = task.info
    assert info.state == vim.TaskInfo.State.error
    assert isinstance(info.error, vmodl.fault.RequestCanceled)
    assert info.error.msg == CANCELED_MESSAGE
    assert info.cancelled is True
    assert info.completeTime is not None and info.completeTime >= before - CLOCK_SLACK
    assert info.result is None


@pytest.mark.parametrize("state", ["running", "queued"])
def test_cancel_of_a_task_that_is_not_cancelable_raises_not_supported(stub, tasks, state: str) -> None:
    """Reference, CancelTask: "A task may only be canceled if it is cancelable." ->
    vmodl.fault.NotSupported "If the task is not cancelable."; the task goes on untouched."""
    task = vim.Task(tasks.take(state=state, cancelable=False), stub)
    with pytest.raises(vmodl.fault.NotSupported) as raised:
        task.CancelTask()
    assert "not supported" in raised.value.msg.lower(), raised.value.msg
    info = task.info
    assert info.state == state
    assert info.cancelled is False
    assert info.error is None


@pytest.mark.parametrize("state", ["success", "error"])
def test_cancel_of_a_completed_task_raises_invalid_state(stub, tasks, state: str) -> None:
    """Reference, CancelTask: "Canceling a completed or already canceled task will throw an
    InvalidState exception." (a completed task)."""
    task = vim.Task(tasks.take(state=state, cancelable=True), stub)
    before = task.info
    with pytest.raises(vim.fault.InvalidState) as raised:
        task.CancelTask()
    assert raised.value.msg
    after = task.info
    assert after.state == state
    assert after.cancelled is False
    assert after.completeTime == before.completeTime


def test_cancel_of_an_already_canceled_task_raises_invalid_state(stub, tasks) -> None:
    """Reference, CancelTask: "Canceling a completed or already canceled task will throw an
    InvalidState exception." (an already canceled task)."""
    task = vim.Task(tasks.take(state="running", cancelable=True), stub)
    task.CancelTask()
    canceled_at = task.info.completeTime
    with pytest.raises(vim.fault.InvalidState):
        task.CancelTask()
    info = task.info
    assert isinstance(info.error, vmodl.fault.RequestCanceled)
    assert info.completeTime == canceled_at


def test_cancel_with_a_delay_returns_before_the_task_is_canceled(stub, tasks) -> None:
    """Reference, CancelTask: "A cancel operation is asynchronous. The operation may return
    before the task is canceled." The request shows at once in ``cancelled``; the task then
    ends in error/RequestCanceled, and a further cancel is of an already canceled task."""
    task = vim.Task(tasks.take(state="running", cancelable=True, cancel_delay=POOL_CANCEL_DELAY), stub)
    task.CancelTask()
    info = task.info
    assert info.state == vim.TaskInfo.State.running
    assert info.cancelled is True
    assert info.error is None and info.completeTime is None

    assert wait_for(lambda: task.info.state == vim.TaskInfo.State.error, timeout=POOL_CANCEL_DELAY + 5)
    info = task.info
    assert isinstance(info.error, vmodl.fault.RequestCanceled)
    assert info.error.msg == CANCELED_MESSAGE
    assert info.completeTime is not None
    with pytest.raises(vim.fault.InvalidState):
        task.CancelTask()


def test_repeated_cancel_requests_are_one_cancelation(stub, tasks) -> None:
    """Reference, CancelTask: "Multiple cancel requests will be treated as a single cancelation
    request." A second and a third CancelTask succeed, change nothing, and do not postpone the
    cancelation the first one started (a queued task here)."""
    task = vim.Task(tasks.take(state="queued", cancelable=True, cancel_delay=POOL_CANCEL_DELAY), stub)
    first_request = now_utc()
    task.CancelTask()
    time.sleep(1.0)  # late enough that a restarted delay would end visibly later
    task.CancelTask()
    task.CancelTask()
    info = task.info
    assert info.state == vim.TaskInfo.State.queued
    assert info.cancelled is True
    assert info.error is None and info.completeTime is None

    assert wait_for(lambda: task.info.state == vim.TaskInfo.State.error, timeout=POOL_CANCEL_DELAY + 5)
    info = task.info
    assert isinstance(info.error, vmodl.fault.RequestCanceled)
    assert info.completeTime < first_request + timedelta(seconds=POOL_CANCEL_DELAY + 0.9)


def test_update_progress_still_works_while_a_cancel_is_pending(stub, tasks) -> None:
    """Reference, CancelTask: "The operation may return before the task is canceled." Until
    then the task is still running, and UpdateProgress ("InvalidState: If task is not
    running") still applies."""
    task = vim.Task(tasks.take(state="running", cancelable=True, cancel_delay=POOL_CANCEL_DELAY), stub)
    task.CancelTask()
    task.UpdateProgress(percentDone=60)
    info = task.info
    assert info.progress == 60
    assert info.state == vim.TaskInfo.State.running
    assert info.cancelled is True


def test_task_that_succeeds_while_a_cancel_is_pending_stays_success(stub, tasks) -> None:
    """Reference, CancelTask: "A cancel operation is asynchronous. The operation may return
    before the task is canceled." and SetTaskState: InvalidState "If attempting to change states
    after task is completed": a task that completes first is never turned into an error."""
    task = vim.Task(tasks.take(state="running", cancelable=True, cancel_delay=POOL_CANCEL_DELAY), stub)
    canceled_at = time.monotonic()
    task.CancelTask()
    task.SetTaskState(state=vim.TaskInfo.State.success, result="finished first")
    time.sleep(max(0.0, canceled_at + POOL_CANCEL_DELAY + 0.5 - time.monotonic()))
    info = task.info
    assert info.state == vim.TaskInfo.State.success
    assert info.result == "finished first"
    assert info.error is None


def test_server_cancel_delay_applies_to_tasks_without_their_own(start) -> None:
    """Reference, CancelTask: "A cancel operation is asynchronous. The operation may return
    before the task is canceled." ``--cancel-delay 1`` makes every task's cancel take a second."""
    server = start(single_task_fixture("task-1"), "--cancel-delay", "1")
    task = vim.Task("task-1", logged_in_stub(server.url))
    task.CancelTask()
    info = task.info
    assert info.state == vim.TaskInfo.State.running
    assert info.cancelled is True
    assert wait_for(lambda: task.info.state == vim.TaskInfo.State.error, timeout=6)
    assert isinstance(task.info.error, vmodl.fault.RequestCanceled)


# UpdateProgress


def test_update_progress_sets_progress_of_a_running_task(stub, tasks) -> None:
    """Reference, UpdateProgress: "Sets percentage done for this task"."""
    task = vim.Task(tasks.take(state="running"), stub)
    task.UpdateProgress(percentDone=42)
    assert task.info.progress == 42
    task.UpdateProgress(percentDone=43)
    assert task.info.progress == 43


@pytest.mark.parametrize("state", ["queued", "success", "error"])
def test_update_progress_of_a_task_not_running_raises_invalid_state(stub, tasks, state: str) -> None:
    """Reference, UpdateProgress: vim.fault.InvalidState "If task is not running"."""
    task = vim.Task(tasks.take(state=state), stub)
    progress_before = task.info.progress
    with pytest.raises(vim.fault.InvalidState) as raised:
        task.UpdateProgress(percentDone=50)
    assert raised.value.msg
    assert task.info.progress == progress_before
    assert task.info.state == state


@pytest.mark.parametrize(("sent", "stored"), [(-5, 0), (150, 100), (-1, 0), (101, 100), (0, 0), (100, 100)])
def test_update_progress_clamps_to_0_and_100(stub, tasks, sent: int, stored: int) -> None:
    """Reference, UpdateProgress: "If a percentDone value of less than zero or greater than 100
    is specified, a value of zero or 100 respectively is used." (and "Newer versions behave as
    described above, and never throw this fault."); 0 and 100 themselves are kept."""
    task = vim.Task(tasks.take(state="running"), stub)
    task.UpdateProgress(percentDone=50)  # so that a value left unstored cannot pass for 0 or 100
    task.UpdateProgress(percentDone=sent)
    assert task.info.progress == stored


VC2_SERVERS = {
    "--compat vc2": lambda start: start(single_task_fixture("task-1"), "--compat", "vc2"),
    "settings: {compat: vc2}": lambda start: start(single_task_fixture("task-1", settings="settings: {compat: vc2}")),
}


@pytest.mark.parametrize("how", list(VC2_SERVERS))
@pytest.mark.parametrize("percent_done", [-1, 101, -5, 150])
def test_virtualcenter_2_raises_out_of_bounds(start, how: str, percent_done: int) -> None:
    """Reference, UpdateProgress: vim.fault.OutOfBounds "VirtualCenter 2.x servers throw this
    fault if percentDone is less than 0 or greater than 100." with argumentName percentDone."""
    task = vim.Task("task-1", logged_in_stub(VC2_SERVERS[how](start).url))
    task.UpdateProgress(percentDone=30)
    with pytest.raises(vim.fault.OutOfBounds) as raised:
        task.UpdateProgress(percentDone=percent_done)
    assert raised.value.argumentName == "percentDone"
    assert task.info.progress == 30


@pytest.mark.parametrize("how", list(VC2_SERVERS))
def test_virtualcenter_2_takes_progress_in_range(start, how: str) -> None:
    """Reference, UpdateProgress: "Sets percentage done for this task" (VirtualCenter 2.x throws
    OutOfBounds only "if percentDone is less than 0 or greater than 100")."""
    task = vim.Task("task-1", logged_in_stub(VC2_SERVERS[how](start).url))
    for percent_done in (0, 57, 100):
        task.UpdateProgress(percentDone=percent_done)
        assert task.info.progress == percent_done


# SetTaskState: states and times


def test_set_state_running_starts_a_queued_task(stub, tasks) -> None:
    """Reference, SetTaskState: "Sets task state": queued -> running sets startTime."""
    task = vim.Task(tasks.take(state="queued"), stub)
    assert task.info.startTime is None
    before = now_utc()
    task.SetTaskState(state=vim.TaskInfo.State.running)
    info = task.info
    assert info.state == vim.TaskInfo.State.running
    assert info.startTime is not None
    assert before - CLOCK_SLACK <= info.startTime <= now_utc() + CLOCK_SLACK
    assert info.startTime >= info.queueTime
    assert info.completeTime is None


def test_set_state_running_again_keeps_the_first_start_time(stub, tasks) -> None:
    """Reference, SetTaskState: "Sets task state": a task starts once, so running -> running
    keeps the startTime of the first start."""
    task = vim.Task(tasks.take(state="queued"), stub)
    task.SetTaskState(state=vim.TaskInfo.State.running)
    first_start = task.info.startTime
    time.sleep(0.05)  # a second start would carry a visibly later time
    task.SetTaskState(state=vim.TaskInfo.State.running)
    info = task.info
    assert info.state == vim.TaskInfo.State.running
    assert info.startTime == first_start


def test_set_state_success_completes_with_the_result(stub, tasks) -> None:
    """Reference, SetTaskState: "Sets task state and optionally sets results": success sets
    completeTime and the result."""
    task = vim.Task(tasks.take(state="running"), stub)
    before = now_utc()
    task.SetTaskState(state=vim.TaskInfo.State.success, result="backup-7 written")
    info = task.info
    assert info.state == vim.TaskInfo.State.success
    assert info.result == "backup-7 written"
    assert info.error is None
    assert info.completeTime is not None and info.completeTime >= before - CLOCK_SLACK
    assert info.completeTime >= info.startTime


def test_set_state_error_completes_with_the_fault(stub, tasks) -> None:
    """Reference, SetTaskState: "Sets task state and optionally sets ... fault": error sets
    completeTime and the error."""
    task = vim.Task(tasks.take(state="running"), stub)
    before = now_utc()
    task.SetTaskState(state=vim.TaskInfo.State.error, fault=vim.fault.InvalidState(msg="disk went away"))
    info = task.info
    assert info.state == vim.TaskInfo.State.error
    assert isinstance(info.error, vim.fault.InvalidState)
    assert info.error.msg == "disk went away"
    assert info.result is None
    assert info.completeTime is not None and info.completeTime >= before - CLOCK_SLACK


@pytest.mark.parametrize("completed", ["success", "error"])
@pytest.mark.parametrize("new_state", ["queued", "running", "success", "error"])
def test_set_state_after_completion_raises_invalid_state(stub, tasks, completed: str, new_state: str) -> None:
    """Reference, SetTaskState: vim.fault.InvalidState "If attempting to change states after task
    is completed or in error"."""
    task = vim.Task(tasks.take(state=completed, cancelable=False), stub)
    before = task.info
    with pytest.raises(vim.fault.InvalidState) as raised:
        task.SetTaskState(state=new_state)
    assert raised.value.msg
    after = task.info
    assert after.state == completed
    assert after.completeTime == before.completeTime
    assert after.result == before.result


def test_set_state_to_an_unknown_state_is_refused(stub, tasks) -> None:
    """Reference, SetTaskState: state is a "vim.TaskInfo.State" (queued, running, success,
    error). pyVmomi does not check enum values and sends "runing" as it is; the server refuses it
    (InvalidArgument, or InvalidRequest as for any request it cannot read) and the task is
    untouched."""
    task = vim.Task(tasks.take(state="running", cancelable=False), stub)
    with pytest.raises((vmodl.fault.InvalidArgument, vmodl.fault.InvalidRequest)):
        task.SetTaskState(state="runing")
    info = task.info
    assert info.state == vim.TaskInfo.State.running
    assert info.completeTime is None


# SetTaskState: result and fault only where they belong
# (on tasks that cannot be canceled: cancelability plays no part here, and it spreads the pool)


@pytest.mark.parametrize("state", ["queued", "running", "error"])
def test_set_state_with_a_result_but_not_success_raises_invalid_state(stub, tasks, state: str) -> None:
    """Reference, SetTaskState: result "valid only if task state is TaskInfo.State.success";
    InvalidState "If ... attempting to set the result or fault incorrectly"."""
    task = vim.Task(tasks.take(state="running", cancelable=False), stub)
    fault = vim.fault.InvalidState(msg="failed") if state == "error" else None
    with pytest.raises(vim.fault.InvalidState):
        task.SetTaskState(state=state, result="a result", fault=fault)
    info = task.info
    assert info.state == vim.TaskInfo.State.running
    assert info.result is None and info.error is None


@pytest.mark.parametrize("state", ["queued", "running", "success"])
def test_set_state_with_a_fault_but_not_error_raises_invalid_state(stub, tasks, state: str) -> None:
    """Reference, SetTaskState: fault "valid only if task state is error"; InvalidState "If ...
    attempting to set the result or fault incorrectly"."""
    task = vim.Task(tasks.take(state="running", cancelable=False), stub)
    with pytest.raises(vim.fault.InvalidState):
        task.SetTaskState(state=state, fault=vim.fault.InvalidState(msg="failed"))
    info = task.info
    assert info.state == vim.TaskInfo.State.running
    assert info.result is None and info.error is None


NOT_VIM_FAULTS = {
    "vmodl.RuntimeFault": lambda: vmodl.RuntimeFault(msg="runtime"),
    "vmodl.fault.NotSupported": lambda: vmodl.fault.NotSupported(msg="not supported"),
    "vmodl.fault.RequestCanceled": lambda: vmodl.fault.RequestCanceled(msg=CANCELED_MESSAGE),
    "vmodl.fault.SystemError": lambda: vmodl.fault.SystemError(msg="system", reason="disk full"),
}


@pytest.mark.parametrize("name", list(NOT_VIM_FAULTS))
def test_set_state_with_a_fault_not_extending_vim_fault_raises_invalid_state(stub, tasks, name: str) -> None:
    """Reference, SetTaskState: "The fault must be a of a fault type that directly or indirectly
    extends VimFault." (vmodl faults are RuntimeFaults, not VimFaults)."""
    task = vim.Task(tasks.take(state="running", cancelable=False), stub)
    with pytest.raises(vim.fault.InvalidState):
        task.SetTaskState(state=vim.TaskInfo.State.error, fault=NOT_VIM_FAULTS[name]())
    info = task.info
    assert info.state == vim.TaskInfo.State.running
    assert info.error is None and info.completeTime is None


def _fault_with_cause_and_message() -> vmodl.MethodFault:
    return vim.fault.InvalidState(
        msg="cannot copy the disk",
        faultCause=vim.fault.FileNotFound(msg="File [ds1] web-01/web-01.vmdk was not found", file="[ds1] web-01/web-01.vmdk"),
        faultMessage=[
            vmodl.LocalizableMessage(
                key="com.example.backup.copyFailed",
                message="Copy of disk 2 failed",
                arg=[vmodl.KeyAnyValue(key="disk", value=2), vmodl.KeyAnyValue(key="vm", value="web-01")],
            )
        ],
    )


VIM_FAULTS = {
    "vim.fault.InvalidState": lambda: vim.fault.InvalidState(msg="The operation is not allowed in the current state."),
    "vim.fault.FileNotFound": lambda: vim.fault.FileNotFound(msg="File [ds1] a.vmdk was not found", file="[ds1] a.vmdk"),
    "vim.fault.OutOfBounds": lambda: vim.fault.OutOfBounds(msg="out of bounds", argumentName="diskIndex"),
    "faultCause and faultMessage": _fault_with_cause_and_message,
}


@pytest.mark.parametrize("name", list(VIM_FAULTS))
def test_set_state_error_keeps_a_vim_fault_exactly(stub, tasks, name: str) -> None:
    """Reference, SetTaskState: fault "must be a of a fault type that directly or indirectly
    extends VimFault": such faults are taken, and task.info.error gives back their type, fields
    and msg (localizedMessage) as they were sent."""
    task = vim.Task(tasks.take(state="running", cancelable=False), stub)
    sent = VIM_FAULTS[name]()
    task.SetTaskState(state=vim.TaskInfo.State.error, fault=sent)
    info = task.info
    assert info.state == vim.TaskInfo.State.error
    assert_same_value(sent, info.error)


# SetTaskState: results round trip


RESULTS = {
    "str": lambda stub: "backup-7 written",
    "int": lambda stub: 42,
    "long": lambda stub: VmomiSupport.long(2**40 + 3),
    "bool": lambda stub: True,
    "float": lambda stub: 2.5,
    "ArrayOfString": lambda stub: StringArray(["vm-42", "vm-43"]),
    "MoRef": lambda stub: vim.VirtualMachine("vm-42", stub),
    "vim.TaskReasonUser": lambda stub: vim.TaskReasonUser(userName="backup@vsphere.local"),
    "vmodl.LocalizableMessage": lambda stub: vmodl.LocalizableMessage(
        key="com.example.backup.done", message="Backup done", arg=[vmodl.KeyAnyValue(key="disks", value=3)]
    ),
}


@pytest.mark.parametrize("name", list(RESULTS))
def test_set_state_success_keeps_the_result_exactly(stub, tasks, name: str) -> None:
    """Reference, SetTaskState: "Sets task state and optionally sets results": the result
    (anyType) comes back from task.info.result of the same type and value as it was sent."""
    task = vim.Task(tasks.take(state="running", cancelable=False), stub)
    sent = RESULTS[name](stub)
    task.SetTaskState(state=vim.TaskInfo.State.success, result=sent)
    assert_same_value(sent, task.info.result)


# SetTaskDescription


def _description() -> vmodl.LocalizableMessage:
    return vmodl.LocalizableMessage(
        key="com.example.backup.copy",
        message="Copying disk 2 of 3",
        arg=[vmodl.KeyAnyValue(key="disk", value=2), vmodl.KeyAnyValue(key="vm", value="web-01")],
    )


def test_set_description_replaces_the_description(stub, tasks) -> None:
    """Reference, SetTaskDescription: "Updates task description to describe the current phase
    of the task." The description (key, message, arguments) reads back as sent."""
    task = vim.Task(tasks.take(state="running"), stub)
    task.SetTaskDescription(description=vmodl.LocalizableMessage(key="com.example.backup.prepare", message="Preparing"))
    sent = _description()
    task.SetTaskDescription(description=sent)
    info = task.info
    assert_same_value(sent, info.description)
    assert info.state == vim.TaskInfo.State.running


# Unknown tasks


TASK_CALLS: dict[str, Callable[[Any], None]] = {
    "CancelTask": lambda task: task.CancelTask(),
    "UpdateProgress": lambda task: task.UpdateProgress(percentDone=10),
    "SetTaskState": lambda task: task.SetTaskState(state=vim.TaskInfo.State.running),
    "SetTaskDescription": lambda task: task.SetTaskDescription(description=_description()),
}


@pytest.mark.parametrize("method", list(TASK_CALLS))
def test_unknown_task_raises_managed_object_not_found(stub, tasks, method: str) -> None:
    """A method on a task that does not exist raises vmodl.fault.ManagedObjectNotFound naming
    it (obj), and the server goes on serving."""
    missing = vim.Task("task-does-not-exist-7", stub)
    with pytest.raises(vmodl.fault.ManagedObjectNotFound) as raised:
        TASK_CALLS[method](missing)
    assert raised.value.obj == missing
    known = vim.Task(tasks.take(state="running"), stub)
    known.UpdateProgress(percentDone=11)
    assert known.info.progress == 11
