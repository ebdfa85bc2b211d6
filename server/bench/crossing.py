"""What a multi-process vtasksim would pay per call for crossing between processes.

One consistent vCenter means one owner of the state. Workers sharing the listening socket could
do the HTTP and XML work, but every call must reach the owner and its answer come back. This
measures the parts of that crossing on this machine, with the server's own objects:

- encoding a call (method, ``_this``, arguments) and decoding it on the other side (pickle);
- encoding the answer: a TaskInfo as a domain object (the worker writes the XML), or the
  already written XML of the answer (the owner writes it, and does the wire's work itself);
- a round trip of a small message over a Unix socket pair to a second process that answers at
  once: wall time, and CPU time on each side (the owner's CPU is what a saturated owner pays).

``python server/bench/crossing.py [--calls N]``; ``--json FILE`` keeps the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import socket
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cost import Channel, served_site, set_up  # noqa: E402
from scenarios import SCENARIOS, request_bytes  # noqa: E402
from vtasksim.domain.task import Task  # noqa: E402
from vtasksim.domain.vmodl import MoRef  # noqa: E402

_MESSAGE = 4096  # bytes read at once: more than any small message below


def _per_call(calls: int, work: Callable[[], Any]) -> float:
    """CPU µs per call of ``work``."""
    began = time.process_time()
    for _ in range(calls):
        work()
    return (time.process_time() - began) / calls * 1e6


def _pickled_both_ways(value: Any) -> Callable[[], Any]:
    return lambda: pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


def _answer_forever(sock: socket.socket, reply: bytes) -> None:
    """The other process: answer every message at once, until the pair closes."""
    while sock.recv(_MESSAGE):
        sock.sendall(reply)
    os._exit(0)


def round_trip(calls: int, message: bytes, reply: bytes) -> dict[str, float]:
    """Wall and CPU µs per request/answer over a Unix socket pair between two processes."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    child = os.fork()
    if child == 0:
        ours.close()
        _answer_forever(theirs, reply)
    theirs.close()
    for _ in range(200):  # both sides warm
        ours.sendall(message)
        ours.recv(_MESSAGE)
    child_before = _cpu_of(child)
    began_wall, began_cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        ours.sendall(message)
        ours.recv(_MESSAGE)
    wall, cpu = time.perf_counter() - began_wall, time.process_time() - began_cpu
    child_cpu = _cpu_of(child) - child_before
    ours.close()
    os.waitpid(child, 0)
    return {"wall_us": wall / calls * 1e6, "caller_cpu_us": cpu / calls * 1e6, "answerer_cpu_us": child_cpu / calls * 1e6}


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(calls: int) -> dict[str, Any]:
    channel = Channel(served_site())
    session = set_up(channel)
    simulator = channel.protocol.site.resource.children[b"sdk"].application.simulator  # type: ignore[attr-defined]
    task = simulator.registry.get(MoRef("Task", session.tasks[0]), Task)
    fetch = next(s for s in SCENARIOS if s.name.startswith("Fetch"))
    channel.send(request_bytes(fetch, session)[0])
    answer_xml = channel.transport.value().split(b"\r\n\r\n", 1)[1]  # the worker writes the HTTP head
    call = ("Fetch", MoRef("Task", session.tasks[0]), ("info",), session.cookie)
    numbers: dict[str, Any] = {
        "call_pickle_us": _per_call(calls, _pickled_both_ways(call)),
        "taskinfo_pickle_us": _per_call(calls, _pickled_both_ways(task.info)),
        "taskinfo_pickled_bytes": len(pickle.dumps(task.info, pickle.HIGHEST_PROTOCOL)),
        "answer_xml_bytes": len(answer_xml),
        "small_round_trip": round_trip(calls, pickle.dumps(call), b"x" * 64),
        "answer_round_trip": round_trip(calls, pickle.dumps(call), answer_xml),
    }
    return numbers


def report(numbers: dict[str, Any]) -> None:
    small, big = numbers["small_round_trip"], numbers["answer_round_trip"]
    print("Crossing between a worker and the state owner, per call (µs; CPU unless said)")
    print(f"  a call (method, _this, arguments, cookie), pickled and unpickled   {numbers['call_pickle_us']:7.1f}")
    print(f"  a TaskInfo ({numbers['taskinfo_pickled_bytes']} bytes pickled), pickled and unpickled   {numbers['taskinfo_pickle_us']:7.1f}")
    for name, trip in (("a small answer", small), (f"the answer's XML ({numbers['answer_xml_bytes']} bytes)", big)):
        print(
            f"  round trip with {name} over a Unix socket pair: wall {trip['wall_us']:.1f}, "
            f"caller {trip['caller_cpu_us']:.1f}, owner {trip['answerer_cpu_us']:.1f}"
        )
    owner = big["answerer_cpu_us"] + numbers["call_pickle_us"] / 2
    worker = big["caller_cpu_us"] + numbers["call_pickle_us"] / 2
    print(f"  added per call when the owner writes the XML: owner ~{owner:.0f}, worker ~{worker:.0f}, on top of the call's own cost")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000, help="repetitions of each measurement (default 20000)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    args = parser.parse_args(argv)
    numbers = measure(args.calls)
    report(numbers)
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
