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
from vtasksim.app.fixtures import FixtureError
from vtasksim.app.runtime import FixtureSource, Runtime
from vtasksim.app.vim_json import iso, to_json
from vtasksim.domain.faults import MethodFault
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


def task_of(runtime: Runtime, key: str) -> Task:
    task = runtime.simulator.registry.find(MoRef("Task", key))
    if not isinstance(task, Task):
        raise ControlError(404, f"no task {key!r}")
    return task


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
    ("GET", TASK_KEY, get_task),
    ("GET", "/clock", clock),
    ("POST", "/clock/advance", advance_clock),
    ("GET", "/requests", requests),
    ("DELETE", "/requests", clear_requests),
]
