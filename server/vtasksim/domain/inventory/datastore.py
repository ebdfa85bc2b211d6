"""vim.Datastore: storage the hosts mount and the VMs' files live on."""

from __future__ import annotations

from vtasksim.domain.inventory import defaults
from vtasksim.domain.inventory.entity import ManagedEntity, data
from vtasksim.domain.vmodl import DataObject, MoRef



class Datastore(ManagedEntity):
    vim_type = "Datastore"
    derived = ManagedEntity.derived | {"host", "vm"}
    aliases = {"info.name": "name", "summary.name": "name", "summary.datastore": "(the datastore itself)",
               "info.url": "summary.url", "info.freeSpace": "summary.freeSpace"}

    @property
    def summary(self) -> DataObject:
        default = data(
            "DatastoreSummary", datastore=self.ref, name=self.name,
            url=self.url, capacity=defaults.DATASTORE_CAPACITY, freeSpace=defaults.DATASTORE_FREE,
            accessible=True, multipleHostAccess=len(self._hosts()) > 1, type=defaults.DATASTORE_TYPE, maintenanceMode="normal",
        )  # fmt: skip
        return self.with_own("summary", default)

    @property
    def url(self) -> str:
        return self.own_at("summary.url") or f"ds:///vmfs/volumes/{defaults.stable_uuid('datastore', self.ref.value)}/"

    def _hosts(self) -> list[MoRef]:
        return [h.ref for h in self.inventory.hosts() if self.ref in h.datastore]

    @property
    def info(self) -> DataObject:
        summary = self.summary.properties
        default = data(
            "DatastoreInfo", name=self.name, url=summary["url"], freeSpace=summary["freeSpace"],
            maxFileSize=62 * 1024**4, maxVirtualDiskCapacity=62 * 1024**4,
        )  # fmt: skip
        return self.with_own("info", default)

    @property
    def host(self) -> list[DataObject]:
        path = self.url.removeprefix("ds://").rstrip("/")
        mount = data("HostMountInfo", path=path, accessMode="readWrite", mounted=True, accessible=True)
        return [data("DatastoreHostMount", key=host, mountInfo=mount) for host in self._hosts()]

    @property
    def vm(self) -> list[MoRef]:
        return [vm.ref for vm in self.inventory.virtual_machines() if self.ref in vm.datastore]
