"""vim.Task: the state machine of the reference page, sentence by sentence.

A Task holds a full :class:`TaskInfo`. Its four vim methods are :meth:`Task.cancel` (CancelTask),
:meth:`Task.update_progress` (UpdateProgress), :meth:`Task.set_state` (SetTaskState) and
:meth:`Task.set_description` (SetTaskDescription).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, ClassVar

from vtasksim.domain.changes import ChangeFeed
from vtasksim.domain.clock import Clock, Scheduled
from vtasksim.domain.faults import InvalidState, NotSupported, OutOfBounds, RequestCanceled
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.typesystem import vim_types
from vtasksim.domain.vmodl import (
    DataObject,
    KeyAnyValue,
    LocalizableMessage,
    LocalizedMethodFault,
    MoRef,
    VimData,
)

CANCELED_MESSAGE = "The task was canceled by a user."


class TaskState(str, Enum):
    """vim.TaskInfo.State."""

    queued = "queued"
    running = "running"
    success = "success"
    error = "error"

    @property
    def completed(self) -> bool:
        return self in (TaskState.success, TaskState.error)


# vim.TaskReason and its subtypes: why the task was started.


@dataclass(slots=True)
class TaskReason(VimData):
    vim_type: ClassVar[str] = "TaskReason"


@dataclass(slots=True)
class TaskReasonSystem(TaskReason):
    vim_type: ClassVar[str] = "TaskReasonSystem"


@dataclass(slots=True)
class TaskReasonUser(TaskReason):
    vim_type: ClassVar[str] = "TaskReasonUser"
    userName: str = ""


@dataclass(slots=True)
class TaskReasonAlarm(TaskReason):
    vim_type: ClassVar[str] = "TaskReasonAlarm"
    alarmName: str = ""
    alarm: MoRef | None = None
    entityName: str = ""
    entity: MoRef | None = None


@dataclass(slots=True)
class TaskReasonSchedule(TaskReason):
    vim_type: ClassVar[str] = "TaskReasonSchedule"
    name: str = ""
    scheduledTask: MoRef | None = None


#: The value of every unset list field of a TaskInfo: one empty list, shared. A TaskInfo's lists
#: are replaced, never changed in place (a TaskEvent shares its task's info until it changes).
NO_ITEMS: list = []


def _no_items() -> list:
    return NO_ITEMS


@dataclass(slots=True)
class TaskInfo(VimData):
    """vim.TaskInfo, its fields in schema order."""

    vim_type: ClassVar[str] = "TaskInfo"
    key: str
    task: MoRef
    queueTime: datetime
    description: LocalizableMessage | None = None
    name: str | None = None
    descriptionId: str = ""
    entity: MoRef | None = None
    entityName: str | None = None
    locked: list[MoRef] = field(default_factory=_no_items)
    state: TaskState = TaskState.queued
    cancelled: bool = False
    cancelable: bool = False
    error: LocalizedMethodFault | None = None
    result: Any = None
    progress: int | None = None
    progressDetails: list[KeyAnyValue] = field(default_factory=_no_items)
    reason: TaskReason = field(default_factory=TaskReasonSystem)
    startTime: datetime | None = None
    completeTime: datetime | None = None
    eventChainId: int = 0
    changeTag: str | None = None
    parentTaskKey: str | None = None
    rootTaskKey: str | None = None
    activationId: str | None = None

    #: The schema's order, which differs from the order Python needs for defaults.
    WIRE_ORDER: ClassVar[tuple[str, ...]] = (
        "key", "task", "description", "name", "descriptionId", "entity", "entityName", "locked",
        "state", "cancelled", "cancelable", "error", "result", "progress", "progressDetails",
        "reason", "queueTime", "startTime", "completeTime", "eventChainId", "changeTag",
        "parentTaskKey", "rootTaskKey", "activationId",
    )  # fmt: skip

    @classmethod
    def vim_field_names(cls) -> tuple[str, ...]:
        return cls.WIRE_ORDER


@dataclass(slots=True)
class TaskBehaviour:
    """Simulator settings of one task, beside its TaskInfo (a fixture's ``cancelDelay`` …)."""

    cancel_delay: float = 0.0
    #: VirtualCenter 2.x behaviour: UpdateProgress out of 0..100 raises OutOfBounds.
    progress_out_of_bounds: bool = False


class Task(ManagedObject):
    """vim.Task: used to monitor and potentially cancel long running operations.

    It extends vim.ExtensibleManagedObject: its custom fields (``value``, ``availableField``)
    live in the simulator's CustomFieldsManager.
    """

    __slots__ = ("info", "behaviour", "_clock", "_pending_cancel", "_shared_info", "custom_fields")

    vim_type = "Task"
    vim_properties = ("info", "value", "availableField")

    def __init__(
        self,
        info: TaskInfo,
        clock: Clock,
        behaviour: TaskBehaviour | None = None,
        changes: ChangeFeed | None = None,
    ) -> None:
        super().__init__(info.task, changes)
        self.info = info
        self.behaviour = behaviour or TaskBehaviour()
        self._clock = clock
        self._pending_cancel: Scheduled | None = None
        #: The info a record holds as it was (a TaskEvent's): the next change goes to a copy.
        self._shared_info: TaskInfo | None = None
        #: The CustomFieldsManager keeping the task's custom values (the simulator's; None alone).
        self.custom_fields: Any = None

    def share_info(self) -> TaskInfo:
        """The info as it is now, for a record that must keep it so (the TaskEvent of the task's
        creation): the record and the task share it until the task next changes, and that change
        is made to a copy of the task's own. Without a change, one TaskInfo serves both."""
        self._shared_info = self.info
        return self.info

    def _writable_info(self) -> TaskInfo:
        """The info to change: the task's own, never one a record shares."""
        info = self.info
        if info is self._shared_info:
            info = self.info = copy_info(info)
            self._shared_info = None
        return info

    @property
    def value(self) -> list:
        return self.custom_fields.values_of(self.ref) if self.custom_fields is not None else []

    @property
    def availableField(self) -> list:
        return self.custom_fields.fields_for(self.vim_type) if self.custom_fields is not None else []

    # CancelTask

    def cancel(self) -> None:
        """Cancels a running or queued task.

        A task may only be canceled if it is cancelable (else NotSupported). Multiple cancel
        requests are treated as a single cancelation request. Canceling a completed or already
        canceled task throws InvalidState. The operation is asynchronous: with a cancel delay it
        returns before the task is canceled, with ``cancelled`` already true.
        """
        info = self.info
        if not info.cancelable:
            raise NotSupported(f"The operation is not supported on the object: {info.key} is not cancelable.")
        if info.state.completed:
            raise InvalidState(
                f"The operation is not allowed in the current state: {info.key} has already "
                f"{'been canceled' if info.cancelled else 'completed'} ({info.state.value})."
            )
        if info.cancelled:
            return  # a cancelation is already under way: this request joins it
        self._writable_info().cancelled = True
        self._changed("info.cancelled")
        delay = self.behaviour.cancel_delay
        if delay > 0:
            self._pending_cancel = self._clock.call_later(delay, self._finish_cancel)
        else:
            self._finish_cancel()

    def resume(self) -> None:
        """Carry on after a restart from stored state: a cancelation that was under way takes
        effect (after the task's whole cancel delay: the stored state does not say how much of it
        had passed)."""
        if self.info.cancelled and not self.info.state.completed and self._pending_cancel is None:
            self._pending_cancel = self._clock.call_later(self.behaviour.cancel_delay, self._finish_cancel)

    def _finish_cancel(self) -> None:
        self._pending_cancel = None
        if self.info.state.completed:
            return  # the task ended on its own before the cancelation took effect
        canceled = LocalizedMethodFault(RequestCanceled(CANCELED_MESSAGE).as_data(), CANCELED_MESSAGE)
        self._complete(TaskState.error, error=canceled)

    # UpdateProgress

    def update_progress(self, percent_done: int) -> None:
        """Sets percentage done; values below 0 or above 100 become 0 or 100.

        VirtualCenter 2.x threw OutOfBounds instead (``progress_out_of_bounds``). A task that is
        not running throws InvalidState.
        """
        info = self.info
        if info.state is not TaskState.running:
            raise InvalidState(
                f"The operation is not allowed in the current state: {info.key} is "
                f"{info.state.value}, and only a running task takes progress."
            )
        if not 0 <= percent_done <= 100:
            if self.behaviour.progress_out_of_bounds:
                raise OutOfBounds(
                    "percentDone", f"percentDone {percent_done} is out of bounds: it must be 0 to 100."
                )
            percent_done = min(max(percent_done, 0), 100)
        self._writable_info().progress = percent_done
        self._changed("info.progress")

    # SetTaskState

    def set_state(self, state: TaskState, result: Any = None, fault: LocalizedMethodFault | None = None) -> None:
        """Sets task state and optionally a result or a fault, as appropriate for the state.

        InvalidState when the task has already completed or is in error, when a result comes
        with a state other than success, a fault with a state other than error, or a fault
        whose type does not directly or indirectly extend VimFault.
        """
        info = self.info
        if info.state.completed:
            raise InvalidState(
                f"The operation is not allowed in the current state: {info.key} has already "
                f"completed ({info.state.value}); its state can no longer change."
            )
        if result is not None and state is not TaskState.success:
            raise InvalidState(f"A result is valid only with state success, not {state.value}.")
        if fault is not None:
            _check_settable_fault(fault.fault, state)
        if state.completed:
            self._complete(state, result=result, error=fault)
            return
        info = self._writable_info()
        if state is TaskState.running and info.startTime is None:
            info.startTime = self._clock.now()
        info.state = state
        self._changed("info.state", "info.startTime")

    def _complete(self, state: TaskState, result: Any = None, error: LocalizedMethodFault | None = None) -> None:
        info = self._writable_info()
        info.state = state
        info.result = result
        info.error = error
        info.completeTime = self._clock.now()
        if self._pending_cancel is not None:
            self._pending_cancel.cancel()
            self._pending_cancel = None
        self._changed("info.state", "info.result", "info.error", "info.completeTime")

    # SetTaskDescription

    def set_description(self, description: LocalizableMessage) -> None:
        """Updates the task description to describe the current phase of the task."""
        self._writable_info().description = description
        self._changed("info.description")


def copy_info(info: TaskInfo) -> TaskInfo:
    """A TaskInfo of its own with the same values (its lists are replaced, never changed, so they go along)."""
    copy = object.__new__(TaskInfo)
    for name in _INFO_SLOTS:
        setattr(copy, name, getattr(info, name))
    return copy


_INFO_SLOTS: tuple[str, ...] = TaskInfo.__slots__  # type: ignore[attr-defined]


def _check_settable_fault(fault: DataObject, state: TaskState) -> None:
    if state is not TaskState.error:
        raise InvalidState(f"A fault is valid only with state error, not {state.value}.")
    types = vim_types()
    if not types.is_subtype(fault.vim_type, "VimFault"):
        raise InvalidState(
            f"The fault must be of a type that extends VimFault; {fault.vim_type} does not."
        )
