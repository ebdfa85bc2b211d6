"""vim.TaskHistoryCollector: the tasks a TaskFilterSpec selects, as TaskInfo, page by page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from vtasksim.domain.history.history_collector import HistoryCollector
from vtasksim.domain.history.task_filter import TaskFilterSpec, task_matches
from vtasksim.domain.registry import Registry
from vtasksim.domain.task import Task, TaskInfo
from vtasksim.domain.vmodl import MoRef

if TYPE_CHECKING:
    from vtasksim.domain.session_manager import Session


class TaskHistoryCollector(HistoryCollector[Task]):
    vim_type = "TaskHistoryCollector"

    def __init__(
        self, ref: MoRef, spec: TaskFilterSpec, owner: "Session", page_size: int, registry: Registry,
        release: Callable[[HistoryCollector], None],
    ) -> None:  # fmt: skip
        super().__init__(ref, spec, owner, page_size, release)
        self._registry = registry

    def matches(self, item: Task) -> bool:
        return task_matches(self.filter, item.info, self._registry)

    def value_of(self, item: Task) -> TaskInfo:
        return item.info

    # ReadNextTasks, ReadPreviousTasks

    def read_next_tasks(self, max_count: int) -> list[TaskInfo]:
        return self.read_next(max_count)

    def read_previous_tasks(self, max_count: int) -> list[TaskInfo]:
        return self.read_previous(max_count)
