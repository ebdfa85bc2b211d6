"""Timelines: steps that happen to a task at offsets of time, played on the simulator's clock.

A step goes running, sets progress, changes the description, succeeds with a result, fails with
a fault, or cancels the task, each through the Task method the matching vim call uses
(``set_state``, ``update_progress``, ``set_description``, ``cancel``): clamping, InvalidState,
NotSupported and cancel delays hold for a timeline exactly as for a client. A step the task
refuses (a client completed it first, say) is skipped and noted, never raised: the timeline
is a script of what *tries* to happen, the task's rules decide what does.

Offsets count from the task's creation (``after``), or from the server's start (``at``: for a
fixture task the same instant; for a task made later, a step already due runs at once).
A progress ramp is written as one step and played as one UpdateProgress per ``every``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vtasksim.domain.clock import Clock, Scheduled
from vtasksim.domain.faults import MethodFault
from vtasksim.domain.task import Task, TaskState
from vtasksim.domain.vmodl import LocalizableMessage, LocalizedMethodFault

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SetState:
    state: TaskState
    result: Any = None
    error: LocalizedMethodFault | None = None

    def apply(self, task: Task) -> None:
        task.set_state(self.state, result=self.result, fault=self.error)

    def describe(self) -> str:
        return f"state {self.state.value}"


@dataclass(frozen=True, slots=True)
class SetProgress:
    percent: int

    def apply(self, task: Task) -> None:
        task.update_progress(self.percent)

    def describe(self) -> str:
        return f"progress {self.percent}"


@dataclass(frozen=True, slots=True)
class SetDescription:
    message: LocalizableMessage

    def apply(self, task: Task) -> None:
        task.set_description(self.message)

    def describe(self) -> str:
        return f"description {self.message.key}"


@dataclass(frozen=True, slots=True)
class Cancel:
    def apply(self, task: Task) -> None:
        task.cancel()

    def describe(self) -> str:
        return "cancel"


Action = SetState | SetProgress | SetDescription | Cancel


@dataclass(frozen=True, slots=True)
class Step:
    offset: float  # seconds from the origin
    action: Action
    from_start: bool = False  # ``at``: the origin is the server's start, not the task's creation


def ramp(offset: float, start: int, end: int, over: float, every: float, from_start: bool = False) -> list[Step]:
    """``progress: {from: A, to: B, over: D, every: E}``: A at ``offset``, B at ``offset + D``,
    evenly between, one step per E seconds (the last one lands on B whatever E divides)."""
    count = max(1, round(over / every)) if over > 0 else 0
    steps = [Step(offset, SetProgress(start), from_start)]
    for n in range(1, count + 1):
        steps.append(Step(offset + over * n / count, SetProgress(round(start + (end - start) * n / count)), from_start))
    return steps


@dataclass(frozen=True, slots=True)
class Timeline:
    steps: tuple[Step, ...]

    def play(self, task: Task, clock: Clock, server_start: datetime) -> "Playback":
        playback = Playback(task, clock)
        elapsed = (clock.now() - server_start).total_seconds()
        for step in sorted(self.steps, key=lambda s: s.offset - (elapsed if s.from_start else 0)):
            delay = step.offset - elapsed if step.from_start else step.offset
            playback.schedule(max(0.0, delay), step)
        return playback


@dataclass(frozen=True, slots=True)
class Outcome:
    time: datetime
    step: Step
    #: None: applied; else the vim fault with which the task refused it.
    refused: MethodFault | None = None


@dataclass
class Playback:
    """One timeline playing on one task: what ran, what was refused, what is still to come.

    Steps due now (offset 0) run at once, before ``play`` returns, so a client that creates a
    task sees its first step already applied, and a control-API caller gets the refusal.
    """

    task: Task
    clock: Clock
    outcomes: list[Outcome] = field(default_factory=list)
    pending: dict[int, tuple[Step, Scheduled | None]] = field(default_factory=dict)
    _numbers: int = 0

    def schedule(self, delay: float, step: Step) -> None:
        number = self._numbers = self._numbers + 1
        if delay <= 0:
            self.pending[number] = (step, None)
            self._run(number)
            return
        self.pending[number] = (step, self.clock.call_later(delay, lambda: self._run(number)))

    def _run(self, number: int) -> None:
        step, _ = self.pending.pop(number)
        try:
            step.action.apply(self.task)
        except MethodFault as fault:
            log.info("timeline of %s: %s refused (%s: %s)", self.task.ref.value, step.action.describe(), fault.vim_type, fault.message)
            self.outcomes.append(Outcome(self.clock.now(), step, fault))
            return
        self.outcomes.append(Outcome(self.clock.now(), step))

    def stop(self) -> None:
        for _, scheduled in self.pending.values():
            if scheduled is not None:
                scheduled.cancel()
        self.pending.clear()


