"""The vim type system: which type extends which, each type's fields, and since which API version.

The table ``vim_types.json`` is generated from pyVmomi's type tables (the maintained record of
every vim type, field and version) by ``python -m vtasksim.tools.gen_schema``; the server reads
it and never imports pyVmomi.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Iterable


@dataclass(frozen=True, slots=True)
class FieldInfo:
    name: str
    type: str  # a vim25 WSDL type name, or ``xsd:string`` …
    optional: bool
    array: bool
    since: str


@dataclass(frozen=True, slots=True)
class TypeInfo:
    name: str
    kind: str  # "data", "fault" or "enum"
    base: str | None
    since: str
    own_fields: tuple[FieldInfo, ...]
    values: tuple[str, ...]  # an enum's values


@dataclass(frozen=True, slots=True)
class MethodInfo:
    name: str
    managed_type: str
    since: str
    privilege: str | None
    faults: tuple[str, ...]


class TypeSystem:
    def __init__(self, table: dict) -> None:
        self.versions: tuple[str, ...] = tuple(table["versions"])
        self._rank = {version: rank for rank, version in enumerate(self.versions)}
        self._types = {name: _type_info(name, spec) for name, spec in table["types"].items()}
        self._methods = {
            (managed_type, name): MethodInfo(
                name, managed_type, spec["since"], spec.get("privilege"), tuple(spec.get("faults", ()))
            )
            for managed_type, methods in table.get("methods", {}).items()
            for name, spec in methods.items()
        }
        self._managed = {
            name: (spec.get("base"), tuple(_field_info(f) for f in spec.get("properties", ())))
            for name, spec in table.get("managedTypes", {}).items()
        }
        self._managed_properties: dict[str, tuple[FieldInfo, ...]] = {}
        self._all_fields: dict[str, tuple[FieldInfo, ...]] = {}
        self._field_index: dict[str, dict[str, FieldInfo]] = {}

    # Types

    def has_type(self, name: str) -> bool:
        return name in self._types

    def type(self, name: str) -> TypeInfo:
        return self._types[name]

    def type_names(self, kind: str | None = None) -> list[str]:
        """Every type's name, or those of one kind ("data", "fault", "enum")."""
        return [name for name, info in self._types.items() if kind is None or info.kind == kind]

    def ancestors(self, name: str) -> Iterable[str]:
        """``name`` itself, then its base, up to the root."""
        while name in self._types:
            yield name
            base = self._types[name].base
            if base is None:
                return
            name = base

    def is_subtype(self, name: str, base: str) -> bool:
        return base in self.ancestors(name)

    def all_fields(self, name: str) -> tuple[FieldInfo, ...]:
        """Every field of ``name``, inherited ones first: the order they take on the wire."""
        cached = self._all_fields.get(name)
        if cached is None:
            chain = reversed(list(self.ancestors(name)))
            cached = tuple(f for t in chain for f in self._types[t].own_fields)
            self._all_fields[name] = cached
        return cached

    def field(self, type_name: str, field_name: str) -> FieldInfo | None:
        index = self._field_index.get(type_name)
        if index is None:
            index = {f.name: f for f in self.all_fields(type_name)}
            self._field_index[type_name] = index
        return index.get(field_name)

    # Managed types (Folder, VirtualMachine, ContainerView …): their bases and properties

    def has_managed_type(self, name: str) -> bool:
        return name in self._managed

    def managed_ancestors(self, name: str) -> Iterable[str]:
        """``name`` itself, then its bases up to (not including) ManagedObject."""
        while name in self._managed:
            yield name
            base = self._managed[name][0]
            if base is None:
                return
            name = base

    def is_managed_subtype(self, name: str, base: str) -> bool:
        """Whether managed type ``name`` is ``base`` or extends it (ManagedObject: every type)."""
        return name == base or base == "ManagedObject" or base in self.managed_ancestors(name)

    def managed_properties(self, name: str) -> tuple[FieldInfo, ...]:
        """Every property of a managed type, inherited ones first; () for a type not served."""
        cached = self._managed_properties.get(name)
        if cached is None:
            chain = reversed(list(self.managed_ancestors(name)))
            cached = self._managed_properties[name] = tuple(p for t in chain for p in self._managed[t][1])
        return cached

    def managed_property(self, name: str, prop: str) -> FieldInfo | None:
        return next((p for p in self.managed_properties(name) if p.name == prop), None)

    # Versions

    def is_known_version(self, version: str) -> bool:
        return version in self._rank

    def at_least(self, version: str, since: str) -> bool:
        """True when something introduced in ``since`` exists in API ``version``."""
        return self._rank.get(version, len(self.versions)) >= self._rank.get(since, 0)

    @property
    def newest_version(self) -> str:
        return self.versions[-1]

    # Methods

    def method(self, managed_type: str, name: str) -> MethodInfo | None:
        return self._methods.get((managed_type, name))

    def method_of(self, managed_type: str, name: str) -> MethodInfo | None:
        """The method ``name`` of ``managed_type`` or of a type it extends (setCustomValue on a VirtualMachine)."""
        for owner in self.managed_ancestors(managed_type):
            info = self._methods.get((owner, name))
            if info is not None:
                return info
        return self._methods.get((managed_type, name))

    def method_names(self) -> list[str]:
        """Every vim method the table declares, of any managed type, sorted."""
        return sorted({name for _, name in self._methods})


def _type_info(name: str, spec: dict) -> TypeInfo:
    return TypeInfo(
        name=name,
        kind=spec["kind"],
        base=spec.get("base"),
        since=spec.get("since", "2.0"),
        own_fields=tuple(_field_info(f) for f in spec.get("fields", ())),
        values=tuple(spec.get("values", ())),
    )


def _field_info(spec: list[str]) -> FieldInfo:
    name, type_name, cardinality, since = spec
    return FieldInfo(name, type_name, cardinality in ("?", "*"), cardinality == "*", since)


@cache
def vim_types() -> TypeSystem:
    text = resources.files("vtasksim.domain").joinpath("vim_types.json").read_text("utf-8")
    return TypeSystem(json.loads(text))
