"""CPU cost of writing one reply, apart from the rest of a call: the response side's share of cost.py.

``python server/bench/reply_cost.py [--calls N] [--repeat R]`` makes the bench's 8 running tasks
over the real site in-process (as cost.py does), then writes the replies the bench's calls get,
straight from the domain values, N times each: the envelope bytes of ``FetchResponse`` (a
TaskInfo in an anyType returnval), of ``RetrievePropertiesExResponse`` (ObjectContent, propSet,
the TaskInfo in ``val``), of CreateTask's TaskInfo, of an empty response (UpdateProgress,
SetTaskState), and of a WaitForUpdatesEx UpdateSet carrying a changed ``info``. The ``changed``
rows change the task before each write (UpdateProgress 41, 42, …), as a client polling a busy task
sees it. The writer is the one a call uses (it reuses a TaskInfo's text while the task has not
changed). It prints the least CPU µs per reply over the repeats.

Instruction counts, which do not move with the machine's load:
``valgrind --tool=callgrind python server/bench/reply_cost.py --calls 2000 --repeat 1`` (and a
``--calls 0`` run for the set-up).
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cost import Channel, served_site, set_up  # noqa: E402
from vtasksim.domain.query import DynamicProperty, ObjectContent, ObjectUpdate, PropertyChange, PropertyFilterUpdate, RetrieveResult, UpdateSet  # noqa: E402
from vtasksim.domain.task import Task  # noqa: E402
from vtasksim.domain.typesystem import vim_types  # noqa: E402
from vtasksim.domain.vmodl import MoRef  # noqa: E402
from vtasksim.wire.encoding import Vim25Writer  # noqa: E402
from vtasksim.wire.envelope import envelope_bytes, response_body  # noqa: E402
from vtasksim.wire.written_infos import LIMIT, written_task_infos  # noqa: E402

VERSION = "8.0.3.0"  # the bench's SOAPAction


def _replies(writer: Vim25Writer, tasks: list[Task]) -> dict[str, Callable[[int], bytes]]:
    """Each reply the bench's calls get, as a function of the call's number."""
    filter_ref = MoRef("PropertyFilter", "session[bench]1")

    def fetch(n: int) -> bytes:
        return envelope_bytes(response_body("Fetch", writer, tasks[n % len(tasks)].info))

    def retrieve(n: int) -> bytes:
        task = tasks[n % len(tasks)]
        result = RetrieveResult(None, [ObjectContent(task.ref, [DynamicProperty("info", task.info)])])
        return envelope_bytes(response_body("RetrievePropertiesEx", writer, result, "RetrieveResult"))

    def created(n: int) -> bytes:
        return envelope_bytes(response_body("CreateTask", writer, tasks[n % len(tasks)].info, "TaskInfo"))

    def empty(n: int) -> bytes:
        return envelope_bytes(response_body("UpdateProgress", writer))

    def update(n: int) -> bytes:
        task = tasks[n % len(tasks)]
        change = ObjectUpdate("modify", task.ref, [PropertyChange("info", "assign", task.info)])
        return envelope_bytes(response_body("WaitForUpdatesEx", writer, UpdateSet(str(n), [PropertyFilterUpdate(filter_ref, [change])]), "UpdateSet"))

    def changing(reply: Callable[[int], bytes]) -> Callable[[int], bytes]:
        def changed_then(n: int) -> bytes:
            tasks[n % len(tasks)].update_progress(41 + n % 2)
            return reply(n)

        return changed_then

    return {
        "Fetch(Task.info)": fetch,
        "Fetch(Task.info) changed": changing(fetch),
        "RetrievePropertiesEx(Task.info)": retrieve,
        "RetrievePropertiesEx(Task.info) changed": changing(retrieve),
        "CreateTask (TaskInfo)": created,
        "empty (UpdateProgress, SetTaskState)": empty,
        "WaitForUpdatesEx (info) changed": changing(update),
        "UpdateProgress alone (the change)": changing(lambda n: b""),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20000, help="replies per row (default 20000)")
    parser.add_argument("--repeat", type=int, default=5, help="the least of this many runs is printed (default 5)")
    args = parser.parse_args(argv)
    site = served_site(request_log=False)
    session = set_up(Channel(site))
    simulator = site.resource.children[b"sdk"].application.simulator  # type: ignore[attr-defined]
    tasks = [simulator.registry.get(MoRef("Task", key), Task) for key in session.tasks]
    writer = written_task_infos(simulator).writer(vim_types(), VERSION)  # a call's writer
    for name, reply in _replies(writer, tasks).items():
        best = float("inf")
        for _ in range(max(args.repeat, 1)):
            began = time.process_time()
            for n in range(args.calls):
                reply(n)
            best = min(best, time.process_time() - began)
        print(f"{name:<40}{best / max(args.calls, 1) * 1e6:8.2f} µs/reply", flush=True)
    print(f"{'kept TaskInfo text, per polled task':<40}{_kept_bytes(simulator, writer) / 1024:8.2f} KiB (at most {LIMIT} tasks)")
    return 0


def _kept_bytes(simulator: object, writer: Vim25Writer) -> float:
    """The heap one more polled task's kept text takes (tracemalloc, over 200 tasks made and read once)."""
    made = [simulator.task_manager.create_task(MoRef("Folder", "group-d1"), "t", "bench", True) for _ in range(200)]  # type: ignore[attr-defined]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for info in made:
        writer.text("returnval", info)
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return kept / len(made)


if __name__ == "__main__":
    raise SystemExit(main())
