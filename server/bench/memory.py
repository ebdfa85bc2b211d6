"""Memory per task: a server's RSS growth while clients create tasks by CreateTask over the wire."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from loadgen import Connection, login, run_event_loop, http_request
from scenarios import create_task_xml
from server_process import ServerProcess

CONNECTIONS = 4  # enough to keep a single-threaded server busy without a queue in front of it
WARMUP_TASKS = 200  # first-use caches and buffers belong to the baseline, not to the tasks
SETTLE_SECONDS = 0.5


@dataclass
class MemoryStep:
    tasks: int  # created since the baseline
    rss_kib: int
    kib_per_task: float
    tasks_per_second: float
    server_cpu_us_per_task: float


@dataclass
class MemoryResult:
    rss_before_kib: int
    steps: list[MemoryStep] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None


def measure_memory(server: ServerProcess, counts: list[int]) -> MemoryResult:
    """RSS after creating each of ``counts`` tasks in total (ascending), per task created."""
    address = (server.host, server.port)
    request = http_request(f"{server.host}:{server.port}", create_task_xml(), login(address))
    pool = [Connection(address, [request], b"CreateTaskResponse") for _ in range(CONNECTIONS)]
    try:
        warmup = run_event_loop(pool, 600.0, max_requests=WARMUP_TASKS)
        time.sleep(SETTLE_SECONDS)
        result = MemoryResult(server.rss_kib(), errors=warmup.errors, first_error=warmup.first_error)
        created = 0
        for count in counts:
            cpu = server.cpu_seconds()
            tally = run_event_loop(pool, 900.0, max_requests=count - created)
            cpu = server.cpu_seconds() - cpu
            created += tally.completed
            result.errors += tally.errors + (count - created)
            result.first_error = result.first_error or tally.first_error
            time.sleep(SETTLE_SECONDS)
            rss = server.rss_kib()
            result.steps.append(MemoryStep(
                tasks=created, rss_kib=rss, kib_per_task=(rss - result.rss_before_kib) / max(created, 1),
                tasks_per_second=tally.completed / tally.wall_seconds, server_cpu_us_per_task=cpu / max(tally.completed, 1) * 1e6,
            ))  # fmt: skip
    finally:
        for connection in pool:
            connection.close()
    return result


def main(argv: list[str] | None = None) -> int:
    """``python server/bench/memory.py [--tasks 10000,100000]``: vtasksim alone, as ``make bench`` measures it."""
    import argparse
    import tempfile
    from pathlib import Path

    from fixture_files import write_fixture
    from server_process import start_server

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", default="10000,100000", help="task counts to read RSS at (default 10000,100000)")
    args = parser.parse_args(argv)
    counts = sorted(int(part) for part in args.tasks.split(","))
    with tempfile.TemporaryDirectory(prefix="vtasksim-memory-") as directory:
        server = start_server(write_fixture(Path(directory) / "memory.yaml", 0))
        try:
            result = measure_memory(server, counts)
        finally:
            server.stop()
    print(f"{'tasks':>9}{'RSS KiB':>10}{'KiB/task':>10}{'tasks/s':>9}{'µs/task':>9}")
    for step in result.steps:
        print(
            f"{step.tasks:>9,}{step.rss_kib:>10,}{step.kib_per_task:>10.2f}"
            f"{step.tasks_per_second:>9,.0f}{step.server_cpu_us_per_task:>9.0f}"
        )
    if result.errors:
        print(f"{result.errors} errors; first: {result.first_error}")
    return 1 if result.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
