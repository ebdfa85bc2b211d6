"""The real govc reads task history and events from vtasksim, and prints what the fixture holds.

govc is found through ``GOVC`` or ``PATH`` (``.ci/run`` puts the shared tools on PATH); without
it these tests skip, saying so. It runs as a user runs it: ``GOVC_URL`` with a user and password,
``GOVC_INSECURE=1`` and ``GOVC_PERSIST_SESSION=false``, in UTC so that the times it prints can
be checked.
"""

from __future__ import annotations

import os
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

import pytest
import yaml

from running_server import REPO, RunningServer, smart_connect, start_server
from tools import find_tool

DEFAULT_FIXTURE = REPO / "fixtures" / "default.yaml"
Govc = Callable[..., str]


def govc_runner(server: RunningServer, home: Path) -> Govc:
    env = dict(
        os.environ, GOVC_URL=f"http://alice:pw@{server.host}:{server.port}/sdk", GOVC_INSECURE="1",
        GOVC_PERSIST_SESSION="false", TZ="UTC", HOME=str(home),
    )  # fmt: skip
    path = find_tool("govc")

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
    """govc against a server nothing changes: what it prints comes from the fixture alone."""
    return govc_runner(default_server, tmp_path)


@pytest.fixture(scope="module")
def lab_server() -> Iterator[RunningServer]:
    """The default fixture again, for tests that add tasks with pyVmomi before govc reads them."""
    running = start_server(DEFAULT_FIXTURE)
    yield running
    running.stop()


@pytest.fixture
def lab_govc(lab_server: RunningServer, tmp_path: Path) -> Govc:
    return govc_runner(lab_server, tmp_path)


@pytest.fixture
def lab_si(lab_server: RunningServer) -> Iterator:
    from pyVim.connect import Disconnect

    si = smart_connect(lab_server, "alice", "pw")
    yield si
    Disconnect(si)


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


def test_govc_events_shows_a_task_created_by_pyvmomi_last(lab_govc: Govc, lab_si) -> None:
    from pyVmomi import vim

    vm = vim.VirtualMachine("vm-44", lab_si._stub)
    lab_si.RetrieveContent().taskManager.CreateTask(obj=vm, taskTypeId="com.example.govc", initiatedBy="alice", cancelable=False)
    lines = lab_govc("events", "-l").splitlines()
    assert lines[-1].endswith("[TaskEvent] Task: com.example.govc (target=VirtualMachine db-01)")


# govc tasks: one row per task, as cli/task/recent.go formats it


def go_duration(seconds: float) -> str:
    """Go's time.Duration.String() for the whole seconds and minutes a fixture's times differ by."""
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest}s" if minutes else f"{rest}s"


def govc_row(name: str, target: str, user: str, queued: str, started: str, completed: str, result: str) -> str:
    return f"{name:<40} {target:<30} {user:<30} {queued:>9} {started:>9} {completed:>9} {result}"


HEADER = govc_row("Task", "Target", "Initiator", "Queued", "Started", "Completed", "Result")


def expected_row(task: dict, entity_name: str) -> str:
    """The row govc prints for a task of the fixture that has not completed."""
    name = task.get("name", "").removesuffix("_Task") or task["descriptionId"]
    user = task["reason"]["userName"].split("\\")[-1]
    progress = f"{task.get('progress', 0):2d}% Task:{task['key']}"
    if "startTime" in task:
        queued = go_duration((task["startTime"] - task["queueTime"]).total_seconds())
        started = f"{task['startTime']:%H:%M:%S}"
    else:
        queued = started = "-"
    return govc_row(name, entity_name, user, queued, started, "-", f"{task['state']:<7} [{progress}]")


def incomplete_fixture_tasks(entity: str | None = None) -> list[dict]:
    return [
        task for task in fixture_tasks()
        if task["state"] in ("queued", "running") and (entity is None or task["entity"]["value"] == entity)
    ]  # fmt: skip


def test_govc_tasks_prints_the_recent_tasks_as_a_table(govc: Govc) -> None:
    """Without flags govc lists TaskManager.recentTask through a ListView: the fixture's queued
    and running tasks (its completed ones are older than ten minutes)."""
    named = names()
    lines = govc("tasks").splitlines()
    assert lines[0] == HEADER
    expected = [expected_row(task, named[task["entity"]["value"]]) for task in incomplete_fixture_tasks()]
    assert sorted(line.rstrip() for line in lines[1:]) == sorted(expected)


def test_govc_tasks_json_holds_each_recent_task_info(govc: Govc) -> None:
    import json

    printed = {info["key"]: info for info in json.loads(govc("tasks", "-json"))["tasks"]}
    expected = {task["key"]: task for task in incomplete_fixture_tasks()}
    assert printed.keys() == expected.keys()
    for key, task in expected.items():
        assert printed[key]["state"] == task["state"]
        assert printed[key]["descriptionId"] == task["descriptionId"]
        assert printed[key]["entity"]["value"] == task["entity"]["value"]
        assert printed[key].get("progress", 0) == task.get("progress", 0)


def test_govc_tasks_of_a_vm_by_its_inventory_path(govc: Govc) -> None:
    """``govc tasks PATH`` follows the entity's own recentTask."""
    lines = govc("tasks", "/DC-Lab/vm/Web/web-01").splitlines()
    expected = [expected_row(task, "web-01") for task in incomplete_fixture_tasks("vm-42")]
    assert [line.rstrip() for line in lines[1:]] == expected


def test_govc_tasks_r_reads_history_below_a_folder(govc: Govc) -> None:
    """``-r PATH`` with ``-b``: a TaskHistoryCollector on the folder with recursion ``all``, filtered by
    start time, read with ReadNextTasks until it is empty."""
    lines = govc("tasks", "-r", "-b", "100000h", "/DC-Lab/vm/Web").splitlines()
    under_web = {"vm-42", "vm-43", "vm-45"}
    # govc prints only the tasks a user started (a scheduled or alarm task names no user)
    started = [
        task for task in fixture_tasks()
        if task["entity"]["value"] in under_web and "startTime" in task and "userName" in task["reason"]
    ]  # fmt: skip
    keys_printed = [line.split("Task:")[-1].rstrip("]") for line in lines[1:] if "Task:" in line]
    assert sorted(keys_printed) == sorted(task["key"] for task in started if task["state"] == "running")
    assert len(lines) - 1 == len(started)  # completed ones print their duration instead of their key
    assert not any(names()[value] in line for line in lines for value in ("vm-44", "domain-c8"))  # not below Web


def create_task(si, vm_value: str, state: str, progress: int | None = None):
    from pyVmomi import vim

    vm = vim.VirtualMachine(vm_value, si._stub)
    info = si.RetrieveContent().taskManager.CreateTask(obj=vm, taskTypeId="com.example.govc", initiatedBy="alice", cancelable=True)
    task = vim.Task(info.key, si._stub)
    task.SetTaskState("running")
    if progress is not None:
        task.UpdateProgress(progress)
    if state != "running":
        task.SetTaskState(state)
    return task


def test_govc_tasks_b_1h_reads_the_last_hour_of_history(lab_govc: Govc, lab_si) -> None:
    done = create_task(lab_si, "vm-42", "success")
    running = create_task(lab_si, "vm-43", "running", progress=30)
    lines = lab_govc("tasks", "-b", "1h").splitlines()
    rows = {line.split()[0]: line for line in lines[1:]}
    assert lines[0] == HEADER and set(rows) == {"com.example.govc"} or len(lines) > 2
    mine = [line for line in lines[1:] if f"Task:{running.info.key}]" in line]
    assert mine == [govc_row(
        "com.example.govc", "web-02", "alice", mine[0].split()[3], f"{running.info.startTime:%H:%M:%S}", "-",
        f"running [30% Task:{running.info.key}]",
    )]  # fmt: skip
    finished = [line for line in lines[1:] if line.startswith("com.example.govc") and "web-01" in line and "success" in line]
    assert finished and done.info.completeTime.strftime("%H:%M:%S") in finished[-1]
    assert not any("PowerOnVM" in line for line in lines)  # the fixture's tasks started long before the hour


def test_govc_tasks_s_running_lists_only_running_tasks(lab_govc: Govc, lab_si) -> None:
    running = create_task(lab_si, "vm-44", "running", progress=12)
    create_task(lab_si, "vm-44", "success")
    lines = lab_govc("tasks", "-s", "running").splitlines()
    assert all(" running [" in line for line in lines[1:])
    assert any(f"[12% Task:{running.info.key}]" in line for line in lines[1:])


class Following:
    """A ``govc … -f`` left running, as a user leaves it in a terminal; its lines read as they come."""

    def __init__(self, server: RunningServer, home: Path, *args: str) -> None:
        import queue
        import threading

        env = dict(
            os.environ, GOVC_URL=f"http://alice:pw@{server.host}:{server.port}/sdk", GOVC_INSECURE="1",
            GOVC_PERSIST_SESSION="false", TZ="UTC", HOME=str(home),
        )  # fmt: skip
        self._process = subprocess.Popen([find_tool("govc"), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self._lines.put(line) for line in self._process.stdout], daemon=True).start()  # type: ignore[union-attr]

    def wait_for(self, text: str, seconds: float = 20) -> str:
        import queue

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if text in line:
                return line
        raise AssertionError(f"govc printed no line with {text!r} in {seconds} s")

    def stop(self) -> None:
        self._process.kill()
        self._process.wait(10)


def test_govc_tasks_f_follows_a_progress_change_made_by_pyvmomi(lab_server: RunningServer, lab_si, tmp_path: Path) -> None:
    """``govc tasks -f`` keeps watching; a progress change made by pyVmomi shows up as a new row."""
    task = create_task(lab_si, "vm-45", "running", progress=5)
    following = Following(lab_server, tmp_path, "tasks", "-f")
    try:
        following.wait_for(f"[ 5% Task:{task.info.key}]")
        task.UpdateProgress(64)
        assert following.wait_for(f"[64% Task:{task.info.key}]").startswith("com.example.govc")
    finally:
        following.stop()


def test_govc_events_f_follows_the_task_events_of_new_tasks(lab_server: RunningServer, lab_si, tmp_path: Path) -> None:
    """``govc events -f`` watches the collector's latestPage: a task created by pyVmomi appears."""
    following = Following(lab_server, tmp_path, "events", "-f")
    try:
        following.wait_for("] [info] Task: ")  # the latest page as it was: govc is watching
        create_task(lab_si, "vm-43", "running")
        assert following.wait_for("Task: com.example.govc (target=VirtualMachine web-02)").startswith("[")
    finally:
        following.stop()


def readme_govc_examples() -> list[tuple[list[str], list[str]]]:
    """The ``$ govc …`` commands of the README's history section, each with the lines it shows."""
    import re
    import shlex

    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Task history and events"):]
    block = re.search(r"```console\n(.*?)```", section, flags=re.S)
    assert block is not None
    examples: list[tuple[list[str], list[str]]] = []
    for line in block.group(1).splitlines():
        if line.startswith("$ govc "):
            examples.append((shlex.split(line[len("$ govc "):]), []))
        else:
            examples[-1][1].append(line)
    return examples


def test_readme_govc_output_is_what_govc_prints(govc: Govc) -> None:
    examples = readme_govc_examples()
    assert [args[0] for args, _ in examples] == ["tasks", "tasks", "events"]
    for args, shown in examples:
        assert [line.rstrip() for line in govc(*args).splitlines()] == shown, args
