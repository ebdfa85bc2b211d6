"""--state's store in the process: what it writes, when, and what a restart gets back."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from twisted.web.test.requesthelper import DummyRequest

from vtasksim.app.fixtures import load_fixture_text
from vtasksim.app.site import build_site
from vtasksim.app.state import StateStore
from vtasksim.domain.clock import ManualClock
from vtasksim.domain.faults import RequestCanceled
from vtasksim.domain.task import Task, TaskState
from vtasksim.domain.vmodl import MoRef

FIXTURE = """
objects:
  - {type: Folder, value: group-d1, name: Datacenters}
tasks:
  - {key: task-a, descriptionId: com.example.run, state: running, cancelable: true, progress: 5}
  - {key: task-slow, descriptionId: com.example.run, state: running, cancelable: true, cancelDelay: 30}
"""


def simulator(clock: ManualClock | None = None):
    return load_fixture_text(FIXTURE, "state.yaml", clock or ManualClock())


def task(sim, key: str) -> Task:
    return sim.registry.get(MoRef("Task", key), Task)


def stored_keys(path: Path) -> set[str]:
    with sqlite3.connect(path) as other:  # another connection: what is committed, not what is pending
        return {key for (key,) in other.execute("SELECT key FROM tasks")}


def test_changed_and_created_tasks_are_written_in_one_flush_and_come_back(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = simulator()
    store = StateStore(path)
    store.attach(first)
    task(first, "task-a").update_progress(60)
    created = first.task_manager.create_task(MoRef("Folder", "group-d1"), "com.example.new", "me", True)
    assert stored_keys(path) == set(), "nothing is written before the flush"
    store.flush()
    assert stored_keys(path) == {"task-a", created.key}
    store.close()

    second = simulator()
    assert StateStore(path).restore(second) == 2
    assert task(second, "task-a").info.progress == 60
    assert task(second, created.key).info.descriptionId == "com.example.new"
    assert task(second, "task-slow").info.cancelled is False  # untouched: the fixture's


def test_a_cancelation_under_way_resumes_after_restore(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = simulator()
    store = StateStore(path)
    store.attach(first)
    task(first, "task-slow").cancel()
    store.close()
    clock = ManualClock()
    second = simulator(clock)
    StateStore(path).restore(second)
    restored = task(second, "task-slow")
    assert restored.info.cancelled and restored.info.state is TaskState.running
    clock.advance(30)
    assert restored.info.state is TaskState.error
    assert restored.info.error.fault.vim_type == RequestCanceled.vim_type


def test_the_site_writes_the_state_before_the_response(tmp_path: Path) -> None:
    """A client told "done" finds it done after a kill -9: the flush runs before any byte of the
    response is written."""
    path = tmp_path / "state.db"
    sim = simulator()
    store = StateStore(path)
    store.attach(sim)
    seen: list[tuple[set[str], int]] = []
    request = DummyRequest([b""])
    request.method = b"POST"
    login = sim.session_manager.login("me", "pw")
    request.requestHeaders.setRawHeaders(b"Cookie", [f'vmware_soap_session="{login.key}"'.encode()])

    def flush() -> None:
        store.flush()
        seen.append((stored_keys(path), len(request.written)))

    site = build_site(sim, before_reply=flush)
    body = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
        '<UpdateProgress xmlns="urn:vim25"><_this type="Task">task-a</_this><percentDone>70</percentDone></UpdateProgress>'
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()
    request.content = io.BytesIO(body)
    answer = site.resource.children[b"sdk"].render(request)
    assert b"UpdateProgressResponse" in answer, answer
    assert seen == [({"task-a"}, 0)], "the change was not on disk before the response"
