"""The pytest plugin ``pip install vtasksim`` registers (entry point ``pytest11``: ``vtasksim``).

    def test_progress_is_clamped(vtasksim):
        task = vim.Task("task-102", vtasksim.si._stub)
        ...

    @pytest.mark.vtasksim(fixture="backup.yaml", clock="manual")
    def test_backup(vtasksim): ...

``vtasksim`` (a function-scoped fixture) hands a test a server that serves the chosen fixture as
it was written, freshly: the URL, a logged-in pyVmomi ServiceInstance (``si``), the control API
(``control``) and the requests the test made. The server starts once per session and clock
mode (under pytest-xdist, each worker is a session of its own, so one per worker), and is
reset through the control API before each test: a reset costs a fixture load, not a start.

The fixture file comes from ``@pytest.mark.vtasksim(fixture=…)`` (relative to the test file),
else the ``vtasksim_fixture`` ini option (relative to the rootdir), else the bundled default;
the clock from the marker's ``clock=``, else ``vtasksim_clock``, else ``system``.

The plugin defines only ``vtasksim`` and ``vtasksim_servers`` and has no autouse fixtures: a
suite that does not ask for them (this project's own included) runs as if it were absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import pytest

from vtasksim.testing.control import Control
from vtasksim.testing.process import RunningVtasksim, start

CLOCKS = ("system", "manual")
ADMIN = ("administrator@vsphere.local", "vmware")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("vtasksim_fixture", "fixture file the vtasksim fixture serves unless a test's marker names one (default: the bundled default)")
    parser.addini("vtasksim_clock", "clock of the vtasksim fixture's server: system or manual (default system)", default="system")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "vtasksim(fixture=None, clock=None): the fixture file (relative to the test file) and clock (system or manual) "
        "the vtasksim fixture serves for this test",
    )


@dataclass(frozen=True)
class Choice:
    """What a test asked to be served: a fixture file (None: the server's own) and a clock."""

    fixture: Path | None
    clock: str


class Servers:
    """The session's servers, one per clock mode, started on first use; and what each serves."""

    def __init__(self, default_fixture: Path | None) -> None:
        self.default_fixture = default_fixture
        self._running: dict[str, RunningVtasksim] = {}
        self._serving: dict[str, Path | None] = {}

    def serve(self, choice: Choice) -> RunningVtasksim:
        """The server of ``choice.clock``, serving ``choice.fixture`` afresh."""
        running = self._running.get(choice.clock)
        wanted = choice.fixture
        if running is None:
            running = self._running[choice.clock] = start(self.default_fixture, choice.clock)
            self._serving[choice.clock] = None
            if wanted is None:
                return running  # fresh as it is
        if self._serving[choice.clock] == wanted:
            running.control.reset()
        elif wanted is not None:
            running.control.load_fixture(path=str(wanted))
        elif self.default_fixture is not None:
            running.control.load_fixture(path=str(self.default_fixture))
        else:
            running.control.post("fixture", {"yaml": _bundled_default(), "name": "<bundled fixture default.yaml>"})
        self._serving[choice.clock] = wanted
        return running

    def stop(self) -> None:
        for running in self._running.values():
            running.stop()
        self._running.clear()


def _bundled_default() -> str:
    return (resources.files("vtasksim") / "fixtures" / "default.yaml").read_text(encoding="utf-8")


@dataclass
class Vtasksim:
    """What a test gets from the ``vtasksim`` fixture."""

    server: RunningVtasksim
    #: The request-log id before the test began: ``requests()`` shows the test's own calls.
    first_request: int
    _si: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The vim25 endpoint, ``http://127.0.0.1:PORT/sdk``."""
        return self.server.url

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def control(self) -> Control:
        return self.server.control

    @property
    def si(self) -> Any:
        """A pyVmomi ServiceInstance, logged in as administrator@vsphere.local (password vmware)."""
        if self._si is None:
            self._si = self.server.connect(*ADMIN)
        return self._si

    def connect(self, user: str = ADMIN[0], pwd: str = ADMIN[1]) -> Any:
        """Another ServiceInstance, as ``user``; disconnected after the test."""
        return self.server.connect(user, pwd)

    def advance(self, by: float | str) -> None:
        """Move the manual clock (``"5s"`` or seconds), running every step that falls due."""
        self.control.advance(by)

    def requests(self, moref: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        """The vim calls this test made, oldest first (the request log, from the test's start)."""
        return self.control.requests(moref=moref, method=method, since=self.first_request)


@pytest.fixture(scope="session")
def vtasksim_servers(pytestconfig: pytest.Config) -> Iterator[Servers]:
    configured = pytestconfig.getini("vtasksim_fixture")
    servers = Servers(Path(pytestconfig.rootpath, configured).resolve() if configured else None)
    yield servers
    servers.stop()


@pytest.fixture
def vtasksim(request: pytest.FixtureRequest, vtasksim_servers: Servers) -> Iterator[Vtasksim]:
    """A vtasksim serving the test's fixture afresh: ``url``, ``si``, ``control``, ``advance()``, ``requests()``."""
    running = vtasksim_servers.serve(_choice(request))
    requests = running.control.requests()
    handle = Vtasksim(running, requests[-1]["id"] if requests else 0)
    yield handle
    running.disconnect_all()


def _choice(request: pytest.FixtureRequest) -> Choice:
    marker = request.node.get_closest_marker("vtasksim")
    options = dict(marker.kwargs) if marker is not None else {}
    if marker is not None and marker.args:
        options.setdefault("fixture", marker.args[0])
    unknown = sorted(set(options) - {"fixture", "clock"})
    if unknown:
        raise pytest.UsageError(f"@pytest.mark.vtasksim takes fixture= and clock=, not {', '.join(unknown)}")
    clock = options.get("clock") or request.config.getini("vtasksim_clock") or "system"
    if clock not in CLOCKS:
        raise pytest.UsageError(f"vtasksim clock {clock!r}: one of {', '.join(CLOCKS)}")
    fixture = options.get("fixture")
    if fixture is None:
        return Choice(None, clock)
    path = Path(request.node.path).parent / fixture
    if not path.is_file():
        raise pytest.UsageError(f"@pytest.mark.vtasksim(fixture={fixture!r}): no file {path}")
    return Choice(path.resolve(), clock)
