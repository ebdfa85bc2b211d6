"""``vtasksim serve --state PATH``: a restart, even a kill -9 in the middle of traffic, loses no
acknowledged change; without --state the tasks live in memory only."""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import invariants
import soap
from running_server import RunningServer, start_server
from soap import Client, vim

WORKERS = 8
FIXTURE = "objects:\n  - {type: Folder, value: group-d1, name: Datacenters}\ntasks:\n" + "".join(
    f"  - {{key: task-d-{n}, descriptionId: com.example.durable, state: running, cancelable: true, progress: 0}}\n" for n in range(WORKERS * 4)
) + "  - {key: task-slow-cancel, descriptionId: com.example.durable, state: running, cancelable: true, cancelDelay: 1.5}\n"


@dataclass(frozen=True)
class Seen:
    """What a client was told a task is: the fields its acknowledged calls set."""

    state: str = "running"
    progress: str | None = "0"
    message: str | None = None
    result: str | None = None

    @classmethod
    def of(cls, info) -> "Seen":
        return cls(info.findtext(vim("state")), info.findtext(vim("progress")),
                   info.findtext(f"{vim('description')}/{vim('message')}"), info.findtext(vim("result")))  # fmt: skip


class Worker(threading.Thread):
    """Changes its own tasks until the server goes away, remembering every acknowledged change
    and the one call in flight when it went."""

    def __init__(self, client: Client, number: int) -> None:
        super().__init__(daemon=True)
        self.client, self.number = client, number
        self.acknowledged: dict[str, Seen] = {f"task-d-{number * 4 + n}": Seen() for n in range(4)}
        self.in_flight: tuple[str, Seen] | None = None
        self.calls = 0

    def call(self, key: str, after: Seen, *request: str) -> str | None:
        self.in_flight = (key, after)
        answer = self.client.call(*request)
        assert answer.status == 200, answer.text
        self.acknowledged[key], self.in_flight = after, None
        self.calls += 1
        return answer.payload.findtext(f"{vim('returnval')}/{vim('key')}")

    def run(self) -> None:
        try:
            for step in range(1, 10_000):
                for key in [f"task-d-{self.number * 4 + n}" for n in range(4)]:
                    seen = self.acknowledged[key]
                    self.call(key, replace(seen, progress=str(step % 101)), "UpdateProgress", "Task", key, f"<percentDone>{step % 101}</percentDone>")
                    message = f"step {step}"
                    description = f"<description><key>com.example.step</key><message>{message}</message></description>"
                    self.call(key, replace(self.acknowledged[key], message=message), "SetTaskDescription", "Task", key, description)
                self.create_and_finish(step)
        except (OSError, AssertionError):
            pass  # the server was killed: what was acknowledged so far is what counts

    def create_and_finish(self, step: int) -> None:
        arguments = '<obj type="Folder">group-d1</obj><taskTypeId>com.example.durable</taskTypeId><cancelable>true</cancelable>'
        self.in_flight = None  # an unacknowledged CreateTask names no task we could look for
        answer = self.client.call("CreateTask", "TaskManager", "TaskManager", arguments)
        assert answer.status == 200, answer.text
        key = answer.payload.findtext(f"{vim('returnval')}/{vim('key')}") or ""
        self.acknowledged[key] = Seen(state="queued", progress=None)
        self.call(key, Seen(state="running", progress=None), "SetTaskState", "Task", key, "<state>running</state>")
        result = f"result-{self.number}-{step}"
        self.call(key, Seen(state="success", progress=None, result=result), "SetTaskState", "Task", key,
                  f'<state>success</state><result xsi:type="xsd:string">{result}</result>')  # fmt: skip


def kill(server: RunningServer) -> None:
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=10)


def test_kill_9_mid_traffic_loses_no_acknowledged_change(tmp_path: Path) -> None:
    """Eight clients change tasks and create new ones as fast as they can; the server is killed
    with SIGKILL in the middle. Restarted on the same state file, every change a client got a
    success answer for is there (the one call in flight per client may or may not have been)."""
    fixture, state = tmp_path / "fixture.yaml", tmp_path / "state.db"
    fixture.write_text(FIXTURE)
    server = start_server(fixture, "--state", str(state))
    workers = [Worker(soap.login(server.url), n) for n in range(WORKERS)]
    for worker in workers:
        worker.start()
    time.sleep(2.5)
    kill(server)
    for worker in workers:
        worker.join(timeout=20)
    acknowledged_calls = sum(worker.calls for worker in workers)
    assert acknowledged_calls > 100, f"only {acknowledged_calls} calls before the kill: the test shows nothing"

    restarted = start_server(fixture, "--state", str(state))
    try:
        client = soap.login(restarted.url)
        keys = [key for worker in workers for key in worker.acknowledged]
        infos = invariants.check_registry(client, keys)
        lost = []
        for worker in workers:
            for key, seen in worker.acknowledged.items():
                found = Seen.of(infos[key]) if key in infos else None
                allowed = {seen} | ({worker.in_flight[1]} if worker.in_flight and worker.in_flight[0] == key else set())
                if found not in allowed:
                    lost.append(f"{key}: acknowledged {seen}, found {found}")
        assert not lost, f"{len(lost)} of {len(keys)} tasks lost acknowledged changes:\n" + "\n".join(lost[:10])
    finally:
        restarted.stop()


def test_a_cancelation_under_way_takes_effect_after_a_restart(tmp_path: Path) -> None:
    """vim.Task.rst: CancelTask is asynchronous. Acknowledged (cancelled, still running) before a
    kill -9, the cancelation still ends the task in error once the server is back."""
    fixture, state = tmp_path / "fixture.yaml", tmp_path / "state.db"
    fixture.write_text(FIXTURE)
    server = start_server(fixture, "--state", str(state))
    assert soap.login(server.url).call("CancelTask", "Task", "task-slow-cancel").status == 200
    kill(server)
    restarted = start_server(fixture, "--state", str(state))
    try:
        client = soap.login(restarted.url)
        info = client.task_info("task-slow-cancel")
        assert (info.findtext(vim("cancelled")), info.findtext(vim("state"))) == ("true", "running")
        deadline = time.monotonic() + 10
        while client.task_info("task-slow-cancel").findtext(vim("state")) == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
        info = client.task_info("task-slow-cancel")
        assert info.findtext(vim("state")) == "error"
        assert soap.xsi_type(info.find(f"{vim('error')}/{vim('fault')}")) == "RequestCanceled"
    finally:
        restarted.stop()


def test_without_state_a_restart_starts_from_the_fixture(tmp_path: Path) -> None:
    """No --state: the tasks live in memory, as they always did."""
    fixture = tmp_path / "fixture.yaml"
    fixture.write_text(FIXTURE)
    server = start_server(fixture)
    assert soap.login(server.url).call("UpdateProgress", "Task", "task-d-0", "<percentDone>77</percentDone>").status == 200
    server.stop()
    restarted = start_server(fixture)
    try:
        assert soap.login(restarted.url).task_info("task-d-0").findtext(vim("progress")) == "0"
    finally:
        restarted.stop()
