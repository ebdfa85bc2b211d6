"""What every managed object has: a MoRef, readable properties, and a way to say it changed."""

from __future__ import annotations

from typing import Any, ClassVar

from vtasksim.domain.changes import ChangeFeed
from vtasksim.domain.faults import InvalidProperty
from vtasksim.domain.vmodl import DataObject, MoRef, VimData


def _vim_property(value: Any, name: str, path: str) -> Any:
    """A data object's property by its vim name; anything else (a Python attribute) is no property."""
    if isinstance(value, DataObject):
        return value.properties.get(name)
    if isinstance(value, VimData):
        for field_name, field_value in value.vim_properties():
            if field_name == name:
                return field_value
    raise InvalidProperty(path)


class ManagedObject:
    """Base of every managed-object type; subclasses name their vim properties."""

    # Slots for what every object has; subclasses keep a __dict__ unless they list their own
    # slots, as Task does (a server may hold 100,000 of them).
    __slots__ = ("ref", "_changes", "__dict__")

    vim_type: ClassVar[str] = "ManagedObject"
    #: The vim properties a client may read, in the order RetrieveProperties(all=true) returns them.
    vim_properties: ClassVar[tuple[str, ...]] = ()

    def __init__(self, ref: MoRef, changes: ChangeFeed | None = None) -> None:
        self.ref = ref
        self._changes = changes

    def attach(self, changes: ChangeFeed) -> None:
        self._changes = changes

    def read_property(self, path: str, session: Any = None) -> Any:
        """The value at a property path (``info``, ``info.state``); None when it is unset.

        An unknown path raises InvalidProperty, as the PropertyCollector does. ``session`` is the
        caller's, for the few properties whose value depends on who asks (currentSession).
        """
        head, _, rest = path.partition(".")
        if head not in self.vim_properties:
            raise InvalidProperty(path)
        value = self.property_value(head, session)
        for part in rest.split(".") if rest else ():
            if value is None:
                return None
            value = _vim_property(value, part, path)
        return value

    def property_value(self, name: str, session: Any = None) -> Any:
        """The value of one of ``vim_properties`` (a Python attribute of the same name by default)."""
        return getattr(self, name)

    def visible_to(self, session: Any) -> bool:
        """Whether this session may see the object (another session's filters it may not)."""
        return True

    def _changed(self, *paths: str) -> None:
        if self._changes is not None:
            self._changes.publish(self.ref, paths)


class InventoryObject(ManagedObject):
    """A managed entity the simulator only needs to name (Folder, Datacenter, VirtualMachine …).

    Tasks point at them through ``TaskInfo.entity``; they have no behaviour of their own here.
    """

    vim_properties = ("name",)

    def __init__(self, ref: MoRef, name: str, changes: ChangeFeed | None = None) -> None:
        super().__init__(ref, changes)
        self.name = name

    @property
    def vim_type(self) -> str:  # type: ignore[override]
        return self.ref.type
