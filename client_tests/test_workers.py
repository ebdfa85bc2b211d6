"""``vtasksim serve --workers 2``: HTTP read in worker processes, one vCenter in the owner.

Every HTTP test of the single-process fast path runs again here, through workers (pipelining,
split requests, documents and calls on one connection, ``Connection: close``, 413, the idle
timeout, a long poll holding the requests behind it). Then what only several processes can get
wrong: a task made through one connection is there at once through every other (issue 9: "the
state stays one consistent vCenter"), a long poll wakes on a change made through another
worker, documents name the port the client used, a worker that dies is replaced with the state
intact, and stopping the server stops its workers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

import soap
from running_server import REPO, RunningServer, served, smart_connect, vtasksim_command
from soap import Client
from test_http_fast_path import (  # noqa: F401  (the fast path's tests and fixtures, run through workers)
    IDLE_TIMEOUT,
    TASKS,
    Connection,
    client,
    connection,
    fetch_info,
    fixture_text,
    task_of,
    test_a_long_poll_holds_the_requests_behind_it,
    test_a_request_split_across_segments_is_answered,
    test_answers_carry_the_same_headers_on_either_path,
    test_connection_close_is_honoured,
    test_idle_connection_after_a_call_is_closed,
    test_keep_alive_mixes_documents_and_calls,
    test_login_sets_the_cookie_on_the_fast_path,
    test_many_requests_behind_a_long_poll_are_held_then_answered_in_order,
    test_over_limit_body_is_still_refused_with_413,
    test_pipelined_requests_are_answered_in_order,
    waiting,
)

WORKERS = 2


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    directory = tmp_path_factory.mktemp("workers")
    with served(directory, fixture_text(), "--idle-timeout", str(IDLE_TIMEOUT), "--workers", str(WORKERS)) as server:
        wait_for_workers(server, WORKERS)
        yield server


def workers_of(server: RunningServer) -> list[int]:
    """The worker processes the server runs (its children)."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    return [int(pid) for pid in children if "vtasksim.app.workers.worker" in _command_line(int(pid)) and _alive(int(pid))]


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_for_workers(server: RunningServer, count: int, timeout: float = 20.0, gone: int | None = None) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = workers_of(server)
        if len(pids) == count and gone not in pids:
            return pids
        time.sleep(0.05)
    raise AssertionError(f"expected {count} workers, found {workers_of(server)}")


def test_a_task_created_through_one_connection_is_visible_at_once_through_every_other(running: RunningServer, client: Client) -> None:
    """Issue 9: "a task created through one connection is visible at once through every other".
    CreateTask on one connection, then at once Fetch of it on each of the others, many times
    over connections the workers share among themselves."""
    connections = [Connection(running.url, client.cookie) for _ in range(6)]
    try:
        for round_number in range(24):
            maker = connections[round_number % len(connections)]
            create = soap.operation(
                "CreateTask", "TaskManager", "TaskManager",
                '<obj type="Folder">group-d1</obj><taskTypeId>com.example.workers</taskTypeId>'
                "<initiatedBy>workers</initiatedBy><cancelable>true</cancelable>",
            )  # fmt: skip
            maker.send(maker.post(create))
            created, _ = maker.response()
            assert created.status == 200 and not created.is_fault, created.text
            key = created.payload.findtext(f"{soap.vim('returnval')}/{soap.vim('key')}") or created.returnvals[0].text
            for reader in connections:
                if reader is not maker:
                    reader.send(reader.post(fetch_info(key)))
                    assert task_of(reader.response()[0]) == key
    finally:
        for opened in connections:
            opened.close()


def test_both_workers_serve_calls(running: RunningServer, client: Client) -> None:
    """The connections spread over the workers: each worker holds some of them and answers on them."""
    workers = wait_for_workers(running, WORKERS)
    connections = [Connection(running.url, client.cookie) for _ in range(16)]
    try:
        for opened in connections:
            opened.send(opened.post(fetch_info(TASKS[0])))
        for opened in connections:
            assert task_of(opened.response()[0]) == TASKS[0]
        holders = {_holder_of(opened, running.port, workers) for opened in connections}
    finally:
        for opened in connections:
            opened.close()
    assert holders == set(workers), holders  # all on one worker: a chance of 2 in 65,536


def _holder_of(connection: Connection, server_port: int, pids: list[int]) -> int | None:
    """The process holding the server's end of ``connection`` (by its socket's inode)."""
    client_port = connection.socket.getsockname()[1]
    inode = next(
        fields[9] for fields in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
        if int(fields[1].split(":")[1], 16) == server_port and int(fields[2].split(":")[1], 16) == client_port
    )  # fmt: skip
    target = f"socket:[{inode}]"
    for pid in pids:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
            except OSError:
                continue
    return None


def test_pyvmomi_long_poll_wakes_on_a_change_made_through_another_connection(running: RunningServer) -> None:
    """pyVmomi's WaitForUpdatesEx on one connection; UpdateProgress through another (another
    worker, as the kernel hands them out): the waiter wakes with the new progress."""
    from pyVmomi import vim, vmodl

    waiter_si, changer_si = smart_connect(running), smart_connect(running)
    task = vim.Task(TASKS[3], stub=waiter_si._stub)
    collector = waiter_si.content.propertyCollector
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=task)],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.Task, pathSet=["info.progress"])],
    )
    collector.CreateFilter(spec, partialUpdates=False)
    version = collector.WaitForUpdatesEx("", vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=0)).version
    woken: list = []
    waiting = threading.Thread(target=lambda: woken.append(collector.WaitForUpdatesEx(version, vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=20))))
    waiting.start()
    time.sleep(0.3)
    assert not woken, "answered before any change"
    vim.Task(TASKS[3], stub=changer_si._stub).UpdateProgress(77)
    waiting.join(timeout=10)
    assert woken and woken[0] is not None, "the waiter was not woken"
    changes = [change for update in woken[0].filterSet for obj in update.objectSet for change in obj.changeSet]
    assert [(change.name, change.val) for change in changes] == [("info.progress", 77)]


def test_documents_name_the_port_the_client_used(running: RunningServer) -> None:
    """A document is served by the owner's own site (a worker passes the connection on), yet its
    soap:address is the address the client connected to."""
    connection = Connection(running.url, None)
    try:
        connection.send(connection.get("/sdk/vimService.wsdl"))
        document, _ = connection.response()
    finally:
        connection.close()
    assert document.status == 200
    assert f'location="http://127.0.0.1:{running.port}/sdk"'.encode() in document.body


def test_a_worker_that_dies_is_replaced_and_the_state_is_intact(running: RunningServer, client: Client) -> None:
    changed = client.call("UpdateProgress", "Task", TASKS[2], "<percentDone>42</percentDone>")
    assert changed.status == 200 and not changed.is_fault, changed.text
    victim, survivor = wait_for_workers(running, WORKERS)
    os.kill(victim, signal.SIGKILL)
    replaced = [pid for pid in wait_for_workers(running, WORKERS, gone=victim) if pid != survivor]
    assert len(replaced) == 1 and victim not in replaced
    for _ in range(10):  # on fresh connections, whichever worker takes them
        connection = Connection(running.url, client.cookie)
        try:
            connection.send(connection.post(fetch_info(TASKS[2])))
            answer, _ = connection.response()
        finally:
            connection.close()
        assert task_of(answer) == TASKS[2] and b"<progress>42</progress>" in answer.body


def test_stopping_the_server_stops_its_workers(tmp_path: Path) -> None:
    with served(tmp_path, fixture_text(), "--workers", str(WORKERS)) as server:
        workers = wait_for_workers(server, WORKERS)
        assert server.stop() == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.05)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived the server"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_refuse_tls_with_a_clear_message(tmp_path: Path) -> None:
    fixture = tmp_path / "fixture.yaml"
    fixture.write_text(fixture_text())
    done = subprocess.run(
        vtasksim_command("serve", "--port", "0", "--fixtures", str(fixture), "--workers", "2", "--tls"),
        capture_output=True, text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(REPO / "server")),
    )  # fmt: skip
    assert done.returncode == 2
    assert "--workers serves plain HTTP" in done.stderr


def test_the_listening_socket_is_not_accepted_on_by_the_owner(running: RunningServer) -> None:
    """The owner keeps its core for calls: every client connection is a worker's."""
    owner = running.process.pid
    listening = {line.split()[9] for line in Path("/proc/net/tcp").read_text().splitlines()[1:] if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == running.port}
    assert listening, "no listening socket found"
    probe = socket.create_connection((running.host, running.port), timeout=5)
    try:
        time.sleep(0.2)
        owner_sockets = {os.readlink(f"/proc/{owner}/fd/{fd}") for fd in os.listdir(f"/proc/{owner}/fd")}
        local_port = probe.getsockname()[1]
        accepted_inode = next(
            line.split()[9] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
            if int(line.split()[1].split(":")[1], 16) == running.port and int(line.split()[2].split(":")[1], 16) == local_port
        )  # fmt: skip
        assert f"socket:[{accepted_inode}]" not in owner_sockets
    finally:
        probe.close()
