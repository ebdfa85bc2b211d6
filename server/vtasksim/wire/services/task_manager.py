"""vim.TaskManager on the wire: CreateTask, CreateCollectorForTasks."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.task_manager import TaskManager
from vtasksim.wire.models import RequiredBool, RequiredMoRef, RequiredString, RequiredVimXml, String
from vtasksim.wire.services import VimService, call_of, vim_method


class TaskManagerService(VimService):

    @vim_method(RequiredMoRef, RequiredMoRef, RequiredString, String, RequiredBool, String, String)
    def CreateTask(
        ctx: Any, this: Any, obj: Any, taskTypeId: str, initiatedBy: str | None, cancelable: bool,
        parentTaskKey: str | None, activationId: str | None,
    ) -> Any:  # fmt: skip
        call = call_of(ctx)
        entity = call.moref(obj, "obj")
        manager = call.target(this, TaskManager, privilege_on=entity)
        info = manager.create_task(
            entity, taskTypeId.strip(), call.session.info.userName, cancelable,
            parent_task_key=parentTaskKey, activation_id=activationId,
        )  # fmt: skip
        return call.reply(info, "TaskInfo")

    @vim_method(RequiredMoRef, RequiredVimXml)
    def CreateCollectorForTasks(ctx: Any, this: Any, filter: Any) -> Any:
        call = call_of(ctx)
        manager = call.target(this, TaskManager)
        collector = manager.create_collector_for_tasks(call.session, call.read(filter, "TaskFilterSpec", "filter"))
        return call.reply(collector.ref, "ManagedObjectReference")
