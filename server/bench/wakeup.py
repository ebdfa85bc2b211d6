"""WaitForUpdatesEx wake-up: how long after a change its waiters have their answer.

``waiters`` clients, each with its own session and a property filter on one task's
``info.progress``, park a WaitForUpdatesEx; another client sends UpdateProgress. For each
waiter the latency is from sending the change to having read the waiter's whole response.
Every waiter is read from one epoll loop, so with many waiters the later ones include the
time it takes to read the earlier ones (as any single-threaded client would).

vcsim 0.38 holds a lock for as long as a WaitForUpdatesEx waits, so with two or more waiters
the change itself waits until all but one wait has timed out: the waits ask for at most
``MAX_WAIT_SECONDS``, and a row whose wake-ups take longer than ``STALLED_MS`` stops after
``STALLED_CHANGES`` changes (and says so) instead of spending minutes proving it.
"""

from __future__ import annotations

import re
import selectors
import time
from dataclasses import dataclass

from loadgen import login
from scenarios import Client, create_filter_xml, open_session, update_progress_xml, wait_xml

MAX_WAIT_SECONDS = 2
STALLED_MS = 500.0
STALLED_CHANGES = 3
from server_process import ServerProcess

_VERSION = re.compile(rb"<version>([^<]*)</version>")
PARK_SECONDS = 0.1  # long enough for the waits to be parked before the change (vcsim loses a change that comes sooner)


@dataclass
class Wakeup:
    waiters: int
    changes: int
    latencies_ms: list[float]
    change_ms: list[float]  # the UpdateProgress round trip itself
    server_cpu_s: float
    errors: int
    stalled: bool = False  # the wake-ups took longer than STALLED_MS: the row stopped early


def measure_wakeup(server: ServerProcess, waiters: int, changes: int) -> Wakeup:
    address = (server.host, server.port)
    changer_session = open_session(address, 1)
    task = changer_session.tasks[0]
    changer = Client(address, changer_session.cookie)
    clients: list[Client] = []
    versions: list[str] = []
    errors = 0
    try:
        for _ in range(waiters):
            client = Client(address, login(address))
            client.call(create_filter_xml(task), b"CreateFilterResponse")
            versions.append(_version(client.call(wait_xml(""), b"WaitForUpdatesExResponse")))
            clients.append(client)
        selector = selectors.DefaultSelector()
        for index, client in enumerate(clients):
            selector.register(client.socket, selectors.EVENT_READ, index)
        latencies, change_times = [], []
        cpu = server.cpu_seconds()
        for change in range(changes):
            for client, version in zip(clients, versions):
                client.send(wait_xml(version, MAX_WAIT_SECONDS))
            time.sleep(PARK_SECONDS)
            began = time.perf_counter()
            changer.send(update_progress_xml(task, 10 + change % 80))
            pending = set(range(waiters))
            while pending:
                for key, _ in selector.select(timeout=MAX_WAIT_SECONDS + 5.0) or _timed_out():
                    index = key.data
                    client = clients[index]
                    data = client.socket.recv(65536)
                    if not data:
                        raise ConnectionError("a waiter's connection closed")
                    client.buffer += data
                    try:
                        status, body = _whole(client)
                    except LookupError:
                        continue
                    latencies.append((time.perf_counter() - began) * 1e3)
                    pending.discard(index)
                    if status != 200 or b"WaitForUpdatesExResponse" not in body:
                        errors += 1
                    elif _VERSION.search(body):  # an answer without one is a wait that timed out
                        versions[index] = _version(body)
            status, body = changer.receive()
            change_times.append((time.perf_counter() - began) * 1e3)
            errors += status != 200
            if max(latencies[-waiters:]) > STALLED_MS and change + 1 >= STALLED_CHANGES:
                break
        cpu = server.cpu_seconds() - cpu
    finally:
        for client in [changer, *clients]:
            client.close()
    stalled = max(latencies, default=0.0) > STALLED_MS
    return Wakeup(waiters, len(change_times), latencies, change_times, cpu, errors, stalled)


def _whole(client: Client) -> tuple[int, bytes]:
    from loadgen import split_response

    response = split_response(client.buffer)
    if response is None:
        raise LookupError
    status, body, consumed = response
    del client.buffer[:consumed]
    return status, body


def _version(body: bytes) -> str:
    match = _VERSION.search(body)
    if match is None:
        raise RuntimeError(f"WaitForUpdatesEx answered without a version: {body[:300]!r}")
    return match.group(1).decode()


def _timed_out() -> list:
    raise TimeoutError(f"no waiter answered within {MAX_WAIT_SECONDS + 5} s")
