"""Generate vtasksim's vim25 WSDL, XML schemas and type table from pyVmomi's type tables.

    PYTHONPATH=server python -m vtasksim.tools.gen_schema [--out-dir DIR]

Writes, under the repo root (or DIR), into ``server/vtasksim/wire/wsdl/`` (package data: what the
server serves) and the same bytes into ``wsdl/`` (where people look for a WSDL):

    wsdl/vimService.wsdl        service VimService, port VimPort (imports vim.wsdl)
    wsdl/vim.wsdl               messages, portType VimPortType, binding VimBinding
    wsdl/vim-messages.xsd       <Op>RequestType, <Op>, <Op>Response, <Fault>Fault elements
    wsdl/vim-types.xsd          every type in scope, sorted by name
    server/vtasksim/domain/vim_types.json   the same facts, read by the server at run time

Why generated: VMware's WSDL files are not openly licensed, while pyVmomi's type tables
(Apache-2.0) are the maintained record of every vim25 type, field, method and the API version
each appeared in. Only this script imports pyVmomi; the server reads the generated files.

The output is deterministic (everything sorted, no timestamps) so that a test can regenerate it
and compare byte for byte.

vim_types.json, one type or method per line:

    versions  vim25 wire versions pyVmomi knows, oldest first
    types     {WsdlName: {"kind": "fault"|"data"|"enum", "base"?, "since",
                          "fields": [[name, type, cardinality, since], ...] | "values": [...]}}
              type is a vim25 WSDL name, "ManagedObjectReference" or "xsd:<primitive>";
              cardinality is "" required, "?" optional, "*" array (an array pyVmomi marks as
              required gets minOccurs=1 in the XSD, but "*" here all the same);
              fields are the type's own, not inherited; "DynamicData" has no base.
              "ManagedObjectReference" and ArrayOf<T> are implied and not listed.
    managedTypes  {ManagedType: {"base"?, "since", "properties": [[name, type, card, since]],
                                 "propertyPrivileges"?: {property: privilege}}}
              the served managed types and their bases (Task extends ExtensibleManagedObject);
              properties are the type's own, like fields.
    methods   {ManagedType: {Op: {"since", "privilege", "params": [[name, type, card, since]],
                                  "returns": [type, card] | null, "faults": [...],
                                  "paramPrivileges"?: {param: privilege}}}}
              faults are pyVmomi's declared ones; the WSDL adds RuntimeFault to every operation.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Iterable, Sequence

REPO_ROOT = Path(__file__).resolve().parents[3]

# The API version advertised in every operation's soapAction. zeep sends whatever the WSDL says
# (WIRE.md §1); 8.0.3.0 is the version the server is modelled on.
WSDL_API_VERSION = "8.0.3.0"

VIM25_NS = "urn:vim25"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"

WSDL_FILES = ("vimService.wsdl", "vim.wsdl", "vim-messages.xsd", "vim-types.xsd")
#: The packaged copy (served at run time) first, then the top-level one: the same bytes.
WSDL_DIRS = ("server/vtasksim/wire/wsdl", "wsdl")
TYPE_TABLE = "server/vtasksim/domain/vim_types.json"
OUTPUT_FILES: tuple[str, ...] = (*(f"{folder}/{name}" for folder in WSDL_DIRS for name in WSDL_FILES), TYPE_TABLE)

# The operations the server implements, by the managed-object type (vim25 WSDL names) they belong
# to. `Fetch` is deliberately absent: pyVmomi uses it, but it is in no public WSDL.
SERVED_OPERATIONS: dict[str, list[str]] = {
    "Task": ["CancelTask", "UpdateProgress", "SetTaskState", "SetTaskDescription"],
    "ServiceInstance": ["RetrieveServiceContent", "CurrentTime"],
    "PropertyCollector": [
        "RetrieveProperties",
        "RetrievePropertiesEx",
        "ContinueRetrievePropertiesEx",
        "CancelRetrievePropertiesEx",
        "CreateFilter",
        "WaitForUpdates",
        "WaitForUpdatesEx",
        "CheckForUpdates",
        "CancelWaitForUpdates",
        "CreatePropertyCollector",
        "DestroyPropertyCollector",
    ],
    "PropertyFilter": ["DestroyPropertyFilter"],
    "SessionManager": ["Login", "Logout", "SessionIsActive", "UpdateServiceMessage"],
    "TaskManager": ["CreateTask", "CreateCollectorForTasks"],
    "HistoryCollector": ["SetCollectorPageSize", "RewindCollector", "ResetCollector", "DestroyCollector"],
    "TaskHistoryCollector": ["ReadNextTasks", "ReadPreviousTasks"],
    "EventHistoryCollector": ["ReadNextEvents", "ReadPreviousEvents"],
    "EventManager": ["QueryEvents", "CreateCollectorForEvents"],
    "OptionManager": ["QueryOptions", "UpdateOptions"],
    "AuthorizationManager": [
        "HasPrivilegeOnEntity",
        "HasPrivilegeOnEntities",
        "FetchUserPrivilegeOnEntities",
        "RetrieveEntityPermissions",
        "RetrieveAllPermissions",
    ],
    # The inventory and how programs find their way through it.
    "ExtensibleManagedObject": ["setCustomValue"],
    "CustomFieldsManager": ["AddCustomFieldDef", "RenameCustomFieldDef", "RemoveCustomFieldDef", "SetField"],
    "SearchIndex": [
        "FindByInventoryPath",
        "FindChild",
        "FindByDnsName",
        "FindByIp",
        "FindByUuid",
        "FindAllByUuid",
        "FindAllByDnsName",
        "FindAllByIp",
    ],
    "ViewManager": ["CreateContainerView", "CreateListView", "CreateListViewFromView"],
    "View": ["DestroyView"],
    "ListView": ["ModifyListView", "ResetListView", "ResetListViewFromView"],
}

# Managed types served without methods of their own (their properties, read through the
# PropertyCollector, are what inventory tools want).
SERVED_MANAGED_TYPES: tuple[str, ...] = (
    "Folder",
    "Datacenter",
    "ComputeResource",
    "ClusterComputeResource",
    "HostSystem",
    "ResourcePool",
    "VirtualMachine",
    "Datastore",
    "Network",
    "ContainerView",
    "ServiceInstance",
    "TaskManager",
    "ExtensionManager",
    "PropertyFilter",
)

# Data types the server sends or reads beyond what the served operations' signatures and the
# served managed types' properties reach: mostly the xsi:type subtypes of polymorphic fields
# (TaskInfo.reason, ObjectSpec.selectSet, Task.value). Every MethodFault subtype is added on top
# of these (see `build_model`).
ROOT_TYPES: tuple[str, ...] = (
    "LocalizedMethodFault",
    "TaskInfo",
    "TaskInfoState",
    "TaskReason",
    "TaskReasonUser",
    "TaskReasonSystem",
    "TaskReasonAlarm",
    "TaskReasonSchedule",
    "LocalizableMessage",
    "KeyAnyValue",
    "CustomFieldStringValue",
    "ServiceContent",
    "AboutInfo",
    "UserSession",
    "TaskDescription",
    "TaskFilterSpec",
    "PropertyFilterSpec",
    "PropertySpec",
    "ObjectSpec",
    "SelectionSpec",
    "TraversalSpec",
    "ObjectContent",
    "DynamicProperty",
    "MissingProperty",
    "RetrieveOptions",
    "RetrieveResult",
    "UpdateSet",
    "PropertyFilterUpdate",
    "ObjectUpdate",
    "ObjectUpdateKind",
    "PropertyChange",
    "PropertyChangeOp",
    "MissingObject",
    "WaitOptions",
    "Extension",
    "ExtensionTaskTypeInfo",
    "Description",
    "ElementDescription",
    "EntityPrivilege",
    "PrivilegeAvailability",
    "AuthorizationPrivilege",
    "AuthorizationRole",
    "Permission",
    "ClusterComputeResourceSummary",
    "VmfsDatastoreInfo",
    # Task and event history, and the settings that keep it
    "TaskFilterSpecByEntity",
    "TaskFilterSpecByTime",
    "TaskFilterSpecByUsername",
    "EventFilterSpec",
    "EventDescription",
    "EventDescriptionEventDetail",
    "Event",
    "TaskEvent",
    "EntityEventArgument",
    "DatacenterEventArgument",
    "ComputeResourceEventArgument",
    "HostEventArgument",
    "VmEventArgument",
    "DatastoreEventArgument",
    "NetworkEventArgument",
    "DvsEventArgument",
    "OptionValue",
    "OptionDef",
    "OptionType",
    "IntOption",
    "BoolOption",
    "StringOption",
)

# The vim.Task reference page (every sentence of which is a requirement) names a privilege where
# pyVmomi's table has none; the reference wins.
PRIVILEGE_OVERRIDES: dict[tuple[str, str], str] = {
    ("Task", "CancelTask"): "Global.CancelTask",
}

# pyVmomi keeps the SOAP faultstring in MethodFault.msg; it is not an element on the wire.
DROPPED_FIELDS: frozenset[tuple[str, str]] = frozenset({("MethodFault", "msg")})

# pyVmomi flag bits (VmomiSupport.F_LINK, F_LINKABLE, F_OPTIONAL, F_SECRET).
F_LINK = 1
F_OPTIONAL = 4

# pyVmomi's primitive and pseudo-primitive type names, as they appear on the vim25 wire.
PRIMITIVES: dict[str, str] = {
    "string": "xsd:string",
    "boolean": "xsd:boolean",
    "bool": "xsd:boolean",
    "byte": "xsd:byte",
    "short": "xsd:short",
    "int": "xsd:int",
    "long": "xsd:long",
    "float": "xsd:float",
    "double": "xsd:double",
    "anyType": "xsd:anyType",
    "vmodl.URI": "xsd:anyURI",
    "vmodl.Binary": "xsd:base64Binary",
    "vmodl.DateTime": "xsd:dateTime",
    # Type, method and property names travel as plain strings.
    "vmodl.TypeName": "xsd:string",
    "vmodl.MethodName": "xsd:string",
    "vmodl.PropertyPath": "xsd:string",
}

# Item types of the ArrayOf<T> wrappers for primitives: anyType values (TaskInfo.result,
# KeyAnyValue.value) may carry any of them, e.g. xsi:type="ArrayOfString".
XSD_ARRAY_ITEMS: tuple[str, ...] = (
    "anyType", "anyURI", "base64Binary", "boolean", "byte", "dateTime",
    "double", "float", "int", "long", "short", "string",
)

MOREF = "ManagedObjectReference"
# ManagedObject is registered under its bare class name in pyVmomi's managed-type table.
MANAGED_OBJECT_NAMES = frozenset({"vmodl.ManagedObject", "ManagedObject"})
# Wire versions are dotted numbers; pyVmomi also knows "2.5u2", "2.5u2server" and hash-like ids.
NUMERIC_VERSION = re.compile(r"\d+(\.\d+)+")


# ---------------------------------------------------------------------------------------------
# The model the outputs are rendered from


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # vim25 WSDL name, "ManagedObjectReference" or "xsd:<primitive>"
    optional: bool
    array: bool
    since: str

    @property
    def cardinality(self) -> str:
        # The server's reader treats "*" as optional too: an empty array is absent on the wire.
        return "*" if self.array else "?" if self.optional else ""


@dataclass(frozen=True)
class TypeDef:
    name: str
    kind: str  # "fault", "data" or "enum"
    since: str
    base: str | None = None
    fields: tuple[Field, ...] = ()
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class MethodDef:
    name: str
    managed_type: str
    since: str
    privilege: str | None
    params: tuple[Field, ...]
    returns: Field | None
    faults: tuple[str, ...]
    param_privileges: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ManagedTypeDef:
    name: str
    since: str
    base: str | None  # None below ManagedObject, the root
    properties: tuple[Field, ...]  # own properties only, like TypeDef.fields
    property_privileges: tuple[tuple[str, str], ...] = ()


@dataclass
class Model:
    versions: list[str]
    types: dict[str, TypeDef]  # in scope, by WSDL name
    methods: list[MethodDef]  # served, sorted by (managed type, name)
    managed_types: dict[str, ManagedTypeDef]  # served ones and their bases, by WSDL name
    pyvmomi_version: str = ""
    fault_types: list[str] = field(default_factory=list)  # every fault in scope, sorted


# ---------------------------------------------------------------------------------------------
# Reading pyVmomi's tables


@dataclass(frozen=True)
class RawDef:
    """One entry of pyVmomi's definition tables, restricted to the vim25 namespace."""

    vmodl_name: str
    wsdl_name: str
    kind: str  # "data", "enum" or "managed"
    parent: str | None
    version: str
    props: tuple  # data: (name, type, version, flags); enum: values; managed: properties
    methods: tuple = ()


def _import_vmomi() -> ModuleType:
    from pyVmomi import VmomiSupport  # generation time only: the server never imports pyVmomi

    # MethodFault, RuntimeFault and LocalizedMethodFault are built in code, and only registered
    # in the tables once DynamicData has been loaded.
    VmomiSupport.GetVmodlType("vmodl.DynamicData")
    return VmomiSupport


class Tables:
    """pyVmomi's vim25 definitions, with the name and version mapping the wire uses."""

    def __init__(self, vs: ModuleType) -> None:
        self._vs = vs
        self.by_vmodl: dict[str, RawDef] = {}
        for raw in self._raw_defs(vs):
            if vs.GetWsdlNamespace(raw.version) == VIM25_NS:
                self.by_vmodl[raw.vmodl_name] = raw
        self.by_wsdl: dict[tuple[str, str], RawDef] = {}
        for raw in self.by_vmodl.values():
            # Managed and data types live in separate name spaces on the wire (Task vs TaskInfo).
            group = "managed" if raw.kind == "managed" else "type"
            self.by_wsdl[(group, raw.wsdl_name)] = raw
        self.versions = self._wire_versions()

    @staticmethod
    def _raw_defs(vs: ModuleType) -> Iterable[RawDef]:
        for name, (_, wsdl, parent, version, props) in vs._dataDefMap.items():
            yield RawDef(name, wsdl, "data", parent, version, tuple(props or ()))
        for name, (_, wsdl, version, values) in vs._enumDefMap.items():
            yield RawDef(name, wsdl, "enum", None, version, tuple(values))
        for name, (_, wsdl, parent, version, props, methods) in vs._managedDefMap.items():
            yield RawDef(name, wsdl, "managed", parent, version, tuple(props or ()),
                         tuple(methods or ()))

    # Versions

    def _wire_versions(self) -> list[tuple[str, str]]:
        """(pyVmomi version name, wire version id) for vim25, oldest first."""
        vs = self._vs
        names = [
            v for v, ns in vs.serviceNsMap.items()
            if ns == "vim25" and v.startswith("vim.version.")
            and NUMERIC_VERSION.fullmatch(vs.versionIdMap[v])
        ]
        # Each version lists all its ancestors as parents, so the count orders the chain.
        known = frozenset(names)
        names.sort(key=lambda v: len(vs.parentMap[v] & known))
        for older, newer in zip(names, names[1:]):
            if older not in vs.parentMap[newer]:
                raise ValueError(f"vim25 versions are not a chain: {older} / {newer}")
        return [(v, vs.versionIdMap[v]) for v in names]

    def since(self, version: str) -> str:
        """The first wire version that includes pyVmomi version ``version``.

        vmodl versions (vmodl.version.version1, vmodl.query.version.version3) and non-numeric
        ones (2.5u2) have no id of their own: they count from the oldest vim25 version that
        lists them as a parent.
        """
        for name, wire in self.versions:
            if version in self._vs.parentMap[name]:
                return wire
        raise ValueError(f"no vim25 wire version includes {version}")

    # Types

    def is_fault(self, raw: RawDef) -> bool:
        while raw.kind == "data":
            if raw.vmodl_name == "vmodl.MethodFault":
                return True
            if raw.parent not in self.by_vmodl:
                return False
            raw = self.by_vmodl[raw.parent]
        return False

    def wire_type(self, vmodl_type: str) -> tuple[str, bool]:
        """(wire type name, is array) of a pyVmomi type name such as ``vim.Task[]``."""
        array = vmodl_type.endswith("[]")
        name = vmodl_type.removesuffix("[]")
        if name in PRIMITIVES:
            return PRIMITIVES[name], array
        if name in MANAGED_OBJECT_NAMES:
            return MOREF, array
        raw = self.by_vmodl.get(name)
        if raw is None:
            raise KeyError(f"{vmodl_type} is not a vim25 type")
        if raw.kind == "managed":
            return MOREF, array
        if self.is_fault(raw):
            # A fault inside data or a parameter always travels wrapped (TaskInfo.error,
            # SetTaskState's fault): pyVmomi's SoapAdapter does the same.
            return "LocalizedMethodFault", array
        return raw.wsdl_name, array

    def field(self, owner: str, prop: Sequence) -> Field:
        name, vmodl_type, version, flags = prop[:4]
        type_name, array = self.wire_type(vmodl_type)
        if flags & F_LINK:
            type_name = "xsd:string"  # a link carries the key of the linked object
        if (owner, name) == ("LocalizedMethodFault", "fault"):
            type_name = "MethodFault"  # the one place a fault is not wrapped
        return Field(name, type_name, bool(flags & F_OPTIONAL), array, self.since(version))

    def type_def(self, wsdl_name: str) -> TypeDef:
        raw = self.by_wsdl[("type", wsdl_name)]
        since = self.since(raw.version)
        if raw.kind == "enum":
            return TypeDef(wsdl_name, "enum", since, values=tuple(raw.props))
        fields = tuple(
            self.field(wsdl_name, p) for p in raw.props if (wsdl_name, p[0]) not in DROPPED_FIELDS
        )
        if wsdl_name == "LocalizedMethodFault":
            # pyVmomi derives it from MethodFault for its own (de)serialization, but on the wire
            # it is a plain data object {fault, localizedMessage}, not itself a fault.
            return TypeDef(wsdl_name, "data", since, "DynamicData", fields)
        parent = self.by_vmodl.get(raw.parent) if raw.parent else None
        base = parent.wsdl_name if parent is not None and parent.kind == "data" else None
        kind = "fault" if self.is_fault(raw) else "data"
        return TypeDef(wsdl_name, kind, since, base, fields)

    def all_fault_names(self) -> list[str]:
        return sorted(r.wsdl_name for r in self.by_vmodl.values()
                      if r.kind == "data" and self.is_fault(r))

    # Managed types

    def managed_def(self, wsdl_name: str) -> ManagedTypeDef:
        raw = self.by_wsdl[("managed", wsdl_name)]
        parent = self.by_vmodl.get(raw.parent) if raw.parent else None
        is_root = parent is None or parent.vmodl_name in MANAGED_OBJECT_NAMES
        base = None if is_root else parent.wsdl_name
        return ManagedTypeDef(
            name=wsdl_name,
            since=self.since(raw.version),
            base=base,
            properties=tuple(self.field(wsdl_name, p) for p in raw.props),
            property_privileges=tuple((p[0], p[4]) for p in raw.props if p[4]),
        )

    def managed_chain(self, wsdl_name: str) -> list[ManagedTypeDef]:
        """``wsdl_name`` and its bases, up to (not including) ManagedObject."""
        chain = [self.managed_def(wsdl_name)]
        while chain[-1].base is not None:
            chain.append(self.managed_def(chain[-1].base))
        return chain

    # Methods

    def method_def(self, managed_type: str, op: str) -> MethodDef:
        raw = self.by_wsdl[("managed", managed_type)]
        for vmodl_name, wsdl, version, params, result, privilege, faults in raw.methods:
            if wsdl == op:
                break
        else:
            raise KeyError(f"{managed_type} has no method {op}")
        result_flags, result_type = result[0], result[1]
        returns = None
        if result_type != "void":
            returns = self.field(op, ("returnval", result_type, version, result_flags))
        return MethodDef(
            name=op,
            managed_type=managed_type,
            since=self.since(version),
            privilege=PRIVILEGE_OVERRIDES.get((managed_type, op), privilege),
            params=tuple(self.field(op, p) for p in params),
            returns=returns,
            faults=tuple(self.by_vmodl[f].wsdl_name for f in faults or ()),
            param_privileges=tuple((p[0], p[4]) for p in params if p[4]),
        )


def _referenced_types(t: TypeDef) -> list[str]:
    refs = [t.base] if t.base else []
    refs += [f.type for f in t.fields]
    return [r for r in refs if not r.startswith("xsd:") and r != MOREF]


def _data_types(fields: Iterable[Field]) -> list[str]:
    return [f.type for f in fields if not f.type.startswith("xsd:") and f.type != MOREF]


def _method_types(m: MethodDef) -> list[str]:
    return _data_types([*m.params, *([m.returns] if m.returns else [])])


def closure(tables: Tables, roots: Iterable[str]) -> dict[str, TypeDef]:
    """Every type reachable from ``roots`` through base types and field types."""
    types: dict[str, TypeDef] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name not in types:
            types[name] = tables.type_def(name)
            pending.extend(_referenced_types(types[name]))
    return dict(sorted(types.items()))


def build_model() -> Model:
    vs = _import_vmomi()
    tables = Tables(vs)
    methods = sorted(
        (tables.method_def(mo, op) for mo, ops in SERVED_OPERATIONS.items() for op in ops),
        key=lambda m: (m.managed_type, m.name),
    )
    served = [*SERVED_OPERATIONS, *SERVED_MANAGED_TYPES]
    managed = {mt.name: mt for mo in served for mt in tables.managed_chain(mo)}
    roots = [*tables.all_fault_names(), *ROOT_TYPES]
    roots += [t for m in methods for t in _method_types(m)]
    # Property values travel too: WaitForTask's PropertyCollector filter asks for all of a
    # Task's properties, so `value` (ArrayOfCustomFieldValue) goes out next to `info`.
    roots += [t for mt in managed.values() for t in _data_types(mt.properties)]
    types = closure(tables, roots)
    return Model(
        versions=[wire for _, wire in tables.versions],
        types=types,
        methods=methods,
        managed_types=dict(sorted(managed.items())),
        pyvmomi_version=metadata.version("pyvmomi"),
        fault_types=[n for n, t in types.items() if t.kind == "fault"],
    )


# ---------------------------------------------------------------------------------------------
# Rendering: plain string templates, so the layout (and hence the diff) stays under our control


def _banner(model: Model) -> str:
    return (f"<!-- Generated by vtasksim.tools.gen_schema from pyVmomi {model.pyvmomi_version}"
            " type tables. Do not edit: run `make schema`. -->")


def _qname(type_name: str) -> str:
    return type_name if type_name.startswith("xsd:") else f"vim25:{type_name}"


def _element(f: Field, indent: str) -> str:
    attrs = f'name="{f.name}" type="{_qname(f.type)}"'
    if f.optional:
        attrs += ' minOccurs="0"'
    if f.array:
        attrs += ' maxOccurs="unbounded"'
    return f"{indent}<element {attrs}/>"


def _sequence(fields: Sequence[Field], indent: str) -> list[str]:
    if not fields:
        return [f"{indent}<sequence/>"]
    inner = indent + "  "
    return [f"{indent}<sequence>", *(_element(f, inner) for f in fields), f"{indent}</sequence>"]


def _schema_open(model: Model) -> list[str]:
    return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        _banner(model),
        f'<schema xmlns="{XSD_NS}" xmlns:vim25="{VIM25_NS}" xmlns:xsd="{XSD_NS}"'
        f' targetNamespace="{VIM25_NS}" elementFormDefault="qualified">',
    ]


def _complex_type(t: TypeDef) -> list[str]:
    if t.base is None:  # DynamicData, the root of all data objects
        return [f'  <complexType name="{t.name}">', *_sequence(t.fields, "    "),
                "  </complexType>"]
    return [
        f'  <complexType name="{t.name}">',
        "    <complexContent>",
        f'      <extension base="vim25:{t.base}">',
        *_sequence(t.fields, "        "),
        "      </extension>",
        "    </complexContent>",
        "  </complexType>",
    ]


def _enum_type(t: TypeDef) -> list[str]:
    values = [f'      <enumeration value="{v}"/>' for v in t.values]
    return [f'  <simpleType name="{t.name}">', '    <restriction base="xsd:string">',
            *values, "    </restriction>", "  </simpleType>"]


def _array_type(item: str) -> list[str]:
    """vim25's ArrayOf<T>: the xsi:type of an array inside an anyType value."""
    local = item.removeprefix("xsd:")
    name = "ArrayOf" + local[0].upper() + local[1:]
    element = Field(local, item, optional=True, array=True, since="")
    return [f'  <complexType name="{name}">', *_sequence([element], "    "), "  </complexType>"]


def _moref_type() -> list[str]:
    return [
        f'  <complexType name="{MOREF}">',
        "    <simpleContent>",
        '      <extension base="xsd:string">',
        '        <attribute name="type" type="xsd:string" use="required"/>',
        "      </extension>",
        "    </simpleContent>",
        "  </complexType>",
    ]


def _array_item_types(model: Model) -> list[str]:
    # Faults never travel as array items: a list of faults is a list of LocalizedMethodFault.
    items = [n for n, t in model.types.items() if t.kind != "fault"]
    return [*items, MOREF, *(f"xsd:{p}" for p in XSD_ARRAY_ITEMS)]


def render_types_xsd(model: Model) -> str:
    blocks: dict[str, list[str]] = {MOREF: _moref_type()}
    for name, t in model.types.items():
        blocks[name] = _enum_type(t) if t.kind == "enum" else _complex_type(t)
    for item in _array_item_types(model):
        local = item.removeprefix("xsd:")
        blocks["ArrayOf" + local[0].upper() + local[1:]] = _array_type(item)
    lines = _schema_open(model)
    for name in sorted(blocks):
        lines += blocks[name]
    lines.append("</schema>")
    return "\n".join(lines) + "\n"


def _this(m: MethodDef) -> Field:
    return Field("_this", MOREF, optional=False, array=False, since=m.since)


def _message_types(m: MethodDef) -> list[str]:
    response = ([f'  <element name="{m.name}Response">', "    <complexType/>", "  </element>"]
                if m.returns is None else
                [f'  <element name="{m.name}Response">', "    <complexType>",
                 *_sequence([m.returns], "      "), "    </complexType>", "  </element>"])
    return [
        f'  <complexType name="{m.name}RequestType">',
        *_sequence([_this(m), *m.params], "    "),
        "  </complexType>",
        f'  <element name="{m.name}" type="vim25:{m.name}RequestType"/>',
        *response,
    ]


def render_messages_xsd(model: Model) -> str:
    lines = _schema_open(model)
    lines.append('  <include schemaLocation="vim-types.xsd"/>')
    for m in sorted(model.methods, key=lambda m: m.name):
        lines += _message_types(m)
    # Every fault in scope can be a SOAP fault's detail, declared or not (vCenter sends
    # NotAuthenticated or ManagedObjectNotFound from any operation).
    lines += [f'  <element name="{f}Fault" type="vim25:{f}"/>' for f in model.fault_types]
    lines.append("</schema>")
    return "\n".join(lines) + "\n"


def operation_faults(m: MethodDef) -> list[str]:
    """pyVmomi's declared faults, then RuntimeFault: every vim25 operation declares it."""
    return [*m.faults, *([] if "RuntimeFault" in m.faults else ["RuntimeFault"])]


def _wsdl_messages(model: Model) -> list[str]:
    lines: list[str] = []
    for m in sorted(model.methods, key=lambda m: m.name):
        for suffix, element in (("Request", m.name), ("Response", f"{m.name}Response")):
            lines += [f'  <message name="{m.name}{suffix}Msg">',
                      f'    <part name="parameters" element="vim25:{element}"/>', "  </message>"]
    faults = sorted({f for m in model.methods for f in operation_faults(m)})
    for f in faults:
        lines += [f'  <message name="{f}FaultMsg">',
                  f'    <part name="fault" element="vim25:{f}Fault"/>', "  </message>"]
    return lines


def _port_type(model: Model) -> list[str]:
    lines = ['  <portType name="VimPortType">']
    for m in sorted(model.methods, key=lambda m: m.name):
        lines += [f'    <operation name="{m.name}">',
                  f'      <input message="vim25:{m.name}RequestMsg"/>',
                  f'      <output message="vim25:{m.name}ResponseMsg"/>']
        lines += [f'      <fault name="{f}Fault" message="vim25:{f}FaultMsg"/>'
                  for f in operation_faults(m)]
        lines.append("    </operation>")
    return lines + ["  </portType>"]


SOAP_HTTP = "http://schemas.xmlsoap.org/soap/http"


def _binding(model: Model) -> list[str]:
    action = f"urn:vim25/{WSDL_API_VERSION}"
    lines = ['  <binding name="VimBinding" type="vim25:VimPortType">',
             f'    <soap:binding style="document" transport="{SOAP_HTTP}"/>']
    for m in sorted(model.methods, key=lambda m: m.name):
        lines += [f'    <operation name="{m.name}">',
                  f'      <soap:operation soapAction="{action}" style="document"/>',
                  '      <input>', '        <soap:body use="literal"/>', '      </input>',
                  '      <output>', '        <soap:body use="literal"/>', '      </output>']
        for f in operation_faults(m):
            lines += [f'      <fault name="{f}Fault">',
                      f'        <soap:fault name="{f}Fault" use="literal"/>', "      </fault>"]
        lines.append("    </operation>")
    return lines + ["  </binding>"]


def render_vim_wsdl(model: Model) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        _banner(model),
        f'<definitions targetNamespace="{VIM25_NS}" xmlns="{WSDL_NS}" xmlns:soap="{SOAP_NS}"'
        f' xmlns:vim25="{VIM25_NS}" xmlns:xsd="{XSD_NS}">',
        "  <types>",
        f'    <schema targetNamespace="{VIM25_NS}" xmlns="{XSD_NS}"'
        ' elementFormDefault="qualified">',
        '      <include schemaLocation="vim-messages.xsd"/>',
        "    </schema>",
        "  </types>",
        *_wsdl_messages(model),
        *_port_type(model),
        *_binding(model),
        "</definitions>",
    ]
    return "\n".join(lines) + "\n"


def render_service_wsdl(model: Model) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        _banner(model),
        f'<definitions targetNamespace="urn:vim25Service" xmlns="{WSDL_NS}"'
        f' xmlns:interface="{VIM25_NS}" xmlns:soap="{SOAP_NS}" xmlns:xsd="{XSD_NS}">',
        f'  <import location="vim.wsdl" namespace="{VIM25_NS}"/>',
        '  <service name="VimService">',
        '    <port binding="interface:VimBinding" name="VimPort">',
        # The server rewrites this address to its own URL when it serves the file.
        '      <soap:address location="https://localhost/sdk"/>',
        "    </port>",
        "  </service>",
        "</definitions>",
    ]
    return "\n".join(lines) + "\n"


def _field_json(f: Field) -> list[str]:
    return [f.name, f.type, f.cardinality, f.since]


def _type_json(t: TypeDef) -> dict:
    spec: dict = {"kind": t.kind}
    if t.base:
        spec["base"] = t.base
    spec["since"] = t.since
    if t.kind == "enum":
        spec["values"] = list(t.values)
    else:
        spec["fields"] = [_field_json(f) for f in t.fields]
    return spec


def _method_json(m: MethodDef) -> dict:
    spec: dict = {
        "since": m.since,
        "privilege": m.privilege,
        "params": [_field_json(p) for p in m.params],
        "returns": [m.returns.type, m.returns.cardinality] if m.returns else None,
        "faults": list(m.faults),
    }
    if m.param_privileges:
        spec["paramPrivileges"] = dict(m.param_privileges)
    return spec


def _managed_json(mt: ManagedTypeDef) -> dict:
    spec: dict = {"base": mt.base} if mt.base else {}
    spec["since"] = mt.since
    spec["properties"] = [_field_json(p) for p in mt.properties]
    if mt.property_privileges:
        spec["propertyPrivileges"] = dict(mt.property_privileges)
    return spec


def render_json(model: Model) -> str:
    def dump(value: object) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=True)

    types = ",\n".join(f"{dump(n)}:{dump(_type_json(t))}" for n, t in model.types.items())
    managed = ",\n".join(
        f"{dump(n)}:{dump(_managed_json(mt))}" for n, mt in model.managed_types.items())
    by_mo: dict[str, list[MethodDef]] = {}
    for m in model.methods:
        by_mo.setdefault(m.managed_type, []).append(m)
    groups = []
    for mo in sorted(by_mo):
        ops = ",\n".join(f"{dump(m.name)}:{dump(_method_json(m))}" for m in by_mo[mo])
        groups.append(f"{dump(mo)}:{{\n{ops}}}")
    methods = ",\n".join(groups)
    return (f'{{"versions":{dump(model.versions)},\n"types":{{\n{types}}},\n'
            f'"managedTypes":{{\n{managed}}},\n"methods":{{\n{methods}}}}}\n')


def render_all(model: Model) -> dict[str, str]:
    """Relative output path -> file content."""
    wsdl = dict(zip(WSDL_FILES, (render_service_wsdl(model), render_vim_wsdl(model),
                                  render_messages_xsd(model), render_types_xsd(model))))
    outputs = {f"{folder}/{name}": text for folder in WSDL_DIRS for name, text in wsdl.items()}
    outputs[TYPE_TABLE] = render_json(model)
    return outputs


def write_outputs(out_dir: Path) -> dict[str, str]:
    outputs = render_all(build_model())
    for rel, text in outputs.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))  # bytes: no newline translation anywhere
    return outputs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, default=REPO_ROOT,
                        help="root to write the files under (default: the repo)")
    args = parser.parse_args(argv)
    outputs = write_outputs(args.out_dir)
    for rel, text in outputs.items():
        print(f"{args.out_dir / rel}: {len(text.encode('utf-8'))} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
