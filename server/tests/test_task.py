"""The vim.Task state machine (domain/task.py), rule by rule of vim.Task.rst, without a server.

Time is a :class:`ManualClock`: a delayed cancelation happens exactly when the test advances the
clock past it. Every task lives in a :class:`Simulator`, whose ChangeFeed the tests listen to:
the property collector reports to clients what the tasks publish there.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest

from vtasksim.domain.clock import ManualClock
from vtasksim.domain.faults import InvalidState, MethodFault, NotSupported, OutOfBounds
from vtasksim.domain.simulator import Simulator, SimulatorSettings
from vtasksim.domain.task import Task, TaskInfo, TaskState
from vtasksim.domain.vmodl import DataObject, KeyAnyValue, LocalizableMessage, LocalizedMethodFault, MoRef

T0 = datetime(2026, 1, 1, 10, 0, tzinfo=timezone.utc)
QUEUE_TIME = T0 - timedelta(minutes=5)
CANCEL_DELAY = 5.0

NOT_COMPLETED = (TaskState.queued, TaskState.running)
COMPLETED = (TaskState.success, TaskState.error)


@dataclass
class ChangeLog:
    """What the simulator's ChangeFeed published, in order."""

    entries: list[tuple[MoRef, tuple[str, ...]]] = field(default_factory=list)

    def __call__(self, ref: MoRef, paths: tuple[str, ...]) -> None:
        self.entries.append((ref, paths))

    def paths_of(self, ref: MoRef) -> set[str]:
        return {path for changed, paths in self.entries if changed == ref for path in paths}

    def clear(self) -> None:
        self.entries.clear()


MakeTask = Callable[..., Task]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def simulator(clock: ManualClock) -> Simulator:
    return Simulator(clock)


@pytest.fixture
def vc2_simulator(clock: ManualClock) -> Simulator:
    return Simulator(clock, SimulatorSettings(compat="vc2"))


@pytest.fixture
def changes(simulator: Simulator) -> ChangeLog:
    log = ChangeLog()
    simulator.changes.subscribe(log)
    return log


_keys = itertools.count(1)


def add_task(
    simulator: Simulator,
    state: TaskState = TaskState.running,
    *,
    cancelable: bool = True,
    cancel_delay: float | None = None,
    progress: int | None = None,
) -> Task:
    key = f"task-{next(_keys)}"
    info = TaskInfo(
        key=key,
        task=MoRef("Task", key),
        queueTime=QUEUE_TIME,
        descriptionId="com.example.test",
        state=state,
        cancelable=cancelable,
        progress=progress,
        startTime=None if state is TaskState.queued else QUEUE_TIME,
        completeTime=QUEUE_TIME if state.completed else None,
    )
    return simulator.add_task(info, simulator.task_behaviour(cancel_delay=cancel_delay))


@pytest.fixture
def make_task(simulator: Simulator) -> MakeTask:
    return lambda *args, **kwargs: add_task(simulator, *args, **kwargs)


def stored_fault(vim_type: str, message: str = "stored by the test", **properties: object) -> LocalizedMethodFault:
    return LocalizedMethodFault(DataObject(vim_type, dict(properties)), message)


def assert_canceled(task: Task, at: datetime) -> None:
    info = task.info
    assert info.state is TaskState.error
    assert info.cancelled is True
    assert info.error is not None and info.error.fault.vim_type == "RequestCanceled"
    assert info.error.localizedMessage, "a canceled task's error carries a message for people"
    assert info.completeTime == at


# CancelTask


@pytest.mark.parametrize("state", NOT_COMPLETED)
def test_cancel_ends_the_task_in_error_request_canceled(make_task: MakeTask, clock: ManualClock, state: TaskState) -> None:
    """Reference, CancelTask: "Cancels a running or queued task." and "If a task is canceled, its
    runtime state will be set to error and its error state will be set to RequestCanceled"."""
    task = make_task(state)
    task.cancel()
    assert_canceled(task, at=clock.now())


@pytest.mark.parametrize("state", NOT_COMPLETED)
def test_cancel_of_a_task_that_is_not_cancelable_raises_not_supported(make_task: MakeTask, state: TaskState) -> None:
    """Reference, CancelTask: "A task may only be canceled if it is cancelable." -> NotSupported."""
    task = make_task(state, cancelable=False)
    with pytest.raises(NotSupported):
        task.cancel()
    assert (task.info.state, task.info.cancelled, task.info.error) == (state, False, None)


@pytest.mark.parametrize("state", COMPLETED)
def test_cancel_of_a_completed_task_raises_invalid_state(make_task: MakeTask, state: TaskState) -> None:
    """Reference, CancelTask: "Canceling a completed or already canceled task will throw an
    InvalidState exception." (completed)."""
    task = make_task(state)
    with pytest.raises(InvalidState):
        task.cancel()
    assert (task.info.state, task.info.cancelled, task.info.error) == (state, False, None)


def test_cancel_of_an_already_canceled_task_raises_invalid_state(make_task: MakeTask, clock: ManualClock) -> None:
    """Reference, CancelTask: "Canceling a completed or already canceled task will throw an
    InvalidState exception." (already canceled)."""
    task = make_task()
    task.cancel()
    clock.advance(1)
    with pytest.raises(InvalidState):
        task.cancel()
    assert_canceled(task, at=T0)


def test_cancel_with_a_delay_returns_before_the_task_is_canceled(make_task: MakeTask, clock: ManualClock) -> None:
    """Reference, CancelTask: "A cancel operation is asynchronous. The operation may return before
    the task is canceled." `cancelled` records the request at once; the state changes at the end
    of the delay, and completeTime is the time it ended."""
    task = make_task(cancel_delay=CANCEL_DELAY)
    task.cancel()
    assert (task.info.state, task.info.cancelled, task.info.completeTime) == (TaskState.running, True, None)
    clock.advance(CANCEL_DELAY - 0.5)
    assert task.info.state is TaskState.running
    clock.advance(0.5)
    assert_canceled(task, at=T0 + timedelta(seconds=CANCEL_DELAY))


def test_server_cancel_delay_applies_to_tasks_without_their_own(clock: ManualClock) -> None:
    """Reference, CancelTask: "A cancel operation is asynchronous. The operation may return before
    the task is canceled." (the server-wide cancelDelay setting)."""
    simulator = Simulator(clock, SimulatorSettings(cancel_delay=CANCEL_DELAY))
    task = add_task(simulator)
    task.cancel()
    assert task.info.state is TaskState.running
    clock.advance(CANCEL_DELAY)
    assert_canceled(task, at=T0 + timedelta(seconds=CANCEL_DELAY))


def test_repeated_cancel_requests_are_one_cancelation(make_task: MakeTask, clock: ManualClock) -> None:
    """Reference, CancelTask: "Multiple cancel requests will be treated as a single cancelation
    request." A second request during the delay neither fails nor restarts the delay."""
    task = make_task(cancel_delay=CANCEL_DELAY)
    task.cancel()
    clock.advance(2)
    task.cancel()
    task.cancel()
    assert task.info.state is TaskState.running
    clock.advance(CANCEL_DELAY - 2)
    assert_canceled(task, at=T0 + timedelta(seconds=CANCEL_DELAY))


def test_update_progress_still_works_while_a_cancel_is_pending(make_task: MakeTask, clock: ManualClock) -> None:
    """Reference, CancelTask: "The operation may return before the task is canceled." Until then
    the task is running, and UpdateProgress ("If task is not running" -> InvalidState) works."""
    task = make_task(cancel_delay=CANCEL_DELAY)
    task.cancel()
    task.update_progress(70)
    assert task.info.progress == 70
    clock.advance(CANCEL_DELAY)
    assert_canceled(task, at=T0 + timedelta(seconds=CANCEL_DELAY))


def test_task_that_succeeds_while_a_cancel_is_pending_stays_success(make_task: MakeTask, clock: ManualClock) -> None:
    """Reference, CancelTask: "A cancel operation is asynchronous." A task that completes on its
    own before the cancelation takes effect keeps its outcome: the late cancelation must not
    overwrite a completed task (SetTaskState: "InvalidState: If attempting to change states after
    task is completed")."""
    task = make_task(cancel_delay=CANCEL_DELAY)
    task.cancel()
    clock.advance(1)
    task.set_state(TaskState.success, result="done")
    completed_at = clock.now()
    clock.advance(CANCEL_DELAY * 2)
    info = task.info
    assert (info.state, info.result, info.error, info.completeTime) == (TaskState.success, "done", None, completed_at)


def test_cancel_publishes_cancelled_at_once_and_the_outcome_at_the_end(
    make_task: MakeTask, clock: ManualClock, changes: ChangeLog
) -> None:
    """Reference, CancelTask: "A cancel operation is asynchronous." Watchers (WaitForUpdates) learn
    of the request at once and of the error when the task actually ends."""
    task = make_task(cancel_delay=CANCEL_DELAY)
    task.cancel()
    assert changes.paths_of(task.ref) == {"info.cancelled"}
    changes.clear()
    clock.advance(CANCEL_DELAY)
    assert {"info.state", "info.error", "info.completeTime"} <= changes.paths_of(task.ref)
    assert "info.cancelled" not in changes.paths_of(task.ref)


# UpdateProgress


def test_update_progress_sets_progress_of_a_running_task(make_task: MakeTask, changes: ChangeLog) -> None:
    """Reference, UpdateProgress: "Sets percentage done for this task"."""
    task = make_task(progress=10)
    task.update_progress(55)
    assert task.info.progress == 55
    assert changes.paths_of(task.ref) == {"info.progress"}


@pytest.mark.parametrize(("sent", "stored"), [(-5, 0), (-1, 0), (0, 0), (100, 100), (101, 100), (150, 100), (2**31 - 1, 100)])
def test_update_progress_clamps_to_0_and_100(make_task: MakeTask, sent: int, stored: int) -> None:
    """Reference, UpdateProgress: "If a percentDone value of less than zero or greater than 100 is
    specified, a value of zero or 100 respectively is used." and OutOfBounds: "Newer versions
    behave as described above, and never throw this fault."."""
    task = make_task(progress=50)
    task.update_progress(sent)
    assert task.info.progress == stored


@pytest.mark.parametrize("state", [TaskState.queued, *COMPLETED])
def test_update_progress_of_a_task_not_running_raises_invalid_state(make_task: MakeTask, changes: ChangeLog, state: TaskState) -> None:
    """Reference, UpdateProgress: vim.fault.InvalidState "If task is not running"."""
    task = make_task(state, progress=30)
    with pytest.raises(InvalidState):
        task.update_progress(60)
    assert task.info.progress == 30
    assert changes.paths_of(task.ref) == set()


@pytest.mark.parametrize("percent_done", [-1, 101, -50, 1000])
def test_virtualcenter_2_raises_out_of_bounds(vc2_simulator: Simulator, percent_done: int) -> None:
    """Reference, UpdateProgress: vim.fault.OutOfBounds "VirtualCenter 2.x servers throw this fault
    if percentDone is less than 0 or greater than 100."."""
    task = add_task(vc2_simulator, progress=30)
    with pytest.raises(OutOfBounds) as raised:
        task.update_progress(percent_done)
    assert raised.value.properties["argumentName"] == "percentDone"
    assert task.info.progress == 30


@pytest.mark.parametrize("percent_done", [0, 42, 100])
def test_virtualcenter_2_takes_progress_in_range(vc2_simulator: Simulator, percent_done: int) -> None:
    """Reference, UpdateProgress: "Sets percentage done for this task" (VirtualCenter 2.x throws
    OutOfBounds only "if percentDone is less than 0 or greater than 100")."""
    task = add_task(vc2_simulator)
    task.update_progress(percent_done)
    assert task.info.progress == percent_done


def test_virtualcenter_2_still_raises_invalid_state_for_a_task_not_running(vc2_simulator: Simulator) -> None:
    """Reference, UpdateProgress: vim.fault.InvalidState "If task is not running"."""
    task = add_task(vc2_simulator, TaskState.queued)
    with pytest.raises(InvalidState):
        task.update_progress(50)


# SetTaskState


def test_set_state_running_starts_a_queued_task(make_task: MakeTask, clock: ManualClock, changes: ChangeLog) -> None:
    """Reference, SetTaskState: "Sets task state": queued -> running sets startTime."""
    task = make_task(TaskState.queued)
    clock.advance(3)
    task.set_state(TaskState.running)
    assert (task.info.state, task.info.startTime) == (TaskState.running, T0 + timedelta(seconds=3))
    assert {"info.state", "info.startTime"} <= changes.paths_of(task.ref)


def test_set_state_running_again_keeps_the_first_start_time(make_task: MakeTask, clock: ManualClock) -> None:
    """Reference, SetTaskState: "Sets task state": a task starts once, so running -> running and
    a started task set back to queued and running again keep the first startTime."""
    task = make_task(TaskState.queued)
    task.set_state(TaskState.running)
    clock.advance(10)
    task.set_state(TaskState.running)
    task.set_state(TaskState.queued)
    clock.advance(10)
    task.set_state(TaskState.running)
    assert task.info.startTime == T0


def test_set_state_success_completes_with_the_result(make_task: MakeTask, clock: ManualClock, changes: ChangeLog) -> None:
    """Reference, SetTaskState: "Sets task state and optionally sets results or fault, as
    appropriate for state": success sets the result and completeTime."""
    task = make_task()
    result = MoRef("VirtualMachine", "vm-42")
    clock.advance(7)
    task.set_state(TaskState.success, result=result)
    info = task.info
    assert (info.state, info.result, info.error) == (TaskState.success, result, None)
    assert info.completeTime == T0 + timedelta(seconds=7)
    assert {"info.state", "info.result", "info.completeTime"} <= changes.paths_of(task.ref)


def test_set_state_success_without_a_result(make_task: MakeTask) -> None:
    """Reference, SetTaskState: result (`object`, optional)."""
    task = make_task()
    task.set_state(TaskState.success)
    assert (task.info.state, task.info.result) == (TaskState.success, None)


@pytest.mark.parametrize("fault_type", ["InvalidState", "FileNotFound", "OutOfBounds"])
def test_set_state_error_completes_with_a_vim_fault(
    make_task: MakeTask, clock: ManualClock, changes: ChangeLog, fault_type: str
) -> None:
    """Reference, SetTaskState: fault "valid only if task state is error. The fault must be a of a
    fault type that directly or indirectly extends VimFault." (InvalidState and OutOfBounds extend
    VimFault; FileNotFound extends FileFault, which extends VimFault)."""
    task = make_task()
    fault = stored_fault(fault_type)
    clock.advance(2)
    task.set_state(TaskState.error, fault=fault)
    info = task.info
    assert (info.state, info.error, info.result) == (TaskState.error, fault, None)
    assert info.completeTime == T0 + timedelta(seconds=2)
    assert {"info.state", "info.error", "info.completeTime"} <= changes.paths_of(task.ref)


def test_set_state_error_without_a_fault(make_task: MakeTask) -> None:
    """Reference, SetTaskState: fault (`vmodl.MethodFault`, optional)."""
    task = make_task()
    task.set_state(TaskState.error)
    assert task.info.state is TaskState.error


@pytest.mark.parametrize("completed", COMPLETED)
@pytest.mark.parametrize("new_state", list(TaskState))
def test_set_state_after_completion_raises_invalid_state(
    make_task: MakeTask, changes: ChangeLog, completed: TaskState, new_state: TaskState
) -> None:
    """Reference, SetTaskState: vim.fault.InvalidState "If attempting to change states after task
    is completed or in error"."""
    task = make_task(completed)
    with pytest.raises(InvalidState):
        task.set_state(new_state)
    assert (task.info.state, task.info.completeTime) == (completed, QUEUE_TIME)
    assert changes.paths_of(task.ref) == set()


@pytest.mark.parametrize("state", [TaskState.queued, TaskState.running, TaskState.error])
def test_set_state_with_a_result_but_not_success_raises_invalid_state(make_task: MakeTask, state: TaskState) -> None:
    """Reference, SetTaskState: result "valid only if task state is TaskInfo.State.success";
    InvalidState "If ... attempting to set the result or fault incorrectly"."""
    task = make_task()
    with pytest.raises(InvalidState):
        task.set_state(state, result="a result")
    assert (task.info.state, task.info.result) == (TaskState.running, None)


@pytest.mark.parametrize("state", [TaskState.queued, TaskState.running, TaskState.success])
def test_set_state_with_a_fault_but_not_error_raises_invalid_state(make_task: MakeTask, state: TaskState) -> None:
    """Reference, SetTaskState: fault "valid only if task state is error"; InvalidState "If ...
    attempting to set the result or fault incorrectly"."""
    task = make_task()
    with pytest.raises(InvalidState):
        task.set_state(state, fault=stored_fault("InvalidState"))
    assert (task.info.state, task.info.error) == (TaskState.running, None)


# SystemError is vmodl.fault.SystemError: a RuntimeFault, however "vim-like" its name sounds.
@pytest.mark.parametrize("fault_type", ["RuntimeFault", "NotSupported", "RequestCanceled", "SystemError", "MethodFault"])
def test_set_state_with_a_fault_not_extending_vim_fault_raises_invalid_state(
    make_task: MakeTask, changes: ChangeLog, fault_type: str
) -> None:
    """Reference, SetTaskState: "The fault must be a of a fault type that directly or indirectly
    extends VimFault."; InvalidState "If ... attempting to set the result or fault incorrectly"."""
    task = make_task()
    with pytest.raises(InvalidState):
        task.set_state(TaskState.error, fault=stored_fault(fault_type))
    assert (task.info.state, task.info.error, task.info.completeTime) == (TaskState.running, None, None)
    assert changes.paths_of(task.ref) == set()


def test_refused_set_state_leaves_a_queued_task_unstarted(make_task: MakeTask) -> None:
    """Reference, SetTaskState: InvalidState "If ... attempting to set the result or fault
    incorrectly": a refused call changes nothing, not even startTime."""
    task = make_task(TaskState.queued)
    with pytest.raises(InvalidState):
        task.set_state(TaskState.running, result="too early")
    assert (task.info.state, task.info.startTime) == (TaskState.queued, None)


# SetTaskDescription


def test_set_description_replaces_the_description(make_task: MakeTask, changes: ChangeLog) -> None:
    """Reference, SetTaskDescription: "Updates task description to describe the current phase of
    the task."."""
    task = make_task()
    task.set_description(LocalizableMessage("com.example.phase1", message="Phase 1"))
    phase2 = LocalizableMessage("com.example.phase2", [KeyAnyValue("disk", 2)], "Copying disk 2")
    task.set_description(phase2)
    assert task.info.description == phase2
    assert changes.paths_of(task.ref) == {"info.description"}


# The ChangeFeed: every published path is one a property collector can read


@pytest.mark.parametrize(
    "act",
    [
        lambda task: task.cancel(),
        lambda task: task.update_progress(80),
        lambda task: task.set_state(TaskState.success, result="ok"),
        lambda task: task.set_state(TaskState.error, fault=stored_fault("InvalidState")),
        lambda task: task.set_description(LocalizableMessage("k", message="m")),
    ],
    ids=["CancelTask", "UpdateProgress", "SetTaskState-success", "SetTaskState-error", "SetTaskDescription"],
)
def test_published_paths_name_real_task_properties(make_task: MakeTask, changes: ChangeLog, act: Callable[[Task], None]) -> None:
    """Reference, vim.Task: info "Detailed information about this task." Published paths are
    property paths of Task (``info.<TaskInfo field>``) that a PropertyCollector can read."""
    task = make_task()
    act(task)
    published = [entry for entry in changes.entries if entry[0] == task.ref]
    assert published, "the change was not published"
    for _, paths in published:
        for path in paths:
            head, _, rest = path.partition(".")
            assert head == "info" and rest in TaskInfo.WIRE_ORDER, path
            task.read_property(path)  # must not raise InvalidProperty


def test_each_change_is_published_under_its_own_task(make_task: MakeTask, changes: ChangeLog) -> None:
    """Reference, vim.Task: info "Detailed information about this task." A change to one task is
    published under that task's MoRef only."""
    first, second = make_task(), make_task()
    second.update_progress(20)
    assert changes.paths_of(first.ref) == set()
    assert changes.paths_of(second.ref) == {"info.progress"}


def test_unsubscribed_listener_hears_nothing(simulator: Simulator) -> None:
    """A property filter that is destroyed stops listening (DestroyPropertyFilter)."""
    log = ChangeLog()
    simulator.changes.subscribe(log)
    simulator.changes.unsubscribe(log)
    add_task(simulator).update_progress(5)
    assert log.entries == []


def test_faults_are_method_faults_with_a_message(make_task: MakeTask) -> None:
    """WIRE.md §5: the reference's "faults carry a message" (vcsim: "every Task fault has an empty
    faultstring"); the message becomes the SOAP faultstring."""
    raised: list[MethodFault] = []
    for act in (
        lambda: make_task(cancelable=False).cancel(),
        lambda: make_task(TaskState.success).cancel(),
        lambda: make_task(TaskState.queued).update_progress(1),
        lambda: make_task(TaskState.error).set_state(TaskState.running),
    ):
        with pytest.raises(MethodFault) as fault:
            act()
        raised.append(fault.value)
    assert all(fault.message.strip() for fault in raised), [fault.vim_type for fault in raised]
