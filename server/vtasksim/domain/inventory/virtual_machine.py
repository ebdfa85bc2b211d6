"""vim.VirtualMachine: its configuration, where it runs, what its guest reports, and the summary of all three.

The fixture states each fact once, where vim keeps it (``config.hardware.numCPU``,
``runtime.powerState``, ``guest.ipAddress``); ``summary`` repeats them as vCenter does.
"""

from __future__ import annotations

from typing import Any

from vtasksim.domain.inventory import defaults
from vtasksim.domain.inventory.entity import ManagedEntity, data
from vtasksim.domain.inventory.properties import get
from vtasksim.domain.vmodl import DataObject, MoRef


class VirtualMachine(ManagedEntity):
    vim_type = "VirtualMachine"
    aliases = {
        "config.name": "name", "summary.config.name": "name", "summary.vm": "(the VM itself)",
        "summary.runtime": "runtime", "summary.guest.ipAddress": "guest.ipAddress",
        "summary.guest.hostName": "guest.hostName", "summary.config.uuid": "config.uuid",
        "summary.config.instanceUuid": "config.instanceUuid", "summary.config.numCpu": "config.hardware.numCPU",
        "summary.config.memorySizeMB": "config.hardware.memoryMB", "summary.config.guestId": "config.guestId",
        "summary.config.guestFullName": "config.guestFullName", "summary.config.template": "config.template",
        "summary.config.vmPathName": "config.files.vmPathName", "guest.guestId": "config.guestId",
        "summary.overallStatus": "overallStatus",
    }  # fmt: skip

    # Where it runs (set by the inventory when the fixture does not say)

    @property
    def resourcePool(self) -> MoRef | None:
        return self.own.get("resourcePool")

    @property
    def host(self) -> MoRef | None:
        return self.own_at("runtime.host")

    @property
    def datastore(self) -> list[MoRef]:
        return list(self.own.get("datastore") or ())

    @property
    def network(self) -> list[MoRef]:
        return list(self.own.get("network") or ())

    # Facts, each read where vim keeps it

    @property
    def power_state(self) -> str:
        return self.own_at("runtime.powerState") or defaults.VM_POWER_STATE

    @property
    def guest_id(self) -> str:
        return self.own_at("config.guestId") or defaults.VM_GUEST_ID

    @property
    def guest_full_name(self) -> str:
        return self.own_at("config.guestFullName") or defaults.GUEST_FULL_NAMES.get(self.guest_id, self.guest_id)

    @property
    def vm_path_name(self) -> str:
        given = self.own_at("config.files.vmPathName")
        if given:
            return given
        first = self.inventory.find_entity(self.datastore[0]) if self.datastore else None
        return f"[{first.name if first else 'datastore1'}] {self.name}/{self.name}.vmx"

    def _config(self, path: str, fallback: Any) -> Any:
        value = self.own_at(f"config.{path}")
        return fallback if value is None else value

    # vim properties

    @property
    def config(self) -> DataObject:
        default = data(
            "VirtualMachineConfigInfo", changeVersion=self.inventory.boot_time.isoformat(), modified=self.inventory.boot_time,
            name=self.name, guestFullName=self.guest_full_name, version=defaults.VM_HARDWARE_VERSION,
            uuid=self._config("uuid", defaults.stable_uuid("bios", self.ref.value)),
            instanceUuid=self._config("instanceUuid", defaults.stable_uuid("instance", self.ref.value)),
            template=False, guestId=self.guest_id, alternateGuestName="",
            files=data("VirtualMachineFileInfo", vmPathName=self.vm_path_name,
                       logDirectory=self.vm_path_name.rsplit("/", 1)[0]),
            hardware=data("VirtualHardware", numCPU=defaults.VM_NUM_CPU, numCoresPerSocket=1,
                          memoryMB=defaults.VM_MEMORY_MB),
        )  # fmt: skip
        return self.with_own("config", default)

    @property
    def runtime(self) -> DataObject:
        on = self.power_state == "poweredOn"
        default = data(
            "VirtualMachineRuntimeInfo", host=self.host, connectionState="connected", powerState=self.power_state,
            bootTime=self.inventory.boot_time if on else None, maxCpuUsage=defaults.HOST_CPU_MHZ * defaults.VM_NUM_CPU,
            maxMemoryUsage=defaults.VM_MEMORY_MB,
        )  # fmt: skip
        return self.with_own("runtime", default)

    @property
    def guest(self) -> DataObject:
        on = self.power_state == "poweredOn"
        default = data(
            "GuestInfo", toolsStatus="toolsOk" if on else "toolsNotRunning",
            toolsRunningStatus="guestToolsRunning" if on else "guestToolsNotRunning",
            guestId=self.guest_id, guestFullName=self.guest_full_name, guestState="running" if on else "notRunning",
        )  # fmt: skip
        return self.with_own("guest", default)

    @property
    def summary(self) -> DataObject:
        config, guest = self.config, self.guest
        default = data(
            "VirtualMachineSummary", vm=self.ref, runtime=self.runtime,
            guest=data("VirtualMachineGuestSummary", guestId=get(guest, "guestId"), guestFullName=get(guest, "guestFullName"),
                       toolsStatus=get(guest, "toolsStatus"), toolsRunningStatus=get(guest, "toolsRunningStatus"),
                       hostName=get(guest, "hostName"), ipAddress=get(guest, "ipAddress")),
            config=data("VirtualMachineConfigSummary", name=self.name, template=get(config, "template"),
                        vmPathName=get(config, "files.vmPathName"), memorySizeMB=get(config, "hardware.memoryMB"),
                        numCpu=get(config, "hardware.numCPU"), uuid=get(config, "uuid"),
                        instanceUuid=get(config, "instanceUuid"), guestId=get(config, "guestId"),
                        guestFullName=get(config, "guestFullName")),
            quickStats=data("VirtualMachineQuickStats", guestHeartbeatStatus="green" if self.power_state == "poweredOn" else "gray"),
            overallStatus=self.overallStatus,
        )  # fmt: skip
        return self.with_own("summary", default)
