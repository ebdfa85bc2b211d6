"""vmodl.query's data objects: what clients ask the PropertyCollector, and what it answers.

Specs (PropertyFilterSpec, PropertySpec, ObjectSpec, SelectionSpec, TraversalSpec) and options
come in; ObjectContent, RetrieveResult and UpdateSet go out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from vtasksim.domain.vmodl import MoRef, VimData

# What a client asks


@dataclass(slots=True)
class SelectionSpec(VimData):
    vim_type: ClassVar[str] = "SelectionSpec"
    name: str | None = None


@dataclass(slots=True)
class TraversalSpec(SelectionSpec):
    vim_type: ClassVar[str] = "TraversalSpec"
    type: str = ""
    path: str = ""
    skip: bool | None = None
    selectSet: list[SelectionSpec] = field(default_factory=list)


@dataclass(slots=True)
class PropertySpec(VimData):
    vim_type: ClassVar[str] = "PropertySpec"
    type: str
    all: bool | None = None
    pathSet: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ObjectSpec(VimData):
    vim_type: ClassVar[str] = "ObjectSpec"
    obj: MoRef
    skip: bool | None = None
    selectSet: list[SelectionSpec] = field(default_factory=list)


@dataclass(slots=True)
class PropertyFilterSpec(VimData):
    vim_type: ClassVar[str] = "PropertyFilterSpec"
    propSet: list[PropertySpec]
    objectSet: list[ObjectSpec]
    reportMissingObjectsInResults: bool | None = None


@dataclass(slots=True)
class RetrieveOptions(VimData):
    vim_type: ClassVar[str] = "RetrieveOptions"
    maxObjects: int | None = None


@dataclass(slots=True)
class DynamicProperty(VimData):
    vim_type: ClassVar[str] = "DynamicProperty"
    name: str
    val: Any


@dataclass(slots=True)
class ObjectContent(VimData):
    vim_type: ClassVar[str] = "ObjectContent"
    obj: MoRef
    propSet: list[DynamicProperty] = field(default_factory=list)


@dataclass(slots=True)
class RetrieveResult(VimData):
    vim_type: ClassVar[str] = "RetrieveResult"
    token: str | None
    objects: list[ObjectContent]


@dataclass(slots=True)
class WaitOptions(VimData):
    vim_type: ClassVar[str] = "WaitOptions"
    maxWaitSeconds: int | None = None
    maxObjectUpdates: int | None = None


@dataclass(slots=True)
class UpdateSet(VimData):
    vim_type: ClassVar[str] = "UpdateSet"
    version: str
    filterSet: list[PropertyFilterUpdate] = field(default_factory=list)
    truncated: bool | None = None


# What changed: the UpdateSet's parts


@dataclass(slots=True)
class PropertyChange(VimData):
    vim_type: ClassVar[str] = "PropertyChange"
    name: str
    op: str  # PropertyChangeOp: add, remove, assign, indirectRemove
    val: Any = None


@dataclass(slots=True)
class ObjectUpdate(VimData):
    vim_type: ClassVar[str] = "ObjectUpdate"
    kind: str  # ObjectUpdateKind: modify, enter, leave
    obj: MoRef
    changeSet: list[PropertyChange] = field(default_factory=list)


@dataclass(slots=True)
class PropertyFilterUpdate(VimData):
    vim_type: ClassVar[str] = "PropertyFilterUpdate"
    filter: MoRef
    objectSet: list[ObjectUpdate] = field(default_factory=list)
