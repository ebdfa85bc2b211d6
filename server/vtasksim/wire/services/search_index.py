"""vim.SearchIndex on the wire: the Find… methods."""

from __future__ import annotations

from typing import Any, Callable

from vtasksim.domain.inventory.entity import ManagedEntity
from vtasksim.domain.inventory.search_index import SearchIndex
from vtasksim.wire.models import OptionalBool, OptionalMoRef, RequiredBool, RequiredMoRef, RequiredString
from vtasksim.wire.services import Call, VimService, call_of, vim_method


def _datacenter(call: Call, ref: Any) -> ManagedEntity | None:
    return None if ref is None else call.visible(ref, ManagedEntity)


def _search(ctx: Any, this: Any, datacenter: Any, first: bool, find: Callable[[SearchIndex, ManagedEntity | None], list]) -> Any:
    """FindBy… answers the first match (or nothing), FindAllBy… every match."""
    call = call_of(ctx)
    index = call.target(this, SearchIndex)
    found = find(index, _datacenter(call, datacenter))
    return call.reply((found[0] if found else None) if first else found, "ManagedObjectReference")


class SearchIndexService(VimService):

    @vim_method(RequiredMoRef, RequiredString)
    def FindByInventoryPath(ctx: Any, this: Any, inventoryPath: str) -> Any:
        call = call_of(ctx)
        index = call.target(this, SearchIndex)
        return call.reply(index.find_by_inventory_path(inventoryPath.strip()), "ManagedObjectReference")

    @vim_method(RequiredMoRef, RequiredMoRef, RequiredString)
    def FindChild(ctx: Any, this: Any, entity: Any, name: str) -> Any:
        call = call_of(ctx)
        index = call.target(this, SearchIndex)
        parent = call.visible(call.moref(entity, "entity"), ManagedEntity)
        return call.reply(index.find_child(parent, name), "ManagedObjectReference")

    @vim_method(RequiredMoRef, OptionalMoRef, RequiredString, RequiredBool)
    def FindByDnsName(ctx: Any, this: Any, datacenter: Any, dnsName: str, vmSearch: bool) -> Any:
        return _search(ctx, this, datacenter, True, lambda index, dc: index.find_all_by_dns_name(dc, dnsName, vmSearch))

    @vim_method(RequiredMoRef, OptionalMoRef, RequiredString, RequiredBool)
    def FindAllByDnsName(ctx: Any, this: Any, datacenter: Any, dnsName: str, vmSearch: bool) -> Any:
        return _search(ctx, this, datacenter, False, lambda index, dc: index.find_all_by_dns_name(dc, dnsName, vmSearch))

    @vim_method(RequiredMoRef, OptionalMoRef, RequiredString, RequiredBool)
    def FindByIp(ctx: Any, this: Any, datacenter: Any, ip: str, vmSearch: bool) -> Any:
        return _search(ctx, this, datacenter, True, lambda index, dc: index.find_all_by_ip(dc, ip, vmSearch))

    @vim_method(RequiredMoRef, OptionalMoRef, RequiredString, RequiredBool)
    def FindAllByIp(ctx: Any, this: Any, datacenter: Any, ip: str, vmSearch: bool) -> Any:
        return _search(ctx, this, datacenter, False, lambda index, dc: index.find_all_by_ip(dc, ip, vmSearch))

    @vim_method(RequiredMoRef, OptionalMoRef, RequiredString, RequiredBool, OptionalBool)
    def FindByUuid(ctx: Any, this: Any, datacenter: Any, uuid: str, vmSearch: bool, instanceUuid: bool | None) -> Any:
        return _search(ctx, this, datacenter, True, lambda index, dc: index.find_all_by_uuid(dc, uuid, vmSearch, instanceUuid))

    @vim_method(RequiredMoRef, OptionalMoRef, RequiredString, RequiredBool, OptionalBool)
    def FindAllByUuid(ctx: Any, this: Any, datacenter: Any, uuid: str, vmSearch: bool, instanceUuid: bool | None) -> Any:
        return _search(ctx, this, datacenter, False, lambda index, dc: index.find_all_by_uuid(dc, uuid, vmSearch, instanceUuid))
