"""vim.ResourcePool: where VMs draw their resources from; a compute resource's root pool is ``Resources``."""

from __future__ import annotations

from vtasksim.domain.inventory.entity import ManagedEntity
from vtasksim.domain.vmodl import MoRef


class ResourcePool(ManagedEntity):
    vim_type = "ResourcePool"
    derived = ManagedEntity.derived | {"owner", "resourcePool", "vm"}

    @property
    def owner(self) -> MoRef | None:
        """The compute resource the pool belongs to (its nearest ancestor of that type)."""
        found = self.inventory.ancestor(self, "ComputeResource")
        return found.ref if found is not None else None

    @property
    def resourcePool(self) -> list[MoRef]:
        return [child.ref for child in self.child_entities("ResourcePool")]

    @property
    def vm(self) -> list[MoRef]:
        return [vm.ref for vm in self.inventory.virtual_machines() if vm.resourcePool == self.ref]
