"""A lean keep-alive HTTP/1.1 load generator for the vim25 endpoint.

Each connection has one request in flight (no pipelining), as pyVmomi does. Requests are
pre-built bytes; a response is read as its headers plus a Content-Length or chunked body, then
judged by its status and whether it holds the expected response element. Everything runs in
this one process and thread (blocking calls for one connection, one epoll loop for several), so
that the load generator's own CPU time stays small next to the server's and is measured as this
process's CPU time.
"""

from __future__ import annotations

import math
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

SOAP_ACTION = "urn:vim25/8.0.3.0"
API_VERSION = "8.0.3.0"
_RECEIVE_SIZE = 65536
_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"'
    ' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n'
    "<soapenv:Body>{operation}</soapenv:Body>\n"
    "</soapenv:Envelope>"
)


class ProtocolError(Exception):
    """The server's answer is not HTTP we can read."""


@dataclass(frozen=True)
class Operation:
    """One kind of request: the request bytes each connection cycles through, and what a good answer holds."""

    name: str
    requests_for: Callable[[str, str, str | None], Sequence[bytes]]  # (host:port, task key, cookie) -> requests
    expected: bytes  # the response element a successful answer carries


def http_request(host: str, operation_xml: str, cookie: str | None = None) -> bytes:
    """A POST to /sdk shaped as pyVmomi sends it (same headers, same order, same envelope).

    ``cookie`` is the session's Set-Cookie value, which pyVmomi sends back verbatim.
    """
    body = _ENVELOPE.format(operation=operation_xml).encode()
    head = (
        "POST /sdk HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        f"Content-Length: {len(body)}\r\n"
        + (f"Cookie: {cookie}\r\n" if cookie else "")
        + f'SOAPAction: "{SOAP_ACTION}"\r\n'
        "Content-Type: text/xml; charset=UTF-8\r\n"
        "User-Agent: pyvmomi 9.1.1.0 OSS Python/3.11 (Linux; x86_64)\r\n"
        "Accept-Encoding: gzip, deflate\r\n"
        "\r\n"
    )
    return head.encode() + body


def _this(task: str, managed_type: str = "Task") -> str:
    return _moref("_this", managed_type, task)


def _moref(name: str, managed_type: str, value: str) -> str:
    return f'<{name} versionId="{API_VERSION}" type="{managed_type}">{value}</{name}>'


def _argument(name: str, value: object) -> str:
    return f'<{name} versionId="{API_VERSION}">{value}</{name}>'


def update_progress_requests(host: str, task: str, cookie: str | None) -> list[bytes]:
    # Alternate two values so that every request really changes the task (and notifies listeners).
    return [
        http_request(host, f'<UpdateProgress xmlns="urn:vim25">{_this(task)}{_argument("percentDone", percent)}</UpdateProgress>', cookie)
        for percent in (41, 42)
    ]


def fetch_info_requests(host: str, task: str, cookie: str | None) -> list[bytes]:
    return [http_request(host, f'<Fetch xmlns="urn:vim25">{_this(task)}{_argument("prop", "info")}</Fetch>', cookie)]


def create_task_requests(host: str, task: str, cookie: str | None) -> list[bytes]:
    """CreateTask on the datacenters folder, as pyVmomi sends it; ``task`` is unused (each call makes a new one).

    The bench fixtures register no extensions, so the server accepts any task type.
    """
    create = (
        f'<CreateTask xmlns="urn:vim25">{_this("TaskManager", "TaskManager")}{_moref("obj", "Folder", "group-d1")}'
        f'{_argument("taskTypeId", "com.example.bench")}{_argument("initiatedBy", "bench")}'
        f'{_argument("cancelable", "true")}</CreateTask>'
    )
    return [http_request(host, create, cookie)]


def login(address: tuple[str, int], user: str = "bench", password: str = "bench") -> str:
    """Log in as pyVmomi does; the session's Set-Cookie value, to send back with every request."""
    host = f"{address[0]}:{address[1]}"
    request = http_request(
        host,
        f'<Login xmlns="urn:vim25">{_this("SessionManager", "SessionManager")}'
        f'{_argument("userName", user)}{_argument("password", password)}</Login>',
    )
    with socket.create_connection(address, timeout=30.0) as connection:
        connection.sendall(request)
        buffer = bytearray()
        while (response := split_response(buffer)) is None:
            data = connection.recv(_RECEIVE_SIZE)
            if not data:
                raise ProtocolError("the server closed the connection during Login")
            buffer += data
    status, body, _ = response
    for line in bytes(buffer[: buffer.find(b"\r\n\r\n")]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"set-cookie" and status == 200:
            return value.strip().decode("latin-1")
    raise ProtocolError(f"Login gave no session cookie: HTTP {status}: {fault_string(body)}")


def fault_string(body: bytes) -> str:
    """The faultstring of a SOAP fault, or the start of the body."""
    start, end = body.find(b"<faultstring>"), body.find(b"</faultstring>")
    if 0 <= start < end:
        return body[start + len(b"<faultstring>") : end].decode("utf-8", "replace")
    return repr(body[:200])


UPDATE_PROGRESS = Operation("UpdateProgress", update_progress_requests, b"<UpdateProgressResponse")
FETCH_INFO = Operation("Fetch(Task.info)", fetch_info_requests, b"<FetchResponse")
CREATE_TASK = Operation("CreateTask", create_task_requests, b"<CreateTaskResponse")


def split_response(buffer: bytes | bytearray) -> tuple[int, bytes, int] | None:
    """``(status, body, bytes consumed)`` once ``buffer`` holds a whole response, else None."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    head = bytes(buffer[:head_end]).lower()
    try:
        status = int(head[9:12])
    except ValueError:
        raise ProtocolError(f"not an HTTP status line: {head[:40]!r}") from None
    start = head_end + 4
    length_at = head.find(b"\r\ncontent-length:")
    if length_at >= 0:
        line_end = head.find(b"\r\n", length_at + 2)
        length = int(head[length_at + 17 : line_end if line_end >= 0 else None])
        if len(buffer) < start + length:
            return None
        return status, bytes(buffer[start : start + length]), start + length
    if b"\r\ntransfer-encoding: chunked" in head:
        return _split_chunked(buffer, status, start)
    raise ProtocolError("a keep-alive response needs Content-Length or chunked encoding")


def _split_chunked(buffer: bytes | bytearray, status: int, position: int) -> tuple[int, bytes, int] | None:
    parts: list[bytes] = []
    while True:
        size_end = buffer.find(b"\r\n", position)
        if size_end < 0:
            return None
        size = int(bytes(buffer[position:size_end]).split(b";")[0], 16)
        chunk_start = size_end + 2
        if size == 0:
            # No trailers are expected: the last chunk is followed by one empty line.
            if len(buffer) < chunk_start + 2:
                return None
            return status, b"".join(parts), chunk_start + 2
        if len(buffer) < chunk_start + size + 2:
            return None
        parts.append(bytes(buffer[chunk_start : chunk_start + size]))
        position = chunk_start + size + 2


@dataclass
class Tally:
    """What one run measured: latencies of completed requests, errors, and when it ran."""

    latencies_ns: list[int] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    wall_seconds: float = 0.0

    def error(self, why: str) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = why

    @property
    def completed(self) -> int:
        return len(self.latencies_ns) + self.errors


class Connection:
    """One keep-alive connection that cycles through its pre-built requests."""

    def __init__(self, address: tuple[str, int], requests: Sequence[bytes], expected: bytes) -> None:
        self.address, self.requests, self.expected = address, list(requests), expected
        self.next_index = 0
        self.buffer = bytearray()
        self.sent_at = 0
        self.socket = self._connect()

    def _connect(self) -> socket.socket:
        connection = socket.create_connection(self.address)
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def reconnect(self) -> None:
        self.socket.close()
        self.buffer.clear()
        self.socket = self._connect()

    def send(self) -> None:
        request = self.requests[self.next_index]
        self.next_index = (self.next_index + 1) % len(self.requests)
        self.sent_at = time.perf_counter_ns()
        self.socket.sendall(request)

    def receive(self, tally: Tally) -> bool:
        """Read what has arrived; True once a whole response is in (and recorded in ``tally``)."""
        data = self.socket.recv(_RECEIVE_SIZE)
        if not data:
            raise ProtocolError("the server closed the keep-alive connection")
        self.buffer += data
        response = split_response(self.buffer)
        if response is None:
            return False
        status, body, consumed = response
        elapsed = time.perf_counter_ns() - self.sent_at
        del self.buffer[:consumed]
        if status == 200 and self.expected in body:
            tally.latencies_ns.append(elapsed)
        else:
            tally.error(f"HTTP {status}: {fault_string(body)}")
        return True

    def close(self) -> None:
        self.socket.close()


def run_event_loop(connections: Sequence[Connection], seconds: float, max_requests: int | None = None) -> Tally:
    """Drive every connection from one thread with epoll until ``seconds`` have passed.

    Sending stops at the deadline, or once ``max_requests`` requests have been sent; the requests
    then in flight are still waited for and counted.
    """
    tally = Tally()
    selector = selectors.DefaultSelector()
    began = time.perf_counter()
    deadline = began + seconds
    unsent = math.inf if max_requests is None else max_requests
    in_flight = 0
    for connection in connections[: min(len(connections), unsent)]:
        connection.socket.setblocking(False)
        selector.register(connection.socket, selectors.EVENT_READ, connection)
        connection.send()
        in_flight, unsent = in_flight + 1, unsent - 1
    while in_flight:
        for key, _ in selector.select(timeout=5.0) or _timed_out():
            connection = key.data
            try:
                if not connection.receive(tally):
                    continue
            except (OSError, ProtocolError) as error:
                tally.error(f"{type(error).__name__}: {error}")
                selector.unregister(connection.socket)
                connection.reconnect()
                connection.socket.setblocking(False)
                selector.register(connection.socket, selectors.EVENT_READ, connection)
            if unsent > 0 and time.perf_counter() < deadline:
                connection.send()
                unsent -= 1
            else:
                in_flight -= 1
    tally.wall_seconds = time.perf_counter() - began
    for key in list(selector.get_map().values()):
        selector.unregister(key.fileobj)
    selector.close()
    return tally


def run_blocking(connections: Sequence[Connection], seconds: float) -> Tally:
    """One connection, blocking socket calls: send, recv until whole. The fewest system calls."""
    (connection,) = connections
    connection.socket.setblocking(True)
    connection.socket.settimeout(5.0)
    tally = Tally()
    began = time.perf_counter()
    deadline = began + seconds
    while time.perf_counter() < deadline:
        try:
            connection.send()
            while not connection.receive(tally):
                pass
        except (OSError, ProtocolError) as error:
            tally.error(f"{type(error).__name__}: {error}")
            connection.reconnect()
            connection.socket.settimeout(5.0)
    tally.wall_seconds = time.perf_counter() - began
    return tally


def run_threads(connections: Sequence[Connection], seconds: float) -> Tally:
    """One thread per connection, each blocking. Kept to compare its cost with the epoll loop."""
    parts: list[Tally] = []

    def drive(connection: Connection) -> None:
        parts.append(run_blocking([connection], seconds))  # list.append is atomic under the GIL

    began = time.perf_counter()
    threads = [threading.Thread(target=drive, args=(connection,)) for connection in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Tally(wall_seconds=time.perf_counter() - began)
    for part in parts:
        _merge_into(total, part)
    return total


def _merge_into(total: Tally, part: Tally) -> None:
    total.latencies_ns.extend(part.latencies_ns)
    total.errors += part.errors
    total.first_error = total.first_error or part.first_error


def _timed_out() -> list:
    raise ProtocolError("no response from the server for 5 s")


LOOPS = {"epoll": run_event_loop, "threads": run_threads, "blocking": run_blocking}


def pick_loop(name: str, connections: int) -> Callable[[Sequence[Connection], float], Tally]:
    """``auto``: blocking calls for one connection, the epoll loop for several."""
    if name == "auto":
        name = "blocking" if connections == 1 else "epoll"
    if name == "blocking" and connections != 1:
        raise ValueError("the blocking loop drives exactly one connection")
    return LOOPS[name]
