"""vim.Task's methods on the wire: CancelTask, UpdateProgress, SetTaskState, SetTaskDescription."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.faults import InvalidArgument
from vtasksim.domain.task import Task, TaskState
from vtasksim.domain.vmodl import LocalizedMethodFault
from vtasksim.wire.models import RequiredInt, RequiredMoRef, RequiredString, RequiredVimXml, VimXml
from vtasksim.wire.services import VimService, call_of, vim_method


class TaskService(VimService):

    @vim_method(RequiredMoRef)
    def CancelTask(ctx: Any, this: Any) -> Any:
        call = call_of(ctx)
        call.target(this, Task).cancel()
        return call.reply()

    @vim_method(RequiredMoRef, RequiredInt)
    def UpdateProgress(ctx: Any, this: Any, percentDone: int) -> Any:
        call = call_of(ctx)
        call.target(this, Task).update_progress(percentDone)
        return call.reply()

    @vim_method(RequiredMoRef, RequiredString, VimXml, VimXml)
    def SetTaskState(ctx: Any, this: Any, state: str, result: Any, fault: Any) -> Any:
        call = call_of(ctx)
        task = call.target(this, Task)
        new_state = _task_state(state)
        stored_fault: LocalizedMethodFault | None = call.read(fault, "LocalizedMethodFault", "fault")
        task.set_state(new_state, result=call.read(result, "xsd:anyType", "result"), fault=stored_fault)
        return call.reply()

    @vim_method(RequiredMoRef, RequiredVimXml)
    def SetTaskDescription(ctx: Any, this: Any, description: Any) -> Any:
        call = call_of(ctx)
        task = call.target(this, Task)
        task.set_description(call.read(description, "LocalizableMessage", "description"))
        return call.reply()


def _task_state(name: str) -> TaskState:
    try:
        return TaskState(name.strip())
    except ValueError:
        states = ", ".join(state.value for state in TaskState)
        raise InvalidArgument("state", f"A specified parameter was not correct: state must be one of {states}, not {name!r}.") from None
