"""The task view over plain HTTP: its addresses, its read-only rule, and the event stream as a
browser reads it, fed by changes pyVmomi makes on the shared server.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from conftest import logged_in_stub
from pyVmomi import vim

from running_server import RunningServer, start_server


class EventReader:
    """Reads ``/ui/events`` in a thread, as EventSource does: each event's name and JSON data.

    HTTP/1.0, so the stream comes unchunked and ends when the socket does.
    """

    def __init__(self, server: RunningServer, token: str | None = None) -> None:
        address = urlsplit(server.base)
        self._socket = socket.create_connection((address.hostname, address.port), timeout=10)
        authorization = f"Authorization: Bearer {token}\r\n".encode() if token else b""
        self._socket.sendall(b"GET /ui/events HTTP/1.0\r\nAccept: text/event-stream\r\n" + authorization + b"\r\n")
        self._stream = self._socket.makefile("rb")
        self.status = self._stream.readline().decode().split()[1]
        self.headers: dict[str, str] = {}
        while (line := self._stream.readline().decode().strip()) and ":" in line:
            name, _, value = line.partition(":")
            self.headers[name.lower()] = value.strip()
        self.events: list[tuple[str, dict]] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        name = None
        try:
            while line := self._stream.readline():
                text = line.decode().rstrip("\n")
                if text.startswith("event: "):
                    name = text.removeprefix("event: ")
                elif text.startswith("data: ") and name:
                    self.events.append((name, json.loads(text.removeprefix("data: "))))
        except (OSError, ValueError):
            pass  # closed by the test

    def wait_for(self, predicate, timeout: float = 5.0) -> list[tuple[str, dict]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(predicate(name, data) for name, data in list(self.events)):
                return list(self.events)
            time.sleep(0.02)
        raise AssertionError(f"no such event within {timeout} s; got {[name for name, _ in self.events]}")

    def close(self) -> None:
        self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)
        self._stream.close()
        self._socket.close()


@pytest.fixture
def events(server: RunningServer):
    reader = EventReader(server)
    yield reader
    reader.close()


def rows_of(events: list[tuple[str, dict]], key: str) -> list[dict]:
    return [row for name, data in events if name == "tasks" for row in data["rows"] if row["key"] == key]


def test_ui_redirects_to_the_page_which_loads_only_its_own_assets(server):
    response = requests.get(server.base + "/ui", allow_redirects=False, timeout=10)
    assert response.status_code == 303 and response.headers["Location"] == "/ui/"
    page = requests.get(server.base + "/ui/", timeout=10)
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<title>Recent Tasks" in page.text
    for asset, kind in (("app.js", "text/javascript"), ("app.css", "text/css"), ("favicon.svg", "image/svg+xml")):
        assert f"static/{asset}" in page.text
        served = requests.get(f"{server.base}/ui/static/{asset}", timeout=10)
        assert served.status_code == 200 and served.headers["Content-Type"].startswith(kind)
        again = requests.get(f"{server.base}/ui/static/{asset}", headers={"If-None-Match": served.headers["ETag"]}, timeout=10)
        assert again.status_code == 304


def test_nothing_on_the_page_comes_from_another_site(server):
    text = requests.get(server.base + "/ui/", timeout=10).text
    text += requests.get(server.base + "/ui/static/app.js", timeout=10).text
    text += requests.get(server.base + "/ui/static/app.css", timeout=10).text
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/ui/", "/ui/api/tasks", "/ui/events", "/ui/static/app.js"])
def test_the_view_is_read_only(server, method, path):
    response = requests.request(method, server.base + path, data=b"x", timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert response.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("path", ["/ui/nothing", "/ui/static/nothing.js", "/ui/api/tasks/task-nothing", "/ui/api", "/ui/static"])
def test_an_unknown_address_is_a_plain_404(server, path):
    response = requests.get(server.base + path, timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/plain") and "<html" not in response.text


def test_the_task_api_gives_rows_and_a_tasks_full_info(server, tasks):
    key = tasks.take("error")
    rows = requests.get(server.base + "/ui/api/tasks", timeout=10).json()["rows"]
    assert key in {row["key"] for row in rows}
    detail = requests.get(f"{server.base}/ui/api/tasks/{key}", timeout=10).json()
    assert detail["row"]["state"] == "error" and detail["row"]["outcome"] == "fixture error"
    assert detail["info"]["key"] == key and detail["info"]["task"] == {"type": "Task", "value": key}
    assert detail["info"]["error"]["fault"]["_type"] == "InvalidState"
    assert detail["info"]["entity"] == {"type": "VirtualMachine", "value": "vm-42"}


def test_the_stream_starts_with_every_task_then_sends_what_pyvmomi_changed(server, tasks, events):
    key = tasks.take("running")
    assert events.status == "200"
    assert events.headers["content-type"] == "text/event-stream; charset=utf-8"
    snapshot = events.wait_for(lambda name, data: name == "snapshot")[0][1]
    assert key in {row["key"] for row in snapshot["rows"]}

    vim.Task(key, logged_in_stub(server.url)).UpdateProgress(42)
    seen = events.wait_for(lambda name, data: any(r["key"] == key and r["progress"] == 42 for r in data.get("rows", ())) and name == "tasks", timeout=1.0)
    assert rows_of(seen, key)[-1]["state"] == "running"


def test_a_burst_of_calls_reaches_the_page_as_a_few_batches(server, tasks, events):
    """Coalescing: one row per task per 100 ms, whatever the number of calls."""
    key = tasks.take("running")
    events.wait_for(lambda name, data: name == "snapshot")
    task = vim.Task(key, logged_in_stub(server.url))
    start = time.monotonic()
    calls = 0
    for percent in range(0, 101, 2):
        task.UpdateProgress(percent)
        calls += 1
    took = time.monotonic() - start
    seen = events.wait_for(lambda name, data: any(r["key"] == key and r["progress"] == 100 for r in data.get("rows", ())), timeout=1.0)
    sent = len(rows_of(seen, key))
    assert sent <= took / 0.1 + 2, f"{calls} calls in {took:.2f} s went out as {sent} rows"
    assert sent < calls


# The request log's arguments, which the detail view tells


def test_the_request_log_keeps_each_calls_arguments_but_never_a_password(server, tasks):
    key = tasks.take("running")
    stub = logged_in_stub(server.url, user="story@vsphere.local", password="do-not-log-me")
    vim.Task(key, stub).UpdateProgress(17)
    logged = requests.get(f"{server.base}/_vtasksim/requests", params={"moref": f"Task:{key}"}, timeout=10).json()
    assert [(r["method"], r["arguments"], r["user"]) for r in logged] == [("UpdateProgress", {"percentDone": 17}, "story@vsphere.local")]
    logins = requests.get(f"{server.base}/_vtasksim/requests", params={"method": "Login"}, timeout=10)
    assert "do-not-log-me" not in logins.text
    assert {"userName": "story@vsphere.local", "password": "(hidden)"} in [r["arguments"] for r in logins.json()]


def test_an_xml_argument_is_kept_as_short_text(server, tasks):
    key = tasks.take("running")
    vim.Task(key, logged_in_stub(server.url)).SetTaskState("success", result="backup-42")
    [record] = requests.get(f"{server.base}/_vtasksim/requests", params={"moref": f"Task:{key}"}, timeout=10).json()
    assert record["arguments"]["state"] == "success"
    assert record["arguments"]["result"] == "backup-42"


# The control token


TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    path = tmp_path_factory.mktemp("guarded") / "one-task.yaml"
    path.write_text("tasks:\n  - {key: task-1, descriptionId: com.example.t, state: running}\n")
    running = start_server(path, "--control-token", TOKEN)
    yield running
    running.stop()


@pytest.mark.parametrize("path", ["/ui", "/ui/", "/ui/events", "/ui/api/tasks", "/ui/static/app.js", "/ui/?token=wrong"])
def test_with_a_control_token_the_view_wants_it_too(guarded, path):
    response = requests.get(guarded.base + path, allow_redirects=False, timeout=10)
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("text/plain") and "?token=" in response.text


def test_the_token_once_in_the_address_becomes_a_cookie_and_leaves_the_address(guarded):
    first = requests.get(f"{guarded.base}/ui/?token={TOKEN}&x=1", allow_redirects=False, timeout=10)
    assert first.status_code == 303 and first.headers["Location"] == "/ui/?x=1"
    cookie = first.headers["Set-Cookie"]
    name, _, value = cookie.split(";")[0].partition("=")
    assert name == "vtasksim_ui_token" and TOKEN not in cookie  # a digest, not the token
    assert {"Path=/ui", "HttpOnly", "SameSite=Strict"} <= {part.strip() for part in cookie.split(";")}
    session = requests.Session()
    session.cookies.set(name, value)
    assert session.get(f"{guarded.base}/ui/api/tasks", timeout=10).json()["rows"][0]["key"] == "task-1"
    session.cookies.set(name, TOKEN)  # the token itself is no cookie
    assert session.get(f"{guarded.base}/ui/api/tasks", timeout=10).status_code == 401
    bearer = requests.get(f"{guarded.base}/ui/api/tasks", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert bearer.status_code == 200


def test_a_fixture_reset_through_the_control_api_reaches_open_pages(guarded):
    reader = EventReader(guarded, token=TOKEN)
    try:
        reader.wait_for(lambda name, data: name == "snapshot")
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        stub = logged_in_stub(guarded.url)
        made = vim.ServiceInstance("ServiceInstance", stub).RetrieveContent().taskManager.CreateTask(
            obj=vim.Folder("group-d1", stub), taskTypeId="com.example.t", initiatedBy="me", cancelable=False)
        reader.wait_for(lambda name, data: name == "tasks" and made.key in {r["key"] for r in data["rows"]}, timeout=1.0)
        assert requests.post(f"{guarded.base}/_vtasksim/reset", headers=bearer, timeout=10).status_code == 200
        seen = reader.wait_for(lambda name, data: name == "snapshot" and len(reader.events) > 2, timeout=1.0)
        assert [row["key"] for row in seen[-1][1]["rows"]] == ["task-1"]  # the fixture as loaded
    finally:
        reader.close()


def test_head_on_the_event_stream_does_not_open_one(server):
    response = requests.head(server.base + "/ui/events", timeout=5)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/event-stream")


def test_a_busy_tasks_detail_carries_its_latest_200_calls_and_how_many_there_were(server, tasks):
    key = tasks.take("running")
    task = vim.Task(key, logged_in_stub(server.url))
    for percent in range(250):
        task.UpdateProgress(percent % 101)
    detail = requests.get(f"{server.base}/ui/api/tasks/{key}", timeout=10).json()
    assert detail["historyTotal"] == 250 and len(detail["history"]) == 200
    assert detail["history"][-1]["arguments"] == {"percentDone": 249 % 101}


def test_the_servers_not_found_page_points_at_the_view(server):
    response = requests.get(server.base + "/", timeout=10)
    assert response.status_code == 404 and "/ui/" in response.text


def test_a_task_let_go_by_retention_leaves_open_pages(start):
    """With room for two completed tasks, the third to complete pushes the first out of the list."""
    fixture = "tasks:\n" + "".join(
        f"  - {{key: task-{n}, descriptionId: com.example.t, state: running, queueTime: '2026-01-01T00:00:0{n}Z'}}\n" for n in (1, 2, 3)
    )
    limited = start(fixture, "--history-limit", "2")
    reader = EventReader(limited)
    try:
        reader.wait_for(lambda name, data: name == "snapshot")
        stub = logged_in_stub(limited.url)
        for n in (1, 2, 3):
            vim.Task(f"task-{n}", stub).SetTaskState("success")
        seen = reader.wait_for(lambda name, data: name == "tasks" and "task-1" in data["removed"], timeout=1.0)
        assert all("task-2" not in data.get("removed", ()) for _, data in seen)
    finally:
        reader.close()
    assert sorted(row["key"] for row in requests.get(limited.base + "/ui/api/tasks", timeout=10).json()["rows"]) == ["task-2", "task-3"]


def test_the_call_that_started_a_task_opens_its_story(server):
    stub = logged_in_stub(server.url)
    content = vim.ServiceInstance("ServiceInstance", stub).RetrieveContent()
    info = content.taskManager.CreateTask(obj=vim.VirtualMachine("vm-42", stub), taskTypeId="com.example.story", initiatedBy="me", cancelable=False)
    story = requests.get(f"{server.base}/ui/api/tasks/{info.key}", timeout=10).json()["history"]
    [created] = story
    assert created["method"] == "CreateTask" and created["started"] == {"type": "Task", "value": info.key}
    assert created["arguments"]["obj"] == {"type": "VirtualMachine", "value": "vm-42"}
    assert created["this"] == {"type": "TaskManager", "value": "TaskManager"}
