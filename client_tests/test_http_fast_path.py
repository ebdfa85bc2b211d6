"""HTTP/1.1 on one connection, as the server's fast path for ``POST /sdk`` must keep it.

Whole ``POST /sdk`` requests with a Content-Length are answered by the server's own HTTP
reader; everything else by twisted.web. A client must not be able to tell: pipelined requests
come back in order whichever path reads them, a request split across TCP segments is answered,
documents and calls mix on one keep-alive connection, ``Connection: close`` closes, a long poll
holds the requests behind it and keeps the connection from being idle, a body over the limit is
still refused with 413, and the answers carry the same headers either way.
"""

from __future__ import annotations

import socket
import time
from typing import Iterator
from urllib.parse import urlsplit

import pytest

import soap
from hostile import closed_by_server, post_head
from running_server import RunningServer, served
from soap import Answer, Client

TASKS = [f"task-fp-{n}" for n in range(6)]
MAX_BODY = 64 * 1024
IDLE_TIMEOUT = 1.0


def fixture_text() -> str:
    lines = ["settings: {maxBodyBytes: %d}" % MAX_BODY, "tasks:"]
    lines += [f"  - {{key: {key}, descriptionId: com.example.fast, state: running, progress: 10}}" for key in TASKS]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with served(tmp_path_factory.mktemp("fast-path"), fixture_text(), "--idle-timeout", str(IDLE_TIMEOUT)) as server:
        yield server


@pytest.fixture(scope="module")
def client(running: RunningServer) -> Client:
    return soap.login(running.url)


class Connection:
    """One raw keep-alive connection: bytes out exactly as given, whole responses in, in order."""

    def __init__(self, url: str, cookie: str | None) -> None:
        parts = urlsplit(url)
        self.host, self.cookie = parts.netloc, cookie
        self.socket = socket.create_connection((parts.hostname, parts.port), timeout=10)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def post(self, body: bytes, extra: str = "") -> bytes:
        cookie = f"Cookie: {self.cookie}\r\n" if self.cookie else ""
        head = f"POST /sdk HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: text/xml; charset=utf-8\r\n"
        return f'{head}SOAPAction: {soap.DEFAULT_SOAP_ACTION}\r\n{cookie}Content-Length: {len(body)}\r\n{extra}\r\n'.encode() + body

    def chunked_post(self, body: bytes) -> bytes:
        cookie = f"Cookie: {self.cookie}\r\n" if self.cookie else ""
        head = post_head(f"http://{self.host}/sdk", None, cookie)
        middle = len(body) // 2
        return head + b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:middle], body[middle:])) + b"0\r\n\r\n"

    def get(self, path: str) -> bytes:
        return f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode()

    def send(self, *requests: bytes) -> None:
        self.socket.sendall(b"".join(requests))

    def response(self, timeout: float = 10.0) -> tuple[Answer, list[tuple[str, str]]]:
        """The next response, and its header lines in the order they came."""
        self.socket.settimeout(timeout)
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = [(name.strip(), value.strip()) for name, value in (line.split(":", 1) for line in lines)]
        length = int(dict((name.lower(), value) for name, value in headers)["content-length"])
        while len(rest) < length:
            self._receive()
            rest = self.buffer.partition(b"\r\n\r\n")[2]
        self.buffer = rest[length:]
        answer = Answer(int(status_line.split(" ", 2)[1]), {name.lower(): value for name, value in headers}, rest[:length])
        return answer, headers

    def nothing_within(self, seconds: float) -> bool:
        self.socket.settimeout(seconds)
        try:
            data = self.socket.recv(65536)
        except socket.timeout:
            return True
        self.buffer += data
        return False

    def _receive(self) -> None:
        data = self.socket.recv(65536)
        if not data:
            raise ConnectionError(f"the server closed the connection; unread: {self.buffer[:300]!r}")
        self.buffer += data

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def connection(running: RunningServer, client: Client) -> Iterator[Connection]:
    opened = Connection(running.url, client.cookie)
    yield opened
    opened.close()


def fetch_info(key: str) -> bytes:
    return soap.operation("Fetch", "Task", key, "<prop>info</prop>")


def task_of(answer: Answer) -> str:
    assert answer.status == 200 and not answer.is_fault, answer.text
    (returnval,) = answer.returnvals
    return returnval.findtext(soap.vim("key"))


def test_pipelined_requests_are_answered_in_order(connection: Connection) -> None:
    """Every request in one write, some for the fast path and some (a document, a chunked
    body) for twisted.web: the answers come back in the order the requests went."""
    requests = [
        connection.post(fetch_info(TASKS[0])),
        connection.post(fetch_info(TASKS[1])),
        connection.get("/sdk/vimServiceVersions.xml"),
        connection.post(fetch_info(TASKS[2])),
        connection.chunked_post(fetch_info(TASKS[3])),
        connection.post(fetch_info(TASKS[4])),
        connection.post(fetch_info(TASKS[5])),
    ]
    connection.send(*requests)
    answers = [connection.response()[0] for _ in requests]
    assert [task_of(answers[n]) for n in (0, 1)] == TASKS[:2]
    assert answers[2].status == 200 and b"<namespace>" in answers[2].body
    assert [task_of(answers[n]) for n in (3, 4, 5, 6)] == TASKS[2:]


def test_a_request_split_across_segments_is_answered(connection: Connection) -> None:
    """A request arriving in pieces (inside the request line, the headers, the body) is read
    whole; the whole requests after it on the same connection are answered as ever."""
    request = connection.post(fetch_info(TASKS[0]))
    cuts = [0, 7, 40, request.index(b"\r\n\r\n") + 2, len(request) - 30, len(request)]
    for begin, end in zip(cuts, cuts[1:]):
        connection.send(request[begin:end])
        time.sleep(0.05)
    assert task_of(connection.response()[0]) == TASKS[0]
    connection.send(connection.post(fetch_info(TASKS[1])), connection.post(fetch_info(TASKS[2]))[:50])
    assert task_of(connection.response()[0]) == TASKS[1]
    connection.send(connection.post(fetch_info(TASKS[2]))[50:])
    assert task_of(connection.response()[0]) == TASKS[2]


def test_keep_alive_mixes_documents_and_calls(connection: Connection) -> None:
    """pyVmomi reads vimServiceVersions.xml, then calls, on one connection; so may anyone."""
    for path in ("/sdk/vimServiceVersions.xml", "/sdk/vimService.wsdl"):
        connection.send(connection.get(path))
        document, _ = connection.response()
        assert document.status == 200 and document.body.startswith(b"<?xml")
        connection.send(connection.post(fetch_info(TASKS[0])))
        assert task_of(connection.response()[0]) == TASKS[0]


def test_connection_close_is_honoured(connection: Connection) -> None:
    """``Connection: close``: that request is answered, saying so, and nothing after it is."""
    connection.send(connection.post(fetch_info(TASKS[0]), "Connection: close\r\n"), connection.post(fetch_info(TASKS[1])))
    answer, headers = connection.response()
    assert task_of(answer) == TASKS[0]
    assert ("Connection", "close") in headers
    assert closed_by_server(connection.socket, 5.0) and connection.buffer == b"", "answered after Connection: close"


def test_answers_carry_the_same_headers_on_either_path(connection: Connection) -> None:
    """The same call read by the fast path (Content-Length) and by twisted.web (chunked):
    the same status, header names in the same order, the same values but the date, the same body."""
    connection.send(connection.post(fetch_info(TASKS[0])))
    fast, fast_headers = connection.response()
    connection.send(connection.chunked_post(fetch_info(TASKS[0])))
    slow, slow_headers = connection.response()
    assert [name for name, _ in fast_headers] == [name for name, _ in slow_headers] == ["Server", "Date", "Content-Type", "Content-Length"]
    assert [header for header in fast_headers if header[0] != "Date"] == [header for header in slow_headers if header[0] != "Date"]
    assert (fast.status, fast.body) == (slow.status, slow.body)
    connection.send(connection.post(b"<not-soap/>"))
    fault, fault_headers = connection.response()
    assert fault.status == 500 and fault.fault.type == "InvalidRequest" and [name for name, _ in fault_headers] == [name for name, _ in slow_headers]


def test_login_sets_the_cookie_on_the_fast_path(running: RunningServer) -> None:
    connection = Connection(running.url, None)
    try:
        login = soap.operation("Login", "SessionManager", "SessionManager", f"<userName>{soap.USER}</userName><password>{soap.PASSWORD}</password>")
        connection.send(connection.post(login))
        answer, headers = connection.response()
        assert answer.status == 200 and not answer.is_fault, answer.text
        assert [name for name, _ in headers] == ["Server", "Date", "Set-Cookie", "Content-Type", "Content-Length"]
        cookie = answer.headers["set-cookie"].split(";", 1)[0]
        connection.cookie = cookie
        connection.send(connection.post(fetch_info(TASKS[0])))
        assert task_of(connection.response()[0]) == TASKS[0]
    finally:
        connection.close()


def test_over_limit_body_is_still_refused_with_413(connection: Connection) -> None:
    """A whole request whose body is over the limit, after a call on the same connection: 413
    with the InvalidRequest envelope, and the connection closes."""
    connection.send(connection.post(fetch_info(TASKS[0])))
    assert task_of(connection.response()[0]) == TASKS[0]
    padding = b"<!--" + b"x" * MAX_BODY + b"-->"
    connection.send(connection.post(fetch_info(TASKS[1]).replace(b"<soapenv:Body>", padding + b"<soapenv:Body>")))
    refused, headers = connection.response()
    assert (refused.status, refused.fault.type) == (413, "InvalidRequest")
    assert ("Connection", "close") in headers
    assert closed_by_server(connection.socket, 5.0)


def test_idle_connection_after_a_call_is_closed(connection: Connection) -> None:
    connection.send(connection.post(fetch_info(TASKS[0])))
    assert task_of(connection.response()[0]) == TASKS[0]
    assert closed_by_server(connection.socket, IDLE_TIMEOUT + 5), "the idle connection stayed open"


@pytest.fixture
def waiting(running: RunningServer) -> Iterator[tuple[Connection, bytes]]:
    """A connection of a session of its own, with a filter on task-fp-4's progress, and the
    WaitForUpdatesEx request that waits for its next change."""
    waiter = soap.login(running.url)
    spec = (
        f"<spec><propSet><type>Task</type><pathSet>info.progress</pathSet></propSet>"
        f'<objectSet><obj type="Task">{TASKS[4]}</obj></objectSet></spec><partialUpdates>false</partialUpdates>'
    )
    created = waiter.call("CreateFilter", "PropertyCollector", "propertyCollector", spec)
    assert created.status == 200 and not created.is_fault, created.text
    first = waiter.call("WaitForUpdatesEx", "PropertyCollector", "propertyCollector", "<options><maxWaitSeconds>0</maxWaitSeconds></options>")
    assert first.status == 200 and not first.is_fault, first.text
    version = first.payload.findtext(f"{soap.vim('returnval')}/{soap.vim('version')}")
    connection = Connection(running.url, waiter.cookie)
    wait = soap.operation("WaitForUpdatesEx", "PropertyCollector", "propertyCollector", f"<version>{version}</version><options><maxWaitSeconds>30</maxWaitSeconds></options>")
    yield connection, connection.post(wait)
    connection.close()


def change_progress(client: Client, percent: int) -> None:
    changed = client.call("UpdateProgress", "Task", TASKS[4], f"<percentDone>{percent}</percentDone>")
    assert changed.status == 200 and not changed.is_fault, changed.text


def test_a_long_poll_holds_the_requests_behind_it(waiting: tuple[Connection, bytes], client: Client) -> None:
    """WaitForUpdatesEx waits longer than the idle timeout (a call that waits is not idle); the
    Fetch pipelined behind it is answered after it, on the same connection, and then the
    connection serves the next call."""
    connection, wait = waiting
    connection.send(wait, connection.post(fetch_info(TASKS[4])))
    assert connection.nothing_within(IDLE_TIMEOUT + 0.5), "answered before the change, or in the wrong order"
    change_progress(client, 55)
    woken, _ = connection.response()
    assert woken.status == 200 and b"WaitForUpdatesExResponse" in woken.body and b">55<" in woken.body, woken.text
    after, _ = connection.response()
    assert task_of(after) == TASKS[4] and b"<progress>55</progress>" in after.body
    connection.send(connection.post(fetch_info(TASKS[3])))
    assert task_of(connection.response()[0]) == TASKS[3]


def test_many_requests_behind_a_long_poll_are_held_then_answered_in_order(waiting: tuple[Connection, bytes], client: Client) -> None:
    """More pipelined bytes behind a waiting call than the server holds before it stops reading
    (16 KiB, as twisted.web): all answered, in order, once the wait is over, and the connection
    is read again after them."""
    connection, wait = waiting
    behind = [connection.post(fetch_info(TASKS[n % len(TASKS)])) for n in range(200)]
    assert sum(map(len, behind)) > 2 * 16 * 1024, "not enough to fill what the server holds"
    connection.send(wait, *behind)
    assert connection.nothing_within(0.3)
    change_progress(client, 66)
    woken, _ = connection.response()
    assert b"WaitForUpdatesExResponse" in woken.body and b">66<" in woken.body, woken.text
    assert [task_of(connection.response()[0]) for _ in behind] == [TASKS[n % len(TASKS)] for n in range(200)]
    connection.send(connection.post(fetch_info(TASKS[0])))  # the server reads again
    assert task_of(connection.response()[0]) == TASKS[0]
