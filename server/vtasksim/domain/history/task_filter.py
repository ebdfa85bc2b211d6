"""vim.TaskFilterSpec: which tasks a TaskHistoryCollector holds.

Every field given must match (an empty list or an absent field does not filter). A filter
naming what cannot be is an InvalidArgument naming the field, as on vCenter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar

from vtasksim.domain.faults import InvalidArgument, ManagedObjectNotFound
from vtasksim.domain.history.lineage import is_entity, matches_recursion
from vtasksim.domain.registry import Registry
from vtasksim.domain.task import TaskInfo, TaskReasonAlarm, TaskReasonSchedule, TaskReasonUser, TaskState
from vtasksim.domain.vmodl import MoRef, VimData

#: TaskFilterSpecTimeOption: which of a task's times ``time`` filters on.
TIME_FIELDS = {"queuedTime": "queueTime", "startedTime": "startTime", "completedTime": "completeTime"}


@dataclass(slots=True)
class TaskFilterSpecByEntity(VimData):
    vim_type: ClassVar[str] = "TaskFilterSpecByEntity"
    entity: MoRef
    recursion: str


@dataclass(slots=True)
class TaskFilterSpecByTime(VimData):
    vim_type: ClassVar[str] = "TaskFilterSpecByTime"
    timeType: str
    beginTime: datetime | None = None
    endTime: datetime | None = None


@dataclass(slots=True)
class TaskFilterSpecByUsername(VimData):
    vim_type: ClassVar[str] = "TaskFilterSpecByUsername"
    systemUser: bool
    userList: list[str] = field(default_factory=list)


@dataclass(slots=True)
class TaskFilterSpec(VimData):
    vim_type: ClassVar[str] = "TaskFilterSpec"
    entity: TaskFilterSpecByEntity | None = None
    time: TaskFilterSpecByTime | None = None
    userName: TaskFilterSpecByUsername | None = None
    activationId: list[str] = field(default_factory=list)
    state: list[str] = field(default_factory=list)
    alarm: MoRef | None = None
    scheduledTask: MoRef | None = None
    eventChainId: list[int] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)
    parentTaskKey: list[str] = field(default_factory=list)
    rootTaskKey: list[str] = field(default_factory=list)


def check_task_filter(spec: TaskFilterSpec, registry: Registry) -> None:
    """InvalidArgument (naming the field) for a filter no task could be meant by."""
    check_history_filter(spec, registry)


def check_history_filter(spec: Any, registry: Registry) -> None:
    """The checks of what every history filter has (TaskFilterSpec, EventFilterSpec): its entity,
    time range, alarm and scheduled task. Times without a zone are UTC, as vCenter reads them."""
    if spec.entity is not None:
        check_entity(spec.entity.entity, registry, "filter.entity.entity")
    if spec.time is not None:
        spec.time.beginTime, spec.time.endTime = utc(spec.time.beginTime), utc(spec.time.endTime)
        check_time_range(spec.time.beginTime, spec.time.endTime, "filter.time")
    check_reference(spec.alarm, "Alarm", "filter.alarm")
    check_reference(spec.scheduledTask, "ScheduledTask", "filter.scheduledTask")


def check_entity(ref: MoRef, registry: Registry, path: str) -> None:
    if not is_entity(ref):
        raise InvalidArgument(path, f"A specified parameter was not correct: {path} must be a managed entity, not a {ref.type}.")
    if ref not in registry:
        raise ManagedObjectNotFound(ref)


def utc(when: datetime | None) -> datetime | None:
    return when.replace(tzinfo=timezone.utc) if when is not None and when.tzinfo is None else when


def check_time_range(begin: datetime | None, end: datetime | None, path: str) -> None:
    if begin is not None and end is not None and begin > end:
        raise InvalidArgument(path, f"A specified parameter was not correct: {path}.beginTime is after {path}.endTime.")


def check_reference(ref: MoRef | None, expected_type: str, path: str) -> None:
    if ref is not None and ref.type != expected_type:
        raise InvalidArgument(path, f"A specified parameter was not correct: {path} must be a {expected_type}, not a {ref.type}.")


def task_matches(spec: TaskFilterSpec, info: TaskInfo, registry: Registry) -> bool:
    """Whether the task ``info`` describes passes every part of the filter."""
    if spec.state and _state(info.state) not in spec.state:
        return False
    if spec.time is not None and not _in_time(spec.time, info):
        return False
    if spec.userName is not None and not user_matches(spec.userName.systemUser, spec.userName.userList, _user_of(info)):
        return False
    if not _listed(spec.activationId, info.activationId) or not _listed(spec.eventChainId, info.eventChainId):
        return False
    if not _listed(spec.tag, info.changeTag) or not _listed(spec.parentTaskKey, info.parentTaskKey):
        return False
    if not _listed(spec.rootTaskKey, info.rootTaskKey):
        return False
    if spec.alarm is not None and not (isinstance(info.reason, TaskReasonAlarm) and info.reason.alarm == spec.alarm):
        return False
    if spec.scheduledTask is not None and not (
        isinstance(info.reason, TaskReasonSchedule) and info.reason.scheduledTask == spec.scheduledTask
    ):
        return False
    return spec.entity is None or matches_recursion(registry, info.entity, spec.entity.entity, spec.entity.recursion)


def user_matches(system_user: bool, user_list: list[str], user: str | None) -> bool:
    """``systemUser``: what the server did itself (no user's name); ``userList``: what these users did."""
    return (system_user and user is None) or (user is not None and user in user_list)


def _user_of(info: TaskInfo) -> str | None:
    return info.reason.userName if isinstance(info.reason, TaskReasonUser) else None


def _state(state: TaskState | str) -> str:
    return state.value if isinstance(state, TaskState) else state


def _in_time(spec: TaskFilterSpecByTime, info: TaskInfo) -> bool:
    when: datetime | None = getattr(info, TIME_FIELDS[spec.timeType])
    if when is None:
        return False  # a task not yet started (or completed) has no such time to filter on
    return within(when, spec.beginTime, spec.endTime)


def within(when: datetime, begin: datetime | None, end: datetime | None) -> bool:
    return (begin is None or when >= begin) and (end is None or when <= end)


def _listed(allowed: list, value: object) -> bool:
    return not allowed or value in allowed
