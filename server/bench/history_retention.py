"""Memory stays bounded however many tasks a server sees: ``python history_retention.py [N] [LIMIT]``.

Creates N tasks (default one million) through the domain, as CreateTask does, runs and completes
each, and prints at five checkpoints how many tasks and events history keeps and the process's
peak RSS. With a retention limit of LIMIT completed tasks (default: the server's, 100000), the
kept counts stop at LIMIT and the RSS stops growing once they do.
"""

from __future__ import annotations

import resource
import sys
import time

from vtasksim.domain.clock import ManualClock
from vtasksim.domain.history.retention import DEFAULT_LIMIT
from vtasksim.domain.simulator import Simulator, SimulatorSettings
from vtasksim.domain.task import Task, TaskState
from vtasksim.domain.vmodl import MoRef


def main(count: int, limit: int) -> None:
    clock = ManualClock()
    simulator = Simulator(clock, SimulatorSettings(history_limit=limit))
    vm = MoRef("VirtualMachine", "vm-1")
    simulator.add_inventory_object(vm, "web-01")
    started = time.process_time()
    for done in range(1, count + 1):
        info = simulator.task_manager.create_task(vm, "com.example.job", "alice", True)
        task = simulator.registry.get(info.task, Task)
        task.set_state(TaskState.running)
        task.set_state(TaskState.success)
        if done % 1000 == 0:
            clock.advance(1)
        if done % max(count // 5, 1) == 0:
            peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            cpu_us = (time.process_time() - started) / done * 1e6
            print(f"{done} tasks: {len(simulator.task_history)} kept, {len(simulator.event_manager)} events, "
                  f"peak RSS {peak_mib} MiB, {cpu_us:.0f} µs CPU per task", flush=True)  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, int(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_LIMIT)
