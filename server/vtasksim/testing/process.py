"""A vtasksim of your own for a test run: started on a free port, stopped when you are done.

    with vtasksim.testing.server(fixture="tests/backup.yaml", clock="manual") as vc:
        si = vc.connect()                 # a logged-in pyVmomi ServiceInstance
        vc.control.advance("5s")          # the control API

The server is a child process (``python -m vtasksim serve --port 0``), as a user runs it: a
test talks to it over HTTP only, so nothing of the test's process (its reactor, its imports,
its threads) can bend what the server does. The control API is guarded by a random token only
this handle knows.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from vtasksim.testing.control import Control

START_TIMEOUT = 30.0
_LISTENING = re.compile(r"^vtasksim listening on (https?://(\S+):(\d+)/sdk)$")


class ServerFailed(RuntimeError):
    """The server did not start: the message holds what it printed."""


@dataclass
class RunningVtasksim:
    url: str  # http://127.0.0.1:PORT/sdk
    host: str
    port: int
    control: Control
    process: subprocess.Popen
    output: list[str] = field(default_factory=list)
    _connections: list[Any] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.url.removesuffix("/sdk")

    def connect(self, user: str = "administrator@vsphere.local", pwd: str = "vmware") -> Any:
        """A pyVmomi ServiceInstance logged in as ``user`` (SmartConnect, as vSphere programs do)."""
        from pyVim.connect import SmartConnect

        si = SmartConnect(host=self.host, port=self.port, user=user, pwd=pwd, protocol="http")
        self._connections.append(si)
        return si

    def disconnect_all(self) -> None:
        from pyVim.connect import Disconnect

        for si in self._connections:
            try:
                Disconnect(si)
            except Exception:  # a reset or a test already ended the session
                pass
        self._connections.clear()

    def stop(self) -> int:
        if self._connections:
            self.disconnect_all()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start(fixture: str | Path | None = None, clock: str = "system", *args: str) -> RunningVtasksim:
    """Start a server; ``fixture`` None serves the bundled default. ``args``: more ``serve`` options."""
    token = secrets.token_hex(16)
    command = [sys.executable, "-m", "vtasksim", "serve", "--port", "0", "--clock", clock, "--control-token", token]
    if fixture is not None:
        command += ["--fixtures", str(Path(fixture).resolve())]
    process = subprocess.Popen(
        [*command, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )  # fmt: skip
    lines: list[str] = []
    found: list[re.Match[str]] = []
    ready = threading.Event()

    def read_output() -> None:
        assert process.stdout is not None
        for line in process.stdout:  # read to the end, so the server never blocks on a full pipe
            lines.append(line.rstrip("\n"))
            match = _LISTENING.match(line.strip())
            if match and not found:
                found.append(match)
                ready.set()
        ready.set()

    threading.Thread(target=read_output, daemon=True, name="vtasksim output").start()
    ready.wait(START_TIMEOUT)
    if not found:
        process.kill()
        process.wait()
        raise ServerFailed("vtasksim did not start:\n" + "\n".join(lines))
    url, host, port = found[0].group(1), found[0].group(2), int(found[0].group(3))
    return RunningVtasksim(url, host, port, Control(url, token), process, lines)


@contextmanager
def server(fixture: str | Path | None = None, clock: str = "system", *args: str) -> Iterator[RunningVtasksim]:
    """``with server(fixture=…, clock="manual") as vc:`` a running vtasksim, stopped on leaving."""
    running = start(fixture, clock, *args)
    try:
        yield running
    finally:
        running.stop()
