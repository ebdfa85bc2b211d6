"""govc itself, run against vtasksim: ``about``, ``task.create``, ``task.set``, ``task.cancel``.

The replays in test_govc_session_replay.py send govc's recorded bytes; these run the real
program (found by tools.find_tool: ``$GOVC`` or ``PATH``; skipped, naming govc, without it), so a
newer govc that sends something else is tested too. Task.info is read back with pyVmomi.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from running_server import RunningServer
from tools import find_tool


@pytest.fixture
def govc(server: RunningServer):
    """``govc(*args)`` against the pool server: the completed process (exit status, output)."""
    program = find_tool("govc")
    url = server.url.replace("://", "://administrator%40vsphere.local:vmware@", 1)
    env = dict(os.environ, GOVC_URL=url, GOVC_INSECURE="1", GOVC_PERSIST_SESSION="false", GOVC_SHOW_UNRELEASED="true")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([program, *args], capture_output=True, text=True, timeout=60, env=env)

    return run


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"govc failed ({result.returncode}):\n{result.stdout}{result.stderr}"
    return result.stdout.strip()


def task_info(stub, reference: str):
    from pyVmomi import vim

    managed_type, _, key = reference.partition(":")
    assert managed_type == "Task", f"govc task.create printed {reference!r}, not a Task reference"
    return vim.Task(key, stub).info


def test_govc_about_names_a_vcenter(govc) -> None:
    """govc reads ServiceContent.about as from a vCenter (API type VirtualCenter)."""
    about = ok(govc("about"))
    assert "API type:     VirtualCenter" in about
    assert "API version:  8.0.3.0" in about


def test_govc_creates_runs_and_completes_a_task(govc, stub) -> None:
    """The task life govc drives: CreateTask (queued), running, progress, description, success."""
    reference = ok(govc("task.create", "com.example.govc"))
    assert task_info(stub, reference).state == "queued"
    ok(govc("task.set", "-s", "running", reference))
    ok(govc("task.set", "-p", "40", reference))
    ok(govc("task.set", "-d", "com.example.step", "-m", "copying", reference))
    info = task_info(stub, reference)
    assert (info.state, info.progress) == ("running", 40)
    assert (info.description.key, info.description.message) == ("com.example.step", "copying")
    ok(govc("task.set", "-s", "success", reference))
    assert task_info(stub, reference).state == "success"


def test_govc_sees_invalid_state_after_completion(govc, stub) -> None:
    """vim.Task.rst, SetTaskState: a completed task's state can no longer change (InvalidState);
    CancelTask on it is InvalidState too. govc exits non-zero with the fault's message."""
    reference = ok(govc("task.create", "com.example.govc"))
    ok(govc("task.set", "-s", "running", reference))
    ok(govc("task.set", "-s", "success", reference))
    again = govc("task.set", "-s", "running", reference)
    assert again.returncode != 0 and "current state" in again.stderr, again.stderr
    cancel = govc("task.cancel", reference)
    assert cancel.returncode != 0 and "current state" in cancel.stderr, cancel.stderr
    assert task_info(stub, reference).state == "success", "the failed calls left the task as it was"
