"""The registry invariants, read over the wire: what must hold of the server's tasks whatever
clients did to it (fuzzing, races, restarts).

- Every task's TaskInfo is coherent: its state is a vim.TaskInfo.State; a completed task
  (success, error) has a completeTime and a running or queued one has none (a queued task may
  have a startTime: SetTaskState may put a running task back in the queue); queueTime <=
  startTime <= completeTime; a result only on success; an error only on
  error; ``cancelled`` only on a cancelable task (a cancelled task may still succeed: the
  cancelation came too late); progress within 0..100.
- ``TaskManager.recentTask`` names tasks that exist (recentTask ⊆ tasks), each once.
- A completed task never changes again (exactly one terminal transition): :class:`Terminal`
  remembers what each task looked like when it was first seen completed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

import soap
from soap import Client, vim

STATES = {"queued", "running", "success", "error"}


def _time(info: etree._Element, name: str) -> datetime | None:
    text = info.findtext(vim(name))
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def task_info_problems(info: etree._Element) -> list[str]:
    """What is incoherent in one TaskInfo (empty when nothing is)."""
    key = info.findtext(vim("key"))
    state = info.findtext(vim("state"))
    problems: list[str] = []
    queued, started, completed = _time(info, "queueTime"), _time(info, "startTime"), _time(info, "completeTime")
    done = state in ("success", "error")
    if state not in STATES:
        problems.append(f"state {state!r}")
    if done != (completed is not None):
        problems.append(f"state {state} with completeTime {completed}")
    stamps = [stamp for stamp in (queued, started, completed) if stamp is not None]
    if stamps != sorted(stamps):
        problems.append(f"timestamps out of order: queue {queued}, start {started}, complete {completed}")
    if info.find(vim("result")) is not None and state != "success":
        problems.append(f"a result on a {state} task")
    if info.find(vim("error")) is not None and state != "error":
        problems.append(f"an error on a {state} task")
    cancelled = info.findtext(vim("cancelled")) == "true"
    if cancelled and info.findtext(vim("cancelable")) != "true":
        problems.append("cancelled but not cancelable")
    progress = info.findtext(vim("progress"))
    if progress is not None and not 0 <= int(progress) <= 100:
        problems.append(f"progress {progress}")
    return [f"{key}: {problem}" for problem in problems]


def recent_tasks(client: Client) -> list[str]:
    answer = client.fetch("TaskManager", "TaskManager", "recentTask")
    assert answer.status == 200, answer.text
    (returnval,) = answer.returnvals
    return [ref.text or "" for ref in returnval if isinstance(ref.tag, str)]


def task_infos(client: Client, keys: list[str]) -> dict[str, etree._Element]:
    """``info`` of every task in ``keys``, in one RetrievePropertiesEx; a missing task is absent."""
    objects = "".join(f'<objectSet><obj type="Task">{key}</obj></objectSet>' for key in keys)
    spec = f"<specSet><propSet><type>Task</type><pathSet>info</pathSet></propSet>{objects}</specSet><options/>"
    answer = client.call("RetrievePropertiesEx", "PropertyCollector", "propertyCollector", spec)
    assert answer.status == 200 and not answer.is_fault, answer.text
    infos: dict[str, etree._Element] = {}
    for returnval in answer.returnvals:
        for content in returnval.findall(vim("objects")):
            info = content.find(f"{vim('propSet')}/{vim('val')}")
            if info is not None:
                infos[content.findtext(vim("obj")) or ""] = info
    return infos


@dataclass
class Terminal:
    """Completed tasks as first seen: a later look must find them exactly so."""

    seen: dict[str, bytes] = field(default_factory=dict)

    def problems(self, infos: dict[str, etree._Element]) -> list[str]:
        found: list[str] = []
        for key, info in infos.items():
            if info.findtext(vim("state")) not in ("success", "error"):
                if key in self.seen:
                    found.append(f"{key} completed, then left its terminal state")
                continue
            terminal = soap.canonical(_terminal_part(info))
            before = self.seen.setdefault(key, terminal)
            if before != terminal:
                found.append(f"{key} changed after it completed:\n  {before!r}\n  {terminal!r}")
        return found


def _terminal_part(info: etree._Element) -> etree._Element:
    """What a completion fixes for good: state, cancelled, result, error, progress and the times."""
    kept = etree.Element("terminal")
    for name in ("state", "cancelled", "result", "error", "progress", "startTime", "completeTime"):
        for element in info.findall(vim(name)):
            kept.append(etree.fromstring(etree.tostring(element)))
    return kept


def check_registry(client: Client, keys: list[str], terminal: Terminal | None = None) -> dict[str, etree._Element]:
    """Assert every invariant over ``keys`` and the recent tasks; the infos read, by key."""
    recent = recent_tasks(client)
    assert len(recent) == len(set(recent)), f"recentTask names a task twice: {recent}"
    infos = task_infos(client, sorted(set(keys) | set(recent)))
    missing = [key for key in recent if key not in infos]
    assert not missing, f"recentTask names tasks that do not exist: {missing}"
    problems = [problem for info in infos.values() for problem in task_info_problems(info)]
    if terminal is not None:
        problems += terminal.problems(infos)
    assert not problems, "\n".join(problems)
    return infos
