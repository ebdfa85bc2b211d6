"""Many clients at once: races on the same tasks, CreateTask storms, hundreds of held long-polls.

The server handles one call at a time, so every race must end in a state some serial order of
the accepted calls explains: exactly one terminal transition per task, timestamps in order, no
acknowledged update lost. Long-polls held by hundreds of sessions must not slow anybody else's
calls, and end when their session logs out or expires.
"""

from __future__ import annotations

import select
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator

import pytest

import hostile
import invariants
import soap
from running_server import RunningServer, served
from soap import Answer, Client, vim

RACES = 30


def fixture_text() -> str:
    lines = ["objects:", "  - {type: Folder, value: group-d1, name: Datacenters}", "tasks:"]
    for prefix, count in (("race", RACES), ("progress", RACES), ("own", 40), ("watch", 1)):
        lines += [f"  - {{key: task-{prefix}-{n}, descriptionId: com.example.race, state: running, cancelable: true}}" for n in range(count)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with served(tmp_path_factory.mktemp("concurrency"), fixture_text()) as server:
        yield server


@pytest.fixture(scope="module")
def client(running: RunningServer) -> Client:
    return soap.login(running.url)


def together(*calls: Callable[[], Answer]) -> list[Answer]:
    """Run ``calls`` at the same moment, each on a thread (and connection) of its own."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Answer]) -> Answer:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def fault_type(answer: Answer) -> str | None:
    return None if answer.status == 200 else answer.fault.type


def test_cancel_against_success_has_one_winner(client: Client) -> None:
    """vim.Task.rst: CancelTask on a completed task, and SetTaskState on one, throw InvalidState.
    Raced, exactly one of them is accepted, and the task ends as that one says."""
    keys = [f"task-race-{n}" for n in range(RACES)]
    for key in keys:
        cancel = lambda key=key: client.call("CancelTask", "Task", key)
        succeed = lambda key=key: client.call("SetTaskState", "Task", key, "<state>success</state><result xsi:type=\"xsd:string\">won</result>")
        cancel_answer, success_answer = together(cancel, succeed)
        faults = sorted(str(fault_type(answer)) for answer in (cancel_answer, success_answer))
        assert faults == ["InvalidState", "None"], f"{key}: {cancel_answer.text}\n{success_answer.text}"
        info = client.task_info(key)
        if cancel_answer.status == 200:
            assert info.findtext(vim("state")) == "error" and info.findtext(vim("cancelled")) == "true"
            assert info.find(vim("result")) is None
        else:
            assert info.findtext(vim("state")) == "success" and info.findtext(vim("result")) == "won"
            assert info.findtext(vim("cancelled")) == "false"
    invariants.check_registry(client, keys)


def test_progress_against_completion_loses_no_accepted_update(client: Client) -> None:
    """vim.Task.rst: UpdateProgress on a task that is not running throws InvalidState. Raced with
    SetTaskState(success), the accepted updates are a prefix of those sent, and the task keeps the
    last of them: nothing accepted is lost, nothing after completion is applied."""
    keys = [f"task-progress-{n}" for n in range(RACES)]
    for n, key in enumerate(keys):
        accepted: list[int] = []
        refused: list[int] = []

        def progress(key: str = key) -> Answer:
            for percent in range(1, 41):
                answer = client.call("UpdateProgress", "Task", key, f"<percentDone>{percent}</percentDone>")
                (accepted if answer.status == 200 else refused).append(percent)
                if answer.status != 200:
                    assert answer.fault.type == "InvalidState", answer.text
            return answer

        def complete(key: str = key, n: int = n) -> Answer:
            time.sleep(0.002 * (n % 10))  # completion lands at different points of the updates
            return client.call("SetTaskState", "Task", key, "<state>success</state>")

        _, completion = together(progress, complete)
        assert completion.status == 200, completion.text
        assert accepted == list(range(1, len(accepted) + 1)), f"{key}: accepted {accepted}"
        assert refused == list(range(len(accepted) + 1, 41)), f"{key}: refused {refused}"
        info = client.task_info(key)
        assert info.findtext(vim("state")) == "success"
        stored = info.findtext(vim("progress"))
        assert (int(stored) if stored else 0) == (accepted[-1] if accepted else 0), f"{key}: lost {accepted[-1:]}"
    invariants.check_registry(client, keys)


def test_no_update_is_lost_among_many_writers(client: Client) -> None:
    """Eight clients update forty tasks at once, interleaved: every task keeps the last progress
    and description its writer had acknowledged."""
    keys = [f"task-own-{n}" for n in range(40)]

    def writer(mine: list[str]) -> dict[str, tuple[int, str]]:
        last: dict[str, tuple[int, str]] = {}
        for step in range(1, 16):
            for key in mine:
                assert client.call("UpdateProgress", "Task", key, f"<percentDone>{step}</percentDone>").status == 200
                message = f"step {step} of {key}"
                description = f"<description><key>com.example.step</key><message>{message}</message></description>"
                assert client.call("SetTaskDescription", "Task", key, description).status == 200
                last[key] = (step, message)
        return last

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(writer, [keys[n::8] for n in range(8)]))
    expected = {key: value for result in results for key, value in result.items()}
    infos = invariants.check_registry(client, keys)
    for key, (step, message) in expected.items():
        info = infos[key]
        assert (info.findtext(vim("progress")), info.findtext(f"{vim('description')}/{vim('message')}")) == (str(step), message)


def test_create_task_storm_gives_every_task_once(client: Client) -> None:
    """Sixteen clients create 25 tasks each at once: 400 distinct tasks, each with its own key and
    eventChainId, all readable, queued, with a queueTime."""
    arguments = '<obj type="Folder">group-d1</obj><taskTypeId>com.example.storm</taskTypeId><initiatedBy>storm</initiatedBy><cancelable>true</cancelable>'

    def storm(_: int) -> list[tuple[str, str]]:
        created = []
        for _ in range(25):
            answer = client.call("CreateTask", "TaskManager", "TaskManager", arguments)
            assert answer.status == 200, answer.text
            (info,) = answer.returnvals
            created.append((info.findtext(vim("key")) or "", info.findtext(vim("eventChainId")) or ""))
        return created

    with ThreadPoolExecutor(16) as pool:
        created = [item for result in pool.map(storm, range(16)) for item in result]
    keys = [key for key, _ in created]
    assert len(created) == 400 and len(set(keys)) == 400, "two CreateTask calls got the same task"
    assert len({chain for _, chain in created}) == 400, "two tasks share an eventChainId"
    infos = invariants.check_registry(client, keys)
    assert set(infos) >= set(keys), "a created task cannot be read"
    assert {info.findtext(vim("state")) for key, info in infos.items() if key in set(keys)} == {"queued"}


# Long-polls


class HeldWait:
    """A session with a filter on a task and a WaitForUpdatesEx (or WaitForUpdates) held open."""

    def __init__(self, url: str, key: str, legacy: bool) -> None:
        self.client = soap.login(url)
        spec = f'<spec><propSet><type>Task</type><pathSet>info.state</pathSet></propSet><objectSet><obj type="Task">{key}</obj></objectSet></spec><partialUpdates>false</partialUpdates>'
        assert self.client.call("CreateFilter", "PropertyCollector", "propertyCollector", spec).status == 200
        first = self.client.call("WaitForUpdatesEx", "PropertyCollector", "propertyCollector", "<options><maxWaitSeconds>0</maxWaitSeconds></options>")
        version = first.payload.findtext(f"{vim('returnval')}/{vim('version')}")
        method = "WaitForUpdates" if legacy else "WaitForUpdatesEx"
        body = soap.operation(method, "PropertyCollector", "propertyCollector", f"<version>{version}</version>")
        self.socket = hostile.connect(url, timeout=30)
        head = hostile.post_head(url, len(body), f"Cookie: {self.client.cookie}\r\n")
        self.socket.sendall(head + body)

    def answered(self) -> bool:
        return bool(select.select([self.socket], [], [], 0)[0])

    def answer(self, timeout: float) -> Answer | None:
        raw = b""
        deadline = time.monotonic() + timeout
        self.socket.settimeout(timeout)
        while time.monotonic() < deadline:
            try:
                data = self.socket.recv(65536)
            except socket.timeout:
                break
            raw += data
            parsed = hostile.parse_answer(raw) if b"\r\n\r\n" in raw else None
            if not data or (parsed is not None and len(parsed.body) >= int(parsed.headers.get("content-length", 0))):
                break
        return hostile.parse_answer(raw)

    def logout(self) -> None:
        assert self.client.call("Logout", "SessionManager", "SessionManager").status == 200

    def close(self) -> None:
        self.socket.close()


def latencies(client: Client, key: str, count: int) -> list[float]:
    found = []
    for _ in range(count):
        started = time.perf_counter()
        assert client.task_info(key) is not None
        found.append((time.perf_counter() - started) * 1000)
    return found


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


HELD = 300


def test_hundreds_of_held_long_polls_slow_no_one_and_end_with_their_sessions(running: RunningServer, client: Client) -> None:
    """300 sessions hold a WaitForUpdatesEx or WaitForUpdates open at once: other clients' calls
    are as fast as before (measured), and each wait is answered RequestCanceled when its session
    logs out."""
    before = latencies(client, "task-watch-0", 200)
    waits = [HeldWait(running.url, "task-watch-0", legacy=n % 3 == 0) for n in range(HELD)]
    try:
        time.sleep(0.3)
        assert not any(wait.answered() for wait in waits), "a wait with nothing to report answered"
        during = latencies(client, "task-watch-0", 200)
        report = (
            f"Fetch(info) with {HELD} long-polls held: p50 {statistics.median(during):.2f} ms, p99 {percentile(during, 0.99):.2f} ms; "
            f"before: p50 {statistics.median(before):.2f} ms, p99 {percentile(before, 0.99):.2f} ms"
        )
        print(report)
        # Generous: this guards against waits that hold up other calls (a blocked reactor, a scan
        # per call over every wait), not the machine's load; the bench measures the cost (issue 10).
        assert statistics.median(during) < 2 * statistics.median(before) + 5.0, report
        for wait in waits:
            wait.logout()
        for wait in waits:
            answer = wait.answer(10)
            assert answer is not None, "the wait was not released by Logout"
            assert (answer.status, answer.fault.type) == (500, "RequestCanceled"), answer.text
    finally:
        for wait in waits:
            wait.close()


def test_held_long_polls_end_when_their_sessions_expire(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A session that expires (--session-timeout) takes its held wait with it: answered
    RequestCanceled within a second of the expiry, without any other call."""
    with served(tmp_path_factory.mktemp("expiry"), fixture_text(), "--session-timeout", "2") as server:
        waits = [HeldWait(server.url, "task-watch-0", legacy=n % 2 == 0) for n in range(40)]
        started = time.monotonic()
        for wait in waits:
            answer = wait.answer(6)
            assert answer is not None, "the wait outlived its session"
            assert (answer.status, answer.fault.type) == (500, "RequestCanceled"), answer.text
        assert time.monotonic() - started < 4.5
        for wait in waits:
            wait.close()
