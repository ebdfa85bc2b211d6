"""Fixtures for the benchmark, in the format users write (DESIGN.md): running tasks of a realistic shape."""

from __future__ import annotations

from pathlib import Path

_OBJECTS = """\
objects:
  - {type: Folder, value: group-d1, name: Datacenters}
  - {type: Datacenter, value: datacenter-2, name: DC0}
  - {type: VirtualMachine, value: vm-42, name: web-01}
"""

# Every field a busy vCenter task carries: an entity, a user reason, a description with an argument.
_TASK = """\
  - key: {key}
    descriptionId: com.example.backup.run
    entity: {{type: VirtualMachine, value: vm-42}}
    state: running
    cancelable: true
    progress: 40
    description: {{key: com.example.backup.copy, message: "Copying disk 2 of 3", arg: [{{key: disk, value: 2}}]}}
    reason: {{type: TaskReasonUser, userName: backup@vsphere.local}}
    queueTime: 2026-01-01T10:00:00Z
    startTime: 2026-01-01T10:00:02Z
"""


def task_key(index: int) -> str:
    return f"task-{1000 + index}"


def write_fixture(path: Path, task_count: int) -> Path:
    """A fixture of ``task_count`` running tasks, keyed ``task_key(0)``, ``task_key(1)``, …"""
    tasks = "".join(_TASK.format(key=task_key(index)) for index in range(task_count))
    path.write_text(_OBJECTS + ("tasks:\n" + tasks if tasks else "tasks: []\n"))
    return path
