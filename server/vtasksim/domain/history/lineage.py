"""Where an entity sits in the inventory: what history filters need to match "its children"."""

from __future__ import annotations

from typing import Iterator

from vtasksim.domain.registry import Registry
from vtasksim.domain.vmodl import MoRef

#: vim.ManagedEntity and its subtypes: what a history filter's ``entity`` may name.
MANAGED_ENTITY_TYPES = frozenset({
    "ManagedEntity", "Folder", "Datacenter", "ComputeResource", "ClusterComputeResource", "HostSystem",
    "ResourcePool", "VirtualApp", "VirtualMachine", "Datastore", "StoragePod", "Network",
    "DistributedVirtualPortgroup", "OpaqueNetwork", "DistributedVirtualSwitch", "VmwareDistributedVirtualSwitch",
})  # fmt: skip

#: Bounds a walk up a (mis)configured tree that points back at itself.
_MAX_DEPTH = 64


def is_entity(ref: MoRef) -> bool:
    return ref.type in MANAGED_ENTITY_TYPES


def ancestors(registry: Registry, ref: MoRef) -> Iterator[MoRef]:
    """The entity's parent, its parent's parent … up to the root folder, through each one's ``parent``."""
    obj = registry.find(ref)
    for _ in range(_MAX_DEPTH):
        parent = getattr(obj, "parent", None)
        if not isinstance(parent, MoRef):
            return
        yield parent
        obj = registry.find(parent)


def matches_recursion(registry: Registry, entity: MoRef | None, root: MoRef, recursion: str) -> bool:
    """Whether ``entity`` is ``root`` (``self``), below it (``children``), or either (``all``).

    "Children" are every entity below ``root``, not only the next level: ``all`` from the root
    folder is the whole inventory, as govc's ``tasks`` and ``events`` rely on.
    """
    if entity is None:
        return False
    if entity == root:
        return recursion in ("self", "all")
    if recursion == "self":
        return False
    return any(ancestor == root for ancestor in ancestors(registry, entity))
