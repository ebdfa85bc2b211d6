"""vim.ManagedEntity: what every object of the inventory tree has.

An entity knows its name, its parent and its children; everything else it reads either from
what the fixture said about it (``own``: values by property name, typed by the vim tables) or
from the rest of the inventory (``recentTask``, a host's ``vm`` …), so that one fact is never
stored twice. Every property its vim type has can be read: an unset one is empty, never
InvalidProperty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from vtasksim.domain.inventory.properties import data, get, merged, set_path
from vtasksim.domain.managed_object import InventoryObject
from vtasksim.domain.typesystem import TypeSystem, vim_types
from vtasksim.domain.vmodl import DataObject, MoRef

if TYPE_CHECKING:
    from vtasksim.domain.inventory.tree import Inventory


class ManagedEntity(InventoryObject):
    vim_type: ClassVar[str] = "ManagedEntity"  # type: ignore[assignment]
    #: Properties the inventory works out; a fixture sets the facts they come from instead.
    derived: ClassVar[frozenset[str]] = frozenset(
        {"name", "parent", "recentTask", "value", "availableField", "effectiveRole", "customValue"}
    )

    #: Paths that repeat a fact stored elsewhere (``summary.config.name`` is ``name``) → that fact.
    aliases: ClassVar[dict[str, str]] = {}

    def __init__(self, ref: MoRef, name: str, inventory: "Inventory") -> None:
        super().__init__(ref, name)
        self.inventory = inventory
        self.parent: MoRef | None = None
        self.children: list[MoRef] = []
        #: What the fixture said, by property name (``config`` → a VirtualMachineConfigInfo …).
        self.own: dict[str, Any] = {}
        self.vim_properties = tuple(p.name for p in self.types.managed_properties(self.vim_type))  # type: ignore[misc]

    @property
    def types(self) -> TypeSystem:
        return vim_types()

    def property_value(self, name: str, session: Any = None) -> Any:
        if name == "effectiveRole":
            return self.inventory.effective_role(session)
        if name in self.__dict__ or isinstance(getattr(type(self), name, None), property):
            return getattr(self, name)
        return self.own.get(name)

    # What every entity has

    @property
    def recentTask(self) -> list[MoRef]:
        return self.inventory.recent_tasks_of(self.ref)

    @property
    def value(self) -> list[DataObject]:
        return self.inventory.custom_fields.values_of(self.ref)

    @property
    def customValue(self) -> list[DataObject]:
        return self.value

    @property
    def availableField(self) -> list[DataObject]:
        return self.inventory.custom_fields.fields_for(self.vim_type)

    @property
    def overallStatus(self) -> str:
        return self.own.get("overallStatus", "green")

    @property
    def configStatus(self) -> str:
        return self.own.get("configStatus", "green")

    @property
    def alarmActionsEnabled(self) -> bool:
        return self.own.get("alarmActionsEnabled", True)

    # Helpers for the types below

    def child_entities(self, *types: str) -> list["ManagedEntity"]:
        found = (self.inventory.entity(ref) for ref in self.children)
        return [child for child in found if not types or any(child.is_a(t) for t in types)]

    def is_a(self, vim_type: str) -> bool:
        return self.types.is_managed_subtype(self.vim_type, vim_type)

    def with_own(self, prop: str, default: DataObject) -> DataObject:
        """A data-object property: the believable ``default`` with what the fixture said over it."""
        return merged(self.types, default, self.own.get(prop))

    def set_own(self, path: str, value: Any) -> None:
        """Store a value the simulator worked out (already typed) as if the fixture had said it."""
        set_path(self.types, self.vim_type, self.own, path, value, lambda ref: ref)

    def own_at(self, path: str) -> Any:
        """What the fixture said at a dotted path (``config.hardware.numCPU``), or None."""
        head, _, rest = path.partition(".")
        value = self.own.get(head)
        return value if not rest else get(value, rest)


__all__ = ["ManagedEntity", "data"]
