"""vim.HostSystem: an ESXi host, the VMs running on it, the datastores and networks it sees."""

from __future__ import annotations

from vtasksim.domain.inventory import defaults
from vtasksim.domain.inventory.entity import ManagedEntity, data
from vtasksim.domain.vmodl import DataObject, MoRef


class HostSystem(ManagedEntity):
    vim_type = "HostSystem"
    derived = ManagedEntity.derived | {"vm"}
    aliases = {
        "summary.config.name": "name", "summary.host": "(the host itself)", "summary.runtime": "runtime",
        "summary.hardware.uuid": "hardware.systemInfo.uuid",
    }  # fmt: skip

    @property
    def vm(self) -> list[MoRef]:
        return [vm.ref for vm in self.inventory.virtual_machines() if vm.host == self.ref]

    @property
    def datastore(self) -> list[MoRef]:
        own = self.own.get("datastore")
        return list(own) if own is not None else self.inventory.of_datacenter(self, "datastore")

    @property
    def network(self) -> list[MoRef]:
        own = self.own.get("network")
        return list(own) if own is not None else self.inventory.of_datacenter(self, "network")

    @property
    def uuid(self) -> str:
        return self.own_at("hardware.systemInfo.uuid") or defaults.stable_uuid("host", self.ref.value)

    @property
    def runtime(self) -> DataObject:
        default = data(
            "HostRuntimeInfo", connectionState="connected", powerState="poweredOn", inMaintenanceMode=False,
            bootTime=self.inventory.boot_time,
        )  # fmt: skip
        return self.with_own("runtime", default)

    @property
    def summary(self) -> DataObject:
        product = data(
            "AboutInfo", name="VMware ESXi", fullName=f"VMware ESXi {defaults.ESXI_VERSION} build-{defaults.ESXI_BUILD}",
            vendor="VMware, Inc.", version=defaults.ESXI_VERSION, build=defaults.ESXI_BUILD, osType="vmnix-x86",
            productLineId="embeddedEsx", apiType="HostAgent", apiVersion=f"{defaults.ESXI_VERSION}.0",
        )  # fmt: skip
        hardware = data(
            "HostHardwareSummary", vendor=defaults.HOST_VENDOR, model=defaults.HOST_MODEL, uuid=self.uuid,
            memorySize=defaults.HOST_MEMORY_BYTES, cpuModel=defaults.HOST_CPU_MODEL, cpuMhz=defaults.HOST_CPU_MHZ,
            numCpuPkgs=defaults.HOST_CPU_PACKAGES, numCpuCores=defaults.HOST_CPU_CORES,
            numCpuThreads=defaults.HOST_CPU_THREADS, numNics=defaults.HOST_NICS, numHBAs=defaults.HOST_HBAS,
        )  # fmt: skip
        default = data(
            "HostListSummary", host=self.ref, hardware=hardware, runtime=self.runtime,
            config=data("HostConfigSummary", name=self.name, port=443, product=product, vmotionEnabled=True,
                        faultToleranceEnabled=False),
            quickStats=data("HostListSummaryQuickStats", overallCpuUsage=0, overallMemoryUsage=0, uptime=0),
            overallStatus=self.overallStatus, rebootRequired=False,
        )  # fmt: skip
        return self.with_own("summary", default)
