"""Drive one scenario at one server: wrk when it is installed, the bench's own load generator otherwise.

Either way the run reports the same numbers: completed requests, seconds, p50/p99 latency,
errors, the server's CPU time over the run (from /proc) and the load generator's own CPU time
(wrk's from its rusage, ours from this process), so that a table can show that the load
generator was far from saturation.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from loadgen import Connection, pick_loop, run_event_loop
from server_process import ServerProcess, machine_busy_seconds

LUA = Path(__file__).resolve().parent / "vim.lua"
SEPARATOR = b"--next--\n"


@dataclass
class Run:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    server_cpu_s: float
    loadgen_cpu_s: float
    others_cpu_s: float
    first_error: str | None = None

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def server_us_per_request(self) -> float:
        return self.server_cpu_s / max(self.requests, 1) * 1e6

    def loadgen_percent(self) -> float:
        return self.loadgen_cpu_s / self.seconds * 100 if self.seconds > 0 else 0.0


class OnceConnection(Connection):
    """A connection that takes its next request from a feed shared with the others: each is sent once."""

    def __init__(self, address: tuple[str, int], feed: Iterator[bytes], expected: bytes) -> None:
        super().__init__(address, [b""], expected)
        self.feed = feed

    def send(self) -> None:
        self.sent_at = time.perf_counter_ns()
        self.socket.sendall(next(self.feed))


def find_wrk(choice: str) -> str | None:
    """``wrk`` on PATH unless the bench was told to use its own generator."""
    return None if choice == "python" else shutil.which("wrk")


def drive(
    server: ServerProcess,
    requests: Sequence[bytes],
    expected: bytes,
    connections: int,
    seconds: float,
    budget: int | None,
    wrk: str | None,
) -> Run:
    """One measured run; ``budget``: send exactly that many requests (each once) instead of for ``seconds``."""
    # wrk cannot end a run when a budget is spent (its duration is fixed): budgets use our generator.
    if wrk is not None and budget is None:
        return _drive_wrk(wrk, server, requests, connections, seconds, budget)
    return _drive_python(server, requests, expected, connections, seconds, budget)


def _drive_wrk(wrk: str, server: ServerProcess, requests: Sequence[bytes], connections: int, seconds: float, budget: int | None) -> Run:
    with tempfile.TemporaryDirectory(prefix="vtasksim-wrk-") as directory:
        request_file, result_file = Path(directory) / "requests", Path(directory) / "result.json"
        request_file.write_bytes(b"".join(request + SEPARATOR for request in requests))
        env = dict(os.environ, BENCH_REQUESTS=str(request_file), BENCH_JSON=str(result_file))
        if budget is not None:
            env["BENCH_BUDGET"] = str(budget)
        # A budget run ends when the budget is spent; the duration is only its limit.
        duration = max(1, round(seconds if budget is None else 60))
        command = [wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(LUA),
                   f"http://{server.host}:{server.port}/sdk"]  # fmt: skip
        server_cpu, machine = server.cpu_seconds(), machine_busy_seconds()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        output = process.stdout.read().decode(errors="replace") if process.stdout else ""
        process.returncode = os.waitstatus_to_exitcode(status)
        server_cpu = server.cpu_seconds() - server_cpu
        loadgen_cpu = usage.ru_utime + usage.ru_stime
        others = max(0.0, machine_busy_seconds() - machine - server_cpu - loadgen_cpu)
        if process.returncode != 0 or not result_file.exists():
            raise RuntimeError(f"wrk failed ({process.returncode}):\n{output}")
        result = json.loads(result_file.read_text())
    errors = result["errors_status"] + result["errors_socket"]
    first_error = None
    if errors:
        first_error = f"{result['errors_status']} non-2xx answers, {result['errors_socket']} socket errors"
    return Run(
        requests=result["requests"] - errors, errors=errors, seconds=result["duration_us"] / 1e6,
        p50_ms=result["p50_us"] / 1e3, p99_ms=result["p99_us"] / 1e3,
        server_cpu_s=server_cpu, loadgen_cpu_s=loadgen_cpu, others_cpu_s=others, first_error=first_error,
    )  # fmt: skip


def _drive_python(
    server: ServerProcess, requests: Sequence[bytes], expected: bytes, connections: int, seconds: float, budget: int | None
) -> Run:
    address = (server.host, server.port)
    if budget is not None:
        # Each request goes once, whichever connection is free takes the next; the loop stops after ``budget``.
        feed = iter(requests)
        pool: list[Connection] = [OnceConnection(address, feed, expected) for _ in range(connections)]
    else:
        pool = [Connection(address, requests[index % len(requests) :] + requests[: index % len(requests)], expected) for index in range(connections)]
    try:
        server_cpu, own, machine = server.cpu_seconds(), time.process_time(), machine_busy_seconds()
        if budget is not None:
            tally = run_event_loop(pool, 600.0, max_requests=budget)
        else:
            tally = pick_loop("auto", connections)(pool, seconds)
        server_cpu, own = server.cpu_seconds() - server_cpu, time.process_time() - own
        others = max(0.0, machine_busy_seconds() - machine - server_cpu - own)
    finally:
        for connection in pool:
            connection.close()
    latencies = sorted(tally.latencies_ns)

    def percentile(fraction: float) -> float:
        return latencies[max(0, min(len(latencies) - 1, int(fraction * len(latencies) + 0.5) - 1))] / 1e6 if latencies else float("nan")

    return Run(
        requests=len(latencies), errors=tally.errors, seconds=tally.wall_seconds, p50_ms=percentile(0.5), p99_ms=percentile(0.99),
        server_cpu_s=server_cpu, loadgen_cpu_s=own, others_cpu_s=others, first_error=tally.first_error,
    )  # fmt: skip
