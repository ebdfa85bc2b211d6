"""Every managed object, keyed by its MoRef."""

from __future__ import annotations

from typing import Iterator, TypeVar

from vtasksim.domain.faults import ManagedObjectNotFound
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.vmodl import MoRef

T = TypeVar("T", bound=ManagedObject)


class Registry:
    def __init__(self) -> None:
        self._objects: dict[MoRef, ManagedObject] = {}
        #: Counts additions and removals: a reader can tell the membership changed without comparing.
        self.generation = 0

    def add(self, obj: ManagedObject) -> None:
        if obj.ref in self._objects:
            raise ValueError(f"duplicate managed object {obj.ref}")
        self._objects[obj.ref] = obj
        self.generation += 1

    def remove(self, ref: MoRef) -> None:
        if self._objects.pop(ref, None) is not None:
            self.generation += 1

    def find(self, ref: MoRef) -> ManagedObject | None:
        return self._objects.get(ref)

    def get(self, ref: MoRef, kind: type[T] = ManagedObject) -> T:  # type: ignore[assignment]
        """The object behind ``ref``; ManagedObjectNotFound (with ``obj``) when there is none."""
        obj = self._objects.get(ref)
        if not isinstance(obj, kind):
            raise ManagedObjectNotFound(ref)
        return obj

    def __contains__(self, ref: MoRef) -> bool:
        return ref in self._objects

    def __iter__(self) -> Iterator[ManagedObject]:
        return iter(list(self._objects.values()))

    def __len__(self) -> int:
        return len(self._objects)
