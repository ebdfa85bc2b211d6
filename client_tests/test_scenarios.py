"""Timelines over the wire, on manual time: what a pyVmomi client waiting on a task sees, step by
step; CreateTask'd tasks playing their type's timeline; driving tasks through the control API."""

from __future__ import annotations

import threading

import pytest

from vtasksim.testing.control import Control, ControlAPIError

SCENARIO = """\
objects:
  - {type: VirtualMachine, value: vm-42, name: web-01}
tasks:
  - key: task-201
    descriptionId: com.example.backup.run
    entity: {type: VirtualMachine, value: vm-42}
    cancelable: true
    timeline:
      - {after: 1s, state: running}
      - {after: 2s, progress: 40}
      - {after: 3s, description: {key: com.example.backup.verify, message: Verifying}}
      - {after: 4s, progress: {from: 60, to: 100, over: 2s}}
      - {after: 7s, state: success, result: backup-42}
  - key: task-202
    descriptionId: com.example.backup.run
    cancelable: true
    state: running
    cancelDelay: 2
    timeline:
      - {after: 1s, progress: 30}
      - {after: 2s, cancel: true}
      - {after: 3s, progress: 60}
      - {after: 5s, progress: 90}
timelines:
  com.example.provision:
    - {state: running}
    - {after: 5s, progress: 40}
    - {after: 10s, state: error, error: {fault: {type: NotFound}, localizedMessage: "The template is gone."}}
"""


class Observer:
    """Runs pyVim's WaitForTask in a thread and notes what the task looks like at every wake-up."""

    def __init__(self, task) -> None:
        self.task = task
        self.seen: list[tuple] = []
        self.changed = threading.Condition()
        self.outcome: object = None
        self.thread = threading.Thread(target=self._wait, daemon=True)

    def _note(self, task, _progress) -> None:
        info = task.info
        snapshot = (info.state, info.progress, info.description.message if info.description else None)
        with self.changed:
            if not self.seen or self.seen[-1] != snapshot:
                self.seen.append(snapshot)
            self.changed.notify_all()

    def _wait(self) -> None:
        from pyVim.task import WaitForTask

        try:
            self.outcome = WaitForTask(self.task, onProgressUpdate=self._note, getAllUpdates=True)
        except Exception as error:  # the task's fault, for a timeline that fails
            self.outcome = error
        with self.changed:
            self.changed.notify_all()

    def until(self, count: int) -> tuple:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.seen) >= count, timeout=10), self.seen
            return self.seen[count - 1]


@pytest.fixture
def scenario(start):
    server = start(SCENARIO, "--clock", "manual")
    return server, Control(server.base)


def test_wait_for_task_sees_every_step_in_order(scenario, connect) -> None:
    """Each step of task-201's timeline, one clock second at a time, as WaitForTask sees it."""
    from pyVmomi import vim

    server, control = scenario
    si = connect(server)
    observer = Observer(vim.Task("task-201", si._stub))
    observer.thread.start()
    assert observer.until(1) == ("queued", None, None)  # nothing happens while time stands still
    expected = [
        ("running", None, None),
        ("running", 40, None),
        ("running", 40, "Verifying"),
        ("running", 60, "Verifying"),
        ("running", 80, "Verifying"),
        ("running", 100, "Verifying"),
        ("success", 100, "Verifying"),
    ]
    for n, step in enumerate(expected, start=2):
        control.advance("1s")
        assert observer.until(n) == step
    observer.thread.join(10)
    assert observer.outcome == "success"
    assert observer.task.info.result == "backup-42"
    assert len(observer.seen) == len(expected) + 1  # no step skipped, none seen twice


def test_a_cancel_step_follows_the_cancel_rules(scenario, connect) -> None:
    """The cancel step goes through CancelTask's rules: with a 2 s cancel delay the task keeps
    running (and takes progress) until it ends in RequestCanceled; a step after that is refused
    with InvalidState, as UpdateProgress on a completed task is, and noted."""
    from pyVmomi import vim, vmodl

    server, control = scenario
    task = vim.Task("task-202", connect(server)._stub)
    control.advance("2s")
    assert (task.info.state, task.info.progress, task.info.cancelled) == ("running", 30, True)
    control.advance("1s")
    assert (task.info.state, task.info.progress) == ("running", 60)  # cancelation under way
    control.advance("1s")
    assert task.info.state == "error" and isinstance(task.info.error, vmodl.fault.RequestCanceled)
    control.advance("1s")
    assert task.info.progress == 60
    done = control.get("tasks/task-202/timeline")
    assert [step["step"] for step in done["done"]] == ["progress 30", "cancel", "progress 60", "progress 90"]
    assert done["done"][3]["refused"]["type"] == "InvalidState" and done["pending"] == 0
    assert all("refused" not in step for step in done["done"][:3])


def test_create_task_plays_its_types_timeline(scenario, connect) -> None:
    """CreateTask of a type with a timeline: running at once, progress at 5 s, NotFound at 10 s."""
    from pyVim.task import WaitForTask
    from pyVmomi import vim

    server, control = scenario
    si = connect(server)
    content = si.RetrieveContent()
    info = content.taskManager.CreateTask(obj=content.rootFolder, taskTypeId="com.example.provision", initiatedBy="me", cancelable=False)
    task = vim.Task(info.key, si._stub)
    assert task.info.state == "running"  # the step due at once is applied before CreateTask returns
    control.advance("5s")
    assert task.info.progress == 40
    control.advance("5s")
    with pytest.raises(vim.fault.NotFound) as failed:
        WaitForTask(task)
    assert failed.value.msg == "The template is gone."
    other = content.taskManager.CreateTask(obj=content.rootFolder, taskTypeId="com.example.other", initiatedBy="me", cancelable=False)
    assert vim.Task(other.key, si._stub).info.state == "queued"  # a type without a timeline


def test_drive_a_task_through_the_control_api(scenario) -> None:
    _, control = scenario
    created = control.post("tasks", {"taskTypeId": "com.example.report", "cancelable": True,
                                     "timeline": [{"after": "2s", "state": "running"}]})
    key = created["key"]
    assert created["state"] == "queued" and created["reason"] == {"_type": "TaskReasonUser", "userName": "vtasksim"}
    control.advance("2s")
    assert control.task(key)["state"] == "running"
    assert control.post(f"tasks/{key}/steps", {"progress": 150})["progress"] == 100  # clamped, as UpdateProgress
    later = control.post(f"tasks/{key}/steps", [{"after": "1s", "state": "success", "result": 7}])
    assert later["state"] == "running"
    control.advance("1s")
    assert control.task(key)["result"] == 7
    with pytest.raises(ControlAPIError) as refused:
        control.post(f"tasks/{key}/steps", {"state": "running"})
    assert refused.value.status == 409 and refused.value.answer["fault"]["type"] == "InvalidState"
    with pytest.raises(ControlAPIError) as bad:
        control.post(f"tasks/{key}/steps", {"state": "error", "error": {"fault": {"type": "SystemError", "reason": "x"}}})
    assert bad.value.status == 400 and "does not extend VimFault" in bad.value.message
    with pytest.raises(ControlAPIError) as bad:
        control.post(f"tasks/{key}/steps", {"progress": 1, "cancel": True})
    assert bad.value.status == 400 and "a step does one of" in bad.value.message
