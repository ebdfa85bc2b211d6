"""CPU cost of the request side of one call, piece by piece: the reading half of cost.py.

``python server/bench/request_cost.py [--calls N] [--repeat R]`` makes the bench's 8 running tasks
over the real site in-process (as cost.py does), then times, on the bench's own request bodies,
each step between the HTTP body and the domain method: parsing the envelope and finding the
operation, reading the arguments (and reading a body sent again, which the dispatcher keeps), the version the SOAPAction names, ``Call.target`` (method check,
session, object, privilege), decoding RetrievePropertiesEx's PropertyFilterSpec, the property
collector's answer, and the request log's record (made, and made then read as the control API
reads it). It prints the least CPU µs per step over the repeats.

Instruction counts, which do not move with the machine's load:
``valgrind --tool=callgrind python server/bench/request_cost.py --calls 2000 --repeat 1`` (and a
``--calls 0`` run for the set-up).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cost import Channel, served_site, set_up  # noqa: E402
from loadgen import SOAP_ACTION, http_request  # noqa: E402
from scenarios import fetch_xml, retrieve_xml, update_progress_xml  # noqa: E402
from vtasksim.app.call_arguments import logged_arguments  # noqa: E402
from vtasksim.app.request_log import RequestRecord  # noqa: E402
from vtasksim.domain.managed_object import ManagedObject  # noqa: E402
from vtasksim.domain.property_collector import PropertyCollector  # noqa: E402
from vtasksim.domain.task import Task  # noqa: E402
from vtasksim.wire.dispatch import VimCall  # noqa: E402
from vtasksim.wire.protocol import api_version  # noqa: E402
from vtasksim.wire.services import Call  # noqa: E402


class _Request:
    """The headers a call reads, as the bench's client sends them."""

    def __init__(self, cookie: str) -> None:
        self._headers = {b"soapaction": f'"{SOAP_ACTION}"'.encode(), b"cookie": cookie.encode()}

    def getHeader(self, name: bytes) -> bytes | None:
        return self._headers.get(name.lower())


def _body(operation_xml: str, cookie: str) -> bytes:
    request = http_request("127.0.0.1:8989", operation_xml, cookie)
    return request[request.index(b"\r\n\r\n") + 4 :]


def _steps(site: Any, cookie: str, task: str) -> dict[str, Callable[[], Any]]:
    sdk = site.resource.children[b"sdk"]  # type: ignore[attr-defined]
    application, dispatcher = sdk.application, sdk._dispatcher
    protocol, methods = application.in_protocol, application.interface.service_method_map
    request = _Request(cookie)

    def read(operation_xml: str) -> VimCall:
        call = VimCall(application, request, _body(operation_xml, cookie))
        dispatcher._read(call)
        return call

    fetch, update, retrieve = read(fetch_xml(task)), read(update_progress_xml(task, 41)), read(retrieve_xml(task))

    def envelope(read_call: VimCall) -> Callable[[], Any]:
        def run() -> None:
            call = VimCall(application, request, read_call.in_string[0])
            protocol.create_in_document(call)
            protocol.decompose_incoming_envelope(call)
            methods.get(call.method_request_string)

        return run

    def whole_read(read_call: VimCall, again: bool) -> Callable[[], Any]:
        """The dispatcher's read of a body: one it has not seen, or one sent again (kept)."""

        def run() -> None:
            if not again:
                dispatcher._reads.clear()
            dispatcher._read(VimCall(application, request, read_call.in_string[0]))

        return run

    def arguments(read_call: VimCall) -> Callable[[], Any]:
        return lambda: protocol.read_arguments(read_call)

    def target(read_call: VimCall, kind: type, method: str, prop: str | None = None) -> Callable[[], Any]:
        simulator = application.simulator

        def run() -> None:
            Call(simulator, "8.0.3.0", method, request).target(read_call.in_object[0], kind, prop)

        return run

    retrieve_call = Call(application.simulator, "8.0.3.0", "RetrievePropertiesEx", request)
    spec_element = retrieve.in_object[1][0]
    spec = retrieve_call.read(spec_element, "PropertyFilterSpec", "specSet")
    collector = retrieve_call.target(retrieve.in_object[0], PropertyCollector)

    def record(read_call: VimCall, then_read: bool) -> Callable[[], Any]:
        def run() -> None:
            made = RequestRecord(1, 0.0, "bench", "X", None, None, None, 0.1, 200, arguments=logged_arguments(read_call))
            if then_read:
                made.as_json()

        return run

    return {
        "envelope (parse, Body, operation)": envelope(fetch),
        "read Fetch, a new body": whole_read(fetch, again=False),
        "read Fetch, a body sent again": whole_read(fetch, again=True),
        "arguments Fetch": arguments(fetch),
        "arguments RetrievePropertiesEx": arguments(retrieve),
        "api_version": lambda: api_version(fetch),
        "target UpdateProgress": target(update, Task, "UpdateProgress"),
        "target Fetch": target(fetch, ManagedObject, "Fetch", "info"),
        "decode PropertyFilterSpec": lambda: retrieve_call.read(spec_element, "PropertyFilterSpec", "specSet"),
        "decode PropertyFilterSpec, body sent again": lambda: retrieve_call.read_shared(spec_element, "PropertyFilterSpec", "specSet"),
        "collector RetrievePropertiesEx": lambda: collector.retrieve_properties_ex([spec], None, retrieve_call.session),
        "record UpdateProgress": record(update, then_read=False),
        "record RetrievePropertiesEx": record(retrieve, then_read=False),
        "record RetrievePropertiesEx, read": record(retrieve, then_read=True),
    }


def _least_cpu(step: Callable[[], Any], calls: int, repeat: int) -> float:
    """The least CPU seconds ``calls`` runs of ``step`` took, over ``repeat`` measurements."""
    spent = []
    for _ in range(max(repeat, 1)):
        began = time.process_time()
        for _ in range(calls):
            step()
        spent.append(time.process_time() - began)
    return min(spent)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20000, help="runs of each step (default 20000)")
    parser.add_argument("--repeat", type=int, default=3, help="measure each step this many times; the least is printed (default 3)")
    args = parser.parse_args(argv)
    site = served_site(request_log=True)
    session = set_up(Channel(site))
    for name, step in _steps(site, session.cookie, session.tasks[0]).items():
        print(f"{name:<46}{_least_cpu(step, args.calls, args.repeat) / max(args.calls, 1) * 1e6:8.2f} µs", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
