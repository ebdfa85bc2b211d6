"""Client tests talk to a real vtasksim over HTTP on a free loopback port.

One server per test session serves a generated fixture holding a pool of tasks in every state;
``tasks.take(...)`` hands each test tasks no other test has touched, so tests stay independent
without a server each. Tests that need other settings start their own with ``start_server``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from installed_wheel import wheel_install  # noqa: F401  (a session fixture: the built wheel in a fresh venv)
from running_server import ADMIN, RunningServer, login_cookie, smart_connect, start_server

#: How many fresh tasks of each kind the shared server holds.
POOL_SIZE = 120

ENTITY = {"type": "VirtualMachine", "value": "vm-42"}
ENTITY_NAME = "web-01"


@dataclass(frozen=True)
class TaskKind:
    state: str
    cancelable: bool
    cancel_delay: float = 0.0

    @property
    def prefix(self) -> str:
        delay = f"-delay{int(self.cancel_delay)}" if self.cancel_delay else ""
        return f"task-{self.state}-{'c' if self.cancelable else 'nc'}{delay}"


KINDS = [
    TaskKind(state, cancelable)
    for state in ("queued", "running", "success", "error")
    for cancelable in (True, False)
] + [TaskKind("running", True, cancel_delay=3), TaskKind("queued", True, cancel_delay=3)]


def _task_yaml(kind: TaskKind, key: str) -> str:
    lines = [
        f"  - key: {key}",
        "    descriptionId: com.vmware.vtasksim.test",
        f"    entity: {{type: {ENTITY['type']}, value: {ENTITY['value']}}}",
        f"    state: {kind.state}",
        f"    cancelable: {str(kind.cancelable).lower()}",
        "    reason: {type: TaskReasonUser, userName: tester@vsphere.local}",
    ]
    if kind.state == "error":
        lines.append('    error: {fault: {type: InvalidState}, localizedMessage: "fixture error"}')
    if kind.state == "success":
        lines.append("    result: fixture-result")
    if kind.cancel_delay:
        lines.append(f"    cancelDelay: {kind.cancel_delay}")
    return "\n".join(lines)


def pool_fixture_text() -> str:
    tasks = [_task_yaml(kind, f"{kind.prefix}-{n}") for kind in KINDS for n in range(POOL_SIZE)]
    return "\n".join(
        [
            "objects:",
            "  - {type: Datacenter, value: datacenter-2, name: DC0}",
            f"  - {{type: {ENTITY['type']}, value: {ENTITY['value']}, name: {ENTITY_NAME}}}",
            "tasks:",
            *tasks,
            "",
        ]
    )


class TaskPool:
    """Hands out task keys of the shared server, each to one test only."""

    def __init__(self) -> None:
        self._counters = {kind: itertools.count() for kind in KINDS}

    def take(self, state: str = "running", cancelable: bool = True, cancel_delay: float = 0.0) -> str:
        kind = TaskKind(state, cancelable, cancel_delay)
        if kind not in self._counters:
            raise ValueError(f"the pool has no {kind}; add it to KINDS")
        n = next(self._counters[kind])
        if n >= POOL_SIZE:
            raise RuntimeError(f"the pool ran out of {kind}; raise POOL_SIZE")
        return f"{kind.prefix}-{n}"


@pytest.fixture(scope="session")
def pool_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fixtures") / "pool.yaml"
    path.write_text(pool_fixture_text())
    return path


@pytest.fixture(scope="session")
def server(pool_fixture: Path) -> Iterator[RunningServer]:
    running = start_server(pool_fixture)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def tasks() -> TaskPool:
    return TaskPool()


@pytest.fixture
def stub(server: RunningServer):
    """A logged-in pyVmomi stub speaking vSphere API 8.0.3, as WIRE.md §4 shows (no SmartConnect)."""
    return logged_in_stub(server.url)


def logged_in_stub(url: str, version: str = "vim.version.v8_0_3_0", user: str = "tester@vsphere.local", password: str = "secret"):
    """Every call but RetrieveServiceContent and Login needs a session, as on a vCenter."""
    from pyVmomi import SoapStubAdapter, vim

    stub = SoapStubAdapter(url=url, version=version)
    content = vim.ServiceInstance("ServiceInstance", stub).RetrieveContent()
    content.sessionManager.Login(user, password)
    return stub


@pytest.fixture
def connect() -> Iterator:
    """``connect(server, user, pwd)``: SmartConnect, disconnected after the test."""
    from pyVim.connect import Disconnect
    from pyVmomi import vim

    connections: list = []

    def _connect(server: RunningServer, user: str = ADMIN[0], pwd: str = ADMIN[1]):
        si = smart_connect(server, user, pwd)
        connections.append(si)
        return si

    yield _connect
    for si in connections:
        try:
            Disconnect(si)
        except vim.fault.NotAuthenticated:
            pass  # the test ended the session itself


@pytest.fixture
def session_cookie(server: RunningServer) -> str:
    """A ``Cookie`` header value of a fresh session on the shared server, for raw HTTP tests."""
    return login_cookie(server.url)


@pytest.fixture
def start(tmp_path: Path) -> Iterator:
    """Start a server of the test's own: ``start(fixture_text, *cli_args)``; stopped after the test."""
    started: list[RunningServer] = []

    def _start(fixture_text: str, *args: str) -> RunningServer:
        path = tmp_path / f"fixture-{len(started)}.yaml"
        path.write_text(fixture_text)
        running = start_server(path, *args)
        started.append(running)
        return running

    yield _start
    for running in started:
        running.stop()
