"""One task as a row of the list: what a vSphere admin reads in the Recent Tasks pane.

Everything a row shows is computed here, in Python, once per change: the page only lays rows
out, so its cost does not grow with what a task holds.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from vtasksim.app.vim_json import iso
from vtasksim.domain.task import (
    Task,
    TaskInfo,
    TaskReasonAlarm,
    TaskReasonSchedule,
    TaskReasonSystem,
    TaskReasonUser,
)
from vtasksim.domain.vmodl import DataObject, LocalizableMessage, MoRef, TypedValue, VimData

#: The name of a managed object, or None when the simulator does not know it.
NameOf = Callable[[MoRef], str | None]

#: How much of a result or error a row carries; the detail view has all of it.
TEXT_LIMIT = 300


def task_row(task: Task, name_of: NameOf) -> dict[str, Any]:
    info = task.info
    return {
        "key": info.key,
        "state": info.state.value,
        "cancelled": info.cancelled,
        "cancelable": info.cancelable,
        "progress": info.progress,
        "title": task_title(info),
        "type": info.name or info.descriptionId,
        "entity": _entity_name(info, name_of),
        "user": initiator(info, name_of),
        "queued": _time(info.queueTime),
        "started": _time(info.startTime),
        "completed": _time(info.completeTime),
        "fault": info.error.fault.vim_type if info.error is not None else None,
        "outcome": _outcome(info, name_of),
    }


def task_title(info: TaskInfo) -> str:
    """The description's message; else its key with its arguments; else the method, as words."""
    if info.description is not None:
        return message_text(info.description)
    if info.name:
        return method_words(info.name)
    return info.descriptionId or info.key


def method_words(method: str) -> str:
    """``PowerOnVM_Task`` → ``Power on VM``: a method name read the way the vSphere Client labels it."""
    words = _WORD_BREAK.split(method.removesuffix("_Task").replace("_", ""))
    return " ".join([words[0], *(word if word.isupper() else word.lower() for word in words[1:])])


#: Between a lower-case letter and a capital, and before the last capital of an acronym (VMHost).
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def message_text(message: LocalizableMessage) -> str:
    if message.message:
        return message.message
    if not message.arg:
        return message.key
    args = ", ".join(f"{arg.key}={value_text(arg.value, None)}" for arg in message.arg)
    return f"{message.key} ({args})"


def initiator(info: TaskInfo, name_of: NameOf) -> str:
    """Who started the task, as the reason says."""
    reason = info.reason
    if isinstance(reason, TaskReasonUser):
        return reason.userName
    if isinstance(reason, TaskReasonSchedule):
        return "Scheduled task: " + (reason.name or _name(reason.scheduledTask, name_of) or "?")
    if isinstance(reason, TaskReasonAlarm):
        return "Alarm: " + (reason.alarmName or _name(reason.alarm, name_of) or "?")
    if isinstance(reason, TaskReasonSystem):
        return "System"
    return reason.vim_type


def value_text(value: Any, name_of: NameOf | None) -> str:
    """A result or argument in a few words: a MoRef by its name, a data object by its type."""
    if isinstance(value, MoRef):
        name = name_of(value) if name_of is not None else None
        return f"{name} ({value.value})" if name else f"{value.type}:{value.value}"
    if isinstance(value, TypedValue):
        return value_text(value.value, name_of)
    if isinstance(value, (VimData, DataObject)):
        return value.vim_type
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(item, name_of) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _outcome(info: TaskInfo, name_of: NameOf) -> str | None:
    if info.error is not None:
        text = info.error.localizedMessage or info.error.fault.vim_type
    elif info.result is not None:
        text = value_text(info.result, name_of)
    else:
        return None
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def _entity_name(info: TaskInfo, name_of: NameOf) -> str | None:
    if info.entityName:
        return info.entityName
    return _name(info.entity, name_of) or (info.entity.value if info.entity is not None else None)


def _name(ref: MoRef | None, name_of: NameOf) -> str | None:
    return name_of(ref) if ref is not None else None


def _time(moment: Any) -> str | None:
    return iso(moment) if moment is not None else None
