"""``make bench``: how fast the real server answers, and what each task costs it in memory.

Starts ``vtasksim serve`` on a generated fixture of running tasks and drives UpdateProgress,
Fetch(Task.info) and CreateTask over keep-alive HTTP/1.1 at 1 and 8 connections (one request in
flight per connection, each connection on its own task and session). For each run it prints
requests/s, p50/p99 latency, the server's CPU time per request (from /proc/<pid>/stat) and the
load generator's own, so a reader can see which side was the bottleneck.

Then memory. The headline: a server on a tiny fixture creates 20,000 tasks by CreateTask over
the wire, and its RSS growth / 20,000 is the memory per task (with the CreateTask rate). Last,
fixture loading: servers started with a few and with 5,000 more tasks in the YAML fixture; their
RSS difference per task is mostly the YAML parse's peak that the allocator keeps, so the Python
heap a loaded task keeps (heap_probe.py) is printed next to it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_files import task_key, write_fixture  # noqa: E402
from loadgen import CREATE_TASK, FETCH_INFO, UPDATE_PROGRESS, Connection, Operation, Tally, login, pick_loop, run_event_loop  # noqa: E402
from server_process import REPO, ServerProcess, machine_busy_seconds, start_server  # noqa: E402

# CreateTask last: the tasks it creates stay in the server, and must not be there for the other runs.
OPERATIONS = (UPDATE_PROGRESS, FETCH_INFO, CREATE_TASK)
BASE_TASKS = 8  # the tasks every server has: one per connection of the widest run
HEAP_PROBE_TASKS = 1_000  # tracemalloc slows loading several-fold; the per-task figure is steady by then
CREATE_CONNECTIONS = 4  # enough to keep the single-threaded server busy without a queue in front of it
CREATE_WARMUP_TASKS = 200  # first-use caches and buffers, so that they are in the baseline RSS, not in the tasks
CREATE_SETTLE_SECONDS = 0.5
CREATE_DEADLINE_SECONDS = 600.0  # only a hung server takes this long
BENCH = Path(__file__).resolve().parent


@dataclass
class RunResult:
    scenario: str
    connections: int
    requests: int
    errors: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    server_cpu_us_per_request: float
    server_cpu_percent: float
    loadgen_cpu_us_per_request: float
    loadgen_cpu_percent: float
    others_cpu_percent: float
    first_error: str | None


@dataclass
class CreateTaskMemoryResult:
    base_tasks: int  # in the fixture the server started on
    created_tasks: int  # measured, after the warm-up ones
    connections: int
    seconds: float
    tasks_per_second: float
    server_cpu_us_per_task: float
    rss_before_kib: int
    rss_after_kib: int
    kib_per_task: float
    errors: int
    first_error: str | None


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


def percentile_ms(sorted_ns: Sequence[int], fraction: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not sorted_ns:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_ns)))
    return sorted_ns[rank - 1] / 1e6


def measure(server: ServerProcess, operation: Operation, connections: int, args: argparse.Namespace) -> RunResult:
    address = (server.host, server.port)
    host = f"{server.host}:{server.port}"
    # Each connection is a client of its own: its own session, its own task.
    pool = [
        Connection(address, operation.requests_for(host, task_key(index), login(address)), operation.expected)
        for index in range(connections)
    ]
    loop = pick_loop(args.loadgen, connections)
    try:
        if args.warmup > 0:
            loop(pool, args.warmup)
        server_cpu, own_cpu, machine_cpu = server.cpu_seconds(), time.process_time(), machine_busy_seconds()
        tally = loop(pool, args.duration)
        server_cpu, own_cpu = server.cpu_seconds() - server_cpu, time.process_time() - own_cpu
        others_cpu = max(0.0, machine_busy_seconds() - machine_cpu - server_cpu - own_cpu)
    finally:
        for connection in pool:
            connection.close()
    return _result(operation.name, connections, tally, server_cpu, own_cpu, others_cpu)


def _result(scenario: str, connections: int, tally: Tally, server_cpu: float, own_cpu: float, others_cpu: float) -> RunResult:
    latencies = sorted(tally.latencies_ns)
    done = max(tally.completed, 1)
    return RunResult(
        scenario=scenario,
        connections=connections,
        requests=tally.completed,
        errors=tally.errors,
        seconds=tally.wall_seconds,
        requests_per_second=tally.completed / tally.wall_seconds,
        p50_ms=percentile_ms(latencies, 0.50),
        p99_ms=percentile_ms(latencies, 0.99),
        server_cpu_us_per_request=server_cpu / done * 1e6,
        server_cpu_percent=server_cpu / tally.wall_seconds * 100,
        loadgen_cpu_us_per_request=own_cpu / done * 1e6,
        loadgen_cpu_percent=own_cpu / tally.wall_seconds * 100,
        others_cpu_percent=others_cpu / tally.wall_seconds * 100,
        first_error=tally.first_error,
    )


def run_throughput(workdir: Path, args: argparse.Namespace) -> tuple[list[RunResult], dict[str, int]]:
    task_count = max(max(args.connections), args.server_tasks)
    fixture = write_fixture(workdir / "throughput.yaml", task_count)
    server = start_server(fixture, profile_to=args.profile)
    print(f"server pid {server.pid} on http://{server.host}:{server.port}/sdk, running tasks: {task_count:,}\n", flush=True)
    affinity = os.sched_getaffinity(0)
    try:
        _pin(server, args)
        rss_before = server.rss_kib()
        results = [
            measure(server, operation, connections, args)
            for operation in OPERATIONS
            if args.only in (None, operation.name.split("(")[0])
            for connections in args.connections
        ]
        rss = {"server_rss_start_kib": rss_before, "server_rss_end_kib": server.rss_kib()}
    finally:
        server.stop()
        os.sched_setaffinity(0, affinity)
    return results, rss


def _pin(server: ServerProcess, args: argparse.Namespace) -> None:
    """With --pin, the server gets the last CPU and the load generator the others."""
    if not args.pin:
        return
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("--pin needs at least two CPUs")
    os.sched_setaffinity(server.pid, {cpus[-1]})
    os.sched_setaffinity(0, set(cpus[:-1]))


def run_create_task_memory(workdir: Path, args: argparse.Namespace) -> CreateTaskMemoryResult:
    """RSS a task created at run time costs: a server on a tiny fixture, before and after ``--memory-tasks`` CreateTasks."""
    server = start_server(write_fixture(workdir / "memory-base.yaml", BASE_TASKS))
    address = (server.host, server.port)
    host = f"{server.host}:{server.port}"
    pool: list[Connection] = []
    try:
        for _ in range(CREATE_CONNECTIONS):
            pool.append(Connection(address, CREATE_TASK.requests_for(host, "", login(address)), CREATE_TASK.expected))
        warmup = run_event_loop(pool, CREATE_DEADLINE_SECONDS, max_requests=CREATE_WARMUP_TASKS)
        rss_before, server_cpu = server.rss_kib(), server.cpu_seconds()
        tally = run_event_loop(pool, CREATE_DEADLINE_SECONDS, max_requests=args.memory_tasks)
        server_cpu = server.cpu_seconds() - server_cpu
        time.sleep(CREATE_SETTLE_SECONDS)  # let the server finish whatever the last responses left it to do
        rss_after = server.rss_kib()
    finally:
        for connection in pool:
            connection.close()
        server.stop()
    created = max(tally.completed, 1)
    return CreateTaskMemoryResult(
        base_tasks=BASE_TASKS,
        created_tasks=tally.completed,
        connections=CREATE_CONNECTIONS,
        seconds=tally.wall_seconds,
        tasks_per_second=tally.completed / tally.wall_seconds,
        server_cpu_us_per_task=server_cpu / created * 1e6,
        rss_before_kib=rss_before,
        rss_after_kib=rss_after,
        kib_per_task=(rss_after - rss_before) / created,
        # A request the deadline kept from being sent is a task that was not created.
        errors=warmup.errors + tally.errors + (args.memory_tasks - tally.completed),
        first_error=warmup.first_error or tally.first_error,
    )


def run_fixture_memory(workdir: Path, args: argparse.Namespace) -> FixtureMemoryResult:
    """What loading tasks from the YAML fixture costs: servers with a few and with ``--fixture-tasks`` more."""
    base = _memory_sample(write_fixture(workdir / "memory-base.yaml", BASE_TASKS), BASE_TASKS)
    loaded_count = BASE_TASKS + args.fixture_tasks
    loaded = _memory_sample(write_fixture(workdir / "memory-loaded.yaml", loaded_count), loaded_count)
    probe_count = BASE_TASKS + min(args.fixture_tasks, HEAP_PROBE_TASKS)
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
        kib_per_task=(loaded["rss_fetched"] - base["rss_fetched"]) / args.fixture_tasks,
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


def print_throughput(results: Sequence[RunResult], rss: dict[str, int]) -> None:
    header = (
        f"{'scenario':<18}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'server µs/req':>15}{'server CPU':>12}{'loadgen µs/req':>16}{'loadgen CPU':>13}{'others CPU':>12}{'errors':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.scenario:<18}{r.connections:>6}{r.requests_per_second:>9.0f}{r.p50_ms:>9.3f}{r.p99_ms:>9.3f}"
            f"{r.server_cpu_us_per_request:>15.0f}{r.server_cpu_percent:>11.0f}%"
            f"{r.loadgen_cpu_us_per_request:>16.0f}{r.loadgen_cpu_percent:>12.0f}%{r.others_cpu_percent:>11.0f}%{r.errors:>8}"
        )
    print(
        "(CPU % is of one core over the measured run: a server near 100% is the bottleneck. 'others' is the rest of\n"
        " the machine (kernel softirq, other processes); above ~20% the numbers are disturbed, run again when idle.)"
    )
    print(f"server RSS: {rss['server_rss_start_kib']:,} KiB at start, {rss['server_rss_end_kib']:,} KiB after all runs")
    for r in results:
        if r.first_error:
            print(f"first error in {r.scenario} × {r.connections}: {r.first_error}")


def print_create_task_memory(memory: CreateTaskMemoryResult) -> None:
    print(
        f"Memory per task (the headline): {memory.created_tasks:,} tasks created by CreateTask over {memory.connections}"
        f" keep-alive connections,\non a server started with {memory.base_tasks} tasks, after login and"
        f" {CREATE_WARMUP_TASKS} unmeasured CreateTasks"
    )
    print(
        f"  server RSS:                        {memory.rss_before_kib:,} KiB before, {memory.rss_after_kib:,} KiB"
        f" {CREATE_SETTLE_SECONDS:g} s after the last response"
    )
    print(f"  memory per task (CreateTask, RSS): {memory.kib_per_task:8.2f} KiB     RSS growth / tasks created")
    print(
        f"  CreateTask rate:                   {memory.tasks_per_second:8,.0f} tasks/s in {memory.seconds:.1f} s,"
        f" {memory.server_cpu_us_per_task:.0f} µs server CPU per task; errors: {memory.errors}"
    )
    if memory.first_error:
        print(f"  first error: {memory.first_error}")


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
        print(f"  heap peak per task while loading:  {memory.heap_peak_kib_per_task:8.2f} KiB     the YAML parse tree: RSS keeps it")
    print(f"  fixture load time per task:        {loading_ms:8.2f} ms      from the two start-up times")


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per run (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each run (default 1)")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 1 s runs, 0.3 s warm-up, 2,000 CreateTasks and 1,000 fixture tasks for memory"
    )
    parser.add_argument("--connections", type=_int_list, default=[1, 8], help="comma-separated connection counts (default 1,8)")
    parser.add_argument("--only", choices=[operation.name.split("(")[0] for operation in OPERATIONS], help="run one operation only")
    parser.add_argument("--server-tasks", type=int, default=0, help="running tasks in the throughput server (default: one per connection)")
    parser.add_argument(
        "--memory-tasks", type=int, default=20_000, help="tasks created by CreateTask to measure memory per task; 0 skips it (default 20000)"
    )
    parser.add_argument(
        "--fixture-tasks", type=int, default=5_000, help="tasks added to the YAML fixture to measure its loading; 0 skips it (default 5000)"
    )
    parser.add_argument(
        "--loadgen", choices=("auto", "epoll", "threads"), default="auto",
        help="auto (default): blocking calls for 1 connection, one epoll loop for more; threads: a thread per connection",
    )  # fmt: skip
    parser.add_argument("--pin", action="store_true", help="pin the server to one CPU and the load generator to the other(s)")
    parser.add_argument("--profile", type=Path, help="run the throughput server under cProfile and write its stats here")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    args = parser.parse_args(argv)
    if args.duration <= 0 or min(args.warmup, args.memory_tasks, args.fixture_tasks) < 0:
        parser.error("--duration must be positive; --warmup, --memory-tasks and --fixture-tasks must not be negative")
    if args.quick:
        args.duration, args.warmup = 1.0, 0.3
        args.memory_tasks, args.fixture_tasks = min(args.memory_tasks, 2_000), min(args.fixture_tasks, 1_000)
    if args.profile:
        args.profile = args.profile.resolve()  # the server runs in the repository root
    return args


def _int_list(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("connection counts are positive integers, e.g. 1,8")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    print(
        f"vtasksim bench: {args.duration:g} s per run after {args.warmup:g} s warm-up; loadgen {args.loadgen}"
        f"{', pinned' if args.pin else ''}; Python {platform.python_version()}; {os.cpu_count()} CPUs\n",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="vtasksim-bench-") as directory:
        workdir = Path(directory)
        results, rss = run_throughput(workdir, args)
        print_throughput(results, rss)
        created = fixture = None
        if args.memory_tasks > 0:
            print(flush=True)
            created = run_create_task_memory(workdir, args)
            print_create_task_memory(created)
        if args.fixture_tasks > 0:
            print(flush=True)
            fixture = run_fixture_memory(workdir, args)
            print_fixture_memory(fixture)
    if args.json:
        memory = {"create_task": asdict(created) if created else None, "fixture": asdict(fixture) if fixture else None}
        report = {"settings": _settings(args), "runs": [asdict(r) for r in results], **rss, "memory": memory}
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    failed = any(r.errors for r in results) or (created and created.errors) or (fixture and fixture.fetch_errors)
    return 1 if failed else 0


def _settings(args: argparse.Namespace) -> dict[str, object]:
    return {
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "connections": args.connections,
        "loadgen": args.loadgen,
        "pinned": args.pin,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


if __name__ == "__main__":
    raise SystemExit(main())
