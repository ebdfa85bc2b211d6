"""TaskManager.recentTask: queued and running tasks and those completed in the last ten minutes,
oldest first, the newest 200 at most; read from the history's queueTime order, not by sorting."""

from __future__ import annotations

from datetime import timedelta

from vtasksim.domain.clock import ManualClock
from vtasksim.domain.simulator import Simulator
from vtasksim.domain.task import TaskInfo, TaskState
from vtasksim.domain.task_manager import RECENT_LIMIT
from vtasksim.domain.vmodl import MoRef

ROOT = MoRef("Folder", "group-d1")


def _created(simulator: Simulator, count: int) -> list[MoRef]:
    return [simulator.task_manager.create_task(ROOT, "t", "u", True).task for _ in range(count)]


def test_a_task_added_later_with_an_earlier_queue_time_takes_its_place_in_queue_time_order() -> None:
    clock = ManualClock()
    simulator = Simulator(clock)
    first = _created(simulator, 2)
    clock.advance(60)
    late = _created(simulator, 1)
    early = TaskInfo(key="task-fixture", task=MoRef("Task", "task-fixture"), queueTime=clock.now() - timedelta(seconds=30))
    simulator.add_task(early)
    assert simulator.task_manager.recentTask == [*first, early.task, *late]


def test_only_the_newest_limit_are_listed_and_long_completed_ones_leave() -> None:
    clock = ManualClock()
    simulator = Simulator(clock)
    done = _created(simulator, 3)
    for ref in done:
        simulator.registry.get(ref).set_state(TaskState.success)
    clock.advance(11 * 60)
    created = _created(simulator, RECENT_LIMIT + 5)
    assert simulator.task_manager.recentTask == created[5:]
    assert simulator.task_manager.recent_tasks_of(ROOT) == created[5:]
    assert simulator.task_manager.recent_tasks_of(MoRef("VirtualMachine", "vm-1")) == []
