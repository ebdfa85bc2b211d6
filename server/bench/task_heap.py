"""Where a task's memory goes: ``python server/bench/task_heap.py [--tasks N] [--top K]``.

Builds the served site in-process (as ``cost.py`` does), creates ``--tasks`` tasks by CreateTask
over an in-memory connection, and prints the Python heap they keep per task (tracemalloc), the
allocation sites that keep most of it, and the objects each task adds, by type. The request log
is left out (``--request-log`` keeps it): it is bounded, a fixed cost rather than a task's.
"""

from __future__ import annotations

import argparse
import collections
import gc
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from twisted.internet import reactor  # noqa: E402

from cost import HOST, Channel, served_site, set_up  # noqa: E402
from loadgen import http_request  # noqa: E402
from scenarios import create_task_xml  # noqa: E402


def _types() -> collections.Counter[str]:
    return collections.Counter(type(obj).__name__ for obj in gc.get_objects())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks to create (default 10000)")
    parser.add_argument("--top", type=int, default=15, help="allocation sites to list (default 15)")
    parser.add_argument("--request-log", action="store_true", help="keep the request log")
    args = parser.parse_args(argv)
    channel = Channel(served_site(request_log=args.request_log))
    session = set_up(channel)
    request = http_request(HOST, create_task_xml(), session.cookie)
    for _ in range(200):  # first-use caches belong to the baseline
        channel.send(request)
        channel.transport.clear()
    reactor.runUntilCurrent()  # type: ignore[attr-defined]
    gc.collect()
    before_types = _types()
    tracemalloc.start(1)
    before = tracemalloc.take_snapshot()
    for number in range(args.tasks):
        channel.send(request)
        channel.transport.clear()
        if number % 1000 == 0:
            # The connection's idle timeout is re-armed per request; the reactor, which does not
            # run here, would drop the canceled calls: they are no task's.
            reactor.runUntilCurrent()  # type: ignore[attr-defined]
    reactor.runUntilCurrent()  # type: ignore[attr-defined]
    gc.collect()
    after = tracemalloc.take_snapshot()
    kept = tracemalloc.get_traced_memory()[0]
    sites = after.compare_to(before, "lineno")[: args.top]
    tracemalloc.stop()
    del before, after  # their traces are no task's objects
    after_types = _types()
    print(f"{kept / 1024 / args.tasks:.3f} KiB/task of Python heap kept ({args.tasks:,} tasks)")
    print("\nallocation sites (bytes/task, blocks/task):")
    for stat in sites:
        frame = stat.traceback[0]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        print(f"  {stat.size_diff / args.tasks:8.1f} B {stat.count_diff / args.tasks:6.2f}  {where}")
    print("\nobjects per task, by type:")
    added = after_types - before_types
    for name, count in added.most_common(args.top):
        print(f"  {count / args.tasks:6.2f}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
