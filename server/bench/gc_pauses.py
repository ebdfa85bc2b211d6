"""What the garbage collector costs CreateTask as tasks pile up: ``python server/bench/gc_pauses.py [--tasks N]``.

Builds the served site in-process (as ``cost.py`` does, request log included), freezes what
exists as ``vtasksim serve`` does before it listens, then creates ``--tasks`` tasks by CreateTask
and prints the CPU per call, each call's wall-time percentiles, and per collector generation the
collections, their time per call and the longest pause (``gc.callbacks``). A pause stalls every
connection, but only the requests in flight then: a pause per ~30,000 tasks (generation 2) or
per ~3,000 (generation 1) reaches a client's p99 only if more than 1% of requests wait for one.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from twisted.internet import reactor  # noqa: E402

from cost import HOST, Channel, served_site, set_up  # noqa: E402
from loadgen import http_request  # noqa: E402
from scenarios import create_task_xml  # noqa: E402


class Pauses:
    """Collections per generation: how many, their total and longest wall time."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.total = [0.0, 0.0, 0.0]
        self.longest = [0.0, 0.0, 0.0]
        self._began = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._began = time.perf_counter()
            return
        took, generation = time.perf_counter() - self._began, info["generation"]
        self.count[generation] += 1
        self.total[generation] += took
        self.longest[generation] = max(self.longest[generation], took)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=50_000, help="tasks to create (default 50000)")
    args = parser.parse_args(argv)
    channel = Channel(served_site())
    session = set_up(channel)
    request = http_request(HOST, create_task_xml(), session.cookie)
    gc.collect()
    gc.freeze()  # as ``vtasksim serve`` does before it listens
    pauses = Pauses()
    gc.callbacks.append(pauses)
    latencies = []
    began = time.process_time()
    for number in range(args.tasks):
        start = time.perf_counter()
        channel.send(request)
        latencies.append(time.perf_counter() - start)
        channel.transport.clear()
        if number % 1000 == 0:
            reactor.runUntilCurrent()  # type: ignore[attr-defined]  # drops the re-armed idle timeouts
    spent = time.process_time() - began
    gc.callbacks.remove(pauses)
    cuts = statistics.quantiles(latencies, n=1000)
    print(f"CreateTask × {args.tasks:,}: {spent / args.tasks * 1e6:.1f} µs/call CPU; wall p50 {cuts[499] * 1e3:.2f} ms,"
          f" p99 {cuts[989] * 1e3:.2f} ms, p99.9 {cuts[998] * 1e3:.2f} ms, max {max(latencies) * 1e3:.1f} ms")
    print(f"thresholds {gc.get_threshold()}; frozen at start {gc.get_freeze_count():,} objects")
    for generation in range(3):
        print(f"  generation {generation}: {pauses.count[generation]:5} collections, {pauses.total[generation] / args.tasks * 1e6:6.1f} µs/call,"
              f" longest {pauses.longest[generation] * 1e3:6.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
