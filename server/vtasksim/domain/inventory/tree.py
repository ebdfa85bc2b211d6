"""The inventory tree: rootFolder → datacenters → their four folders → everything else.

Objects go where a fixture puts them (``parent``), or else where vCenter puts their type: a
datacenter under the root folder, a VM in its datacenter's VM folder, a host in the first
cluster (or in a compute resource of its own, as vCenter wraps a standalone host), a datastore
in the datastore folder, a network in the network folder. ``place_defaults`` then gives every
VM a resource pool, a host, a datastore and a network from its datacenter, and every compute
resource its root pool ``Resources``, as a vCenter always has them.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterator, TypeVar

from vtasksim.domain.inventory.compute_resource import ClusterComputeResource, ComputeResource
from vtasksim.domain.inventory.datacenter import FOLDERS, Datacenter
from vtasksim.domain.inventory.datastore import Datastore
from vtasksim.domain.inventory.entity import ManagedEntity
from vtasksim.domain.inventory.folder import Folder
from vtasksim.domain.inventory.host_system import HostSystem
from vtasksim.domain.inventory.network import Network
from vtasksim.domain.inventory.resource_pool import ResourcePool
from vtasksim.domain.inventory.virtual_machine import VirtualMachine
from vtasksim.domain.vmodl import MoRef

if TYPE_CHECKING:
    from vtasksim.domain.custom_fields_manager import CustomFieldsManager
    from vtasksim.domain.registry import Registry

E = TypeVar("E", bound=ManagedEntity)

#: The managed types the inventory models, by vim name.
ENTITY_CLASSES: dict[str, type[ManagedEntity]] = {
    cls.vim_type: cls
    for cls in (Folder, Datacenter, ComputeResource, ClusterComputeResource, HostSystem, ResourcePool, VirtualMachine, Datastore, Network)
}

#: MoRef value prefixes vCenter uses, for the objects the inventory makes itself.
_PREFIXES = {"Folder": "group-", "Datacenter": "datacenter-", "ComputeResource": "domain-s", "ResourcePool": "resgroup-"}
_FOLDER_PREFIXES = {"vm": "group-v", "host": "group-h", "datastore": "group-s", "network": "group-n"}


class PlacementError(ValueError):
    """An object a fixture put where vCenter cannot have it."""


class Inventory:
    """The tree of entities, and the questions about it that entities and views ask."""

    def __init__(
        self, registry: "Registry", add: Callable[[Any], Any], custom_fields: "CustomFieldsManager",
        recent_tasks: Callable[[MoRef], list[MoRef]], effective_role: Callable[[Any], list[int]], boot_time: datetime,
    ) -> None:  # fmt: skip
        self._registry = registry
        self._add = add
        self.custom_fields = custom_fields
        self._recent_tasks = recent_tasks
        self._effective_role = effective_role
        self.boot_time = boot_time
        self._numbers = itertools.count(1000)

    # Reading

    def entity(self, ref: MoRef) -> ManagedEntity:
        found = self._registry.find(ref)
        assert isinstance(found, ManagedEntity), ref
        return found

    def find_entity(self, ref: MoRef) -> ManagedEntity | None:
        found = self._registry.find(ref)
        return found if isinstance(found, ManagedEntity) else None

    def entities(self, vim_type: str = "ManagedEntity") -> list[ManagedEntity]:
        return [obj for obj in self._registry if isinstance(obj, ManagedEntity) and obj.is_a(vim_type)]

    def virtual_machines(self) -> list[VirtualMachine]:
        return [obj for obj in self._registry if isinstance(obj, VirtualMachine)]

    def hosts(self) -> list[HostSystem]:
        return [obj for obj in self._registry if isinstance(obj, HostSystem)]

    def recent_tasks_of(self, ref: MoRef) -> list[MoRef]:
        return self._recent_tasks(ref)

    def effective_role(self, session: Any) -> list[int]:
        return self._effective_role(session)

    def walk(self, start: ManagedEntity) -> Iterator[ManagedEntity]:
        """``start``'s descendants, depth first, in child order."""
        for ref in start.children:
            child = self.entity(ref)
            yield child
            yield from self.walk(child)

    def below(self, start: ManagedEntity, vim_type: str) -> list[ManagedEntity]:
        return [e for e in self.walk(start) if e.is_a(vim_type)]

    def ancestor(self, entity: ManagedEntity, vim_type: str) -> ManagedEntity | None:
        parent = entity.parent
        while parent is not None:
            found = self.entity(parent)
            if found.is_a(vim_type):
                return found
            parent = found.parent
        return None

    def datacenter_of(self, entity: ManagedEntity) -> Datacenter | None:
        found = entity if isinstance(entity, Datacenter) else self.ancestor(entity, "Datacenter")
        return found if isinstance(found, Datacenter) else None

    def of_datacenter(self, entity: ManagedEntity, prop: str) -> list[MoRef]:
        """A datacenter-wide list (``datastore``, ``network``) as seen from one of its entities."""
        datacenter = self.datacenter_of(entity)
        return getattr(datacenter, prop) if datacenter is not None else []

    def path_of(self, entity: ManagedEntity) -> str:
        """The inventory path, as SearchIndex and govc spell it: ``DC-Lab/vm/web-01`` (the root has '')."""
        names: list[str] = []
        while entity.parent is not None:
            names.append(_escape(entity.name))
            entity = self.entity(entity.parent)
        return "/".join(reversed(names))

    def child_named(self, parent: ManagedEntity, name: str) -> ManagedEntity | None:
        return next((c for c in (self.entity(r) for r in parent.children) if c.name == name), None)

    def resolve_path(self, path: str, root: ManagedEntity) -> ManagedEntity | None:
        """The entity at an inventory path (``DC-Lab/vm/Web/web-01``; a leading ``/`` is optional)."""
        entity: ManagedEntity | None = root
        for name in _split(path):
            entity = self.child_named(entity, name) if entity is not None else None
        return entity

    # Building

    def new_entity(self, vim_type: str, ref: MoRef, name: str, **extra: Any) -> ManagedEntity:
        cls = ENTITY_CLASSES[vim_type]
        return self._add(cls(ref, name, self, **extra))

    def attach(self, entity: ManagedEntity, parent: ManagedEntity) -> None:
        """Put ``entity`` under ``parent`` (checked by ``place``: this only links them)."""
        if entity.parent is not None:
            old = self.entity(entity.parent)
            old.children.remove(entity.ref)
            old._changed("childEntity")
        entity.parent = parent.ref
        parent.children.append(entity.ref)
        entity._changed("parent")
        parent._changed("childEntity")

    def remove(self, entity: ManagedEntity) -> None:
        """Take an entity (and everything below it) out of the inventory: views see them leave."""
        for ref in list(entity.children):
            self.remove(self.entity(ref))
        if entity.parent is not None:
            parent = self.entity(entity.parent)
            parent.children.remove(entity.ref)
            parent._changed("childEntity")
        self._registry.remove(entity.ref)
        entity._changed()  # no paths: the object is gone

    def fresh_ref(self, vim_type: str, prefix: str | None = None) -> MoRef:
        while True:
            ref = MoRef(vim_type, f"{prefix or _PREFIXES.get(vim_type, vim_type.lower() + '-')}{next(self._numbers)}")
            if ref not in self._registry and not any(o.ref.value == ref.value for o in self._registry):
                return ref

    def add_datacenter_folders(self, datacenter: Datacenter) -> None:
        """The four folders every datacenter has, made for those the fixture did not declare."""
        for kind in FOLDERS.values():
            if datacenter.folder(kind) is None:
                folder = self.new_entity("Folder", self.fresh_ref("Folder", _FOLDER_PREFIXES[kind]), kind, kind=kind)
                self.attach(folder, datacenter)

    def place(self, entity: ManagedEntity, parent: ManagedEntity) -> None:
        """Put ``entity`` under ``parent`` where vCenter allows it, or say why not."""
        if isinstance(parent, Datacenter):
            if isinstance(entity, Folder):
                if entity.name not in FOLDERS.values() or parent.folder(entity.name) is not None:
                    raise PlacementError(
                        f"a datacenter holds only its vm, host, datastore and network folders; put {entity.name!r} in one of them")
                entity.kind = entity.name
                self.attach(entity, parent)
                return
            parent = self.default_folder(entity, parent)
        if isinstance(parent, Folder):
            if isinstance(entity, HostSystem):
                parent = self._standalone_compute_resource(entity, parent)
            elif not parent.may_hold(entity.vim_type):
                raise PlacementError(
                    f"a {parent.kind} folder holds {', '.join(parent.childType)}, not a {entity.vim_type}")
            elif isinstance(entity, Folder):
                entity.kind = parent.kind
        elif isinstance(parent, ComputeResource):
            if not isinstance(entity, (HostSystem, ResourcePool)):
                raise PlacementError(f"a compute resource holds hosts and its root resource pool, not a {entity.vim_type}")
            if isinstance(entity, ResourcePool) and parent.resourcePool is not None:
                parent = self.entity(parent.resourcePool)
        elif isinstance(parent, ResourcePool):
            if not isinstance(entity, ResourcePool):
                hint = "; set its pool with properties: {resourcePool: ...}" if isinstance(entity, VirtualMachine) else ""
                raise PlacementError(f"a resource pool holds resource pools, not a {entity.vim_type}{hint}")
        else:
            raise PlacementError(f"a {parent.vim_type} holds no other objects")
        self.attach(entity, parent)

    def default_folder(self, entity: ManagedEntity, datacenter: Datacenter) -> Folder:
        kind = {
            VirtualMachine: "vm", HostSystem: "host", ComputeResource: "host", ClusterComputeResource: "host",
            Datastore: "datastore", Network: "network", ResourcePool: "host",
        }.get(type(entity))  # fmt: skip
        if kind is None:
            raise PlacementError(f"a datacenter holds only its four folders, not a {entity.vim_type}")
        self.add_datacenter_folders(datacenter)
        folder = self.entity(datacenter.folder(kind))  # type: ignore[arg-type]
        assert isinstance(folder, Folder)
        return folder

    def _standalone_compute_resource(self, host: HostSystem, folder: Folder) -> ComputeResource:
        """vCenter wraps a host added to a folder in a ComputeResource of the host's name."""
        if folder.kind != "host":
            raise PlacementError(f"a {folder.kind} folder holds {', '.join(folder.childType)}, not a HostSystem")
        resource = self.new_entity("ComputeResource", self.fresh_ref("ComputeResource"), host.name)
        self.attach(resource, folder)
        assert isinstance(resource, ComputeResource)
        return resource

    def home_of(self, entity: ManagedEntity, root: Folder) -> ManagedEntity:
        """Where vCenter puts an object whose fixture entry names no parent."""
        if isinstance(entity, (Datacenter, Folder)):
            return root
        datacenter = self.first_datacenter(root)
        if isinstance(entity, HostSystem):
            clusters = self.below(datacenter, "ComputeResource")
            if clusters:
                return clusters[0]
        if isinstance(entity, ResourcePool):
            resources = self.below(datacenter, "ComputeResource")
            if not resources:
                raise PlacementError("a resource pool needs a cluster or compute resource to belong to; declare one")
            return resources[0]
        return self.default_folder(entity, datacenter)

    def first_datacenter(self, root: Folder) -> Datacenter:
        found = self.below(root, "Datacenter")
        if found:
            return found[0]  # type: ignore[return-value]
        datacenter = self.new_entity("Datacenter", self.fresh_ref("Datacenter"), "Datacenter")
        self.attach(datacenter, root)
        return datacenter  # type: ignore[return-value]

    def place_defaults(self) -> None:
        """Root pools for compute resources, and for each VM a pool, a host, a datastore and a network."""
        for resource in self.entities("ComputeResource"):
            assert isinstance(resource, ComputeResource)
            if resource.resourcePool is None:
                self.attach(self.new_entity("ResourcePool", self.fresh_ref("ResourcePool"), "Resources"), resource)
        spread: dict[MoRef, Iterator[MoRef]] = {}
        for vm in self.virtual_machines():
            self._place_vm(vm, spread)

    def _place_vm(self, vm: VirtualMachine, spread: dict[MoRef, Iterator[MoRef]]) -> None:
        datacenter = self.datacenter_of(vm)
        if vm.resourcePool is None and vm.host is not None:
            owner = self.ancestor(self.entity(vm.host), "ComputeResource")
            if isinstance(owner, ComputeResource):
                vm.own["resourcePool"] = owner.resourcePool
        if vm.resourcePool is None and datacenter is not None:
            resources = self.below(datacenter, "ComputeResource")
            if resources:
                vm.own["resourcePool"] = resources[0].resourcePool  # type: ignore[attr-defined]
        if vm.host is None and vm.resourcePool is not None:
            owner = self.ancestor(self.entity(vm.resourcePool), "ComputeResource")
            hosts = owner.host if isinstance(owner, ComputeResource) else []
            if hosts:
                # VMs spread over the cluster's hosts in fixture order, as DRS would place them.
                turn = spread.setdefault(owner.ref, itertools.cycle(hosts))  # type: ignore[union-attr]
                vm.set_own("runtime.host", next(turn))
        if "datastore" not in vm.own and datacenter is not None and datacenter.datastore:
            vm.own["datastore"] = datacenter.datastore[:1]
        if "network" not in vm.own and datacenter is not None and datacenter.network:
            vm.own["network"] = datacenter.network[:1]


def _split(path: str) -> list[str]:
    """An inventory path's names; ``%2f`` in a name stands for a slash, as vCenter escapes it."""
    return [part.replace("%2f", "/").replace("%2F", "/").replace("%25", "%") for part in path.strip("/").split("/") if part]


def _escape(name: str) -> str:
    return name.replace("%", "%25").replace("/", "%2f")
