"""vim.ComputeResource and vim.ClusterComputeResource: hosts and their root resource pool."""

from __future__ import annotations

from vtasksim.domain.inventory.entity import ManagedEntity, data
from vtasksim.domain.inventory.properties import get
from vtasksim.domain.vmodl import DataObject, MoRef


class ComputeResource(ManagedEntity):
    vim_type = "ComputeResource"
    derived = ManagedEntity.derived | {"host", "resourcePool", "datastore", "network"}
    summary_type = "ComputeResourceSummary"

    @property
    def host(self) -> list[MoRef]:
        return [child.ref for child in self.child_entities("HostSystem")]

    @property
    def resourcePool(self) -> MoRef | None:
        pools = self.child_entities("ResourcePool")
        return pools[0].ref if pools else None

    @property
    def datastore(self) -> list[MoRef]:
        return self.inventory.of_datacenter(self, "datastore")

    @property
    def network(self) -> list[MoRef]:
        return self.inventory.of_datacenter(self, "network")

    @property
    def summary(self) -> DataObject:
        hosts = [self.inventory.entity(ref).summary for ref in self.host]  # type: ignore[attr-defined]
        hardware = [get(s, "hardware") for s in hosts]
        total_cpu = sum((get(h, "cpuMhz") or 0) * (get(h, "numCpuCores") or 0) for h in hardware)
        total_memory = sum(get(h, "memorySize") or 0 for h in hardware)
        default = data(
            self.summary_type, totalCpu=total_cpu, totalMemory=total_memory,
            numCpuCores=sum(get(h, "numCpuCores") or 0 for h in hardware),
            numCpuThreads=sum(get(h, "numCpuThreads") or 0 for h in hardware),
            effectiveCpu=total_cpu, effectiveMemory=total_memory // 1024**2,
            numHosts=len(hosts), numEffectiveHosts=len(hosts), overallStatus=self.overallStatus,
        )  # fmt: skip
        return self.with_own("summary", default)


class ClusterComputeResource(ComputeResource):
    vim_type = "ClusterComputeResource"
    summary_type = "ClusterComputeResourceSummary"
