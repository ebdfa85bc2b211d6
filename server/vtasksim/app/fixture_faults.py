"""Fault rules as a fixture (``faultRules:``) or a control-API call writes them.

    faultRules:
      - method: UpdateProgress                  # what to match; each left out matches anything
        objectType: Task
        moref: {type: Task, value: task-101}
        user: backup@vsphere.local
        skip: 2                                 # the first 2 matching calls go through
        probability: 0.5                        # then half of them (seeded: the same half each run)
        maxCount: 3                             # at most 3 times
        fault: {type: InvalidState}             # any vim fault, its fields checked by the type table
        message: The task is busy.              # the faultstring (default: names the rule)
        delay: 2s                               # answer late (with the fault, or the real answer)
      - {method: RetrievePropertiesEx, drop: true}   # close the connection, no answer

A fault here may be any vim fault (NotAuthenticated, SystemError …), unlike a task's stored
fault, which SetTaskState wants to extend VimFault: a rule imitates a failing server, not a task.
"""

from __future__ import annotations

from vtasksim.app import fixtures as f
from vtasksim.app.fixture_timelines import read_duration
from vtasksim.domain.scenarios.fault_rules import FaultRule
from vtasksim.domain.typesystem import vim_types


def read_fault_rules(at: "f._At | None") -> list[FaultRule]:
    return [read_fault_rule(item) for item in f._items(at)]


def read_fault_rule(at: "f._At", origin: str = "fixture") -> FaultRule:
    found = f._fields(at, None)  # names, types and ranges: the fixture schema's faultRule
    try:
        return FaultRule(
            method=f._optional(found, "method", f._str),
            object_type=f._optional(found, "objectType", lambda a: f._str(a, f._TYPE_NAME, "a vim managed-object type")),
            moref=f._optional(found, "moref", f._moref),
            user=f._optional(found, "user", f._str),
            probability=f._optional(found, "probability", f._number, 1.0),
            skip=f._optional(found, "skip", lambda a: f._int(a, 0, 2**31 - 1), 0),
            max_count=f._optional(found, "maxCount", lambda a: f._int(a, 0, 2**31 - 1)),
            fault=_fault(found.get("fault"), f._optional(found, "message", f._text, "")),
            delay=f._optional(found, "delay", read_duration, 0.0),
            drop=f._optional(found, "drop", f._bool, False),
            seed=f._optional(found, "seed", f._int),
            origin=origin,
        )
    except ValueError as error:  # the rule's own coherence: what it does, and how often
        raise at.fail(str(error)) from None


def _fault(at: "f._At | None", message: str) -> tuple[str, str, dict] | None:
    if at is None:
        if message:
            raise ValueError("message is the fault's message: give a fault too")
        return None
    type_at = f._peek(at, "type")
    if type_at is None:
        raise at.fail("required field is missing (the fault's vim type, such as InvalidState)", at.child(at.node, "type").path)
    name = f._str(type_at, f._TYPE_NAME, "a vim fault type")
    types = vim_types()
    if not types.has_type(name) or types.type(name).kind != "fault":
        raise type_at.fail(f"unknown fault type {name!r}{f._suggest(name, types.type_names('fault'))}")
    return name, message, f._data_fields(at, name, types)
