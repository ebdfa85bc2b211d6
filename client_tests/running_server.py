"""Start the real server, as a user would, on a free loopback port.

``vtasksim serve --port 0`` prints ``vtasksim listening on http://HOST:PORT/sdk`` once it is
ready; the tests wait for that line and talk to the URL it names.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
_LISTENING = re.compile(r"^vtasksim listening on (https?://(\S+):(\d+)/sdk)$")
START_TIMEOUT = 30.0


@dataclass
class RunningServer:
    url: str
    host: str
    port: int
    process: subprocess.Popen
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    @property
    def base(self) -> str:
        return self.url[: -len("/sdk")]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.reader is not None:
            self.reader.join(timeout=5)  # every line the server printed is in ``output`` now
        return self.process.returncode


LOGIN_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>'
    "<userName>{user}</userName><password>{password}</password></Login>"
    "</soapenv:Body></soapenv:Envelope>"
)


def login_cookie(url: str, user: str = "tester@vsphere.local", password: str = "secret") -> str:
    """Log in with a raw SOAP Login and return the ``Cookie`` header value to send back."""
    import urllib.request

    body = LOGIN_BODY.format(user=user, password=password).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:vim25/8.0.3.0"'})
    with urllib.request.urlopen(request, timeout=10) as response:
        set_cookie = response.headers["Set-Cookie"]
    return set_cookie.split(";", 1)[0]


#: The user the SmartConnect helpers log in as (any name works where a fixture has no ``users:``).
ADMIN = ("administrator@vsphere.local", "vmware")


def smart_connect(server: "RunningServer", user: str = ADMIN[0], pwd: str = ADMIN[1]):
    """SmartConnect as a vSphere program does; over TLS without verifying the self-signed certificate."""
    from pyVim.connect import SmartConnect

    if server.url.startswith("https:"):
        return SmartConnect(host=server.host, port=server.port, user=user, pwd=pwd, disableSslCertValidation=True)
    return SmartConnect(host=server.host, port=server.port, user=user, pwd=pwd, protocol="http")


def vtasksim_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "vtasksim", *args]


def start_server(fixture: Path | None, *args: str, cwd: Path = REPO) -> RunningServer:
    """``vtasksim serve --port 0 --fixtures FIXTURE ARGS…`` (None: the bundled default fixture)."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "server"), PYTHONUNBUFFERED="1")
    fixture_args = () if fixture is None else ("--fixtures", str(fixture))
    return start_command(vtasksim_command("serve", "--port", "0", *fixture_args, *args), cwd=cwd, env=env)


def start_command(command: list[str], *, cwd: Path, env: dict[str, str]) -> RunningServer:
    """Run ``command`` (a ``vtasksim serve --port 0 …`` of any installation) until it says it listens."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd)
    ready = threading.Event()
    found: dict[str, RunningServer] = {}
    lines: list[str] = []

    def read_output() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            match = _LISTENING.match(line.strip())
            if match and not ready.is_set():
                found["server"] = RunningServer(match.group(1), match.group(2), int(match.group(3)), process, lines)
                ready.set()
        ready.set()

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    ready.wait(START_TIMEOUT)
    if "server" not in found:
        process.kill()
        raise RuntimeError("vtasksim did not start:\n" + "\n".join(lines))
    found["server"].reader = reader
    return found["server"]


@contextmanager
def served(directory: Path, fixture_text: str, *args: str) -> Iterator[RunningServer]:
    """A server of ``fixture_text`` (written into ``directory``) for a ``with`` block: a module's own."""
    path = directory / "fixture.yaml"
    path.write_text(fixture_text)
    running = start_server(path, *args)
    try:
        yield running
    finally:
        running.stop()
