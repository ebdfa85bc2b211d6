"""A task's TaskInfo as written, reused until the task changes.

A client polling a task (pyVmomi's ``WaitForTask``, a Fetch or a RetrievePropertiesEx of
``info`` over and over) is sent the same TaskInfo until the task changes, and writing it costs
more than the rest of the reply. Its text (the fields, without the element around them, so
that Fetch's ``returnval``, RetrievePropertiesEx's ``val`` and CreateTask's reply share it) is
kept per writer (so per API version), and dropped when the simulator announces a change of the task: the
change feed every change of a managed object goes through, the one WaitForUpdatesEx reports
from. A text is kept only for a TaskInfo object that is the info of a task of this simulator (whose
changes the feed carries), and reused only for that very object.

The domain knows nothing of this: it only announces its changes, as it always has.
"""

from __future__ import annotations

import weakref

from vtasksim.domain.simulator import Simulator
from vtasksim.domain.task import Task, TaskInfo
from vtasksim.domain.typesystem import TypeSystem
from vtasksim.domain.vmodl import MoRef
from vtasksim.wire.encoding import Vim25Writer, writer_for

#: Enough for every task a test suite or a load test polls at once; the memory it takes does not
#: grow with the number of tasks (about 0.7 KiB a task).
LIMIT = 256


class WrittenTaskInfos:
    """The written TaskInfos of one simulator's tasks, by task, by writer (API version)."""

    kinds = frozenset({TaskInfo})

    def __init__(self, simulator: Simulator, limit: int = LIMIT) -> None:
        #: Not a strong reference: the simulator's going must not wait for this.
        self._simulator = weakref.ref(simulator)
        self._limit = limit
        #: By task key (a MoRef's value: a str hashes at C speed, a MoRef in Python), the
        #: task's TaskInfo object and its fields' text by the writer that wrote it.
        self._entries: dict[str, tuple[TaskInfo, dict[Vim25Writer, str]]] = {}
        self._writers: dict[tuple[int, str], Vim25Writer] = {}
        simulator.changes.subscribe(self._forget)

    def writer(self, types: TypeSystem, version: str) -> Vim25Writer:
        """The writer of ``version`` that reuses what it wrote of this simulator's tasks."""
        writer = self._writers.get((id(types), version))
        if writer is None:
            writer = self._writers[(id(types), version)] = writer_for(types, version).reusing(self)
        return writer

    def written(self, info: TaskInfo, writer: Vim25Writer) -> str | None:
        """What ``writer`` wrote of this very object, unless its task changed since.

        Kept while it was the task's info, the text stays right for it: the task changes only
        its own info (announcing it), and an info it no longer holds (a record's) is left as it was.
        """
        entry = self._entries.get(info.task.value)
        if entry is None or entry[0] is not info:
            return None
        return entry[1].get(writer)

    def keep(self, info: TaskInfo, writer: Vim25Writer, fields: str) -> None:
        if not self._live(info):
            return  # a copy (an UpdateSet's): nothing announces its changes
        key = info.task.value
        entry = self._entries.get(key)
        if entry is None or entry[0] is not info:
            if len(self._entries) >= self._limit:
                del self._entries[next(iter(self._entries))]  # the oldest
            entry = self._entries[key] = (info, {})
        entry[1][writer] = fields

    def _live(self, info: TaskInfo) -> bool:
        simulator = self._simulator()
        task = simulator.registry.find(info.task) if simulator is not None else None
        return isinstance(task, Task) and task.info is info

    def _forget(self, ref: MoRef, paths: tuple[str, ...]) -> None:
        self._entries.pop(ref.value, None)  # another type's object of the same value: a needless miss at worst


_BY_SIMULATOR: dict[int, WrittenTaskInfos] = {}


def written_task_infos(simulator: Simulator) -> WrittenTaskInfos:
    """The simulator's written TaskInfos (made on first use, gone with the simulator)."""
    reuse = _BY_SIMULATOR.get(id(simulator))
    if reuse is None:
        reuse = _BY_SIMULATOR[id(simulator)] = WrittenTaskInfos(simulator)
        weakref.finalize(simulator, _BY_SIMULATOR.pop, id(simulator), None)
    return reuse
