"""The fixture format as a JSON Schema (draft 2020-12): what ``vtasksim schema`` prints, what an
editor's YAML language server validates and completes with, and the loader's first check.

The schema carries the structure: which sections and fields exist, which are required, their
types, ranges and enums (task states, reason types, roles, vim fault types, vim method names).
What depends on more than one value (a reference to a declared object, a fault's fields by its
type, times in order, a state and its result or error) stays with the loader, which knows the
vim type table and the declared objects.

A null value counts as absent, as in the loader (``progress: ~`` is no progress): the document
is validated with null-valued fields removed. Keys starting with ``x-`` are the loader's own
sentences for a failed check (``x-error``, ``x-expected``, ``x-required``), which validators and
editors ignore.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from vtasksim.domain.authorization import ROLES
from vtasksim.domain.simulator import COMPAT_MODES
from vtasksim.domain.task import TaskInfo, TaskState
from vtasksim.domain.typesystem import vim_types

SCHEMA_ID = "https://github.com/vtasksim/vtasksim/fixture.schema.json"
FILE_NAME = "fixture.schema.json"

TYPE_NAME = "^[A-Z][A-Za-z0-9]*$"
METHOD_NAME = "^[A-Z][A-Za-z0-9_]*$"
PRIVILEGE = "^[A-Za-z][A-Za-z0-9]*(\\.[A-Za-z0-9_]+)+$"
DURATION = "^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h)?\\s*$"
REASON_TYPES = ("TaskReasonSystem", "TaskReasonUser", "TaskReasonAlarm", "TaskReasonSchedule")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _list(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _mapping(properties: dict[str, Any], required: tuple[str, ...] = (), description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    if description:
        schema["description"] = description
    return schema


def _text(description: str = "") -> dict[str, Any]:
    return {"type": "string", "minLength": 1, **({"description": description} if description else {})}


def _int(low: int | None = None, high: int | None = None, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer"}
    if low is not None:
        schema["minimum"] = low
    if high is not None:
        schema["maximum"] = high
    if description:
        schema["description"] = description
    return schema


def _definitions() -> dict[str, Any]:
    types = vim_types()
    seconds = {"type": "number", "minimum": 0, "description": "seconds", "x-expected": "a number of seconds",
               "x-error": "must not be negative, got {value}"}  # fmt: skip
    duration = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": DURATION}],
                "description": "2s, 500ms, 1.5m, 1h, or a number of seconds",
                "x-error": "expected a duration such as 2s, 500ms, 1m or a number of seconds, got {value!r}"}  # fmt: skip
    message = _mapping({"key": _text(), "arg": _list(_ref("keyAnyValue")), "message": {"type": ["string", "number", "boolean"]}},
                       ("key",), "a LocalizableMessage")  # fmt: skip
    fault = {
        "type": "object", "required": ["type"], "description": "a vim fault: its type, and its fields by the vim type table",
        "properties": {"type": {"type": "string", "pattern": TYPE_NAME, "x-error": "{value!r} is not a vim fault type"}},
        "x-required": {"type": "required field is missing (the fault's vim type, such as InvalidState)"},
    }  # fmt: skip
    step = _mapping(
        {
            "after": {**duration, "description": "from the task's creation"},
            "at": {**duration, "description": "from the server's start"},
            "state": _state(),
            "result": {"description": "with state success: the result (anyType)"},
            "error": _ref("error"),
            "progress": {"anyOf": [{"type": "integer"}, _mapping(
                {"from": _int(0, 100), "to": _int(0, 100), "over": duration, "every": duration}, ("from", "to", "over"))]},
            "description": _ref("message"),
            "cancel": {"const": True, "x-error": "cancel: true cancels the task; leave the step out otherwise"},
        },
        description="one thing that happens to a task: state, progress, description or cancel",
    )  # fmt: skip
    step["minProperties"] = 1
    return {
        "seconds": seconds,
        "duration": duration,
        "moref": {**_mapping({"type": {"type": "string", "pattern": TYPE_NAME, "x-error": "{value!r} is not a vim managed-object type"},
                              "value": _text()}, ("type", "value"), "a managed object reference"),
                  "x-expected": "a managed object reference {type: ..., value: ...}"},  # fmt: skip
        "keyAnyValue": _mapping({"key": _text(), "value": {}}, ("key", "value")),
        "message": message,
        "fault": fault,
        "error": _mapping({"fault": _ref("fault"), "localizedMessage": {"type": ["string", "number", "boolean"]}}, ("fault",),
                          "a LocalizedMethodFault"),  # fmt: skip
        "reason": {
            "type": "object", "required": ["type"], "description": "a TaskReason: its type and that type's fields",
            "x-required": {"type": f"required field is missing; one of {', '.join(REASON_TYPES)}"},
            "properties": {"type": {"enum": list(REASON_TYPES), "x-error": "unknown reason type {value!r}{suggestion}"},
                           "userName": _text(), "alarmName": _text(),
                           "alarm": _ref("moref"), "entityName": _text(), "entity": _ref("moref"),
                           "name": _text(), "scheduledTask": _ref("moref")},
            "additionalProperties": False,
        },  # fmt: skip
        "timeline": _list(_ref("step")),
        "step": step,
        "task": _task(),
        "object": _mapping(
            {"type": {"type": "string", "pattern": TYPE_NAME}, "value": _text(), "name": _text(),
             "parent": _text("a MoRef value or an inventory path such as DC-Lab/vm/Web"),
             "properties": {"type": "object", "description": "vim property paths and their values"},
             "customValues": {"type": "object"}},
            ("type", "value", "name"),
        ),  # fmt: skip
        "user": _mapping(
            {"name": _text(), "password": {"type": ["string", "number"]}, "role": {"enum": list(ROLES)},
             "privileges": _list({"type": "string", "pattern": PRIVILEGE})},
            ("name", "password"),
        ),  # fmt: skip
        "extension": _mapping(
            {"key": _text(), "description": _mapping({"label": _text(), "summary": _text()}, ("label",)),
             "taskList": _list(_mapping({"taskID": _text()}, ("taskID",)))},
            ("key",),
        ),  # fmt: skip
        "faultRule": _mapping(
            {"method": {"enum": [*types.method_names(), "Fetch"]}, "objectType": {"type": "string", "pattern": TYPE_NAME},
             "moref": _ref("moref"), "user": _text(),
             "probability": {"type": "number", "minimum": 0, "maximum": 1, "x-error": "a probability is 0 to 1, not {value}"},
             "skip": _int(0), "maxCount": _int(0), "fault": _ref("fault"), "message": _text(), "delay": duration,
             "drop": {"type": "boolean"}, "seed": _int()},
            description="what a matching vim call gets instead of its answer",
        ),  # fmt: skip
    }


def _state() -> dict[str, Any]:
    names = [state.value for state in TaskState]
    return {"enum": names, "x-error": f"unknown state {{value!r}}; one of {', '.join(names)}"}


def _timestamp() -> dict[str, Any]:
    # YAML reads an unquoted timestamp as one; the loader checks the text of a quoted one.
    return {"type": "string", "x-expected": "a timestamp such as 2026-01-01T10:00:00Z"}


def _task() -> dict[str, Any]:
    moref, text = _ref("moref"), _text()
    properties: dict[str, Any] = {name: text for name in TaskInfo.WIRE_ORDER}
    properties.update({
        "task": {"description": "comes from key: leave it out"},
        "description": _ref("message"), "name": {"type": "string", "pattern": METHOD_NAME},
        "entity": moref, "locked": _list(moref), "state": _state(),
        "cancelled": {"type": "boolean"}, "cancelable": {"type": "boolean"}, "error": _ref("error"),
        "result": {"description": "with state success: the result (anyType)"}, "progress": _int(0, 100),
        "progressDetails": _list(_ref("keyAnyValue")), "reason": _ref("reason"),
        "queueTime": _timestamp(), "startTime": _timestamp(), "completeTime": _timestamp(),
        "eventChainId": _int(-(2**31), 2**31 - 1),
        "cancelDelay": _ref("seconds"), "timeline": _ref("timeline"), "customValues": {"type": "object"},
    })  # fmt: skip
    return _mapping(properties, ("key", "descriptionId"), "a task, written as its TaskInfo; key is its MoRef value")


@cache
def fixture_schema() -> dict[str, Any]:
    settings = _mapping({
        "cancelDelay": _ref("seconds"),
        "compat": {"enum": list(COMPAT_MODES), "x-error": f"unknown compat mode {{value!r}}; one of {', '.join(COMPAT_MODES)} (or null)"},
        "sessionTimeout": {"type": "number", "exclusiveMinimum": 0, "x-expected": "a number of seconds",
                           "x-error": "must be more than 0 seconds, not {value}"},
        "taskMaxAge": _int(0, description="days"),
        "historyLimit": _int(0), "maxBodyBytes": _int(1), "maxArrayItems": _int(1),
        "version": {"type": ["string", "number"], "x-expected": "a vSphere API version such as 8.0.3.0",
                    "description": "the vSphere API version of the vCenter simulated, or a release (7.0)"},
    })  # fmt: skip
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "vtasksim fixture",
        "description": "A simulated vCenter's tasks and what surrounds them, with vim names everywhere.",
        **_mapping({
            "settings": settings,
            "objects": _list(_ref("object")),
            "tasks": _list(_ref("task")),
            "users": _list(_ref("user")),
            "extensions": _list(_ref("extension")),
            "timelines": {"type": "object", "additionalProperties": _ref("timeline"),
                          "description": "by task type (CreateTask's taskTypeId): steps every such task plays"},
            "faultRules": _list(_ref("faultRule")),
        }),  # fmt: skip
        "$defs": _definitions(),
    }


def schema_text() -> str:
    return json.dumps(fixture_schema(), indent=1, sort_keys=False) + "\n"
