"""Start ``vtasksim serve`` (or govmomi's vcsim) as a user would, and read its CPU time and memory from /proc.

vtasksim prints ``vtasksim listening on http://HOST:PORT/sdk`` once it is ready, vcsim a
``GOVC_URL=...`` line; we wait for that line and talk to the address it names.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120.0  # a 20,000-task fixture takes a while to load
_LISTENING = re.compile(r"^vtasksim listening on http://(\S+):(\d+)/sdk$")
_VCSIM_URL = re.compile(r"GOVC_URL=http://[^@]*@([^:/]+):(\d+)/sdk")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class ServerProcess:
    host: str
    port: int
    process: subprocess.Popen
    started_in: float
    output: list[str] = field(default_factory=list)
    name: str = "vtasksim"

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server has used so far, its worker processes' included (``--workers``)."""
        return process_cpu_seconds(self.pid) + sum(process_cpu_seconds(child) for child in child_pids(self.pid))

    def rss_kib(self) -> int:
        return process_rss_kib(self.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # Twisted stops cleanly (and cProfile writes its file)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(fixture: Path, profile_to: Path | None = None, extra: Sequence[str] = ()) -> ServerProcess:
    """Start the server on a free loopback port; ``profile_to`` runs it under cProfile."""
    profiler = ["-m", "cProfile", "-o", str(profile_to)] if profile_to else []
    command = [sys.executable, *profiler, "-m", "vtasksim", "serve", "--port", "0", "--fixtures", str(fixture), *extra]
    env = dict(os.environ, PYTHONPATH=str(REPO / "server"), PYTHONUNBUFFERED="1")
    return start_process(command, _LISTENING, env, "vtasksim")


def start_vcsim(executable: Path) -> ServerProcess:
    """govmomi's vcsim on a free loopback port, plain HTTP; it names its port in a GOVC_URL line."""
    command = [str(executable), "-l", "127.0.0.1:0", "-tls=false"]
    return start_process(command, _VCSIM_URL, dict(os.environ), "vcsim")


def start_process(command: Sequence[str], ready_line: re.Pattern, env: dict[str, str], name: str) -> ServerProcess:
    """Start a server and wait for the line that says where it listens (groups: host, port)."""
    began = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO)
    lines: list[str] = []
    address: dict[str, tuple[str, int]] = {}
    ready = threading.Event()

    def read_output() -> None:
        assert process.stdout is not None
        for line in process.stdout:  # keep draining so that the server never blocks on a full pipe
            lines.append(line.rstrip("\n"))
            match = ready_line.search(line.strip())
            if match and not ready.is_set():
                address["listening"] = (match.group(1).strip("[]"), int(match.group(2)))
                ready.set()
        ready.set()

    threading.Thread(target=read_output, daemon=True).start()
    ready.wait(START_TIMEOUT)
    if "listening" not in address:
        process.kill()
        process.wait()
        raise RuntimeError(f"{name} did not start:\n" + "\n".join(lines[-40:]))
    host, port = address["listening"]
    return ServerProcess(host, port, process, time.monotonic() - began, lines, name)


def process_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "rb") as stat:
        data = stat.read()
    # The command name (field 2) may hold spaces; fields 14 and 15 (utime, stime) follow the last ')'.
    fields = data[data.rindex(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def child_pids(pid: int) -> list[int]:
    """The live children of ``pid`` (a child that ended meanwhile is left out)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children", "rb") as children:
            pids = [int(child) for child in children.read().split()]
    except OSError:
        return []
    return [child for child in pids if os.path.exists(f"/proc/{child}/stat")]


def process_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", "rb") as status:
        for line in status:
            if line.startswith(b"VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def machine_busy_seconds() -> float:
    """CPU time all processes on the machine have used (all CPUs added up), from /proc/stat."""
    with open("/proc/stat", "rb") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    idle, iowait = values[3], values[4]
    # guest time is already counted in user time
    return (sum(values[:8]) - idle - iowait) / _CLOCK_TICKS
