"""vim.event.EventFilterSpec: which events QueryEvents returns and an EventHistoryCollector holds.

Every field given must match; an empty list or an absent field does not filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from vtasksim.domain.faults import InvalidArgument
from vtasksim.domain.history.events import Event, TaskEvent, category_of
from vtasksim.domain.history.history_collector import check_page_size
from vtasksim.domain.history.lineage import matches_recursion
from vtasksim.domain.history.task_filter import check_history_filter, user_matches, within
from vtasksim.domain.registry import Registry
from vtasksim.domain.task import TaskReasonAlarm, TaskReasonSchedule
from vtasksim.domain.typesystem import vim_types
from vtasksim.domain.vmodl import MoRef, VimData


@dataclass(slots=True)
class EventFilterSpecByEntity(VimData):
    vim_type: ClassVar[str] = "EventFilterSpecByEntity"
    entity: MoRef
    recursion: str


@dataclass(slots=True)
class EventFilterSpecByTime(VimData):
    vim_type: ClassVar[str] = "EventFilterSpecByTime"
    beginTime: datetime | None = None
    endTime: datetime | None = None


@dataclass(slots=True)
class EventFilterSpecByUsername(VimData):
    vim_type: ClassVar[str] = "EventFilterSpecByUsername"
    systemUser: bool
    userList: list[str] = field(default_factory=list)


@dataclass(slots=True)
class EventFilterSpec(VimData):
    vim_type: ClassVar[str] = "EventFilterSpec"
    entity: EventFilterSpecByEntity | None = None
    time: EventFilterSpecByTime | None = None
    userName: EventFilterSpecByUsername | None = None
    eventChainId: int | None = None
    alarm: MoRef | None = None
    scheduledTask: MoRef | None = None
    disableFullMessage: bool | None = None
    category: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)
    eventTypeId: list[str] = field(default_factory=list)
    maxCount: int | None = None
    delayedInit: bool | None = None
    auditable: bool | None = None
    auditId: list[str] = field(default_factory=list)


def check_event_filter(spec: EventFilterSpec, registry: Registry) -> None:
    """InvalidArgument (naming the field) for a filter no event could be meant by."""
    check_history_filter(spec, registry)
    if spec.maxCount is not None:
        check_page_size(spec.maxCount, "filter.maxCount")
    types = vim_types()
    for index, name in enumerate(spec.type):
        if not (types.has_type(name) and types.is_subtype(name, "Event")):
            raise InvalidArgument(f"filter.type[{index}]", f"A specified parameter was not correct: filter.type {name!r} is not an Event type.")


def event_matches(spec: EventFilterSpec, event: Event, registry: Registry, root_folder: MoRef) -> bool:
    if spec.eventChainId is not None and event.chainId != spec.eventChainId:
        return False
    if spec.time is not None and not _in_time(spec.time, event.createdTime):
        return False
    if spec.userName is not None and not user_matches(spec.userName.systemUser, spec.userName.userList, event.userName or None):
        return False
    if spec.category and category_of(event) not in spec.category:
        return False
    if spec.tag and event.changeTag not in spec.tag:
        return False
    if (spec.type or spec.eventTypeId) and not _of_type(event, spec.type + spec.eventTypeId):
        return False
    if spec.alarm is not None and _reason_ref(event, TaskReasonAlarm, "alarm") != spec.alarm:
        return False
    if spec.scheduledTask is not None and _reason_ref(event, TaskReasonSchedule, "scheduledTask") != spec.scheduledTask:
        return False
    return spec.entity is None or _entity_matches(spec.entity, event, registry, root_folder)


def _in_time(spec: EventFilterSpecByTime, when: datetime) -> bool:
    return within(when, spec.beginTime, spec.endTime)


def _of_type(event: Event, names: list[str]) -> bool:
    types = vim_types()
    return any(types.is_subtype(event.vim_type, name) for name in names)


def _reason_ref(event: Event, reason_type: type, field_name: str) -> MoRef | None:
    """The alarm or scheduled task that started the task a TaskEvent records."""
    if isinstance(event, TaskEvent) and event.info is not None and isinstance(event.info.reason, reason_type):
        return getattr(event.info.reason, field_name)
    return None


def _entity_matches(spec: EventFilterSpecByEntity, event: Event, registry: Registry, root_folder: MoRef) -> bool:
    if spec.entity == root_folder and spec.recursion in ("self", "all"):
        return True  # every event happens somewhere in the inventory, even one naming no entity
    return any(matches_recursion(registry, entity, spec.entity, spec.recursion) for entity in event.entities())
