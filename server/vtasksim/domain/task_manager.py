"""vim.TaskManager: CreateTask, CreateCollectorForTasks, and the recent tasks a vCenter lists.

``recentTask`` holds the queued and running tasks and those completed within the last ten
minutes, newest last, at most 200: roughly what a vCenter's Recent Tasks pane shows.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar, Iterator

from vtasksim.domain.faults import InvalidArgument
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.sharing import SharedValues, shared_text
from vtasksim.domain.task import Task, TaskInfo, TaskReasonUser, TaskState
from vtasksim.domain.vmodl import ElementDescription, MoRef, VimData

if TYPE_CHECKING:
    from vtasksim.domain.history.task_filter import TaskFilterSpec
    from vtasksim.domain.history.task_history_collector import TaskHistoryCollector
    from vtasksim.domain.session_manager import Session
    from vtasksim.domain.simulator import Simulator

TASK_MANAGER = MoRef("TaskManager", "TaskManager")
RECENT_WINDOW = timedelta(minutes=10)
RECENT_LIMIT = 200
#: TaskHistoryCollectors a session may have at once (vCenter's default ``task.maxCollectors``).
MAX_COLLECTOR = 32


@dataclass(slots=True)
class TaskDescription(VimData):
    vim_type: ClassVar[str] = "TaskDescription"
    methodInfo: list[ElementDescription] = field(default_factory=list)
    state: list[ElementDescription] = field(default_factory=list)
    reason: list[ElementDescription] = field(default_factory=list)


def _task_description() -> TaskDescription:
    states = [ElementDescription(s.value.capitalize(), f"Task is {s.value}", s.value) for s in TaskState]
    reasons = [
        ElementDescription("User", "Task started by a user", "TaskReasonUser"),
        ElementDescription("System", "Task started by the server", "TaskReasonSystem"),
        ElementDescription("Alarm", "Task started by an alarm", "TaskReasonAlarm"),
        ElementDescription("Schedule", "Task started by a scheduled task", "TaskReasonSchedule"),
    ]
    return TaskDescription(methodInfo=[], state=states, reason=reasons)


class TaskManager(ManagedObject):
    vim_type = "TaskManager"
    vim_properties = ("recentTask", "description", "maxCollector")

    def __init__(self, simulator: "Simulator") -> None:
        super().__init__(TASK_MANAGER)
        self._simulator = simulator
        self.description = _task_description()
        self.maxCollector = MAX_COLLECTOR
        # Counted from the tasks there are at the first CreateTask: fixtures load after start-up.
        self._numbers: Iterator[int] | None = None
        self._event_chain_ids: Iterator[int] | None = None
        #: One reason per user: every task a user starts says the same thing about why.
        self._user_reasons: SharedValues[str, TaskReasonUser] = SharedValues(_user_reason)
        simulator.changes.subscribe(self._on_change)

    @property
    def recentTask(self) -> list[MoRef]:
        return self._recent(None)

    def recent_tasks_of(self, entity: MoRef) -> list[MoRef]:
        """An entity's ``recentTask``: the part of ``recentTask`` that operates on it."""
        return self._recent(entity)

    def _recent(self, entity: MoRef | None) -> list[MoRef]:
        """The newest RECENT_LIMIT recent tasks (of ``entity``), oldest first.

        The history keeps its tasks ordered by queueTime, so this reads from the newest end and
        stops at the limit, instead of sorting every task the server has at every read.
        """
        horizon = self._simulator.clock.now() - RECENT_WINDOW
        recent: list[MoRef] = []
        for task in self._simulator.task_history.newest_first():
            info = task.info
            if (entity is None or info.entity == entity) and _is_recent(info, horizon):
                recent.append(task.ref)
                if len(recent) == RECENT_LIMIT:
                    break
        recent.reverse()
        return recent

    def create_task(
        self,
        obj: MoRef,
        task_type_id: str,
        user_name: str,
        cancelable: bool,
        parent_task_key: str | None = None,
        activation_id: str | None = None,
    ) -> TaskInfo:
        """CreateTask: a queued task on ``obj``, readable by every session once this returns.

        What tasks have in common is shared, not copied: the entity's MoRef is the registry's,
        the task type and the user's reason are one object for every task that has them.
        """
        entity = self._simulator.registry.get(obj)
        if not self._simulator.extension_manager.knows_task_type(task_type_id):
            raise InvalidArgument("taskTypeId", f"A specified parameter was not correct: taskTypeId {task_type_id!r} is not a task type any registered extension declares.")
        parent = self._parent(parent_task_key)
        if self._numbers is None or self._event_chain_ids is None:
            self._numbers = itertools.count(_first_free_number(self._simulator))
            self._event_chain_ids = itertools.count(_first_free_event_chain_id(self._simulator))
        key = f"task-{next(self._numbers)}"
        info = TaskInfo(
            key=key, task=MoRef("Task", key), queueTime=self._simulator.clock.now(),
            descriptionId=shared_text(task_type_id), entity=entity.ref, entityName=getattr(entity, "name", None),
            cancelable=cancelable, reason=self._user_reasons(user_name),
            eventChainId=next(self._event_chain_ids), parentTaskKey=parent_task_key,
            rootTaskKey=(parent.rootTaskKey or parent.key) if parent is not None else None,
            activationId=activation_id,
        )  # fmt: skip
        task = self._simulator.add_task(info)
        self._changed("recentTask")
        self._simulator.changes.publish(obj, ("recentTask",))
        timeline = self._simulator.task_type_timelines.get(task_type_id)
        if timeline is not None:
            self._simulator.play(task, timeline)  # its steps due now are applied before the reply
        return task.info  # not ``info``: a step that changed the task changed a copy of its own

    def create_collector_for_tasks(self, session: "Session", spec: "TaskFilterSpec") -> "TaskHistoryCollector":
        """CreateCollectorForTasks: a collector of the session's own; InvalidState beyond maxCollector."""
        return self._simulator.task_history.create_collector(session, spec)

    def _on_change(self, ref: MoRef, paths: tuple[str, ...]) -> None:
        # A completed task leaves recentTask ten minutes later: say so then, as a vCenter does.
        if ref.type != "Task" or "info.state" not in paths:
            return
        task = self._simulator.registry.find(ref)
        if isinstance(task, Task) and task.info.state.completed:
            # Just past the window: a task completed exactly ten minutes ago still counts as recent.
            self._simulator.clock.call_later(RECENT_WINDOW.total_seconds() + 0.001, lambda: self.task_expired(task))

    def task_expired(self, task: Task) -> None:
        """A task left the history (task.maxAge, or the retention limit): it leaves recentTask too,
        the manager's and its entity's."""
        self._changed("recentTask")
        if task.info.entity is not None:
            self._simulator.changes.publish(task.info.entity, ("recentTask",))

    def _parent(self, parent_task_key: str | None) -> TaskInfo | None:
        if parent_task_key is None:
            return None
        parent = self._simulator.registry.find(MoRef("Task", parent_task_key))
        if not isinstance(parent, Task):
            raise InvalidArgument("parentTaskKey", f"A specified parameter was not correct: parentTaskKey {parent_task_key!r} names no task.")
        return parent.info


def _user_reason(user_name: str) -> TaskReasonUser:
    return TaskReasonUser(userName=user_name)


def _is_recent(info: TaskInfo, horizon) -> bool:
    return not info.state.completed or info.completeTime is None or info.completeTime >= horizon


def _first_free_number(simulator: "Simulator") -> int:
    numbers = [int(m.group(1)) for obj in simulator.registry if (m := re.fullmatch(r"task-(\d+)", obj.ref.value))]
    return max(numbers, default=0) + 1


def _first_free_event_chain_id(simulator: "Simulator") -> int:
    ids = [obj.info.eventChainId for obj in simulator.registry if isinstance(obj, Task)]
    return max(ids, default=0) + 1
