"""Fixtures: the YAML a user writes (DESIGN.md, "The fixture format users write") → a Simulator.

A fixture error stops the server before it listens, so every error names the file, the line
(1-based) and the field: ``fixtures/x.yaml:14: tasks[1].state: unknown state 'runing'; one of
queued, running, success, error``. To know every value's line the document is *composed* (PyYAML
nodes keep their marks) and each scalar is constructed by hand, never loaded as a plain dict.

The structure (sections, field names, required fields, types, enums, ranges) is the fixture
schema's (``fixture_schema.py``, printed by ``vtasksim schema``), checked first, with the same
sentences, by ``fixture_validation.py``. The readers here check what depends on more than one
value: references to declared objects, a fault's fields by its vim type, times in order, a
state and its result or error.

Decisions a fixture writer should know (each mirrors what a vCenter does, or keeps a fixture
coherent so that a client never sees a TaskInfo a vCenter could not produce):

- ``descriptionId`` is required: TaskInfo.descriptionId is required in vim25 and every vCenter
  task has one.
- ``reason`` defaults to TaskReasonSystem (the TaskInfo default, and vCenter's for tasks no user
  started); nothing invents a user name.
- ``queueTime`` defaults to the clock's now, or to the earliest of startTime/completeTime when
  those are earlier; ``startTime`` defaults to queueTime for running/success/error tasks;
  ``completeTime`` to startTime for success/error tasks. A queued task has no startTime, a
  queued or running one no completeTime, and queueTime <= startTime <= completeTime. A timestamp
  without a zone is UTC; a date without a time is an error.
- ``cancelled: true`` is accepted only with state error (a canceled task has ended in error);
  its ``error`` then defaults to RequestCanceled, "The task was canceled by a user.".
  RequestCanceled is a RuntimeFault, not a VimFault: it is the one fault a fixture may store
  that SetTaskState would refuse, and only on a cancelled task.
- state error requires ``error``; ``error`` is refused on other states; ``result`` only on success.
- ``result`` and KeyAnyValue values are anyType: a scalar stays a plain Python value, a mapping
  ``{type, value}`` is a MoRef (to a declared object or task), and a list becomes a
  :class:`TypedValue` ``ArrayOfString``/``ArrayOfInt``/… so that it goes on the wire as one
  array, not as repeated elements. Data objects as results are not supported.
- Every MoRef a task holds must point at something the fixture declares: ``entity``,
  ``locked`` and reason references at ``objects`` (or the root folder), other MoRefs at
  objects or tasks; ``parentTaskKey``/``rootTaskKey`` at declared tasks.
- Fault fields are checked against the vim type table (``vim_types.json``): known fault type,
  extends VimFault, known field names, required fields present, enum values.
- ``users`` entries have ``role`` (a vCenter system role) or ``privileges``, not both; an
  ``extensions`` entry may have ``description: {label, summary}`` (both default to its key).
  Both sections go to the Simulator; :class:`Fixture` also keeps them as written.

Settings overrides (the command line): a mapping of :class:`SimulatorSettings` field names
(``cancel_delay``, ``compat``) whose non-None values win over the fixture's ``settings``, so
``--cancel-delay 0`` does override a fixture's 5. A :class:`SimulatorSettings` is accepted too;
then only fields that differ from the defaults win. A task's own ``cancelDelay`` still beats both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from vtasksim.app.fixture_stream import TaskItem, compose_outline, has_fast_parser
from vtasksim.app.fixture_validation import SchemaCheck, construct_scalar, suggest as _suggest
from vtasksim.domain import faults as domain_faults
from vtasksim.domain.authorization import ROLES, User, user_with_privileges, user_with_role
from vtasksim.domain.clock import Clock
from vtasksim.domain.extension_manager import Description, Extension, ExtensionTaskTypeInfo
from vtasksim.domain.managed_object import InventoryObject
from vtasksim.domain.registry import Registry
from vtasksim.domain.simulator import ROOT_FOLDER, Simulator, SimulatorSettings
from vtasksim.domain.task import (
    CANCELED_MESSAGE,
    TaskInfo,
    TaskReason,
    TaskReasonAlarm,
    TaskReasonSchedule,
    TaskReasonSystem,
    TaskReasonUser,
    TaskState,
)
from vtasksim.domain.typesystem import FieldInfo, TypeSystem, vim_types
from vtasksim.domain.vcenter_version import resolve_api_version
from vtasksim.domain.vmodl import (
    DataObject,
    KeyAnyValue,
    LocalizableMessage,
    LocalizedMethodFault,
    MoRef,
    TypedValue,
    array_type_of,
)

SettingsOverrides = Mapping[str, Any] | SimulatorSettings

#: vCenter's system roles, as the domain defines them.
SYSTEM_ROLES = tuple(ROLES)

# Each TaskReason type: its class, its fields, and the ones a fixture must give (vim requires the
# names too, but those default to the named objects' names).
_REASONS: dict[str, tuple[type[TaskReason], tuple[str, ...], tuple[str, ...]]] = {
    "TaskReasonSystem": (TaskReasonSystem, (), ()),
    "TaskReasonUser": (TaskReasonUser, ("userName",), ("userName",)),
    "TaskReasonAlarm": (TaskReasonAlarm, ("alarmName", "alarm", "entityName", "entity"), ("alarm", "entity")),
    "TaskReasonSchedule": (TaskReasonSchedule, ("name", "scheduledTask"), ("scheduledTask",)),
}
_REASON_REFERENCES = ("alarm", "entity", "scheduledTask")
_TYPE_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class FixtureError(Exception):
    """A fixture the server cannot serve: ``<file>:<line>: <field path>: <what is wrong>``."""

    def __init__(self, source: str, line: int | None, path: str | None, message: str) -> None:
        self.source, self.line, self.path, self.message = source, line, path, message
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {path}: {message}" if path else f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class FixtureUser:
    """A ``users:`` entry as written (the role's name survives, unlike in the domain's User)."""

    name: str
    password: str
    role: str | None  # a vCenter system role, or None when privileges are listed
    privileges: tuple[str, ...] | None

    def as_domain(self) -> User:
        if self.role is not None:
            return user_with_role(self.name, self.password, self.role)
        return user_with_privileges(self.name, self.password, list(self.privileges or ()))


@dataclass(frozen=True, slots=True)
class FixtureExtension:
    key: str
    task_ids: tuple[str, ...]  # taskList[].taskID
    #: Extension.description is required in vim; a fixture may leave it to the key.
    label: str
    summary: str

    def as_domain(self) -> Extension:
        return Extension(
            description=Description(label=self.label, summary=self.summary),
            key=self.key,
            taskList=[ExtensionTaskTypeInfo(task_id) for task_id in self.task_ids],
        )


@dataclass(slots=True)
class Fixture:
    """A loaded fixture: the simulator, and its ``users`` and ``extensions`` as written.

    The simulator already holds both (as domain Users and Extensions); these keep what the
    fixture said, a role's name included.
    """

    simulator: Simulator
    #: None when the fixture has no ``users``: any name and password log in with every privilege.
    users: tuple[FixtureUser, ...] | None
    #: None when the fixture has no ``extensions``: CreateTask accepts any task type.
    extensions: tuple[FixtureExtension, ...] | None


# Entry points


def load_fixture(path: Path, clock: Clock, overrides: SettingsOverrides | None = None) -> Simulator:
    return load_fixture_document(path, clock, overrides).simulator


def load_fixture_text(
    text: str, source: str, clock: Clock, overrides: SettingsOverrides | None = None
) -> Simulator:
    return load_fixture_document_text(text, source, clock, overrides).simulator


def load_fixture_document(path: Path, clock: Clock, overrides: SettingsOverrides | None = None) -> Fixture:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FixtureError(str(path), None, None, f"cannot read the fixture: {error}") from error
    return load_fixture_document_text(text, str(path), clock, overrides)


def load_fixture_document_text(
    text: str, source: str, clock: Clock, overrides: SettingsOverrides | None = None
) -> Fixture:
    # Read twice, a task at a time (never the whole tasks list's YAML at once): first the schema
    # check and every task key, then, once the objects are known, the tasks themselves.
    context = _Context(source, clock)
    first = _FirstReading(context)
    node, streamed = _compose_outline(text, source, first.restart)
    root = _At(node, "", context)
    first.schema.add(root.node)
    _check_schema(context, first.schema)
    top = _fields(root, None) if root.node is not None else {}
    users, extensions = _users(top.get("users")), _extensions(top.get("extensions"))
    simulator = Simulator(
        clock,
        _settings(top.get("settings"), overrides),
        users=None if users is None else [user.as_domain() for user in users],
        extensions=None if extensions is None else [extension.as_domain() for extension in extensions],
    )
    _add_objects(top.get("objects"), simulator)
    # Objects first and every task key next, whatever order the sections come in, so that
    # any reference can be checked where it is written.
    root.context.simulator = simulator
    root.context.task_keys = first.task_keys() if streamed else _task_keys(top.get("tasks"))
    tasks = _read_tasks(text, source, context) if streamed else [_task(at) for at in _items(top.get("tasks"))]
    _check_task_links(tasks)
    _assign_event_chain_ids(tasks)
    from vtasksim.app.fixture_faults import read_fault_rules  # these read with this module's readers
    from vtasksim.app.fixture_timelines import read_timeline, read_timelines_by_type
    from vtasksim.app.inventory_fixture import custom_values

    for rule in read_fault_rules(top.get("faultRules")):
        simulator.fault_rules.add(rule)
    simulator.task_type_timelines = read_timelines_by_type(top.get("timelines"))
    timelines = [read_timeline(task.timeline) if task.timeline is not None else None for task in tasks]
    # In the order they were queued, as a vCenter created them: their events' keys follow that order.
    for task, timeline in sorted(zip(tasks, timelines), key=lambda pair: pair[0].info.queueTime):
        added = simulator.add_task(task.info, simulator.task_behaviour(cancel_delay=task.cancel_delay))
        if task.custom_values is not None:
            custom_values(task.custom_values, task.info.task, simulator)
        if timeline is not None:
            simulator.play(added, timeline)
    return Fixture(simulator, users, extensions)


def _check_schema(context: "_Context", check: SchemaCheck) -> None:
    """The schema carries the structure (fields, types, enums); the readers below the rest."""
    error = check.first_error()
    if error is not None:
        raise FixtureError(context.source, error.line, error.path or None, error.message)


class _FirstReading:
    """What the first reading learns from each task as it is composed: its departures from the
    schema, and its key. A key the readers refuse is said in its turn, after the objects."""

    def __init__(self, context: "_Context") -> None:
        self._context = context
        self.restart()

    def restart(self) -> TaskItem:
        """Start over (a reading libyaml gave up is read again by PyYAML): the callback for the tasks."""
        self.schema = SchemaCheck()
        self._keys: dict[str, int] = {}
        self._key_error: Exception | None = None
        return self._take

    def _take(self, index: int, node: Node) -> None:
        self.schema.add(node, "task", ("tasks", index))
        if self._key_error is None:
            try:
                _add_task_key(_At(node, f"tasks[{index}]", self._context), self._keys)
            except Exception as error:  # noqa: BLE001 — raised in its turn by task_keys, as when read whole
                self._key_error = error

    def task_keys(self) -> dict[str, int]:
        if self._key_error is not None:
            raise self._key_error
        return self._keys


def _read_tasks(text: str, source: str, context: "_Context") -> list["_Task"]:
    """The second reading: each task read as soon as it is composed, its YAML let go."""
    tasks: list[_Task] = []

    def start() -> TaskItem:
        tasks.clear()
        return lambda index, node: tasks.append(_task(_At(node, f"tasks[{index}]", context)))

    _compose_outline(text, source, start)
    return tasks


# Where a value sits, and reading scalars


@dataclass(slots=True)
class _Context:
    source: str
    clock: Clock
    simulator: Simulator | None = None  # holds the declared objects once they are read
    task_keys: dict[str, int] | None = None  # declared task keys and their lines

    def inventory(self) -> Registry:
        assert self.simulator is not None, "objects are read before tasks"
        return self.simulator.registry

    def construct(self, node: Node) -> Any:
        return construct_scalar(node)


@dataclass(frozen=True, slots=True)
class _At:
    """A YAML node, the field path that leads to it, and the document it belongs to."""

    node: Any  # yaml Node, or None for an empty document
    path: str
    context: _Context

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    def fail(self, message: str, path: str | None = None) -> FixtureError:
        return FixtureError(self.context.source, self.line, self.path if path is None else path, message)

    def child(self, node: Node, name: str) -> _At:
        return _At(node, f"{self.path}.{name}" if self.path else name, self.context)


def _compose(text: str, source: str) -> Node | None:
    # libyaml composes the same nodes with the same marks several times faster; its error
    # messages differ, so a document it rejects is composed again to say what PyYAML says.
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise _yaml_error(source, error) from error


def _compose_outline(text: str, source: str, start: Callable[[], TaskItem]) -> tuple[Node | None, bool]:
    """``compose_outline`` as ``_compose`` composes: libyaml first, PyYAML to say what is wrong.
    ``start`` gives each attempt its callback afresh: libyaml may give up after handing out tasks."""
    if has_fast_parser():
        try:
            return compose_outline(text, start(), fast=True)
        except yaml.YAMLError:
            pass
    try:
        return compose_outline(text, start(), fast=False)
    except yaml.YAMLError as error:
        raise _yaml_error(source, error) from error


def _yaml_error(source: str, error: yaml.YAMLError) -> FixtureError:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        message = f"invalid YAML: {error.problem or error.context}"
        if error.context and error.problem and error.context_mark is not None:
            message += f" ({error.context} started on line {error.context_mark.line + 1})"
        return FixtureError(source, mark.line + 1 if mark else None, None, message)
    return FixtureError(source, None, None, f"invalid YAML: {error}")


def _is_null(at: _At | None) -> bool:
    return at is None or (isinstance(at.node, ScalarNode) and at.node.tag == _NULL_TAG)


def _fields(at: _At, allowed: Sequence[str] | None, required: Sequence[str] = ()) -> dict[str, _At]:
    """A mapping's fields by name (``allowed`` None: any name); a null value counts as absent."""
    if not isinstance(at.node, MappingNode):
        raise at.fail(f"expected a mapping, got {_describe(at)}")
    found: dict[str, _At] = {}
    key_lines: dict[str, int] = {}
    for key_node, value_node in at.node.value:
        key = at.child(key_node, str(getattr(key_node, "value", "?")))
        if key_node.tag == _MERGE_TAG:
            # PyYAML lets a mapping override merged keys; we would report those as duplicates.
            raise key.fail("merge keys (<<) are not supported; write the fields out", at.path or "(top level)")
        if not isinstance(key_node, ScalarNode) or key_node.tag != _STR_TAG:
            raise key.fail(f"a field name must be a string, got {_describe(key)}", at.path or "(top level)")
        name = key_node.value
        if name in found:
            raise key.fail(f"duplicate field (first at line {key_lines[name]})")
        if allowed is not None and name not in allowed:
            raise key.fail(f"unknown field{_suggest(name, allowed)}")
        found[name] = at.child(value_node, name)
        key_lines[name] = key.line
    present = {name: value for name, value in found.items() if not _is_null(value)}
    for name in required:
        if name not in present:
            raise at.fail("required field is missing", at.child(at.node, name).path)
    return present


def _items(at: _At | None) -> list[_At]:
    if _is_null(at):
        return []
    assert at is not None
    if not isinstance(at.node, SequenceNode):
        raise at.fail(f"expected a list, got {_describe(at)}")
    return [_At(node, f"{at.path}[{index}]", at.context) for index, node in enumerate(at.node.value)]


def _describe(at: _At) -> str:
    if isinstance(at.node, MappingNode):
        return "a mapping"
    if isinstance(at.node, SequenceNode):
        return "a list"
    if at.node.tag == _NULL_TAG:
        return "nothing"
    return repr(at.node.value)


def _scalar(at: _At) -> Any:
    if not isinstance(at.node, ScalarNode):
        raise at.fail(f"expected a single value, got {_describe(at)}")
    try:
        value = at.context.construct(at.node)
    except (yaml.YAMLError, ValueError) as error:
        kind = "timestamp" if at.node.tag == _TIMESTAMP_TAG else "value"
        raise at.fail(f"not a valid {kind} {at.node.value!r}: {error}") from error
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, date):
        raise at.fail(f"{at.node.value!r} is a date; a timestamp needs a time too (2026-01-01T10:00:00Z)")
    return value


def _str(at: _At, pattern: re.Pattern[str] | None = None, what: str = "") -> str:
    value = _scalar(at)
    if not isinstance(value, str) or value == "":
        hint = " (quote it)" if isinstance(at.node, ScalarNode) and not at.node.style else ""
        raise at.fail(f"expected a non-empty string, got {_describe(at)}{hint}")
    if pattern is not None and not pattern.match(value):
        raise at.fail(f"{value!r} is not {what}")
    return value


def _int(at: _At, low: int | None = None, high: int | None = None) -> int:
    value = _scalar(at)
    bounds = f" {low}..{high}" if low is not None and high is not None else ""
    if isinstance(value, bool) or not isinstance(value, int):
        raise at.fail(f"expected an integer{bounds}, got {_describe(at)}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise at.fail(f"{value} is out of range; expected an integer{bounds}")
    return value


def _bool(at: _At) -> bool:
    value = _scalar(at)
    if not isinstance(value, bool):
        raise at.fail(f"expected true or false, got {_describe(at)}")
    return value


def _seconds(at: _At) -> float:
    return float(_scalar(at))  # a number, not negative: the schema's


def _timestamp(at: _At) -> datetime:
    value = _scalar(at)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise at.fail(f"not an ISO 8601 timestamp: {value!r}") from None
        if len(value) <= len("2026-01-01"):
            raise at.fail(f"{value!r} is a date; a timestamp needs a time too (2026-01-01T10:00:00Z)")
        value = _utc(parsed)
    if not isinstance(value, datetime):
        raise at.fail(f"expected a timestamp such as 2026-01-01T10:00:00Z, got {_describe(at)}")
    return value


def _utc(value: datetime) -> datetime:
    # A fixture's timestamp without a zone is taken as UTC, the zone vCenter answers in.
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _optional(fields_: Mapping[str, _At], name: str, read: Callable[[_At], Any], default: Any = None) -> Any:
    at = fields_.get(name)
    return default if at is None else read(at)


# settings


def _settings(at: _At | None, overrides: SettingsOverrides | None) -> SimulatorSettings:
    values: dict[str, Any] = {}
    if not _is_null(at):
        assert at is not None
        found = _fields(at, None)
        if "cancelDelay" in found:
            values["cancel_delay"] = _seconds(found["cancelDelay"])
        if "compat" in found:
            values["compat"] = _scalar(found["compat"])
        if "sessionTimeout" in found:
            values["session_timeout"] = _seconds(found["sessionTimeout"])
        if "taskMaxAge" in found:
            values["task_max_age"] = _int(found["taskMaxAge"], low=0)  # days, as vCenter's task.maxAge
        if "historyLimit" in found:
            values["history_limit"] = _int(found["historyLimit"], low=0)
        for name, field_name in (("maxBodyBytes", "max_body_bytes"), ("maxArrayItems", "max_array_items")):
            if name in found:
                values[field_name] = _int(found[name], low=1)
        if "version" in found:
            values["version"] = _vcenter_version(found["version"])
    values.update(_override_values(overrides))
    return SimulatorSettings(**values)


def _vcenter_version(at: _At) -> str:
    """``8.0.3.0`` or a release (``7.0``); YAML reads 8.0 as a number, which names the release too."""
    value = _scalar(at)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise at.fail(f"expected a vSphere API version such as 8.0.3.0, got {_describe(at)}")
    try:
        return resolve_api_version(str(value), vim_types())
    except ValueError as error:
        raise at.fail(str(error)) from None



def _override_values(overrides: SettingsOverrides | None) -> dict[str, Any]:
    names = [f.name for f in fields(SimulatorSettings)]
    if overrides is None:
        return {}
    if isinstance(overrides, SimulatorSettings):
        defaults = SimulatorSettings()
        return {n: getattr(overrides, n) for n in names if getattr(overrides, n) != getattr(defaults, n)}
    unknown = sorted(set(overrides) - set(names))
    if unknown:
        raise ValueError(f"unknown simulator settings {unknown}; known: {names}")
    return {name: value for name, value in overrides.items() if value is not None}


# objects


def _add_objects(at: _At | None, simulator: Simulator) -> None:
    from vtasksim.app import inventory_fixture

    lines: dict[MoRef, int] = {}
    declared: list[inventory_fixture.Declared] = []
    for item in _items(at):
        found = _fields(item, None)
        ref = MoRef(_str(found["type"], _TYPE_NAME, "a vim managed-object type"), _str(found["value"]))
        if ref.type == "Task":
            raise found["type"].fail("tasks are declared under tasks:, not objects:")
        if ref in lines:
            raise item.fail(f"duplicate object {ref.type} {ref.value!r} (first at line {lines[ref]})")
        if ref != ROOT_FOLDER and ref in simulator.registry:
            raise item.fail(f"{ref.type} {ref.value!r} is the simulator's own; it cannot be declared")
        declared.append(inventory_fixture.Declared(item, simulator.add_inventory_object(ref, _str(found["name"])), found))
        lines[ref] = item.line
    inventory_fixture.build(declared, simulator)


# tasks


@dataclass(slots=True)
class _Task:
    """A task as read, and the few parts of its YAML still to read (never the whole of it)."""

    info: TaskInfo
    cancel_delay: float | None
    links: dict[str, _At]  # parentTaskKey / rootTaskKey, checked once every key is known
    event_chain_id_set: bool
    timeline: _At | None = None  # read once every task is known (a step's result may name one)
    custom_values: _At | None = None  # set once the task exists (Task extends ExtensibleManagedObject)


def _task_keys(at: _At | None) -> dict[str, int]:
    """Every task key first, so a MoRef or a parentTaskKey may point at a later task."""
    keys: dict[str, int] = {}
    for item in _items(at):
        _add_task_key(item, keys)
    return keys


def _add_task_key(item: _At, keys: dict[str, int]) -> None:
    found = _fields(item, None)
    key = found["key"]
    value = _str(key)
    if value in keys:
        raise key.fail(f"duplicate task key {value!r} (first at line {keys[value]})")
    keys[value] = key.line


def _task(at: _At) -> _Task:
    found = _fields(at, None)
    if "task" in found:
        raise found["task"].fail("a task's MoRef is Task:<key>; write key only")
    key = _str(found["key"])
    state = _optional(found, "state", _state, TaskState.queued)
    info = TaskInfo(key=key, task=MoRef("Task", key), queueTime=at.context.clock.now(), state=state)
    info.descriptionId = _str(found["descriptionId"])
    info.name = _optional(found, "name", _str)
    info.description = _optional(found, "description", _message)
    _read_entity(found, info)
    info.locked = [_object_ref(item) for item in _items(found.get("locked"))]
    info.cancelable = _optional(found, "cancelable", _bool, False)
    info.progress = _optional(found, "progress", lambda a: _int(a, 0, 100))
    info.progressDetails = [_key_any_value(item) for item in _items(found.get("progressDetails"))]
    info.reason = _optional(found, "reason", _reason, TaskReasonSystem())
    for name in ("changeTag", "activationId"):
        setattr(info, name, _optional(found, name, _str))
    _read_outcome(at, found, info)
    _read_times(at, found, info)
    return _Task(
        info=info,
        custom_values=found.get("customValues"),
        cancel_delay=_optional(found, "cancelDelay", _seconds),
        links={name: found[name] for name in ("parentTaskKey", "rootTaskKey") if name in found},
        event_chain_id_set=_read_event_chain_id(found, info),
        timeline=found.get("timeline"),
    )


def _state(at: _At) -> TaskState:
    return TaskState(_scalar(at))  # one of them: the schema's


def _read_entity(found: Mapping[str, _At], info: TaskInfo) -> None:
    info.entity = _optional(found, "entity", _object_ref)
    default_name = _object_name(found["entity"], info.entity) if info.entity is not None else None
    info.entityName = _optional(found, "entityName", _str, default_name)


def _read_event_chain_id(found: Mapping[str, _At], info: TaskInfo) -> bool:
    if "eventChainId" not in found:
        return False
    info.eventChainId = _int(found["eventChainId"], -(2**31), 2**31 - 1)
    return True


def _read_outcome(at: _At, found: Mapping[str, _At], info: TaskInfo) -> None:
    """cancelled, error and result, coherent with the state."""
    state = info.state
    info.cancelled = _optional(found, "cancelled", _bool, False)
    if info.cancelled and state is not TaskState.error:
        raise found["cancelled"].fail(
            f"cancelled: true needs state error (a canceled task ends in error/RequestCanceled), not {state.value}"
        )
    if "error" in found:
        if state is not TaskState.error:
            raise found["error"].fail(f"error is set but state is {state.value}; only a task in state error has one")
        info.error = _error(found["error"], info.cancelled)
    elif state is TaskState.error:
        if not info.cancelled:
            blame = found.get("state", at)
            raise blame.fail("a task in state error needs an error: {fault: {type: ...}, localizedMessage: ...}",
                             at.child(at.node, "error").path)
        info.error = LocalizedMethodFault(domain_faults.RequestCanceled(CANCELED_MESSAGE).as_data(), CANCELED_MESSAGE)
    if "result" in found:
        if state is not TaskState.success:
            raise found["result"].fail(
                f"result is set but state is {state.value}; only a task in state success has one"
            )
        info.result = _any_value(found["result"])


def _read_times(at: _At, found: Mapping[str, _At], info: TaskInfo) -> None:
    state = info.state
    start = _optional(found, "startTime", _timestamp)
    complete = _optional(found, "completeTime", _timestamp)
    if start is not None and state is TaskState.queued:
        raise found["startTime"].fail("a queued task has not started; remove startTime or change the state")
    if complete is not None and not state.completed:
        raise found["completeTime"].fail(f"a {state.value} task has not completed; remove completeTime")
    explicit_queue = _optional(found, "queueTime", _timestamp)
    queue = explicit_queue or min(t for t in (at.context.clock.now(), start, complete) if t is not None)
    if start is None and state is not TaskState.queued:
        start = queue
    if complete is None and state.completed:
        complete = start
    _check_order(found, ("queueTime", queue), ("startTime", start))
    _check_order(found, ("startTime", start), ("completeTime", complete))
    info.queueTime, info.startTime, info.completeTime = queue, start, complete


def _check_order(
    found: Mapping[str, _At], earlier: tuple[str, datetime | None], later: tuple[str, datetime | None]
) -> None:
    (earlier_name, earlier_time), (later_name, later_time) = earlier, later
    if earlier_time is None or later_time is None or earlier_time <= later_time:
        return
    # A defaulted time never precedes the one it defaults from, so the later one was written.
    raise found[later_name].fail(f"{_iso(later_time)} is before {earlier_name} {_iso(earlier_time)}")


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _check_task_links(tasks: Iterable[_Task]) -> None:
    for task in tasks:
        for name, at in task.links.items():
            keys = at.context.task_keys or {}
            value = _str(at)
            if value not in keys:
                raise at.fail(f"no task with key {value!r} is declared in tasks")
            if value == task.info.key and name == "parentTaskKey":
                raise at.fail("a task cannot be its own parent")
            setattr(task.info, name, value)


def _assign_event_chain_ids(tasks: Sequence[_Task]) -> None:
    # vCenter gives every task its own event chain: number the rest after the ones a fixture chose.
    taken = {task.info.eventChainId for task in tasks if task.event_chain_id_set}
    next_id = 1
    for task in tasks:
        if task.event_chain_id_set:
            continue
        while next_id in taken:
            next_id += 1
        task.info.eventChainId = next_id
        taken.add(next_id)


# Messages, references, anyType values


def _message(at: _At) -> LocalizableMessage:
    found = _fields(at, ("key", "arg", "message"), required=("key",))
    return LocalizableMessage(
        key=_str(found["key"]),
        arg=[_key_any_value(item) for item in _items(found.get("arg"))],
        message=_optional(found, "message", _text),
    )


def _text(at: _At) -> str:
    # A message is text whatever YAML makes of it: ``message: 42`` means "42".
    value = _scalar(at)
    if value is None:
        raise at.fail(f"expected text, got {_describe(at)}")
    return value if isinstance(value, str) else at.node.value


def _key_any_value(at: _At) -> KeyAnyValue:
    found = _fields(at, ("key", "value"), required=("key", "value"))
    return KeyAnyValue(_str(found["key"]), _any_value(found["value"]))


def _moref(at: _At) -> MoRef:
    if not isinstance(at.node, MappingNode):
        raise at.fail(f"expected a managed object reference {{type: ..., value: ...}}, got {_describe(at)}")
    found = _fields(at, ("type", "value"), required=("type", "value"))
    return MoRef(_str(found["type"], _TYPE_NAME, "a vim managed-object type"), _str(found["value"]))


def _object_ref(at: _At) -> MoRef:
    """A MoRef to a declared inventory object (an entity, a locked object, an alarm …)."""
    ref = _moref(at)
    registry = at.context.inventory()
    if not isinstance(registry.find(ref), InventoryObject):
        raise at.fail(f"{ref.type} {ref.value!r} is not declared in objects{_same_value_hint(ref, registry)}")
    return ref


def _any_ref(at: _At) -> MoRef:
    """A MoRef in an anyType value: to a declared object or a declared task."""
    ref = _moref(at)
    if ref.type == "Task":
        if ref.value not in (at.context.task_keys or {}):
            raise at.fail(f"no task with key {ref.value!r} is declared in tasks")
        return ref
    return _object_ref(at)


def _same_value_hint(ref: MoRef, registry: Registry) -> str:
    others = [obj.ref.type for obj in registry if obj.ref.value == ref.value and isinstance(obj, InventoryObject)]
    return f" (there is a {others[0]} {ref.value!r})" if others else ""


def _object_name(at: _At, ref: MoRef) -> str:
    obj = at.context.inventory().find(ref)
    assert isinstance(obj, InventoryObject)
    return obj.name


def _any_value(at: _At, read_ref: Callable[[_At], MoRef] = _any_ref) -> Any:
    """An anyType value: scalar, MoRef mapping, or a list sent as one vim array."""
    if isinstance(at.node, MappingNode):
        return read_ref(at)
    if isinstance(at.node, SequenceNode):
        items = [_any_value(item, read_ref) for item in _items(at)]
        if any(isinstance(item, TypedValue) for item in items):
            raise at.fail("a list inside a list has no vim type")
        return TypedValue(array_type_of(items), items)
    value = _scalar(at)
    if value is None:
        raise at.fail("expected a value, got nothing")
    return value


# reason


def _reason(at: _At) -> TaskReason:
    name = _str(_peek(at, "type"))  # one of _REASONS: the schema says so
    cls, names, required = _REASONS[name]
    found = _fields(at, ("type", *names), required=("type", *required))
    values = {
        field_name: (_object_ref if field_name in _REASON_REFERENCES else _str)(found[field_name])
        for field_name in names
        if field_name in found
    }
    _default_reason_names(found, values)
    return cls(**values)


def _default_reason_names(found: Mapping[str, _At], values: dict[str, Any]) -> None:
    # vim requires these names; a fixture may leave them to the objects it points at.
    for name_field, ref_field in (("alarmName", "alarm"), ("entityName", "entity"), ("name", "scheduledTask")):
        if ref_field in values and name_field not in values:
            values[name_field] = _object_name(found[ref_field], values[ref_field])


def _peek(at: _At, name: str) -> _At | None:
    """One field of a mapping, before the others can be judged (a ``type`` decides them)."""
    if not isinstance(at.node, MappingNode):
        raise at.fail(f"expected a mapping, got {_describe(at)}")
    for key_node, value_node in at.node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == name:
            value = at.child(value_node, name)
            return None if _is_null(value) else value
    return None


# error: a LocalizedMethodFault


def _error(at: _At, cancelled: bool) -> LocalizedMethodFault:
    found = _fields(at, ("fault", "localizedMessage"), required=("fault",))
    return LocalizedMethodFault(_fault(found["fault"], cancelled), _optional(found, "localizedMessage", _text))


def _fault(at: _At, cancelled: bool) -> DataObject:
    type_at = _peek(at, "type")
    if type_at is None:
        raise at.fail("required field is missing (the fault's vim type, such as InvalidState)",
                      at.child(at.node, "type").path)
    name = _str(type_at, _TYPE_NAME, "a vim fault type")
    types = vim_types()
    _check_fault_type(type_at, name, cancelled, types)
    return DataObject(name, _data_fields(at, name, types))


def _check_fault_type(at: _At, name: str, cancelled: bool, types: TypeSystem) -> None:
    if types.has_type(name) and types.type(name).kind != "fault":
        raise at.fail(f"{name} is a vim {types.type(name).kind} type, not a fault")
    if not types.has_type(name):
        raise at.fail(f"unknown fault type {name!r}{_suggest(name, types.type_names('fault'))}")
    if name == "RequestCanceled":
        if not cancelled:
            raise at.fail("RequestCanceled is the fault of a canceled task; set cancelled: true")
        return
    if not types.is_subtype(name, "VimFault"):
        raise at.fail(
            f"{name} does not extend VimFault; a task's fault must (only a cancelled task may hold RequestCanceled)"
        )


def _data_fields(at: _At, type_name: str, types: TypeSystem) -> dict[str, Any]:
    """A data object's fields, by the type table: names, required ones, and value types."""
    schema = {f.name: f for f in types.all_fields(type_name)}
    required = tuple(f.name for f in schema.values() if not f.optional)
    found = _fields(at, ("type", *schema), required=required)
    return {name: _typed(found[name], field, types) for name, field in schema.items() if name in found}


def _typed(at: _At, field: FieldInfo, types: TypeSystem) -> Any:
    if not field.array:
        return _typed_one(at, field.type, types)
    if not isinstance(at.node, SequenceNode):
        raise at.fail(f"expected a list, got {_describe(at)}")
    return [_typed_one(item, field.type, types) for item in _items(at)]


def _typed_one(at: _At, type_name: str, types: TypeSystem) -> Any:
    primitive = _PRIMITIVE_READERS.get(type_name)
    if primitive is not None:
        return primitive(at)
    if type_name == "ManagedObjectReference":
        return _moref(at)  # a fault may name an object that is gone: not checked against objects
    if not types.has_type(type_name):
        return _any_value(at, _moref)
    info = types.type(type_name)
    if info.kind == "enum":
        value = _str(at)
        if value not in info.values:
            raise at.fail(f"unknown {type_name} {value!r}{_suggest(value, info.values)}")
        return value
    return _nested_data(at, type_name, types)


def _nested_data(at: _At, declared: str, types: TypeSystem) -> DataObject:
    type_at = _peek(at, "type")
    actual = _str(type_at, _TYPE_NAME, "a vim type") if type_at is not None else declared
    if type_at is not None and not (types.has_type(actual) and types.is_subtype(actual, declared)):
        raise type_at.fail(f"{actual!r} is not a vim type extending {declared}")
    return DataObject(actual, _data_fields(at, actual, types))


def _number(at: _At) -> float:
    value = _scalar(at)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise at.fail(f"expected a number, got {_describe(at)}")
    return float(value)


_PRIMITIVE_READERS: dict[str, Callable[[_At], Any]] = {
    "xsd:string": _text,
    "xsd:anyURI": _text,
    "xsd:base64Binary": _text,
    "xsd:boolean": _bool,
    "xsd:byte": lambda at: _int(at, -(2**7), 2**7 - 1),
    "xsd:short": lambda at: _int(at, -(2**15), 2**15 - 1),
    "xsd:int": lambda at: _int(at, -(2**31), 2**31 - 1),
    "xsd:long": lambda at: _int(at, -(2**63), 2**63 - 1),
    "xsd:float": _number,
    "xsd:double": _number,
    "xsd:dateTime": _timestamp,
    "xsd:anyType": lambda at: _any_value(at, _moref),
}


# users and extensions


def _users(at: _At | None) -> tuple[FixtureUser, ...] | None:
    if at is None:
        return None
    users: dict[str, tuple[FixtureUser, int]] = {}
    for item in _items(at):
        found = _fields(item, None)
        name = _str(found["name"])
        if name in users:
            raise found["name"].fail(f"duplicate user {name!r} (first at line {users[name][1]})")
        role, privileges = _user_rights(item, found)
        users[name] = (FixtureUser(name, _str(found["password"]), role, privileges), item.line)
    return tuple(user for user, _ in users.values())


def _user_rights(item: _At, found: Mapping[str, _At]) -> tuple[str | None, tuple[str, ...] | None]:
    # One role or one list of privileges: both at once would leave what the user may do ambiguous.
    if "role" in found and "privileges" in found:
        raise found["privileges"].fail("a user has a role or privileges, not both")
    if "role" in found:
        return _str(found["role"]), None  # a system role, and privilege ids below: the schema's
    if "privileges" in found:
        return None, tuple(_str(p) for p in _items(found["privileges"]))
    role_path = item.child(item.node, "role").path
    raise item.fail(f"a user needs a role ({', '.join(SYSTEM_ROLES)}) or privileges", role_path)


def _extensions(at: _At | None) -> tuple[FixtureExtension, ...] | None:
    if at is None:
        return None
    extensions: dict[str, tuple[FixtureExtension, int]] = {}
    task_ids: dict[str, int] = {}
    for item in _items(at):
        found = _fields(item, None)
        key = _str(found["key"])
        if key in extensions:
            raise found["key"].fail(f"duplicate extension {key!r} (first at line {extensions[key][1]})")
        ids = tuple(_task_type(entry, task_ids) for entry in _items(found.get("taskList")))
        label, summary = _optional(found, "description", _description, (key, key))
        extensions[key] = (FixtureExtension(key, ids, label, summary), item.line)
    return tuple(extension for extension, _ in extensions.values())


def _description(at: _At) -> tuple[str, str]:
    found = _fields(at, None)
    label = _text(found["label"])
    return label, _optional(found, "summary", _text, label)


def _task_type(at: _At, seen: dict[str, int]) -> str:
    found = _fields(at, None)
    task_id = _str(found["taskID"])
    if task_id in seen:
        raise found["taskID"].fail(f"duplicate taskID {task_id!r} (first at line {seen[task_id]})")
    seen[task_id] = found["taskID"].line
    return task_id
