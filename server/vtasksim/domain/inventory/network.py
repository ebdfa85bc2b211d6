"""vim.Network: a port group VMs connect to."""

from __future__ import annotations

from vtasksim.domain.inventory.entity import ManagedEntity, data
from vtasksim.domain.vmodl import DataObject, MoRef


class Network(ManagedEntity):
    vim_type = "Network"
    derived = ManagedEntity.derived | {"host", "vm"}

    @property
    def host(self) -> list[MoRef]:
        return [h.ref for h in self.inventory.hosts() if self.ref in h.network]

    @property
    def vm(self) -> list[MoRef]:
        return [vm.ref for vm in self.inventory.virtual_machines() if self.ref in vm.network]

    @property
    def summary(self) -> DataObject:
        return self.with_own("summary", data("NetworkSummary", network=self.ref, name=self.name, accessible=True, ipPoolName=""))
