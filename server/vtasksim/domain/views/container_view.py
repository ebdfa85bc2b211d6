"""vim.view.ContainerView: the objects of some types inside a container, kept current.

``view`` is worked out when it is read, from the inventory as it is then, so it changes as
objects come and go; the ViewManager tells property collectors when it may have.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from vtasksim.domain.inventory.entity import ManagedEntity
from vtasksim.domain.typesystem import vim_types
from vtasksim.domain.views.view import ManagedObjectView, View
from vtasksim.domain.vmodl import MoRef

if TYPE_CHECKING:
    from vtasksim.domain.inventory.tree import Inventory
    from vtasksim.domain.session_manager import Session


class ContainerView(ManagedObjectView):
    vim_type = "ContainerView"
    vim_properties = ("view", "container", "type", "recursive")

    def __init__(
        self, ref: MoRef, owner: "Session", on_destroy: Callable[[View], None], inventory: "Inventory",
        container: ManagedEntity, types: list[str], recursive: bool,
    ) -> None:  # fmt: skip
        super().__init__(ref, owner, on_destroy)
        self._inventory = inventory
        self.container = container.ref
        self.type = list(types)
        self.recursive = recursive

    @property
    def view(self) -> list[MoRef]:
        container = self._inventory.find_entity(self.container)
        if container is None:
            return []
        found = self._contents(container)
        return [entity.ref for entity in found if self._wanted(entity)]

    def _contents(self, container: ManagedEntity) -> list[ManagedEntity]:
        # A host's VMs and a pool's VMs are in its view too, as on vCenter, though not its children.
        direct = [self._inventory.entity(ref) for ref in container.children]
        for ref in getattr(container, "vm", None) or () if container.vim_type in ("HostSystem", "ResourcePool") else ():
            direct.append(self._inventory.entity(ref))
        if not self.recursive:
            return direct
        found: list[ManagedEntity] = []
        for entity in direct:
            found.append(entity)
            if entity.children:
                found.extend(self._inventory.walk(entity))
        return list(dict.fromkeys(found))

    def _wanted(self, entity: ManagedEntity) -> bool:
        types = vim_types()
        return not self.type or any(types.is_managed_subtype(entity.vim_type, t) for t in self.type)
