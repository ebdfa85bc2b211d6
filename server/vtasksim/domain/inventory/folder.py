"""vim.Folder: the containers of the inventory. What a folder may hold depends on its kind."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from vtasksim.domain.inventory.entity import ManagedEntity
from vtasksim.domain.vmodl import MoRef

if TYPE_CHECKING:
    from vtasksim.domain.inventory.tree import Inventory

#: A folder's kind → the types it may hold (its ``childType``), as on a vCenter.
CHILD_TYPES: dict[str, tuple[str, ...]] = {
    "root": ("Folder", "Datacenter"),
    "vm": ("Folder", "VirtualMachine", "VirtualApp"),
    "host": ("Folder", "ComputeResource"),
    "datastore": ("Folder", "Datastore", "StoragePod"),
    "network": ("Folder", "Network", "DistributedVirtualSwitch"),
}


class Folder(ManagedEntity):
    vim_type = "Folder"
    derived = ManagedEntity.derived | {"childEntity", "childType"}

    def __init__(self, ref: MoRef, name: str, inventory: "Inventory", kind: str = "root") -> None:
        super().__init__(ref, name, inventory)
        self.kind = kind

    @property
    def childEntity(self) -> list[MoRef]:
        return list(self.children)

    @property
    def childType(self) -> list[str]:
        return list(CHILD_TYPES[self.kind])

    def may_hold(self, vim_type: str) -> bool:
        return any(self.types.is_managed_subtype(vim_type, allowed) or vim_type == allowed for allowed in CHILD_TYPES[self.kind])
