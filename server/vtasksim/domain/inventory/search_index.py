"""vim.SearchIndex: finding entities by inventory path, name, DNS name, IP address or UUID.

Searches read what the fixture says about each entity: a VM's ``guest.hostName``,
``guest.ipAddress`` (and ``guest.net[].ipAddress``), ``config.uuid`` and ``config.instanceUuid``;
a host's name (its DNS name or address, as it was added to vCenter) and its hardware UUID.
A ``datacenter`` argument limits a search to that datacenter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

from vtasksim.domain.faults import InvalidArgument
from vtasksim.domain.inventory.datacenter import Datacenter
from vtasksim.domain.inventory.entity import ManagedEntity
from vtasksim.domain.inventory.host_system import HostSystem
from vtasksim.domain.inventory.properties import get
from vtasksim.domain.inventory.virtual_machine import VirtualMachine
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.vmodl import DataObject, MoRef

if TYPE_CHECKING:
    from vtasksim.domain.inventory.tree import Inventory

SEARCH_INDEX = MoRef("SearchIndex", "SearchIndex")


class SearchIndex(ManagedObject):
    vim_type = "SearchIndex"
    vim_properties = ()

    def __init__(self, inventory: "Inventory", root: Callable[[], ManagedEntity]) -> None:
        super().__init__(SEARCH_INDEX)
        self._inventory = inventory
        self._root = root

    def find_by_inventory_path(self, path: str) -> MoRef | None:
        found = self._inventory.resolve_path(path, self._root())
        return found.ref if found is not None else None

    def find_child(self, entity: ManagedEntity, name: str) -> MoRef | None:
        found = self._inventory.child_named(entity, name)
        return found.ref if found is not None else None

    def find_all_by_dns_name(self, datacenter: ManagedEntity | None, dns_name: str, vm_search: bool) -> list[MoRef]:
        wanted = dns_name.strip().lower()
        return [e.ref for e in self._candidates(datacenter, vm_search) if wanted in _dns_names(e)]

    def find_all_by_ip(self, datacenter: ManagedEntity | None, ip: str, vm_search: bool) -> list[MoRef]:
        wanted = ip.strip()
        return [e.ref for e in self._candidates(datacenter, vm_search) if wanted in _addresses(e)]

    def find_all_by_uuid(self, datacenter: ManagedEntity | None, uuid: str, vm_search: bool, instance_uuid: bool | None) -> list[MoRef]:
        if instance_uuid and not vm_search:
            raise InvalidArgument("instanceUuid", "A specified parameter was not correct: instanceUuid applies to virtual machines only (vmSearch true).")
        wanted = uuid.strip().lower()
        return [e.ref for e in self._candidates(datacenter, vm_search) if _uuid(e, bool(instance_uuid)) == wanted]

    def _candidates(self, datacenter: ManagedEntity | None, vm_search: bool) -> list[ManagedEntity]:
        if datacenter is not None and not isinstance(datacenter, Datacenter):
            raise InvalidArgument("datacenter", f"A specified parameter was not correct: datacenter {datacenter.ref.value!r} is a {datacenter.vim_type}.")
        kind = VirtualMachine if vm_search else HostSystem
        scope: Iterable[ManagedEntity] = self._inventory.walk(datacenter or self._root())
        return [e for e in scope if isinstance(e, kind)]


def _dns_names(entity: ManagedEntity) -> set[str]:
    if isinstance(entity, VirtualMachine):
        name = get(entity.guest, "hostName")
        return {name.lower()} if name else set()
    return {entity.name.lower()}


def _addresses(entity: ManagedEntity) -> set[str]:
    if isinstance(entity, VirtualMachine):
        guest = entity.guest
        found = {get(guest, "ipAddress")}
        for nic in get(guest, "net") or ():
            found.update(get(nic, "ipAddress") or ()) if isinstance(nic, DataObject) else None
        return {a for a in found if a}
    return {entity.name}


def _uuid(entity: ManagedEntity, instance: bool) -> str | None:
    if isinstance(entity, VirtualMachine):
        value = get(entity.config, "instanceUuid" if instance else "uuid")
    else:
        value = entity.uuid  # type: ignore[attr-defined]
    return value.lower() if isinstance(value, str) else None
