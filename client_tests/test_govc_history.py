"""The real govc reads task history and events from vtasksim, and prints what the fixture holds.

govc is found through ``GOVC`` or ``PATH`` (``.ci/run`` puts the shared tools on PATH); without
it these tests skip, saying so. It runs as a user runs it: ``GOVC_URL`` with a user and password,
``GOVC_INSECURE=1`` and ``GOVC_PERSIST_SESSION=false``, in UTC so that the times it prints can
be checked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

import pytest
import yaml

from running_server import REPO, RunningServer, start_server

DEFAULT_FIXTURE = REPO / "fixtures" / "default.yaml"
Govc = Callable[..., str]


def govc_path() -> str:
    found = shutil.which(os.environ.get("GOVC") or "govc")
    if found is None:
        pytest.skip("govc not found: set GOVC to its path or put it on PATH")
    return found


def govc_runner(server: RunningServer, home: Path) -> Govc:
    env = dict(
        os.environ, GOVC_URL=f"http://alice:pw@{server.host}:{server.port}/sdk", GOVC_INSECURE="1",
        GOVC_PERSIST_SESSION="false", TZ="UTC", HOME=str(home),
    )  # fmt: skip
    path = govc_path()

    def run(*args: str) -> str:
        done = subprocess.run([path, *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"govc {' '.join(args)} failed:\n{done.stderr}"
        return done.stdout

    return run


@pytest.fixture(scope="module")
def default_server() -> Iterator[RunningServer]:
    running = start_server(DEFAULT_FIXTURE)
    yield running
    running.stop()


@pytest.fixture
def govc(default_server: RunningServer, tmp_path: Path) -> Govc:
    return govc_runner(default_server, tmp_path)


def ansic(when: datetime) -> str:
    """Go's time.ANSIC, as govc prints event times: ``Wed Dec 31 23:58:00 2025``."""
    return f"{when:%a %b} {when.day:2d} {when:%H:%M:%S %Y}"


def fixture_tasks() -> list[dict]:
    return yaml.safe_load(DEFAULT_FIXTURE.read_text())["tasks"]


def names() -> dict[str, str]:
    return {obj["value"]: obj["name"] for obj in yaml.safe_load(DEFAULT_FIXTURE.read_text())["objects"]}


def test_govc_events_prints_the_task_event_of_every_fixture_task(govc: Govc) -> None:
    """CreateCollectorForEvents, SetCollectorPageSize, latestPage and description.eventInfo, as govc events reads them."""
    named = names()
    expected = [
        f"[{ansic(task['queueTime'])}] [info] Task: {task['descriptionId']} "
        f"(target={task['entity']['type']} {named[task['entity']['value']]})"
        for task in sorted(fixture_tasks(), key=lambda task: task["queueTime"])
    ]
    assert govc("events", "-n", "100").splitlines() == expected


def test_govc_events_shows_a_task_created_by_pyvmomi_last(govc: Govc, default_server: RunningServer) -> None:
    from pyVim.connect import Disconnect
    from pyVmomi import vim

    from running_server import smart_connect

    si = smart_connect(default_server, "alice", "pw")
    vm = vim.VirtualMachine("vm-44", si._stub)
    si.RetrieveContent().taskManager.CreateTask(obj=vm, taskTypeId="com.example.govc", initiatedBy="alice", cancelable=False)
    Disconnect(si)
    lines = govc("events", "-l").splitlines()
    assert lines[-1].endswith("[TaskEvent] Task: com.example.govc (target=VirtualMachine db-01)")
