"""The control API's operations: what each route does to the running server, JSON in, JSON out.

Plain functions of the :class:`~vtasksim.app.runtime.Runtime`, so that the HTTP layer
(``resource.py``) only routes, authorizes and writes. Each takes the route's path groups, the
query (last value of each name) and the body (text, or None), and returns ``(status, json)``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from vtasksim import __version__
from vtasksim.app.durations import parse_duration
from vtasksim.app import fixtures
from vtasksim.app.fixture_faults import read_fault_rule
from vtasksim.app.fixture_timelines import read_step, read_timeline
from vtasksim.app.fixture_validation import schema_error
from vtasksim.app.fixtures import FixtureError
from vtasksim.app.runtime import FixtureSource, Runtime
from vtasksim.app.vim_json import iso, to_json
from vtasksim.domain.faults import MethodFault
from vtasksim.domain.scenarios.fault_rules import FaultRule
from vtasksim.domain.scenarios.timeline import Outcome, Timeline
from vtasksim.domain.task import Task, TaskState
from vtasksim.domain.vmodl import MoRef

Answer = tuple[int, Any]
Endpoint = tuple[str, str, Callable[..., Answer]]


class ControlError(Exception):
    def __init__(self, status: int, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.details = status, message, details

    def as_json(self) -> dict[str, Any]:
        return {"error": self.message, **self.details}


def fault_error(fault: MethodFault) -> ControlError:
    """The simulator refused (the same vim fault a SOAP client would get): 409 Conflict."""
    return ControlError(409, fault.message, fault={"type": fault.vim_type, **to_json(fault.properties)})


def json_object(body: str | None, required: bool = True) -> dict[str, Any]:
    if body is None:
        if required:
            raise ControlError(400, "this route wants a JSON object as the request body")
        return {}
    try:
        value = json.loads(body)
    except json.JSONDecodeError as error:
        raise ControlError(400, f"the request body is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise ControlError(400, f"the request body must be a JSON object, not {type(value).__name__}")
    return value


def _unknown_fields(found: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(found) - set(allowed))
    if unknown:
        raise ControlError(400, f"unknown field {unknown[0]!r}; this route takes {', '.join(allowed) or 'no fields'}")


# Server


def index(runtime: Runtime, query: dict[str, str], body: str | None) -> Answer:
    return 200, {"routes": [f"{method} /_vtasksim{path}" for method, path, _ in ROUTES]}


def health(runtime: Runtime, query: dict[str, str], body: str | None) -> Answer:
    simulator = runtime.simulator
    tasks = sum(1 for obj in simulator.registry if isinstance(obj, Task))
    return 200, {
        "status": "ok", "version": __version__, "fixture": runtime.source.describe(),
        "clock": runtime.clock_mode, "now": iso(simulator.clock.now()), "tasks": tasks,
    }  # fmt: skip


def reset(runtime: Runtime, query: dict[str, str], body: str | None) -> Answer:
    """Serve the current fixture again, as it was loaded: tasks, sessions and added fault rules go."""
    json_object(body, required=False)
    return _load(runtime, None)


def load_fixture(runtime: Runtime, query: dict[str, str], body: str | None) -> Answer:
    """``{"path": "fixtures/x.yaml"}`` (on the server's disk) or ``{"yaml": "...", "name": "x.yaml"}``."""
    found = json_object(body)
    _unknown_fields(found, ("path", "yaml", "name"))
    if ("path" in found) == ("yaml" in found):
        raise ControlError(400, "give the fixture as path (a file on the server) or as yaml (its text), one of them")
    if "path" in found:
        if not isinstance(found["path"], str) or not found["path"]:
            raise ControlError(400, "path must be a file name")
        return _load(runtime, FixtureSource(path=Path(found["path"])))
    if not isinstance(found["yaml"], str):
        raise ControlError(400, "yaml must be the fixture's text")
    name = found.get("name", "<control API>")
    return _load(runtime, FixtureSource(text=found["yaml"], name=str(name)))


def _load(runtime: Runtime, source: FixtureSource | None) -> Answer:
    try:
        runtime.load(source)
    except FixtureError as error:
        raise ControlError(400, str(error), file=error.source, line=error.line, field=error.path) from None
    return health(runtime, {}, None)


# Tasks


def list_tasks(runtime: Runtime, query: dict[str, str], body: str | None) -> Answer:
    state = query.get("state")
    if state is not None and state not in TaskState.__members__:
        raise ControlError(400, f"unknown state {state!r}; one of {', '.join(TaskState.__members__)}")
    tasks = [obj for obj in runtime.simulator.registry if isinstance(obj, Task)]
    return 200, [to_json(task.info) for task in tasks if state is None or task.info.state.value == state]


def get_task(runtime: Runtime, key: str, query: dict[str, str], body: str | None) -> Answer:
    return 200, to_json(task_of(runtime, key).info)


def create_task(runtime: Runtime, query: dict[str, str], body: str | None) -> Answer:
    """CreateTask without a SOAP client: ``{"taskTypeId", "obj"?, "cancelable"?, "user"?, "timeline"?}``.

    The task type's timeline plays as for CreateTask; ``timeline`` adds steps of this task's own.
    """
    found = json_object(body)
    _unknown_fields(found, ("taskTypeId", "obj", "cancelable", "user", "timeline"))
    task_type = found.get("taskTypeId")
    if not isinstance(task_type, str) or not task_type:
        raise ControlError(400, "taskTypeId is required: the task type, as CreateTask takes it")
    obj = found.get("obj", {"type": "Folder", "value": "group-d1"})
    if not (isinstance(obj, dict) and isinstance(obj.get("type"), str) and isinstance(obj.get("value"), str)):
        raise ControlError(400, 'obj must be a managed object reference {"type": ..., "value": ...}')
    if not isinstance(found.get("cancelable", False), bool):
        raise ControlError(400, "cancelable must be true or false")
    timeline = _read(runtime, json.dumps(found["timeline"]), read_timeline, "timeline", "timeline") if "timeline" in found else None
    simulator = runtime.simulator
    try:
        info = simulator.task_manager.create_task(
            MoRef(obj["type"], obj["value"]), task_type, str(found.get("user", "vtasksim")), found.get("cancelable", False)
        )
    except MethodFault as fault:
        raise fault_error(fault) from None
    task = task_of(runtime, info.key)
    if timeline is not None:
        simulator.play(task, timeline)
    return 201, to_json(task.info)


def play_steps(runtime: Runtime, key: str, query: dict[str, str], body: str | None) -> Answer:
    """One step (a JSON object) or a timeline (a list of steps), offsets counted from now.

    A step due now is applied before the answer: if the task refuses it, 409 with the vim fault.
    """
    task = task_of(runtime, key)
    if body is None:
        raise ControlError(400, "this route wants a step (a JSON object) or a timeline (a list of steps)")
    try:
        steps = json.loads(body)
    except json.JSONDecodeError as error:
        raise ControlError(400, f"the request body is not JSON: {error}") from None
    reader = read_timeline if isinstance(steps, list) else (lambda at: Timeline(tuple(read_step(at))))
    playback = runtime.simulator.play(task, _read(runtime, body, reader, "", "timeline" if isinstance(steps, list) else "step"))
    refused = next((outcome for outcome in playback.outcomes if outcome.refused is not None), None)
    if refused is not None and refused.refused is not None:
        raise fault_error(refused.refused)
    return 200, to_json(task.info)


def task_timeline(runtime: Runtime, key: str, query: dict[str, str], body: str | None) -> Answer:
    """What the task's timelines did (each step, when, refused or not) and what is still to come."""
    task = task_of(runtime, key)
    playbacks = runtime.simulator.playbacks.get(task.ref.value, [])
    done = sorted((outcome for playback in playbacks for outcome in playback.outcomes), key=lambda o: o.time)
    pending = [step for playback in playbacks for step, _ in playback.pending.values()]
    return 200, {"done": [_outcome_json(outcome) for outcome in done], "pending": len(pending)}


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    answer: dict[str, Any] = {"time": iso(outcome.time), "step": outcome.step.action.describe()}
    if outcome.refused is not None:
        answer["refused"] = {"type": outcome.refused.vim_type, "message": outcome.refused.message}
    return answer


def _read(runtime: Runtime, text: str, reader: Callable[["fixtures._At"], Any], path: str, definition: str) -> Any:
    """JSON read as the fixture's ``definition`` (JSON is YAML): the schema, then the fixture's own
    readers: the same checks, the same messages."""
    simulator = runtime.simulator
    keys = {obj.ref.value: 0 for obj in simulator.registry if isinstance(obj, Task)}
    context = fixtures._Context("request body", simulator.clock, simulator=simulator, task_keys=keys)
    try:
        node = fixtures._compose(text, "request body")
        error = schema_error(node, definition)
        if error is not None:
            raise FixtureError("request body", error.line, ".".join(filter(None, (path, error.path))) or None, error.message)
        return reader(fixtures._At(node, path, context))
    except FixtureError as error:
        raise ControlError(400, f"{error.path}: {error.message}" if error.path else error.message) from None


def task_of(runtime: Runtime, key: str) -> Task:
    task = runtime.simulator.registry.find(MoRef("Task", key))
    if not isinstance(task, Task):
        raise ControlError(404, f"no task {key!r}")
    return task


# Fault rules


def list_faults(runtime: Runtime, query: dict[str, str], body: str | None) -> Answer:
    """Every rule, in the order they are tried, with how often each matched and fired."""
    return 200, [rule_json(rule) for rule in runtime.simulator.fault_rules.rules]


def add_fault(runtime: Runtime, query: dict[str, str], body: str | None) -> Answer:
    """A rule, written as in a fixture's ``faultRules``; tried after the rules there are."""
    json_object(body)
    rule = _read(runtime, body or "", lambda at: read_fault_rule(at, origin="control API"), "", "faultRule")
    return 201, rule_json(runtime.simulator.fault_rules.add(rule))


def clear_faults(runtime: Runtime, query: dict[str, str], body: str | None) -> Answer:
    runtime.simulator.fault_rules.clear()
    return 200, []


def delete_fault(runtime: Runtime, rule_id: str, query: dict[str, str], body: str | None) -> Answer:
    if not (rule_id.isdigit() and runtime.simulator.fault_rules.remove(int(rule_id))):
        raise ControlError(404, f"no fault rule {rule_id!r}")
    return 200, [rule_json(rule) for rule in runtime.simulator.fault_rules.rules]


def rule_json(rule: FaultRule) -> dict[str, Any]:
    fault = None
    if rule.fault is not None:
        vim_type, _, properties = rule.fault
        fault = {"type": vim_type, **to_json(properties)}
    written = {
        "id": rule.id, "origin": rule.origin, "method": rule.method, "objectType": rule.object_type,
        "moref": to_json(rule.moref), "user": rule.user, "probability": rule.probability, "skip": rule.skip,
        "maxCount": rule.max_count, "fault": fault, "message": rule.fault[1] if rule.fault and rule.fault[1] else None,
        "delay": rule.delay, "drop": rule.drop, "seed": rule.seed, "matched": rule.matched, "fired": rule.fired,
    }  # fmt: skip
    return {name: value for name, value in written.items() if value is not None}


# Clock


def clock(runtime: Runtime, query: dict[str, str], body: str | None) -> Answer:
    return 200, {"mode": runtime.clock_mode, "now": iso(runtime.simulator.clock.now())}


def advance_clock(runtime: Runtime, query: dict[str, str], body: str | None) -> Answer:
    """``{"seconds": 2.5}`` or ``{"by": "2s"}``: run everything that falls due, in order."""
    found = json_object(body)
    _unknown_fields(found, ("seconds", "by"))
    manual = runtime.manual_clock
    if manual is None:
        raise ControlError(409, "the clock is the system's; start the server with --clock manual to move it by hand")
    if len(found) != 1:
        raise ControlError(400, "give how far to move the clock as seconds (a number) or by (a duration such as 2s)")
    try:
        seconds = parse_duration(found.get("seconds", found.get("by")))
    except ValueError as error:
        raise ControlError(400, str(error)) from None
    manual.advance(seconds)
    return clock(runtime, query, None)


# Request log


def requests(runtime: Runtime, query: dict[str, str], body: str | None) -> Answer:
    """The logged vim calls, oldest first: ``?since=ID``, ``?moref=Task:task-101``, ``?method=``, ``?limit=``."""
    since = _int_query(query, "since", 0)
    limit = _int_query(query, "limit", 0)
    moref = None
    if "moref" in query:
        kind, _, value = query["moref"].partition(":")
        if not kind or not value:
            raise ControlError(400, f"moref must be TYPE:VALUE such as Task:task-101, not {query['moref']!r}")
        moref = MoRef(kind, value)
    records = [record.as_json() for record in runtime.requests.records(since, moref, query.get("method"))]
    return 200, records[-limit:] if limit else records


def clear_requests(runtime: Runtime, query: dict[str, str], body: str | None) -> Answer:
    runtime.requests.clear()
    return 200, {"cleared": True, "lastId": runtime.requests.last_id()}


def _int_query(query: dict[str, str], name: str, default: int) -> int:
    if name not in query:
        return default
    try:
        value = int(query[name])
    except ValueError:
        raise ControlError(400, f"{name} must be a whole number, not {query[name]!r}") from None
    if value < 0:
        raise ControlError(400, f"{name} must not be negative")
    return value


TASK_KEY = r"/tasks/([^/]+)"

ROUTES: list[Endpoint] = [
    ("GET", "/", index),
    ("GET", "/health", health),
    ("POST", "/reset", reset),
    ("POST", "/fixture", load_fixture),
    ("GET", "/tasks", list_tasks),
    ("POST", "/tasks", create_task),
    ("GET", TASK_KEY, get_task),
    ("POST", f"{TASK_KEY}/steps", play_steps),
    ("GET", f"{TASK_KEY}/timeline", task_timeline),
    ("GET", "/faults", list_faults),
    ("POST", "/faults", add_fault),
    ("DELETE", "/faults", clear_faults),
    ("DELETE", r"/faults/([^/]+)", delete_fault),
    ("GET", "/clock", clock),
    ("POST", "/clock/advance", advance_clock),
    ("GET", "/requests", requests),
    ("DELETE", "/requests", clear_requests),
]
