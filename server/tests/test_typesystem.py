"""The vim type system (domain/typesystem.py) over the generated vim_types.json.

The wire layer trusts it for three things: which type extends which (SetTaskState's "extends
VimFault" rule, xsi:type on subtypes), the order of fields (the schema's sequence), and since
which API version a type, field or method exists (never send pyVmomi an element it does not
know). The domain's own vim names (dataclass fields, fault classes) must agree with it.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from typing import Iterator

import pytest

import vtasksim.domain
from vtasksim.domain import faults
from vtasksim.domain.task import TaskInfo, TaskState
from vtasksim.domain.typesystem import TypeSystem, vim_types
from vtasksim.domain.vmodl import MoRef, VimData

#: WIRE.md §3: TaskInfo's fields, in this order.
TASK_INFO_WIRE_ORDER = [
    "key", "task", "description", "name", "descriptionId", "entity", "entityName", "locked",
    "state", "cancelled", "cancelable", "error", "result", "progress", "progressDetails",
    "reason", "queueTime", "startTime", "completeTime", "eventChainId", "changeTag",
    "parentTaskKey", "rootTaskKey", "activationId",
]  # fmt: skip
#: Every vim data object starts with DynamicData's two fields.
DYNAMIC_DATA_FIELDS = ["dynamicType", "dynamicProperty"]
METHOD_FAULT_FIELDS = ["faultCause", "faultMessage"]

VIM_FAULTS = ["InvalidState", "OutOfBounds", "FileNotFound", "InvalidLogin"]
RUNTIME_FAULTS = ["NotSupported", "RequestCanceled", "SystemError", "ManagedObjectNotFound", "InvalidArgument", "InvalidRequest", "MethodNotFound", "NotAuthenticated"]


@pytest.fixture(scope="module")
def types() -> TypeSystem:
    return vim_types()


def names(fields) -> list[str]:
    return [field.name for field in fields]


# Which type extends which


def test_not_authenticated_extends_no_permission_security_error_runtime_fault(types: TypeSystem) -> None:
    """WIRE.md §3 / pyVmomi's tables: vim.fault.NotAuthenticated extends NoPermission, which
    extends SecurityError, a RuntimeFault, a MethodFault."""
    assert list(types.ancestors("NotAuthenticated")) == [
        "NotAuthenticated", "NoPermission", "SecurityError", "RuntimeFault", "MethodFault", "DynamicData"]
    for base in ("NotAuthenticated", "NoPermission", "SecurityError", "RuntimeFault", "MethodFault"):
        assert types.is_subtype("NotAuthenticated", base), base
    assert not types.is_subtype("NotAuthenticated", "VimFault")


def test_subtype_is_not_symmetric(types: TypeSystem) -> None:
    """A base is not a subtype of its subtype: a SecurityError is not a NotAuthenticated."""
    assert not types.is_subtype("SecurityError", "NotAuthenticated")
    assert not types.is_subtype("MethodFault", "RuntimeFault")


@pytest.mark.parametrize("fault", VIM_FAULTS)
def test_vim_faults_extend_vim_fault(types: TypeSystem, fault: str) -> None:
    """Reference, SetTaskState: "The fault must be a of a fault type that directly or indirectly
    extends VimFault." (FileNotFound indirectly, through FileFault)."""
    assert types.is_subtype(fault, "VimFault")
    assert not types.is_subtype(fault, "RuntimeFault")


@pytest.mark.parametrize("fault", RUNTIME_FAULTS)
def test_runtime_faults_do_not_extend_vim_fault(types: TypeSystem, fault: str) -> None:
    """WIRE.md §3: "NotSupported and RequestCanceled are RuntimeFault subtypes"; so are
    vmodl.fault.SystemError and the other faults any method may raise. SetTaskState refuses them."""
    assert types.is_subtype(fault, "RuntimeFault")
    assert not types.is_subtype(fault, "VimFault")


def test_unknown_type_is_no_subtype_of_anything(types: TypeSystem) -> None:
    """A type name a client invented is not a VimFault (SetTaskState must refuse it, not crash)."""
    assert not types.has_type("NoSuchFault")
    assert not types.is_subtype("NoSuchFault", "VimFault")
    assert not types.is_subtype("NoSuchFault", "MethodFault")


def test_task_info_state_enum_matches_the_domain(types: TypeSystem) -> None:
    """vim.TaskInfo.State: queued, running, success, error."""
    info = types.type("TaskInfoState")
    assert info.kind == "enum"
    assert list(info.values) == [state.value for state in TaskState]


# Field order


def test_task_info_fields_in_wire_order(types: TypeSystem) -> None:
    """WIRE.md §3: "TaskInfo, in this order"; DynamicData's fields, inherited, come first."""
    assert names(types.all_fields("TaskInfo")) == DYNAMIC_DATA_FIELDS + TASK_INFO_WIRE_ORDER


def test_domain_task_info_writes_in_wire_order() -> None:
    """WIRE.md §3: TaskInfo's field order; the domain's TaskInfo walks its fields in it."""
    assert list(TaskInfo.WIRE_ORDER) == TASK_INFO_WIRE_ORDER


def test_task_info_field_details(types: TypeSystem) -> None:
    """WIRE.md §3: "`?` optional", `*` repeated; key and state are required."""
    key, locked, progress = (types.field("TaskInfo", name) for name in ("key", "locked", "progress"))
    assert key is not None and (key.optional, key.array) == (False, False)
    assert locked is not None and (locked.optional, locked.array, locked.type) == (True, True, "ManagedObjectReference")
    assert progress is not None and (progress.optional, progress.type) == (True, "xsd:int")
    assert types.field("TaskInfo", "nonsense") is None


@pytest.mark.parametrize(("fault", "own"), [("OutOfBounds", ["argumentName"]), ("FileNotFound", ["file"]), ("InvalidState", []), ("NoPermission", ["object", "privilegeId", "missingPrivileges"])])
def test_fault_fields_inherited_first(types: TypeSystem, fault: str, own: list[str]) -> None:
    """WIRE.md §2: a fault's fields are "urn:vim25 children in schema order": MethodFault's
    faultCause and faultMessage (WIRE.md §3) before the fault's own."""
    assert names(types.all_fields(fault)) == DYNAMIC_DATA_FIELDS + METHOD_FAULT_FIELDS + own


def test_method_fault_fields(types: TypeSystem) -> None:
    """WIRE.md §3: "MethodFault: faultCause? (LocalizedMethodFault), faultMessage* (LocalizableMessage)"."""
    cause, message = (types.field("MethodFault", name) for name in METHOD_FAULT_FIELDS)
    assert cause is not None and (cause.type, cause.optional, cause.array) == ("LocalizedMethodFault", True, False)
    assert message is not None and (message.type, message.optional, message.array) == ("LocalizableMessage", True, True)


# Versions


@pytest.mark.parametrize(
    ("version", "since", "exists"),
    [
        ("5.5", "6.0", False), ("6.0", "6.0", True), ("6.5", "6.0", True),
        ("8.0.0.2", "8.0.1.0", False), ("8.0.1.0", "8.0.1.0", True), ("8.0.3.0", "8.0.1.0", True),
        ("2.0", "2.5", False), ("2.5", "2.5", True), ("4.0", "2.0", True),
        ("6.7", "6.7.1", False), ("6.7.3", "6.7.1", True), ("6.9.1", "7.0.0.0", False),
    ],
)  # fmt: skip
def test_at_least_orders_versions_as_released(types: TypeSystem, version: str, since: str, exists: bool) -> None:
    """WIRE.md §3: "the version each type, field and method appeared in"; something new in
    ``since`` exists in ``version`` when ``version`` is that one or later."""
    assert types.at_least(version, since) is exists


def test_task_info_field_versions(types: TypeSystem) -> None:
    """WIRE.md §3: progressDetails* "(since 8.0.1.0)", activationId? "(since 6.0)"."""
    progress_details, activation_id = types.field("TaskInfo", "progressDetails"), types.field("TaskInfo", "activationId")
    assert progress_details is not None and progress_details.since == "8.0.1.0"
    assert activation_id is not None and activation_id.since == "6.0"
    assert not types.at_least("5.5", activation_id.since) and types.at_least("6.0", activation_id.since)


def test_newest_version_is_served_and_has_everything(types: TypeSystem) -> None:
    """WIRE.md §4: SmartConnect "picks its newest version listed"; that version has every field."""
    assert types.newest_version == types.versions[-1]
    assert types.is_known_version("8.0.3.0") and not types.is_known_version("8.0.3")
    assert all(types.at_least(types.newest_version, version) for version in types.versions)


@pytest.mark.parametrize(("method", "since"), [("CancelTask", "2.0"), ("UpdateProgress", "2.5"), ("SetTaskState", "2.5"), ("SetTaskDescription", "4.0")])
def test_task_method_since_versions(types: TypeSystem, method: str, since: str) -> None:
    """Reference: UpdateProgress "since: VI API 2.5", SetTaskState "since: VI API 2.5",
    SetTaskDescription "since: vSphere API 4.0"; CancelTask has been there from the start."""
    info = types.method("Task", method)
    assert info is not None and info.since == since


@pytest.mark.parametrize(("method", "privilege"), [("CancelTask", "Global.CancelTask"), ("UpdateProgress", "Task.Update"), ("SetTaskState", "Task.Update"), ("SetTaskDescription", "Task.Update")])
def test_task_method_privileges(types: TypeSystem, method: str, privilege: str) -> None:
    """Reference: CancelTask "Privilege: Global.CancelTask"; the three others "Privilege: Task.Update"."""
    info = types.method("Task", method)
    assert info is not None and info.privilege == privilege


def test_methods_belong_to_their_type(types: TypeSystem) -> None:
    """A method of Task is not a method of another type, and an unknown method is none."""
    assert types.method("Folder", "CancelTask") is None
    assert types.method("Task", "DestroyTask") is None


# The domain's vim names agree with the table


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _domain_classes(base: type) -> list[type]:
    for module in pkgutil.iter_modules(vtasksim.domain.__path__):
        importlib.import_module(f"vtasksim.domain.{module.name}")
    found = {cls for cls in _subclasses(base) if cls.__module__.startswith("vtasksim.domain")}
    return sorted(found, key=lambda cls: cls.__qualname__)


@pytest.mark.parametrize("cls", _domain_classes(VimData), ids=lambda cls: cls.__qualname__)
def test_domain_data_objects_use_vim_names(types: TypeSystem, cls: type) -> None:
    """WIRE.md §3: only vim25 types exist on the wire; a dataclass field the schema does not have
    would be written as an unknown element, which pyVmomi rejects (WIRE.md §4)."""
    vim_type = cls.vim_type  # type: ignore[attr-defined]
    assert types.has_type(vim_type), f"{cls.__qualname__}.vim_type {vim_type!r} is no vim25 type"
    known = set(names(types.all_fields(vim_type)))
    unknown = [f.name for f in dataclasses.fields(cls) if f.name not in known]
    assert not unknown, f"{vim_type} has no field(s) {unknown}"


@pytest.mark.parametrize("cls", _domain_classes(faults.MethodFault), ids=lambda cls: cls.__qualname__)
def test_domain_fault_classes_follow_the_vim_hierarchy(types: TypeSystem, cls: type) -> None:
    """WIRE.md §2: "Only vim25 fault types exist on the wire"; a fault class extends the class of
    a vim base type, so ``except RuntimeFault`` in the server catches what a vCenter's would."""
    vim_type = cls.vim_type  # type: ignore[attr-defined]
    assert types.has_type(vim_type) and types.type(vim_type).kind == "fault", vim_type
    parent = cls.__mro__[1]
    if issubclass(parent, faults.MethodFault):
        assert types.is_subtype(vim_type, parent.vim_type), f"{vim_type} does not extend {parent.vim_type}"


TASK = MoRef("Task", "task-1")


@pytest.mark.parametrize(
    "fault",
    [
        faults.OutOfBounds("percentDone", "out of bounds"),
        faults.InvalidArgument("percentDone"),
        faults.ManagedObjectNotFound(TASK),
        faults.MethodNotFound(TASK, "Destroy_Task"),
        faults.InvalidProperty("info.bogus"),
        faults.NoPermission("denied", object=TASK, privilegeId="Task.Update"),
    ],
    ids=lambda fault: fault.vim_type,
)
def test_domain_fault_properties_are_fields_of_their_type(types: TypeSystem, fault: faults.MethodFault) -> None:
    """WIRE.md §2: pyVmomi reads a fault's fields (``argumentName`` …) by their vim names; a
    property the type does not have is silently lost on the wire."""
    known = set(names(types.all_fields(fault.vim_type)))
    assert fault.properties and set(fault.properties) <= known, sorted(set(fault.properties) - known)
