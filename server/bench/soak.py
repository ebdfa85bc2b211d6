"""``make soak``: mixed traffic from 64 keep-alive connections for SOAK_SECONDS, against a real server.

Each connection logs in, then cycles through a task's whole life as a vSphere program drives it:
CreateTask, SetTaskState(running), UpdateProgress, SetTaskDescription, UpdateProgress, Fetch(info),
RetrievePropertiesEx(recentTask) every fourth round, and an ending that rotates between success
with a result, CancelTask, and error with a fault. Every call must succeed: any fault is
unexpected. The server's RSS is sampled every second; completed tasks leave under the history
retention (``--history-limit``), so memory must level off.

Prints one report (requests, req/s, p50/p99/max latency, faults, RSS over time) and exits 1 when
a call faulted, the server died, or RSS grew more than ``--max-growth`` over the second half.

    python server/bench/soak.py --seconds 120 --connections 64 --history-limit 1000
"""

from __future__ import annotations

import argparse
import os
import re
import selectors
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soapenv:Body>'
    "{operation}</soapenv:Body></soapenv:Envelope>"
)
FIXTURE = "objects:\n  - {type: Folder, value: group-d1, name: Datacenters}\n"
_KEY = re.compile(rb"<key>(task-\d+)</key>")
_LISTENING = re.compile(r"vtasksim listening on http://([\d.]+):(\d+)/sdk")


def op(name: str, this_type: str, this: str, arguments: str = "") -> str:
    return f'<{name} xmlns="urn:vim25"><_this type="{this_type}">{this}</_this>{arguments}</{name}>'


LOGIN = op("Login", "SessionManager", "SessionManager", "<userName>soak</userName><password>soak</password>")
CREATE = op("CreateTask", "TaskManager", "TaskManager",
            '<obj type="Folder">group-d1</obj><taskTypeId>com.example.soak</taskTypeId><initiatedBy>soak</initiatedBy><cancelable>true</cancelable>')  # fmt: skip
RECENT = op("RetrievePropertiesEx", "PropertyCollector", "propertyCollector",
            '<specSet><propSet><type>TaskManager</type><pathSet>recentTask</pathSet></propSet>'
            '<objectSet><obj type="TaskManager">TaskManager</obj></objectSet></specSet><options/>')  # fmt: skip
ENDINGS = (
    ("SetTaskState", '<state>success</state><result xsi:type="xsd:string">done</result>'),
    ("CancelTask", ""),
    ("SetTaskState", '<state>error</state><fault><fault xsi:type="InvalidState"/><localizedMessage>failed</localizedMessage></fault>'),
)


def task_steps(key: str, round_number: int) -> list[str]:
    steps = [
        op("SetTaskState", "Task", key, "<state>running</state>"),
        op("UpdateProgress", "Task", key, "<percentDone>25</percentDone>"),
        op("SetTaskDescription", "Task", key, "<description><key>com.example.soak.step</key><message>half way</message></description>"),
        op("UpdateProgress", "Task", key, "<percentDone>75</percentDone>"),
        op("Fetch", "Task", key, "<prop>info</prop>"),
    ]
    if round_number % 4 == 0:
        steps.append(RECENT)
    name, arguments = ENDINGS[round_number % len(ENDINGS)]
    steps.append(op(name, "Task", key, arguments))
    return steps


def http(host: str, operation: str, cookie: str | None) -> bytes:
    body = ENVELOPE.format(operation=operation).encode()
    head = f'POST /sdk HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/xml; charset=UTF-8\r\nSOAPAction: "urn:vim25/8.0.3.0"\r\n'
    if cookie:
        head += f"Cookie: {cookie}\r\n"
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


@dataclass
class Connection:
    sock: socket.socket
    host: str
    cookie: str | None = None
    queue: list[str] = field(default_factory=list)
    rounds: int = 0
    buffer: bytes = b""
    sent_at: float = 0.0
    operation: str = ""

    def next_request(self) -> bytes:
        if self.cookie is None:
            self.operation = LOGIN
        elif not self.queue:
            self.operation = CREATE
        else:
            self.operation = self.queue.pop(0)
        self.sent_at = time.perf_counter()
        return http(self.host, self.operation, self.cookie)

    def complete(self) -> tuple[int, bytes, bytes] | None:
        """(status, headers, body) once a whole response is buffered."""
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return None
        head = self.buffer[:head_end]
        length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
        if len(self.buffer) < head_end + 4 + length:
            return None
        body = self.buffer[head_end + 4 : head_end + 4 + length]
        self.buffer = self.buffer[head_end + 4 + length :]
        return int(head.split(b" ", 2)[1]), head, body

    def handle(self, status: int, head: bytes, body: bytes) -> None:
        if self.operation is LOGIN:
            self.cookie = re.search(rb"(?i)set-cookie:\s*([^;\r\n]+)", head).group(1).decode()
        elif self.operation is CREATE:
            self.rounds += 1
            self.queue = task_steps(_KEY.search(body).group(1).decode(), self.rounds)


@dataclass
class Report:
    latencies: list[float] = field(default_factory=list)
    faults: dict[str, int] = field(default_factory=dict)
    rss: list[tuple[float, int]] = field(default_factory=list)
    tasks: int = 0


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def drive(host: str, port: int, pid: int, connections: int, seconds: float) -> Report:
    report = Report()
    selector = selectors.DefaultSelector()
    for _ in range(connections):
        sock = socket.create_connection((host, port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = Connection(sock, f"{host}:{port}")
        sock.sendall(connection.next_request())
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, connection)
    started = time.monotonic()
    next_sample = started
    while (now := time.monotonic()) < started + seconds:
        if now >= next_sample:
            report.rss.append((now - started, rss_kib(pid)))
            next_sample += 1.0
        for key, _ in selector.select(timeout=0.5):
            connection: Connection = key.data
            data = connection.sock.recv(262144)
            if not data:
                raise SystemExit("the server closed a connection")
            connection.buffer += data
            while (answer := connection.complete()) is not None:
                status, head, body = answer
                report.latencies.append((time.perf_counter() - connection.sent_at) * 1000)
                if status != 200:
                    fault = re.search(rb'xsi:type="(\w+)"', body)
                    method = connection.operation[1 : connection.operation.index(" ")]
                    name = f"{fault.group(1).decode() if fault else status} in {method}"
                    report.faults[name] = report.faults.get(name, 0) + 1
                connection.handle(status, head, body)
                if connection.operation is CREATE:
                    report.tasks += 1
                connection.sock.send(connection.next_request())
    report.rss.append((time.monotonic() - started, rss_kib(pid)))
    for key in list(selector.get_map().values()):
        key.fileobj.close()
    return report


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def start_server(history_limit: int, extra: list[str]) -> tuple[subprocess.Popen, str, int]:
    fixture = Path(tempfile.mkdtemp(prefix="vtasksim-soak-")) / "soak.yaml"
    fixture.write_text(FIXTURE)
    command = [sys.executable, "-m", "vtasksim", "serve", "--port", "0", "--fixtures", str(fixture),
               "--history-limit", str(history_limit), *extra]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(REPO / "server"), PYTHONUNBUFFERED="1")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    assert process.stdout is not None
    for line in process.stdout:
        match = _LISTENING.search(line)
        if match:
            return process, match.group(1), int(match.group(2))
    raise SystemExit(f"vtasksim did not start: {process.wait()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 120)))
    parser.add_argument("--connections", type=int, default=int(os.environ.get("SOAK_CONNECTIONS", 64)))
    parser.add_argument("--history-limit", type=int, default=1000, help="the server's --history-limit (completed tasks kept)")
    parser.add_argument("--max-growth", type=float, default=0.15, help="largest RSS growth allowed over the second half (fraction)")
    parser.add_argument("server_args", nargs="*", help="more vtasksim serve arguments (after --)")
    args = parser.parse_args(argv)
    process, host, port = start_server(args.history_limit, args.server_args)
    try:
        report = drive(host, port, process.pid, args.connections, args.seconds)
        alive = process.poll() is None
    finally:
        process.terminate()
        process.wait(timeout=10)
    return judge(report, args, alive)


def judge(report: Report, args: argparse.Namespace, alive: bool) -> int:
    count = len(report.latencies)
    half = [kib for at, kib in report.rss if at >= args.seconds / 2]
    growth = (half[-1] - half[0]) / half[0] if len(half) >= 2 and half[0] else 0.0
    samples = report.rss[:: max(1, len(report.rss) // 8)] + report.rss[-1:]
    print(f"soak: {args.seconds:g} s, {args.connections} connections, history limit {args.history_limit}")
    print(f"  requests {count}, {count / args.seconds:.0f} req/s, tasks created {report.tasks}")
    print(f"  latency ms: p50 {percentile(report.latencies, 0.5):.2f}, p99 {percentile(report.latencies, 0.99):.2f}, "
          f"max {max(report.latencies, default=0):.2f}")  # fmt: skip
    print(f"  unexpected faults: {sum(report.faults.values())} {report.faults or ''}")
    print("  server RSS MiB: " + ", ".join(f"{at:.0f}s {kib / 1024:.1f}" for at, kib in samples))
    print(f"  RSS growth over the second half: {growth * 100:+.1f}% (allowed {args.max_growth * 100:.0f}%)")
    failed = []
    if report.faults:
        failed.append("unexpected faults")
    if not alive:
        failed.append("the server died")
    if growth > args.max_growth:
        failed.append("memory kept growing")
    if count == 0:
        failed.append("no request was answered")
    print("soak: " + ("FAILED: " + ", ".join(failed) if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
