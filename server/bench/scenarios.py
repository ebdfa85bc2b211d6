"""What the bench asks of a server, as pyVmomi would ask it: the same bytes for vtasksim and vcsim.

Every scenario works on tasks made over the wire the way the issue says vcsim makes them
(TaskManager.CreateTask of ``com.vmware.govmomi.simulator.test`` on the root folder, then
SetTaskState running), so both servers answer exactly the same requests.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from typing import Callable, Sequence

from loadgen import _argument, _moref, _this, http_request, login, split_response

TASK_TYPE = "com.vmware.govmomi.simulator.test"
ROOT_FOLDER = "group-d1"
PROPERTY_COLLECTOR = "propertyCollector"
_TASK_KEY = re.compile(rb'<returnval type="Task">([^<]+)</returnval>|<task type="Task">([^<]+)</task>')


@dataclass(frozen=True)
class Session:
    """A logged-in client of one server: where it is, its cookie, and its running tasks."""

    address: tuple[str, int]
    cookie: str
    tasks: tuple[str, ...]

    @property
    def host(self) -> str:
        return f"{self.address[0]}:{self.address[1]}"


def create_task_xml() -> str:
    return (
        f'<CreateTask xmlns="urn:vim25">{_this("TaskManager", "TaskManager")}{_moref("obj", "Folder", ROOT_FOLDER)}'
        f'{_argument("taskTypeId", TASK_TYPE)}{_argument("initiatedBy", "bench")}{_argument("cancelable", "true")}</CreateTask>'
    )


def set_state_xml(task: str, state: str = "running") -> str:
    return f'<SetTaskState xmlns="urn:vim25">{_this(task)}{_argument("state", state)}</SetTaskState>'


def update_progress_xml(task: str, percent: int) -> str:
    return f'<UpdateProgress xmlns="urn:vim25">{_this(task)}{_argument("percentDone", percent)}</UpdateProgress>'


def fetch_xml(task: str) -> str:
    return f'<Fetch xmlns="urn:vim25">{_this(task)}{_argument("prop", "info")}</Fetch>'


def retrieve_xml(task: str) -> str:
    return (
        f'<RetrievePropertiesEx xmlns="urn:vim25">{_this(PROPERTY_COLLECTOR, "PropertyCollector")}'
        f'<specSet><propSet><type>Task</type><all>false</all><pathSet>info</pathSet></propSet>'
        f'<objectSet><obj type="Task">{task}</obj><skip>false</skip></objectSet></specSet>'
        "<options></options></RetrievePropertiesEx>"
    )


def cancel_xml(task: str) -> str:
    return f'<CancelTask xmlns="urn:vim25">{_this(task)}</CancelTask>'


def login_xml(user: str = "bench", password: str = "bench") -> str:
    return (
        f'<Login xmlns="urn:vim25">{_this("SessionManager", "SessionManager")}'
        f'{_argument("userName", user)}{_argument("password", password)}</Login>'
    )


def create_filter_xml(task: str) -> str:
    return (
        f'<CreateFilter xmlns="urn:vim25">{_this(PROPERTY_COLLECTOR, "PropertyCollector")}'
        f'<spec><propSet><type>Task</type><all>false</all><pathSet>info.progress</pathSet></propSet>'
        f'<objectSet><obj type="Task">{task}</obj><skip>false</skip></objectSet></spec>'
        f'{_argument("partialUpdates", "false")}</CreateFilter>'
    )


def wait_xml(version: str, max_wait_seconds: int = 60) -> str:
    version_element = f"<version>{version}</version>" if version else ""
    return (
        f'<WaitForUpdatesEx xmlns="urn:vim25">{_this(PROPERTY_COLLECTOR, "PropertyCollector")}'
        f"{version_element}<options><maxWaitSeconds>{max_wait_seconds}</maxWaitSeconds></options></WaitForUpdatesEx>"
    )


class Client:
    """One blocking keep-alive connection that reads whole responses: for setting up, not measuring."""

    def __init__(self, address: tuple[str, int], cookie: str | None = None, timeout: float = 30.0) -> None:
        self.address, self.cookie = address, cookie
        self.host = f"{address[0]}:{address[1]}"
        self.socket = socket.create_connection(address, timeout=timeout)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = bytearray()

    def send(self, operation_xml: str) -> None:
        self.socket.sendall(http_request(self.host, operation_xml, self.cookie))

    def receive(self) -> tuple[int, bytes]:
        while (response := split_response(self.buffer)) is None:
            data = self.socket.recv(65536)
            if not data:
                raise ConnectionError("the server closed the connection")
            self.buffer += data
        status, body, consumed = response
        del self.buffer[:consumed]
        return status, body

    def call(self, operation_xml: str, expect: bytes | None = None) -> bytes:
        self.send(operation_xml)
        status, body = self.receive()
        if status != 200 or (expect is not None and expect not in body):
            raise RuntimeError(f"{operation_xml[:60]}…: HTTP {status}: {body[:400]!r}")
        return body

    def close(self) -> None:
        self.socket.close()


def create_tasks(client: Client, count: int, batch: int = 64) -> list[str]:
    """``count`` queued cancelable tasks by CreateTask, pipelined ``batch`` at a time; their keys."""
    keys: list[str] = []
    request = create_task_xml()
    while len(keys) < count:
        size = min(batch, count - len(keys))
        for _ in range(size):
            client.send(request)
        for _ in range(size):
            status, body = client.receive()
            match = _TASK_KEY.search(body)
            if status != 200 or match is None:
                raise RuntimeError(f"CreateTask failed: HTTP {status}: {body[:400]!r}")
            keys.append((match.group(1) or match.group(2)).decode())
    return keys


def open_session(address: tuple[str, int], running_tasks: int) -> Session:
    """Log in and make ``running_tasks`` running tasks."""
    cookie = login(address)
    client = Client(address, cookie)
    try:
        tasks = create_tasks(client, running_tasks)
        for task in tasks:
            client.call(set_state_xml(task), b"SetTaskStateResponse")
    finally:
        client.close()
    return Session(address, cookie, tuple(tasks))


@dataclass(frozen=True)
class Scenario:
    """One vim call to measure: the requests connections cycle through, and its response element.

    ``per_task_once``: each request may be sent once only (CancelTask), so the run is a budget
    of fresh tasks instead of a duration.
    """

    name: str
    expected: bytes
    build: Callable[[Session, Sequence[str]], list[str]]  # (session, fresh tasks) -> operation XMLs
    per_task_once: bool = False
    with_cookie: bool = True


SCENARIOS = (
    # Progress climbs 1..100 on each task: 800 different bodies, more than the server keeps read
    # (128), so every UpdateProgress is read afresh, as a real task's reports are.
    Scenario("UpdateProgress", b"UpdateProgressResponse",
             lambda s, _: [update_progress_xml(t, p) for p in range(1, 101) for t in s.tasks]),
    Scenario("Fetch(Task.info)", b"FetchResponse", lambda s, _: [fetch_xml(t) for t in s.tasks]),
    Scenario("RetrievePropertiesEx(Task.info)", b"RetrievePropertiesExResponse", lambda s, _: [retrieve_xml(t) for t in s.tasks]),
    Scenario("SetTaskState", b"SetTaskStateResponse", lambda s, _: [set_state_xml(t) for t in s.tasks]),
    # The three below add to the server's state (tasks, sessions): they run last in each round.
    Scenario("CreateTask", b"CreateTaskResponse", lambda s, _: [create_task_xml()]),
    Scenario("CancelTask", b"CancelTaskResponse", lambda s, fresh: [cancel_xml(t) for t in fresh], per_task_once=True),
    Scenario("Login", b"LoginResponse", lambda s, _: [login_xml()], with_cookie=False),
)  # fmt: skip


def request_bytes(scenario: Scenario, session: Session, fresh_tasks: Sequence[str] = ()) -> list[bytes]:
    cookie = session.cookie if scenario.with_cookie else None
    return [http_request(session.host, xml, cookie) for xml in scenario.build(session, fresh_tasks)]
