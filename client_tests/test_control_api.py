"""The control API under /_vtasksim/, over HTTP: health, reset, fixtures, tasks, the manual clock,
the request log, the token, and JSON errors with proper status codes."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from running_server import smart_connect
from vtasksim.testing.control import Control, ControlAPIError

FIXTURE = """\
objects:
  - {type: VirtualMachine, value: vm-42, name: web-01}
tasks:
  - key: task-101
    descriptionId: com.example.backup.run
    entity: {type: VirtualMachine, value: vm-42}
    state: running
    cancelable: true
    progress: 10
"""

TOKEN = "s3cret"


@pytest.fixture
def manual(start, tmp_path: Path):
    """A server on manual time with a control token and a trace file."""
    trace = tmp_path / "trace.jsonl"
    server = start(FIXTURE, "--clock", "manual", "--control-token", TOKEN, "--trace", str(trace), "--log-level", "INFO")
    server.trace = trace
    return server


def _raw(url: str, method: str = "GET", body: bytes | None = None, token: str | None = TOKEN) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, data=body, method=method)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_health_says_what_is_served(manual) -> None:
    health = Control(manual.base, TOKEN).health()
    assert health["status"] == "ok"
    assert health["clock"] == "manual"
    assert health["tasks"] == 1
    assert health["fixture"].endswith(".yaml")


def test_the_token_is_required_when_set(manual) -> None:
    status, headers, answer = _raw(f"{manual.base}/_vtasksim/health", token=None)
    assert status == 401 and "Bearer" in answer["error"]
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert _raw(f"{manual.base}/_vtasksim/health", token="wrong")[0] == 401


def test_errors_are_json_with_proper_codes(manual) -> None:
    base = f"{manual.base}/_vtasksim"
    status, _, answer = _raw(f"{base}/nothing-here")
    assert status == 404 and "no control API route /_vtasksim/nothing-here" in answer["error"]
    status, headers, answer = _raw(f"{base}/reset", method="PUT", body=b"{}")
    assert status == 405 and headers["Allow"] == "POST"
    status, _, answer = _raw(f"{base}/clock/advance", method="POST", body=b"{not json")
    assert status == 400 and answer["error"].startswith("the request body is not JSON")
    status, _, answer = _raw(f"{base}/clock/advance", method="POST", body=b'{"by": "soon"}')
    assert status == 400 and "expected a duration" in answer["error"]
    status, _, answer = _raw(f"{base}/tasks/task-999")
    assert status == 404 and answer == {"error": "no task 'task-999'"}
    status, _, answer = _raw(f"{base}/requests?since=-1")
    assert status == 400


def test_the_vim25_endpoint_is_untouched_by_the_token(manual, connect) -> None:
    """The token guards /_vtasksim/ only: vim clients log in as always."""
    si = connect(manual)
    assert si.content.about.apiType == "VirtualCenter"


def test_manual_time_moves_only_when_advanced(manual, connect) -> None:
    control = Control(manual.base, TOKEN)
    si = connect(manual)
    before = si.CurrentTime()
    assert si.CurrentTime() == before  # time stands still
    control.advance("90s")
    assert (si.CurrentTime() - before).total_seconds() == 90
    control.advance(0.5)
    assert (si.CurrentTime() - before).total_seconds() == 90.5


def test_advancing_a_system_clock_is_refused(start) -> None:
    server = start(FIXTURE)
    with pytest.raises(ControlAPIError) as refused:
        Control(server.base).advance("1s")
    assert refused.value.status == 409 and "--clock manual" in refused.value.message


def test_reset_serves_the_fixture_again(manual, connect) -> None:
    from pyVmomi import vim

    control = Control(manual.base, TOKEN)
    si = connect(manual)
    task = vim.Task("task-101", si._stub)
    task.UpdateProgress(70)
    assert control.task("task-101")["progress"] == 70
    control.reset()
    assert control.task("task-101")["progress"] == 10
    with pytest.raises(vim.fault.NotAuthenticated):
        task.info  # sessions went with the old state, as after a restart


def test_load_fixture_text_and_file_errors_name_the_line(manual, tmp_path: Path) -> None:
    control = Control(manual.base, TOKEN)
    loaded = control.load_fixture(yaml="tasks:\n  - {key: task-7, descriptionId: x.y, state: success}\n")
    assert loaded["tasks"] == 1 and control.task("task-7")["state"] == "success"
    with pytest.raises(ControlAPIError) as refused:
        control.load_fixture(yaml="tasks:\n  - key: task-8\n    descriptionId: x.y\n    state: runing\n")
    assert refused.value.status == 400
    assert refused.value.answer["line"] == 4 and refused.value.answer["field"] == "tasks[0].state"
    assert control.task("task-7")["state"] == "success"  # a bad fixture changes nothing
    path = tmp_path / "other.yaml"
    path.write_text(FIXTURE)
    assert control.load_fixture(path=str(path))["fixture"] == str(path)
    assert control.reset()["fixture"] == str(path)  # reset reloads the fixture loaded last


def test_request_log_records_each_call_and_filters_by_moref(manual, connect) -> None:
    from pyVmomi import vim

    control = Control(manual.base, TOKEN)
    si = connect(manual)
    since = control.requests()[-1]["id"]
    task = vim.Task("task-101", si._stub)
    task.UpdateProgress(50)
    with pytest.raises(vim.fault.InvalidState):
        task.SetTaskState("queued")
        task.SetTaskState("success")
        task.SetTaskState("running")
    records = control.requests(moref="Task:task-101", since=since)
    assert [(r["method"], r["status"]) for r in records] == [("UpdateProgress", 200), ("SetTaskState", 200), ("SetTaskState", 200), ("SetTaskState", 500)]
    first, last = records[0], records[-1]
    assert first["user"] == "administrator@vsphere.local"
    assert first["this"] == {"type": "Task", "value": "task-101"}
    assert first["fault"] is None and first["latencyMs"] > 0 and first["time"].endswith("Z")
    assert last["fault"]["type"] == "InvalidState" and "already" in last["fault"]["message"]
    assert all(r["this"]["value"] == "task-101" for r in records)
    assert control.requests(method="Login")[0]["this"]["type"] == "SessionManager"


def test_trace_file_and_info_line(manual, connect) -> None:
    from pyVmomi import vim

    si = connect(manual)
    vim.Task("task-101", si._stub).UpdateProgress(30)
    manual.stop()
    lines = [json.loads(line) for line in manual.trace.read_text().splitlines()]
    progress = [line for line in lines if line["method"] == "UpdateProgress"]
    assert progress and progress[-1]["this"] == {"type": "Task", "value": "task-101"}
    assert progress[-1]["user"] == "administrator@vsphere.local" and progress[-1]["status"] == 200
    assert "requestBody" not in progress[-1]  # bodies only with --trace-bodies
    readable = "INFO vtasksim.requests: UpdateProgress Task:task-101 by administrator@vsphere.local -> ok ("
    assert any(readable in line for line in manual.output), "\n".join(manual.output)


def test_trace_bodies(start, tmp_path: Path) -> None:
    trace = tmp_path / "bodies.jsonl"
    server = start(FIXTURE, "--trace", str(trace), "--trace-bodies")
    si = smart_connect(server)
    si.CurrentTime()
    server.stop()
    line = next(json.loads(l) for l in trace.read_text().splitlines() if json.loads(l)["method"] == "CurrentTime")
    assert "<CurrentTime" in line["requestBody"] and "<CurrentTimeResponse" in line["responseBody"]
