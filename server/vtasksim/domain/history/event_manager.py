"""vim.event.EventManager: the events the server records, queried or collected page by page.

The simulator records what vCenter records for tasks: a TaskEvent when a task is created, with
the TaskInfo as it was then, the user who started it, the entity it concerns (and that entity's
datacenter), and ``chainId`` set to the task's ``eventChainId``. Events older than
``event.maxAge`` days, and the oldest beyond the retention limit, are let go.
"""

from __future__ import annotations

import itertools
from collections import deque
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from vtasksim.domain.changes import ChangeFeed
from vtasksim.domain.clock import Clock
from vtasksim.domain.history.event_filter import EventFilterSpec, check_event_filter, event_matches
from vtasksim.domain.history.event_history_collector import EventHistoryCollector, without_message
from vtasksim.domain.history.events import ARGUMENT_OF_TYPE, Event, TaskEvent, event_description
from vtasksim.domain.history.history_collector import DEFAULT_PAGE_SIZE, Collectors, HistoryCollector, SortKey
from vtasksim.domain.history.lineage import ancestors
from vtasksim.domain.history.retention import Retention
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.registry import Registry
from vtasksim.domain.sharing import SharedValues
from vtasksim.domain.task import Task, TaskReasonUser
from vtasksim.domain.vmodl import MoRef

if TYPE_CHECKING:
    from vtasksim.domain.session_manager import Session

EVENT_MANAGER = MoRef("EventManager", "EventManager")
#: Collectors a session may have at once (vCenter's default ``event.maxCollectors``).
MAX_COLLECTOR = 32
#: What QueryEvents returns at most when the filter gives no ``maxCount``.
QUERY_LIMIT = 1000


def _sort_key(event: Event) -> SortKey:
    """Where an event sits in history: made when it is asked for, not kept beside every event."""
    return (event.createdTime, event.key)


class EventManager(ManagedObject):
    vim_type = "EventManager"
    vim_properties = ("description", "latestEvent", "maxCollector")

    def __init__(self, registry: Registry, clock: Clock, changes: ChangeFeed, retention: Retention, root_folder: MoRef) -> None:
        super().__init__(EVENT_MANAGER)
        self.description = event_description()
        self.maxCollector = MAX_COLLECTOR
        self.retention = retention
        self._registry = registry
        self._clock = clock
        self._root_folder = root_folder
        self._started = clock.now()
        #: Every event kept, oldest first (as recorded: a fixture's tasks are added in queue order).
        self._log: deque[Event] = deque()
        self._keys = itertools.count(1)
        #: "Task: <task type>", one string per task type, whatever the number of tasks.
        self._task_messages: SharedValues[str, str] = SharedValues(_task_message)
        self.collectors: Collectors[Event] = Collectors("EventHistoryCollector", registry, changes, lambda: self.maxCollector)

    @property
    def latestEvent(self) -> Event | None:
        return self._log[-1] if self._log else None

    def __len__(self) -> int:
        return len(self._log)

    # Recording

    def record_task_created(self, task: Task) -> TaskEvent:
        """The TaskEvent vCenter logs when a task is created.

        Its info is the TaskInfo as it is now, whatever happens to the task later: the task shares
        it with the event until its first change, which the task makes to a copy of its own.
        """
        info = task.share_info()
        user = info.reason.userName if isinstance(info.reason, TaskReasonUser) else ""
        event = TaskEvent(
            key=next(self._keys), chainId=info.eventChainId, createdTime=info.queueTime, userName=user,
            fullFormattedMessage=self._task_messages(info.descriptionId), changeTag=info.changeTag,
            info=info, **self._arguments(info.entity),
        )  # fmt: skip
        self._record(event)
        return event

    def _arguments(self, entity: MoRef | None) -> dict[str, Any]:
        """The event's entity arguments, as vCenter fills them: the entity itself (by its type);
        for a VM also the host it runs on, and for a host its compute resource; the datacenter."""
        if entity is None:
            return {}
        related = [entity]
        host = getattr(self._registry.find(entity), "host", None) if entity.type == "VirtualMachine" else None
        if isinstance(host, MoRef):
            related.append(host)
        if related[-1].type == "HostSystem":
            compute = getattr(self._registry.find(related[-1]), "parent", None)
            if isinstance(compute, MoRef) and compute.type in ("ComputeResource", "ClusterComputeResource"):
                related.append(compute)
        related.extend(ref for ref in ancestors(self._registry, entity) if ref.type == "Datacenter")
        arguments: dict[str, Any] = {}
        for ref in related:
            known = ARGUMENT_OF_TYPE.get(ref.type)
            if known is not None:
                field_name, argument, ref_field = known
                arguments.setdefault(field_name, argument(name=self._name(ref), **{ref_field: ref}))
        return arguments

    def _name(self, ref: MoRef) -> str:
        return getattr(self._registry.find(ref), "name", None) or ref.value

    def _record(self, event: Event) -> None:
        self._log.append(event)
        self.collectors.offer(_sort_key(event), event)
        self._changed("latestEvent")
        self.prune()

    def prune(self) -> None:
        """Let go of events beyond the limit, and of those older than ``event.maxAge`` days."""
        retention = self.retention
        while len(self._log) > retention.limit:
            self._forget(self._log.popleft())
        if retention.max_age_enabled:
            horizon = self._clock.now() - timedelta(days=retention.max_age_days)
            # An event's age counts from the server's start at the earliest (a fixture's history).
            while self._log and self._started < horizon and self._log[0].createdTime < horizon:
                self._forget(self._log.popleft())

    def _forget(self, event: Event) -> None:
        self.collectors.forget(_sort_key(event))

    # QueryEvents, CreateCollectorForEvents

    def query_events(self, spec: EventFilterSpec) -> list[Event]:
        """The matching events, newest first, at most ``maxCount`` (else 1000) of them."""
        check_event_filter(spec, self._registry)
        self.prune()
        limit = spec.maxCount or QUERY_LIMIT
        found: list[Event] = []
        for event in reversed(self._log):
            if len(found) >= limit:
                break
            if event_matches(spec, event, self._registry, self._root_folder):
                found.append(without_message(event) if spec.disableFullMessage else event)
        return found

    def create_collector(self, session: "Session", spec: EventFilterSpec) -> EventHistoryCollector:
        check_event_filter(spec, self._registry)
        ref = self.collectors.new_ref(session)
        self.prune()
        page_size = spec.maxCount or DEFAULT_PAGE_SIZE
        collector = EventHistoryCollector(ref, spec, session, page_size, self._registry, self._root_folder, self._release)
        collector.fill((_sort_key(event), event) for event in self._log)
        self.collectors.add(collector)
        return collector

    def _release(self, collector: HistoryCollector) -> None:
        self.collectors.release(collector)


def _task_message(description_id: str) -> str:
    return f"Task: {description_id}"
