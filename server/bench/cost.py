"""CPU cost of one vim call inside the server, without sockets, a load generator or a noisy machine.

``python server/bench/cost.py [--calls N] [SCENARIO ...]`` builds the real site in-process (the
same HTTP channel and its fast path for ``POST /sdk``, resource, dispatch and domain as ``vtasksim serve``) on a connection
whose transport is a memory buffer, makes 8 running tasks as the bench does, and feeds it N
pyVmomi-shaped requests of each scenario. It prints the process CPU time per call.

For numbers that do not move with the machine's load, count instructions instead:
``valgrind --tool=callgrind --callgrind-out-file=cg.out python server/bench/cost.py --calls 2000 Fetch``
and compare ``callgrind_annotate cg.out | head`` totals before and after a change (divide by the
calls; the set-up is the same on both sides, or subtract a ``--calls 0`` run).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from twisted.internet.address import IPv4Address  # noqa: E402
from twisted.internet.testing import StringTransport  # noqa: E402

from loadgen import http_request, split_response  # noqa: E402
from scenarios import SCENARIOS, Session, create_task_xml, login_xml, request_bytes, set_state_xml  # noqa: E402
from vtasksim.app.request_log import RequestLog  # noqa: E402
from vtasksim.app.runtime import FixtureSource, Runtime  # noqa: E402
from vtasksim.app.site import build_site  # noqa: E402
from vtasksim.domain.clock import ManualClock  # noqa: E402

HOST = "127.0.0.1:8989"
_TASK = b'<task type="Task">'


class Channel:
    """One keep-alive HTTP connection to the site, in memory."""

    def __init__(self, site: object) -> None:
        self.transport = StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", 40000))
        self.protocol = site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))  # type: ignore[attr-defined]
        self.protocol.makeConnection(self.transport)

    def send(self, request: bytes) -> None:
        self.protocol.dataReceived(request)

    def response(self) -> tuple[int, bytes, bytes]:
        data = self.transport.value()
        self.transport.clear()
        status, body, _ = split_response(data)  # type: ignore[misc]
        return status, body, data[: data.find(b"\r\n\r\n")]


def served_site(request_log: bool = True) -> object:
    """The site as ``vtasksim serve`` builds it (a runtime, its request log, the control API), on an empty fixture."""
    runtime = Runtime(FixtureSource(text="tasks: []\n", name="cost"), ManualClock, requests=RequestLog())
    runtime.load()
    site = build_site(runtime=runtime)
    if not request_log:
        site.resource.children[b"sdk"]._requests = None  # type: ignore[attr-defined]
    return site


def set_up(channel: Channel) -> Session:
    channel.send(http_request(HOST, login_xml()))
    status, body, head = channel.response()
    cookie = next(line.split(b":", 1)[1].strip().decode() for line in head.split(b"\r\n") if line.lower().startswith(b"set-cookie"))
    tasks = []
    for _ in range(8):
        channel.send(http_request(HOST, create_task_xml(), cookie))
        _, body, _ = channel.response()
        start = body.index(_TASK) + len(_TASK)
        tasks.append(body[start : body.index(b"<", start)].decode())
    for task in tasks:
        channel.send(http_request(HOST, set_state_xml(task), cookie))
        channel.response()
    return Session(("127.0.0.1", 8989), cookie, tuple(tasks))


def _run(channel: Channel, name: str, expected: bytes, requests: list[bytes], calls: int) -> float:
    """CPU seconds ``calls`` requests took, cycling through ``requests``."""
    began = time.process_time()
    for index in range(calls):
        channel.send(requests[index % len(requests)])
        data = channel.transport.value()
        if expected not in data:
            raise SystemExit(f"{name}: unexpected answer {data[:600]!r}")
        channel.transport.clear()
    return time.process_time() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=5000, help="calls per scenario (default 5000)")
    parser.add_argument("--repeat", type=int, default=1, help="measure each scenario this many times; the least is printed (default 1)")
    parser.add_argument("--no-request-log", action="store_true", help="without the request log (to see what it costs)")
    parser.add_argument("scenarios", nargs="*", help="UpdateProgress, Fetch, RetrievePropertiesEx, SetTaskState, CreateTask, Login")
    args = parser.parse_args(argv)
    chosen = [s for s in SCENARIOS if not s.per_task_once and (not args.scenarios or s.name.split("(")[0] in args.scenarios)]
    channel = Channel(served_site(request_log=not args.no_request_log))
    session = set_up(channel)
    for scenario in chosen:
        requests = request_bytes(scenario, session)
        spent = min(_run(channel, scenario.name, scenario.expected, requests, args.calls) for _ in range(max(args.repeat, 1)))
        print(f"{scenario.name:<34}{spent / max(args.calls, 1) * 1e6:8.1f} µs/call", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
