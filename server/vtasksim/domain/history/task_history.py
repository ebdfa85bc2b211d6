"""Every task the server knows, oldest first, and the completed ones it lets go.

The history is what TaskHistoryCollectors select from. A task enters when it is created (or
loaded from a fixture) and leaves once it has been complete for ``task.maxAge`` days, or when
more than the retention limit of completed tasks are kept (the oldest completed go first). A
task that left is gone from the server: its MoRef answers ManagedObjectNotFound.
"""

from __future__ import annotations

import bisect
import itertools
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable, Iterator

from vtasksim.domain.changes import ChangeFeed
from vtasksim.domain.clock import Clock
from vtasksim.domain.history.history_collector import DEFAULT_PAGE_SIZE, Collectors, HistoryCollector, SortKey
from vtasksim.domain.history.retention import Retention
from vtasksim.domain.history.task_filter import TaskFilterSpec, check_task_filter
from vtasksim.domain.history.task_history_collector import TaskHistoryCollector
from vtasksim.domain.registry import Registry
from vtasksim.domain.task import Task
from vtasksim.domain.vmodl import MoRef

if TYPE_CHECKING:
    from vtasksim.domain.session_manager import Session


@dataclass(slots=True)
class _Entry:
    task: Task
    #: The order of arrival: of tasks queued at the same time, the one added first is older.
    number: int
    #: When the task's age starts counting, once it is complete.
    retained_from: datetime | None = None

    @property
    def key(self) -> SortKey:
        """Where the task sits in history (its queueTime never changes): made when asked for."""
        return (self.task.info.queueTime, self.number)


def _key_of(entry: _Entry) -> SortKey:
    return entry.key


class TaskHistory:
    def __init__(
        self, registry: Registry, clock: Clock, changes: ChangeFeed, retention: Retention,
        max_collectors: Callable[[], int], on_expired: Callable[[Task], None] | None = None,
    ) -> None:  # fmt: skip
        self.retention = retention
        self._registry = registry
        self._clock = clock
        self._changes = changes
        self._on_expired = on_expired
        self._started = clock.now()
        self._entries: dict[MoRef, _Entry] = {}
        #: Every entry, sorted by key (queueTime, then arrival): recentTask reads the newest end.
        self._order: list[_Entry] = []
        self._completed: deque[_Entry] = deque()
        self._numbers = itertools.count()
        self.collectors: Collectors[Task] = Collectors("TaskHistoryCollector", registry, changes, max_collectors)
        changes.subscribe(self._on_change)

    def add(self, task: Task) -> None:
        entry = _Entry(task, next(self._numbers))
        key = entry.key
        self._entries[task.ref] = entry
        if not self._order or self._order[-1].key < key:
            self._order.append(entry)  # the usual case: a task made now is the newest
        else:
            bisect.insort(self._order, entry, key=_key_of)
        if task.info.state.completed:
            self._complete(entry)
        self.collectors.offer(key, task)
        self.prune()

    def __len__(self) -> int:
        return len(self._entries)

    def tasks(self) -> Iterator[Task]:
        return (entry.task for entry in self._entries.values())

    def newest_first(self) -> Iterator[Task]:
        """Every task, the latest queueTime first (of equal ones, the last to arrive first)."""
        return (entry.task for entry in reversed(self._order))

    # CreateCollectorForTasks

    def create_collector(self, session: "Session", spec: TaskFilterSpec) -> TaskHistoryCollector:
        check_task_filter(spec, self._registry)
        ref = self.collectors.new_ref(session)
        self.prune()
        collector = TaskHistoryCollector(ref, spec, session, DEFAULT_PAGE_SIZE, self._registry, self._release)
        collector.fill((entry.key, entry.task) for entry in self._entries.values())
        self.collectors.add(collector)
        return collector

    def _release(self, collector: HistoryCollector) -> None:
        self.collectors.release(collector)

    # Changes and retention

    def _on_change(self, ref: MoRef, paths: tuple[str, ...]) -> None:
        if ref.type != "Task" or not paths:
            return
        entry = self._entries.get(ref)
        if entry is None:
            return
        just_completed = entry.retained_from is None and entry.task.info.state.completed
        if just_completed:
            self._complete(entry)
        self.collectors.offer(entry.key, entry.task)
        if just_completed:
            self.prune()

    def _complete(self, entry: _Entry) -> None:
        completed = entry.task.info.completeTime or self._clock.now()
        entry.retained_from = max(completed, self._started)
        self._completed.append(entry)

    def prune(self) -> None:
        """Let go of completed tasks beyond the limit, and of those older than ``task.maxAge``."""
        retention = self.retention
        while len(self._completed) > retention.limit:
            self._expire(self._completed.popleft())
        if retention.max_age_enabled:
            horizon = self._clock.now() - timedelta(days=retention.max_age_days)
            while self._completed and self._completed[0].retained_from < horizon:  # type: ignore[operator]
                self._expire(self._completed.popleft())

    def _expire(self, entry: _Entry) -> None:
        task = entry.task
        if self._entries.pop(task.ref, None) is None:
            return
        key = entry.key
        del self._order[bisect.bisect_left(self._order, key, key=_key_of)]
        self.collectors.forget(key)
        self._registry.remove(task.ref)
        self._changes.publish(task.ref, ())  # filters watching it see it leave
        if self._on_expired is not None:
            self._on_expired(task)
