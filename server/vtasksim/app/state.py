"""``vtasksim serve --state PATH``: the tasks kept in SQLite, so a restart or a kill -9 loses no
acknowledged change.

The domain knows nothing of this: the store listens to the simulator's change feed and to the
tasks it adds, notes which tasks changed, and the site calls :meth:`StateStore.flush` before a
response leaves. One transaction per answered call (the reactor answers one call at a time), in
WAL mode with ``synchronous=NORMAL``: a committed transaction survives the process being killed;
a power cut may lose the last ones (the OS had them, the disk not yet). Changes no call made (a
cancel delay running out, a timeline step) are written on the next reactor turn.

What is kept: every task's TaskInfo and its simulator behaviour (cancel delay …), as the domain's
own objects (pickled: the file is yours, as the fixture is; never point ``--state`` at a file you
did not make). What is not: sessions, property filters and collectors, long-polls, events,
custom values. On start the fixture loads first, then the stored tasks replace its tasks of the
same key and add the others; a cancelation under way takes effect after its delay. A fixture
loaded or reset through the control API starts the state over.
"""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path
from typing import Any, Callable

from vtasksim.domain.simulator import Simulator
from vtasksim.domain.task import Task
from vtasksim.domain.vmodl import MoRef

SCHEMA = "CREATE TABLE IF NOT EXISTS tasks (key TEXT PRIMARY KEY, info BLOB NOT NULL, behaviour BLOB NOT NULL)"


class StateStore:
    def __init__(self, path: Path, call_soon: Callable[[Callable[[], None]], Any] | None = None) -> None:
        self.path = path
        # Autocommit mode: transactions are begun and committed here, one per flush.
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(SCHEMA)
        self._call_soon = call_soon
        self._simulator: Simulator | None = None
        self._dirty: set[MoRef] = set()
        self._flush_scheduled = False

    # Start: the stored tasks into the fixture's simulator

    def restore(self, simulator: Simulator) -> int:
        """Put the stored tasks into ``simulator``; how many there were."""
        rows = self._db.execute("SELECT info, behaviour FROM tasks").fetchall()
        for info_blob, behaviour_blob in rows:
            info, behaviour = pickle.loads(info_blob), pickle.loads(behaviour_blob)
            known = simulator.registry.find(info.task)
            if isinstance(known, Task):
                known.info, known.behaviour = info, behaviour
                simulator.changes.publish(known.ref, ("info",))  # history sees it completed, if it did
                task = known
            else:
                task = simulator.add_task(info, behaviour)
            task.resume()
        return len(rows)

    def attach(self, simulator: Simulator) -> None:
        """Write what happens to ``simulator``'s tasks from now on."""
        if self._simulator is not None:
            self._simulator.changes.unsubscribe(self._on_change)
            self._simulator.task_added.remove(self._on_task_added)
        self._simulator = simulator
        simulator.changes.subscribe(self._on_change)
        simulator.task_added.append(self._on_task_added)

    def start_over(self, simulator: Simulator) -> None:
        """A fixture loaded or reset through the control API: its tasks are the state now."""
        self._db.execute("DELETE FROM tasks")
        self._dirty.clear()
        self.attach(simulator)

    # Changes

    def _on_change(self, ref: MoRef, paths: tuple[str, ...]) -> None:
        if ref.type == "Task":
            self._note(ref)

    def _on_task_added(self, task: Task) -> None:
        self._note(task.ref)

    def _note(self, ref: MoRef) -> None:
        self._dirty.add(ref)
        if not self._flush_scheduled and self._call_soon is not None:
            # A change no call made has no response to wait for: write it on the next turn.
            self._flush_scheduled = True
            self._call_soon(self._scheduled_flush)

    def _scheduled_flush(self) -> None:
        self._flush_scheduled = False
        self.flush()

    def flush(self) -> None:
        """Write every task changed since the last flush, in one transaction (before a response leaves)."""
        if not self._dirty or self._simulator is None:
            return
        registry = self._simulator.registry
        dirty, self._dirty = self._dirty, set()
        self._db.execute("BEGIN")
        try:
            for ref in dirty:
                task = registry.find(ref)
                if isinstance(task, Task):
                    self._db.execute(
                        "INSERT OR REPLACE INTO tasks VALUES (?, ?, ?)",
                        (ref.value, pickle.dumps(task.info, pickle.HIGHEST_PROTOCOL), pickle.dumps(task.behaviour, pickle.HIGHEST_PROTOCOL)),
                    )
                else:  # gone: retention removed it
                    self._db.execute("DELETE FROM tasks WHERE key = ?", (ref.value,))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            self._dirty |= dirty
            raise

    def close(self) -> None:
        self.flush()
        self._db.close()
