"""The task view's server side without a browser: rows (what a task looks like in the list),
the JSON of vim values, and the feed that coalesces changes into one batch per 100 ms.

Time is Twisted's ``task.Clock`` standing in for the reactor, so a test says exactly when a
batch goes out; the tasks live in a real Simulator loaded from the default fixture.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from twisted.internet.task import Clock as FakeReactor

from vtasksim.app.fixtures import load_fixture
from vtasksim.app.request_log import RequestLog, RequestRecord
from vtasksim.app.ui.feed import FLUSH_INTERVAL, TaskFeed
from vtasksim.app.ui.rows import message_text, method_words, task_row, task_title
from vtasksim.app.vim_json import to_json
from vtasksim.domain.clock import ManualClock
from vtasksim.domain.simulator import Simulator
from vtasksim.domain.task import Task, TaskInfo, TaskState
from vtasksim.domain.vmodl import KeyAnyValue, LocalizableMessage, MoRef

DEFAULT_FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "default.yaml"
T0 = datetime(2026, 1, 1, 10, 0, tzinfo=timezone.utc)


class Page:
    """A browser's end of the event stream: the events it received, parsed."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict]] = []

    def send(self, chunk: bytes) -> None:
        text = chunk.decode()
        if text.startswith(":"):
            self.events.append(("comment", {}))
            return
        name_line, data_line, *_ = text.split("\n")
        self.events.append((name_line.removeprefix("event: "), json.loads(data_line.removeprefix("data: "))))

    def batches(self) -> list[dict]:
        return [data for name, data in self.events if name == "tasks"]


@pytest.fixture
def simulator() -> Simulator:
    return load_fixture(DEFAULT_FIXTURE, ManualClock(T0))


@pytest.fixture
def reactor() -> FakeReactor:
    return FakeReactor()


@pytest.fixture
def feed(simulator: Simulator, reactor: FakeReactor) -> TaskFeed:
    return TaskFeed(simulator, reactor)


def task(simulator: Simulator, key: str) -> Task:
    return simulator.registry.get(MoRef("Task", key), Task)


def row(simulator: Simulator, key: str) -> dict:
    found = task(simulator, key)
    return task_row(found, lambda ref: getattr(simulator.registry.find(ref), "name", None))


# The detail view's TaskInfo: vim_json's shapes


def test_a_tasks_info_is_json_with_vim_names_and_a_stored_fault_says_its_type(simulator):
    converted = to_json(task(simulator, "task-106").info)
    assert list(converted)[:2] == ["key", "task"]  # schema order
    assert converted["task"] == {"type": "Task", "value": "task-106"}
    assert converted["error"] == {
        "fault": {"_type": "FileNotFound", "file": "[datastore1] db-01/db-01.vmdk"},
        "localizedMessage": "File [datastore1] db-01/db-01.vmdk was not found",
    }
    assert converted["reason"] == {"_type": "TaskReasonUser", "userName": "VSPHERE.LOCAL\\Administrator"}
    assert converted["queueTime"] == "2025-12-31T22:30:00Z"
    assert "result" not in converted and "progress" not in converted  # unset, as on the wire
    json.dumps(converted)


# Rows: what the list shows of a task


def test_the_title_is_the_descriptions_message_else_its_key_with_arguments_else_the_method():
    with_message = LocalizableMessage("com.example.copy", [KeyAnyValue("disk", 2)], "Copying disk 2")
    assert message_text(with_message) == "Copying disk 2"
    without = LocalizableMessage("com.example.copy", [KeyAnyValue("disk", 2), KeyAnyValue("of", 3)])
    assert message_text(without) == "com.example.copy (disk=2, of=3)"
    assert message_text(LocalizableMessage("com.example.idle")) == "com.example.idle"
    info = TaskInfo(key="task-1", task=MoRef("Task", "task-1"), queueTime=T0, name="PowerOnVM_Task", descriptionId="VirtualMachine.powerOn")
    assert task_title(info) == "Power on VM"  # the method, as the vSphere Client words it
    info.name = None
    assert task_title(info) == "VirtualMachine.powerOn"


@pytest.mark.parametrize("method, words", [
    ("PowerOnVM_Task", "Power on VM"), ("ReconfigureComputeResource_Task", "Reconfigure compute resource"),
    ("CreateSnapshot_Task", "Create snapshot"), ("EnterMaintenanceMode_Task", "Enter maintenance mode"),
    ("ReconnectHost_Task", "Reconnect host"), ("CreateVM_Task", "Create VM"), ("MarkAsTemplate", "Mark as template"),
    ("Destroy", "Destroy"),
])
def test_a_method_reads_as_words(method, words):
    assert method_words(method) == words


def test_a_row_names_the_target_the_initiator_and_the_outcome(simulator):
    backup = row(simulator, "task-102")
    assert (backup["title"], backup["entity"], backup["user"]) == ("Copying disk 2 of 3", "web-01", "backup@vsphere.local")
    assert (backup["state"], backup["progress"], backup["started"]) == ("running", 40, "2025-12-31T23:50:02Z")
    assert row(simulator, "task-105")["outcome"] == "web-03 (vm-45)"
    assert row(simulator, "task-106")["fault"] == "FileNotFound"
    assert row(simulator, "task-109")["user"] == "Scheduled task: Nightly snapshot of web-01"
    assert row(simulator, "task-110")["user"] == "Alarm: Virtual machine heartbeat"
    json.dumps(row(simulator, "task-107"))


def test_a_long_result_is_cut_in_the_row(simulator):
    long_running = task(simulator, "task-103")
    long_running.set_state(TaskState.success, result="x" * 5000)
    assert len(row(simulator, "task-103")["outcome"]) == 300


# The feed: every open page gets a snapshot, then coalesced batches


def test_a_page_gets_every_task_first(feed):
    page = Page()
    feed.open(page)
    name, data = page.events[0]
    assert name == "snapshot"
    assert {row["key"] for row in data["rows"]} == {f"task-{n}" for n in range(101, 111)}


def test_a_thousand_changes_to_one_task_go_out_as_one_row(feed, simulator, reactor):
    page = Page()
    feed.open(page)
    running = task(simulator, "task-103")
    for percent in range(1000):
        running.update_progress(percent % 101)
    assert page.batches() == []  # nothing before the interval ends
    reactor.advance(FLUSH_INTERVAL)
    [batch] = page.batches()
    assert [row["key"] for row in batch["rows"]] == ["task-103"]
    assert batch["rows"][0]["progress"] == 999 % 101


def test_every_page_gets_the_same_batch(feed, simulator, reactor):
    first, second = Page(), Page()
    feed.open(first)
    feed.open(second)
    task(simulator, "task-102").cancel()
    reactor.advance(FLUSH_INTERVAL)
    assert first.batches() == second.batches() and len(first.batches()) == 1
    assert first.batches()[0]["rows"][0]["cancelled"] is True


def test_a_task_made_by_create_task_arrives_in_the_next_batch(feed, simulator, reactor):
    page = Page()
    feed.open(page)
    made = simulator.task_manager.create_task(MoRef("VirtualMachine", "vm-42"), "com.example.t", "me", True)
    reactor.advance(FLUSH_INTERVAL)
    [batch] = page.batches()
    assert [row["key"] for row in batch["rows"]] == [made.key]
    assert batch["rows"][0]["entity"] == "web-01"


def test_a_task_added_without_a_change_is_found_within_a_second_and_a_removed_one_goes(feed, simulator, reactor):
    page = Page()
    feed.open(page)
    simulator.add_task(TaskInfo(key="task-900", task=MoRef("Task", "task-900"), queueTime=T0))
    simulator.registry.remove(MoRef("Task", "task-104"))
    reactor.advance(1.0)  # the next check notices
    reactor.advance(FLUSH_INTERVAL)
    [batch] = page.batches()
    assert [row["key"] for row in batch["rows"]] == ["task-900"]
    assert batch["removed"] == ["task-104"]


def test_with_no_page_open_the_feed_does_not_listen(feed, simulator, reactor):
    page = Page()
    feed.open(page)
    feed.close(page)
    task(simulator, "task-103").update_progress(5)
    assert reactor.getDelayedCalls() == []
    assert feed._on_change not in simulator.changes._listeners  # the SOAP calls pay nothing for the view


def test_an_idle_stream_gets_keep_alive_comments(feed, reactor):
    page = Page()
    feed.open(page)
    reactor.pump([1.0] * 15)
    assert ("comment", {}) in page.events


def test_history_of_a_task_is_announced_to_open_pages(feed, reactor):
    page = Page()
    feed.open(page)
    feed.history_grew(MoRef("Task", "task-102"))
    feed.history_grew(MoRef("TaskManager", "TaskManager"))  # not a task: nothing to announce
    reactor.advance(FLUSH_INTERVAL)
    [batch] = page.batches()
    assert batch == {"rows": [], "removed": [], "history": ["task-102"]}


def test_a_fixture_loaded_anew_reaches_open_pages_as_a_snapshot(feed, simulator, reactor):
    page = Page()
    feed.open(page)
    fresh = load_fixture(DEFAULT_FIXTURE, ManualClock(T0))
    feed.switch(fresh)
    assert [name for name, _ in page.events] == ["snapshot", "snapshot"]
    task(simulator, "task-103").update_progress(1)  # the old simulator: nobody listens now
    task(fresh, "task-102").update_progress(2)
    reactor.advance(FLUSH_INTERVAL)
    [batch] = page.batches()
    assert [(row["key"], row["progress"]) for row in batch["rows"]] == [("task-102", 2)]


def test_a_logged_call_on_a_task_is_announced_while_a_page_is_open(simulator, reactor):
    requests = RequestLog()
    feed = TaskFeed(simulator, reactor, requests)
    page = Page()
    feed.open(page)
    requests.add(RequestRecord(requests.next_id(), 0.0, "me", "UpdateProgress", MoRef("Task", "task-103"), None, None, 0.3, 200))
    reactor.advance(FLUSH_INTERVAL)
    assert page.batches()[-1]["history"] == ["task-103"]
    feed.close(page)
    assert requests._listeners == []
