"""Start-up: how long ``vtasksim serve`` takes to listen, and what loading a YAML fixture costs.

Servers with a few and with ``--fixture-tasks`` more tasks in their fixture are started and
Fetched a few times (the last task too, to prove the whole fixture loaded); their RSS
difference per task includes the loading peak the allocator keeps (one task's YAML at a time
now, app/fixture_stream.py), so the Python heap a loaded task keeps (heap_probe.py, under
tracemalloc) is printed beside it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from fixture_files import task_key, write_fixture
from loadgen import FETCH_INFO, Connection, Tally, login
from server_process import REPO, ServerProcess, start_server

BASE_TASKS = 8
HEAP_PROBE_TASKS = 1_000  # tracemalloc slows loading several-fold; the per-task figure is steady by then
BENCH = Path(__file__).resolve().parent
DEFAULT_FIXTURE = REPO / "fixtures" / "default.yaml"


def startup_seconds(fixture: Path, times: int) -> list[float]:
    """Seconds from starting ``vtasksim serve`` on ``fixture`` to its 'listening' line, ``times`` times."""
    seconds = []
    for _ in range(times):
        server = start_server(fixture)
        seconds.append(server.started_in)
        server.stop()
    return seconds


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class FixtureMemoryResult:
    base_tasks: int
    loaded_tasks: int
    base_start_seconds: float
    loaded_start_seconds: float
    base_rss_kib: int
    loaded_rss_kib: int
    base_rss_after_fetch_kib: int
    loaded_rss_after_fetch_kib: int
    kib_per_task: float
    fetch_errors: int
    heap_probe_tasks: int
    heap_kib_per_task: float | None  # None when the probe failed (heap_probe_error says why)
    heap_peak_kib_per_task: float | None
    heap_probe_error: str | None

def run_fixture_memory(workdir: Path, fixture_tasks: int) -> FixtureMemoryResult:
    """What loading tasks from the YAML fixture costs: servers with a few and with ``--fixture-tasks`` more."""
    base = _memory_sample(write_fixture(workdir / "memory-base.yaml", BASE_TASKS), BASE_TASKS)
    loaded_count = BASE_TASKS + fixture_tasks
    loaded = _memory_sample(write_fixture(workdir / "memory-loaded.yaml", loaded_count), loaded_count)
    probe_count = BASE_TASKS + min(fixture_tasks, HEAP_PROBE_TASKS)
    heap, heap_error = _heap_probe(workdir, probe_count)
    return FixtureMemoryResult(
        base_tasks=BASE_TASKS,
        loaded_tasks=loaded_count,
        base_start_seconds=base["start_seconds"],
        loaded_start_seconds=loaded["start_seconds"],
        base_rss_kib=base["rss_start"],
        loaded_rss_kib=loaded["rss_start"],
        base_rss_after_fetch_kib=base["rss_fetched"],
        loaded_rss_after_fetch_kib=loaded["rss_fetched"],
        kib_per_task=(loaded["rss_fetched"] - base["rss_fetched"]) / fixture_tasks,
        fetch_errors=base["errors"] + loaded["errors"],
        heap_probe_tasks=probe_count - BASE_TASKS,
        heap_kib_per_task=heap.get("kib_per_task"),
        heap_peak_kib_per_task=heap.get("peak_kib_per_task"),
        heap_probe_error=heap_error,
    )


def _heap_probe(workdir: Path, task_count: int) -> tuple[dict[str, float], str | None]:
    """What heap_probe.py says a task keeps; an empty result and the reason when it fails."""
    base = workdir / "memory-base.yaml"
    fixture = write_fixture(workdir / "heap-probe.yaml", task_count)
    command = [sys.executable, str(BENCH / "heap_probe.py"), str(base), str(BASE_TASKS), str(fixture), str(task_count)]
    env = dict(os.environ, PYTHONPATH=str(REPO / "server"))
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, timeout=120, check=True)
        return json.loads(done.stdout), None
    except (subprocess.SubprocessError, ValueError) as error:
        stderr = getattr(error, "stderr", "") or ""
        return {}, f"{type(error).__name__}: {stderr.strip().splitlines()[-1] if stderr.strip() else error}"


def _memory_sample(fixture: Path, task_count: int) -> dict[str, float]:
    """Start a server on ``fixture``; its RSS after start and after Fetching a few tasks."""
    server = start_server(fixture)
    try:
        rss_start = server.rss_kib()
        # The same requests on both servers, plus the last task to prove the whole fixture loaded.
        keys = [task_key(index) for index in range(BASE_TASKS)] + [task_key(task_count - 1)]
        errors = _fetch_each(server, keys, times=3)
        return {"start_seconds": server.started_in, "rss_start": rss_start, "rss_fetched": server.rss_kib(), "errors": errors}
    finally:
        server.stop()


def _fetch_each(server: ServerProcess, keys: Sequence[str], times: int) -> int:
    """Fetch(Task.info) each task ``times`` times in one session; the number of errors."""
    address = (server.host, server.port)
    cookie = login(address)
    host = f"{server.host}:{server.port}"
    requests = [request for key in keys for request in FETCH_INFO.requests_for(host, key, cookie)]
    connection = Connection(address, requests, FETCH_INFO.expected)
    connection.socket.settimeout(30.0)
    tally = Tally()
    try:
        for _ in range(len(requests) * times):
            connection.send()
            while not connection.receive(tally):
                pass
    finally:
        connection.close()
    return tally.errors


def print_fixture_memory(memory: FixtureMemoryResult) -> None:
    added = memory.loaded_tasks - memory.base_tasks
    print(
        "Fixture loading (start-up cost, not the headline): servers started on YAML fixtures of"
        f" {memory.base_tasks} and {memory.loaded_tasks:,} tasks"
    )
    print(f"{'server':<10}{'tasks':>8}{'start s':>9}{'RSS at start':>16}{'RSS after Fetch':>18}")
    for name, tasks, seconds, start, fetched in (
        ("base", memory.base_tasks, memory.base_start_seconds, memory.base_rss_kib, memory.base_rss_after_fetch_kib),
        ("loaded", memory.loaded_tasks, memory.loaded_start_seconds, memory.loaded_rss_kib, memory.loaded_rss_after_fetch_kib),
    ):
        print(f"{name:<10}{tasks:>8,}{seconds:>9.1f}{start:>12,} KiB{fetched:>14,} KiB")
    loading_ms = (memory.loaded_start_seconds - memory.base_start_seconds) / added * 1e3
    print(
        f"  memory per task (fixture, RSS):    {memory.kib_per_task:8.2f} KiB     RSS difference / {added:,} tasks;"
        f" fetch errors: {memory.fetch_errors}"
    )
    if memory.heap_kib_per_task is None:
        print(f"  memory per task (fixture, heap):   n/a ({memory.heap_probe_error})")
    else:
        probed = f"tracemalloc, {memory.heap_probe_tasks:,} tasks"
        print(f"  memory per task (fixture, heap):   {memory.heap_kib_per_task:8.2f} KiB     what a loaded task keeps ({probed})")
        print(f"  heap peak per task while loading:  {memory.heap_peak_kib_per_task:8.2f} KiB     one task's YAML at a time: RSS keeps the peak")
    print(f"  fixture load time per task:        {loading_ms:8.2f} ms      from the two start-up times")


