"""vmodl.query.PropertyCollector: reading properties of many objects in one call.

``RetrieveProperties`` / ``RetrievePropertiesEx`` walk each ObjectSpec (and its TraversalSpecs)
and report, for every object whose type a PropertySpec names, the requested properties.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterable, Iterator

from vtasksim.domain.faults import InvalidArgument
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.registry import Registry
from vtasksim.domain.vmodl import MoRef, VimData


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


class PropertyCollector(ManagedObject):
    vim_type = "PropertyCollector"
    vim_properties = ("filter",)

    def __init__(self, ref: MoRef, registry: Registry) -> None:
        super().__init__(ref)
        self.filter: list[MoRef] = []
        self._registry = registry
        self._continuations: dict[str, list[ObjectContent]] = {}
        self._tokens = itertools.count(1)

    # RetrieveProperties, RetrievePropertiesEx, ContinueRetrievePropertiesEx

    def retrieve_properties(self, specs: list[PropertyFilterSpec]) -> list[ObjectContent]:
        return [content for spec in specs for content in self._collect(spec)]

    def retrieve_properties_ex(self, specs: list[PropertyFilterSpec], options: RetrieveOptions | None) -> RetrieveResult | None:
        contents = self.retrieve_properties(specs)
        max_objects = options.maxObjects if options is not None else None
        if max_objects is not None and max_objects <= 0:
            raise InvalidArgument("options.maxObjects", "A specified parameter was not correct: options.maxObjects must be positive.")
        return self._page(contents, max_objects) if contents else None

    def continue_retrieve_properties_ex(self, token: str) -> RetrieveResult:
        contents = self._continuations.pop(token, None)
        if contents is None:
            raise InvalidArgument("token", f"A specified parameter was not correct: token {token!r} is unknown or used up.")
        return self._page(contents, len(contents))

    def cancel_retrieve_properties_ex(self, token: str) -> None:
        if self._continuations.pop(token, None) is None:
            raise InvalidArgument("token", f"A specified parameter was not correct: token {token!r} is unknown or used up.")

    def _page(self, contents: list[ObjectContent], max_objects: int | None) -> RetrieveResult:
        if max_objects is None or len(contents) <= max_objects:
            return RetrieveResult(None, contents)
        token = str(next(self._tokens))
        self._continuations[token] = contents[max_objects:]
        return RetrieveResult(token, contents[:max_objects])

    # Walking a filter spec

    def _collect(self, spec: PropertyFilterSpec) -> Iterator[ObjectContent]:
        seen: set[MoRef] = set()
        for obj in self._objects(spec):
            if obj.ref in seen:
                continue
            seen.add(obj.ref)
            paths = self._paths_for(obj, spec.propSet)
            if paths is not None:
                yield ObjectContent(obj.ref, list(_read(obj, paths)))

    def _objects(self, spec: PropertyFilterSpec) -> Iterator[ManagedObject]:
        for object_spec in spec.objectSet:
            start = self._registry.get(object_spec.obj)
            named = _named_selections(object_spec.selectSet)
            if not object_spec.skip:
                yield start
            yield from self._traverse(start, object_spec.selectSet, named, depth=0)

    def _traverse(self, obj: ManagedObject, selections: Iterable[SelectionSpec], named: dict[str, TraversalSpec], depth: int) -> Iterator[ManagedObject]:
        if depth > 32:
            return  # a selection set that points back at itself
        for selection in selections:
            traversal = selection if isinstance(selection, TraversalSpec) else named.get(selection.name or "")
            if traversal is None or traversal.type != obj.vim_type:
                continue
            for ref in _refs(obj.read_property(traversal.path)):
                found = self._registry.find(ref)
                if found is None:
                    continue
                if not traversal.skip:
                    yield found
                yield from self._traverse(found, traversal.selectSet, named, depth + 1)

    @staticmethod
    def _paths_for(obj: ManagedObject, prop_specs: list[PropertySpec]) -> list[str] | None:
        """The paths the specs ask of ``obj``, or None when no spec names its type."""
        matching = [spec for spec in prop_specs if spec.type == obj.vim_type]
        if not matching:
            return None
        paths: list[str] = []
        for spec in matching:
            for path in obj.vim_properties if spec.all else spec.pathSet:
                if path not in paths:
                    paths.append(path)
        return paths


def _named_selections(selections: Iterable[SelectionSpec], found: dict[str, TraversalSpec] | None = None) -> dict[str, TraversalSpec]:
    found = {} if found is None else found
    for selection in selections:
        if isinstance(selection, TraversalSpec) and selection.name and selection.name not in found:
            found[selection.name] = selection
            _named_selections(selection.selectSet, found)
    return found


def _refs(value: Any) -> list[MoRef]:
    if isinstance(value, MoRef):
        return [value]
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, MoRef)]
    return []


def _read(obj: ManagedObject, paths: list[str]) -> Iterator[DynamicProperty]:
    for path in paths:
        value = obj.read_property(path)
        if value is not None and value != []:
            yield DynamicProperty(path, value)
