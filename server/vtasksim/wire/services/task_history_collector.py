"""vim.TaskHistoryCollector on the wire: ReadNextTasks, ReadPreviousTasks."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.history.task_history_collector import TaskHistoryCollector
from vtasksim.wire.models import RequiredInt, RequiredMoRef
from vtasksim.wire.services import VimService, call_of, vim_method


class TaskHistoryCollectorService(VimService):

    @vim_method(RequiredMoRef, RequiredInt)
    def ReadNextTasks(ctx: Any, this: Any, maxCount: int) -> Any:
        call = call_of(ctx)
        return call.reply(call.target(this, TaskHistoryCollector).read_next_tasks(maxCount), "TaskInfo")

    @vim_method(RequiredMoRef, RequiredInt)
    def ReadPreviousTasks(ctx: Any, this: Any, maxCount: int) -> Any:
        call = call_of(ctx)
        return call.reply(call.target(this, TaskHistoryCollector).read_previous_tasks(maxCount), "TaskInfo")
