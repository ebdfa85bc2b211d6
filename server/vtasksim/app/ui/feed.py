"""Changed task rows, pushed to every open page as server-sent events.

The domain's ChangeFeed says which task changed; the feed remembers only *which*, and once per
``interval`` (100 ms) builds each changed row once, serializes the batch once and writes the
same bytes to every page. A task that changes a thousand times in that window costs one row.
With no page open the feed is not subscribed at all: the view costs the SOAP calls nothing.

Events (``event:`` name, JSON ``data:``):

- ``snapshot`` ``{"rows": [...]}``: every task, first thing on each connection (and after the
  browser reconnects by itself);
- ``tasks`` ``{"rows": [...], "removed": [keys], "history": [keys]}``: rows that changed, tasks
  that are gone, tasks whose request history grew.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable, Protocol

from vtasksim.app.request_log import RequestLog, RequestRecord
from vtasksim.app.ui.rows import task_row
from vtasksim.domain.simulator import Simulator
from vtasksim.domain.task import Task
from vtasksim.domain.vmodl import MoRef

#: Seconds changes are gathered before they go out: at most ten batches a second.
FLUSH_INTERVAL = 0.1
#: Seconds between checks for tasks that came or went without a change (a fixture timeline
#: adding one, retention removing one) and between keep-alive comments that stop proxies from closing an idle stream.
TICK_INTERVAL = 1.0
KEEPALIVE_TICKS = 15


class Stream(Protocol):
    def send(self, chunk: bytes) -> None: ...


class Scheduler(Protocol):
    """What the feed needs of a reactor: Twisted's ``callLater`` signature."""

    def callLater(self, delay: float, action: Callable[..., Any], *args: Any) -> Any: ...


def event(name: str, data: Any) -> bytes:
    """One server-sent event; compact JSON has no raw newline, so one ``data:`` line holds it."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return f"event: {name}\ndata: {text}\n\n".encode()


class TaskFeed:
    """The tasks of the simulator being served (``switch`` follows a fixture loaded or reset)."""

    def __init__(
        self, simulator: Simulator, scheduler: Scheduler, request_log: RequestLog | None = None,
        interval: float = FLUSH_INTERVAL,
    ) -> None:  # fmt: skip
        self.simulator = simulator
        self.request_log = request_log
        self._scheduler = scheduler
        self._interval = interval
        self._streams: list[Stream] = []
        self._known: set[str] = set()
        self._dirty: set[str] = set()
        self._history: set[str] = set()
        self._rescan = False
        self._flush_call: Any = None
        self._tick_call: Any = None
        self._ticks = 0
        self._registry_generation = -1

    # Pages coming and going

    def open(self, stream: Stream) -> None:
        if not self._streams:
            self._listen(True)
            self._schedule_tick()
        self._streams.append(stream)
        stream.send(self._snapshot())

    def close(self, stream: Stream) -> None:
        if stream not in self._streams:
            return
        self._streams.remove(stream)
        if not self._streams:
            self._listen(False)
            for call in (self._flush_call, self._tick_call):
                if call is not None and call.active():
                    call.cancel()
            self._flush_call = self._tick_call = None
            self._dirty.clear()
            self._history.clear()

    def switch(self, simulator: Simulator) -> None:
        """Serve another simulator (a fixture loaded or reset): open pages start over from it."""
        if self._streams:
            self.simulator.changes.unsubscribe(self._on_change)
            simulator.changes.subscribe(self._on_change)
        self.simulator = simulator
        self._dirty.clear()
        self._rescan = False
        if self._streams:
            self._broadcast(self._snapshot())

    def _listen(self, on: bool) -> None:
        if on:
            self.simulator.changes.subscribe(self._on_change)
        else:
            self.simulator.changes.unsubscribe(self._on_change)
        if self.request_log is not None:
            (self.request_log.subscribe if on else self.request_log.unsubscribe)(self._on_request)

    def _snapshot(self) -> bytes:
        rows = self.rows()
        self._known = {row["key"] for row in rows}
        self._registry_generation = self.simulator.registry.generation
        return event("snapshot", {"rows": rows})

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    # What the list shows

    def tasks(self) -> list[Task]:
        return [obj for obj in self.simulator.registry if isinstance(obj, Task)]

    def rows(self, tasks: Iterable[Task] | None = None) -> list[dict[str, Any]]:
        return [task_row(task, self.name_of) for task in (self.tasks() if tasks is None else tasks)]

    def name_of(self, ref: MoRef) -> str | None:
        return getattr(self.simulator.registry.find(ref), "name", None)

    # Changes coming in

    def _on_change(self, ref: MoRef, paths: tuple[str, ...]) -> None:
        if ref.type == "Task":
            self._dirty.add(ref.value)
        elif ref.type == "TaskManager":
            self._rescan = True  # recentTask changed: CreateTask made a task
        else:
            return
        self._schedule_flush()

    def _on_request(self, record: RequestRecord) -> None:
        self.history_grew(record.this)
        self.history_grew(record.started)

    def history_grew(self, ref: MoRef | None) -> None:
        """A request about ``ref`` was logged: pages showing that task fetch its history again."""
        if ref is not None and ref.type == "Task" and self._streams:
            self._history.add(ref.value)
            self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_call is None:
            self._flush_call = self._scheduler.callLater(self._interval, self.flush)

    def _schedule_tick(self) -> None:
        self._tick_call = self._scheduler.callLater(TICK_INTERVAL, self._tick)

    def _tick(self) -> None:
        self._ticks += 1
        if self.simulator.registry.generation != self._registry_generation:
            self._rescan = True
            self._schedule_flush()
        elif self._ticks % KEEPALIVE_TICKS == 0:
            self._broadcast(b": keep-alive\n\n")
        self._schedule_tick()

    # Changes going out

    def flush(self) -> None:
        self._flush_call = None
        dirty, self._dirty = self._dirty, set()
        history, self._history = self._history, set()
        removed: list[str] = []
        if self._rescan:
            self._rescan = False
            dirty |= self._scan(removed)
        found = [task for key in sorted(dirty) if isinstance(task := self._find(key), Task)]
        found_keys = {task.info.key for task in found}
        removed += [key for key in dirty - found_keys if key in self._known]
        self._known.difference_update(removed)
        self._known |= found_keys
        if not (found or removed or history):
            return
        self._broadcast(event("tasks", {"rows": self.rows(found), "removed": sorted(removed), "history": sorted(history)}))

    def _scan(self, removed: list[str]) -> set[str]:
        """New tasks are added to ``_known`` and returned; gone ones are appended to ``removed``."""
        self._registry_generation = self.simulator.registry.generation
        present = {task.info.key for task in self.tasks()}
        removed += sorted(self._known - present)
        added = present - self._known
        self._known = present
        return added

    def _find(self, key: str) -> Any:
        return self.simulator.registry.find(MoRef("Task", key))

    def _broadcast(self, chunk: bytes) -> None:
        for stream in list(self._streams):
            stream.send(chunk)
