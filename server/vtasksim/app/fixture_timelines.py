"""Timelines as a fixture writes them (a task's ``timeline:``, and ``timelines:`` by task type).

    timeline:
      - {after: 1s, state: running}
      - {after: 2s, progress: 40}
      - {after: 3s, progress: {from: 40, to: 90, over: 5s, every: 1s}}
      - {after: 4s, description: {key: com.example.backup.verify, message: Verifying}}
      - {after: 9s, state: success, result: backup-42}     # or state: error with error: {fault: …}
      - {after: 9s, cancel: true}

Each step does one thing (``state``, ``progress``, ``description`` or ``cancel``) at ``after``
(from the task's creation) or ``at`` (from the server's start); no offset means at once. The
values are read as the task's own fields are (a fault by the vim type table, a result as
anyType), so a step can only ask for what SetTaskState and friends would accept. The control
API reads its JSON steps with the same functions.
"""

from __future__ import annotations

from yaml.nodes import MappingNode

from vtasksim.app import fixtures as f
from vtasksim.app.durations import parse_duration
from vtasksim.domain.scenarios.timeline import Action, Cancel, SetDescription, SetProgress, SetState, Step, Timeline, ramp
from vtasksim.domain.task import TaskState

_ACTIONS = ("state", "progress", "description", "cancel")


def read_timeline(at: "f._At") -> Timeline:
    return Timeline(tuple(step for item in f._items(at) for step in read_step(item)))


def read_timelines_by_type(at: "f._At | None") -> dict[str, Timeline]:
    """``timelines: {com.example.backup: [steps…]}``: CreateTask of that type plays them."""
    if f._is_null(at):
        return {}
    assert at is not None
    timelines = {}
    for task_type, steps in f._fields(at, None).items():
        timelines[task_type] = read_timeline(steps)
        for step in timelines[task_type].steps:
            if step.from_start:
                raise steps.fail("a task type's timeline counts from each task's creation: write after, not at")
    return timelines


def read_step(at: "f._At") -> list[Step]:
    found = f._fields(at, None)  # names and types: the fixture schema's step
    if "after" in found and "at" in found:
        raise found["at"].fail("a step happens after (from the task's creation) or at (from the server's start), not both")
    offset_at = found.get("after") or found.get("at")
    offset = read_duration(offset_at) if offset_at is not None else 0.0
    actions = [name for name in _ACTIONS if name in found]
    if len(actions) != 1:
        what = f"it has {', '.join(actions)}" if actions else "it has none"
        raise at.fail(f"a step does one of {', '.join(_ACTIONS)}; {what}")
    action = actions[0]
    _check_companions(found, action)
    from_start = "at" in found
    if action == "progress" and not f._is_null(found["progress"]) and isinstance(found["progress"].node, MappingNode):
        return _ramp(found["progress"], offset, from_start)
    return [Step(offset, _action(found, action), from_start)]


def _action(found: dict[str, "f._At"], action: str) -> Action:
    if action == "progress":
        return SetProgress(f._int(found["progress"], -(2**31), 2**31 - 1))  # clamped as UpdateProgress clamps
    if action == "description":
        return SetDescription(f._message(found["description"]))
    if action == "cancel":
        if f._bool(found["cancel"]) is not True:
            raise found["cancel"].fail("cancel: true cancels the task; leave the step out otherwise")
        return Cancel()
    state = f._state(found["state"])
    error = f._error(found["error"], cancelled=False) if "error" in found else None
    if state is TaskState.error and error is None:
        raise found["state"].fail("a step to state error needs an error: {fault: {type: ...}, localizedMessage: ...}")
    result = f._any_value(found["result"]) if "result" in found else None
    return SetState(state, result, error)


def _check_companions(found: dict[str, "f._At"], action: str) -> None:
    # A result goes with success and a fault with error, as SetTaskState wants them.
    if "result" in found and not (action == "state" and f._state(found["state"]) is TaskState.success):
        raise found["result"].fail("result goes with state: success")
    if "error" in found and not (action == "state" and f._state(found["state"]) is TaskState.error):
        raise found["error"].fail("error goes with state: error")


def _ramp(at: "f._At", offset: float, from_start: bool) -> list[Step]:
    found = f._fields(at, None)
    start, end = (f._int(found[name], 0, 100) for name in ("from", "to"))
    over = read_duration(found["over"])
    every = read_duration(found["every"]) if "every" in found else 1.0
    if every <= 0:
        raise found["every"].fail("every must be more than 0 seconds")
    return ramp(offset, start, end, over, every, from_start)


def read_duration(at: "f._At") -> float:
    try:
        return parse_duration(f._scalar(at))
    except ValueError as error:
        raise at.fail(str(error)) from None
