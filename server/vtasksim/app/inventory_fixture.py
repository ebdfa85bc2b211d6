"""A fixture's inventory: where each object sits (``parent``), what it says about itself
(``properties`` by vim path, ``customValues``), and the tree vCenter would make of it.

    objects:
      - {type: Datacenter, value: datacenter-3, name: DC-Lab}
      - {type: ClusterComputeResource, value: domain-c8, name: Cluster-01, parent: DC-Lab/host}
      - type: VirtualMachine
        value: vm-42
        name: web-01
        parent: DC-Lab/vm/Web            # folders on the way are made when missing
        properties: {config.hardware.numCPU: 4, runtime.powerState: poweredOn, guest.ipAddress: 192.0.2.42}
        customValues: {owner: web-team}

``parent`` is a MoRef value of another object or an inventory path from the root folder.
Without it an object goes where vCenter puts its type (see ``domain.inventory.tree``), so
fixtures written before the inventory existed keep working. ``properties`` are typed and
checked against the vim type tables; a MoRef-valued property takes a MoRef value, a path or
``{type, value}``. Paths that repeat a fact kept elsewhere (``summary.config.name``) and
properties the inventory derives (``childEntity``, ``recentTask``) are refused, naming the
path to set instead. Every error names the file, the line and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yaml.nodes import MappingNode, ScalarNode

from vtasksim.app import fixtures as base
from vtasksim.domain.inventory.entity import ManagedEntity
from vtasksim.domain.inventory.folder import Folder
from vtasksim.domain.inventory.properties import PropertyError, set_path
from vtasksim.domain.inventory.datacenter import FOLDERS, Datacenter
from vtasksim.domain.inventory.tree import PlacementError
from vtasksim.domain.simulator import Simulator
from vtasksim.domain.vmodl import MoRef

#: The fields of an ``objects:`` entry.
OBJECT_FIELDS = ("type", "value", "name", "parent", "properties", "customValues")

#: Entities without a parent are placed in this order, so that hosts find their cluster and VMs their pool.
_HOME_ORDER = ("Datacenter", "Folder", "ClusterComputeResource", "ComputeResource", "HostSystem", "ResourcePool")


@dataclass(slots=True)
class Declared:
    """An ``objects:`` entry once its object exists: what is left to read once all exist."""

    at: base._At
    obj: Any
    fields: dict[str, base._At]


def build(declared: list[Declared], simulator: Simulator) -> None:
    """Place every entity, set its properties and custom values, then complete the tree."""
    entities = [d for d in declared if isinstance(d.obj, ManagedEntity) and d.obj is not simulator.root_folder]
    for item in entities:  # datacenters (and folders) at the root first: paths start there
        if "parent" not in item.fields and _at_root(item.obj):
            _place(simulator, item, None)
    _place_with_parents(simulator, [d for d in entities if "parent" in d.fields])
    for item in entities:
        if "parent" not in item.fields and isinstance(item.obj, Folder):
            _adopt_datacenter_folder(simulator, item.obj)
    for datacenter in simulator.inventory.entities("Datacenter"):
        simulator.inventory.add_datacenter_folders(datacenter)  # type: ignore[arg-type]
    homeless = [d for d in entities if "parent" not in d.fields and d.obj.parent is None]
    homeless.sort(key=lambda d: _HOME_ORDER.index(d.obj.vim_type) if d.obj.vim_type in _HOME_ORDER else len(_HOME_ORDER))
    for item in homeless:
        _place(simulator, item, None)
    for item in declared:
        _properties(item, simulator)
    simulator.complete_inventory()
    for item in declared:
        if "customValues" in item.fields:
            if not isinstance(item.obj, ManagedEntity):
                raise item.fields["customValues"].fail(f"a {item.obj.vim_type} has no custom values here; inventory entities and tasks do")
            custom_values(item.fields["customValues"], item.obj.ref, simulator)


def _at_root(entity: ManagedEntity) -> bool:
    return isinstance(entity, Datacenter) or (isinstance(entity, Folder) and entity.name not in FOLDERS.values())


def _adopt_datacenter_folder(simulator: Simulator, folder: Folder) -> None:
    """A parentless folder named vm, host, datastore or network is a datacenter's folder of that
    kind (the first datacenter without one), as fixtures written before ``parent:`` meant it."""
    if folder.name not in FOLDERS.values():
        return
    for datacenter in simulator.inventory.entities("Datacenter"):
        if isinstance(datacenter, Datacenter) and datacenter.folder(folder.name) is None:
            simulator.place(folder, datacenter)
            return


def custom_values(at: base._At, ref: MoRef, simulator: Simulator) -> None:
    """``customValues: {owner: web-team}``: a field a fixture names is global (for every type), defined on first use."""
    manager = simulator.custom_fields_manager
    for name, value_at in base._fields(at, None).items():
        value = base._scalar(value_at)
        if value is None or isinstance(value, (list, dict)):
            raise value_at.fail("a custom value is a string")
        definition = next((f for f in manager.fields_for(ref.type) if f.name == name), None) or manager.add_field(name, None)
        manager.set_field(ref, ref.type, definition.key, str(value))


# Placing


def _place_with_parents(simulator: Simulator, pending: list[Declared]) -> None:
    # A parent may be declared after its child, or be a path through folders declared later:
    # place what can be placed until nothing more can; what is left names a parent that is not there.
    # Folders on a path are made only when no declared object can be the one the path means.
    make_folders = False
    while pending:
        pending.sort(key=lambda d: not isinstance(d.obj, Folder))  # datacenter folders before what goes in them
        left = [item for item in pending if not _try_place(simulator, item, make_folders)]
        if len(left) < len(pending):
            pending, make_folders = left, False
        elif not make_folders:
            make_folders = True
        else:
            item = left[0]
            raise item.fields["parent"].fail(f"{_text(item.fields['parent'])!r} is neither an object's MoRef value nor an inventory path")


def _try_place(simulator: Simulator, item: Declared, make_folders: bool) -> bool:
    parent_at = item.fields["parent"]
    text = _text(parent_at)
    parent = _by_value(simulator, text, parent_at) if "/" not in text else None
    if parent is None:
        parent = _by_path(simulator, text, make_folders)
    if parent is None or not _is_placed(simulator, parent):
        return False
    if parent is item.obj:
        raise parent_at.fail("an object cannot be its own parent")
    _place(simulator, item, parent)
    return True


def _place(simulator: Simulator, item: Declared, parent: ManagedEntity | None) -> None:
    try:
        simulator.place(item.obj, parent)
    except PlacementError as error:
        raise item.fields.get("parent", item.at).fail(f"{item.obj.vim_type} {item.obj.name!r}: {error}") from None


def _is_placed(simulator: Simulator, entity: ManagedEntity) -> bool:
    return entity is simulator.root_folder or entity.parent is not None


def _text(at: base._At) -> str:
    if not isinstance(at.node, ScalarNode):
        raise at.fail("expected a MoRef value (domain-c8) or an inventory path (DC-Lab/vm/Web)")
    return base._str(at)


def _by_value(simulator: Simulator, value: str, at: base._At) -> ManagedEntity | None:
    found = [obj for obj in simulator.registry if obj.ref.value == value]
    if not found:
        return None  # perhaps the path of a datacenter or a folder at the root: DC-Lab
    if not isinstance(found[0], ManagedEntity):
        raise at.fail(f"{found[0].ref.type} {value!r} is not in the inventory tree")
    return found[0]


def _by_path(simulator: Simulator, path: str, make_folders: bool) -> ManagedEntity | None:
    """The entity at ``path``; with ``make_folders``, folders missing on it are made (below a datacenter)."""
    inventory = simulator.inventory
    here: ManagedEntity = simulator.root_folder
    for name in [p for p in path.strip("/").split("/") if p]:
        found = inventory.child_named(here, name)
        if found is None and not make_folders:
            return None
        if found is None:
            if isinstance(here, Datacenter) and name in FOLDERS.values():
                inventory.add_datacenter_folders(here)
            elif isinstance(here, Folder) and here is not simulator.root_folder:
                inventory.attach(inventory.new_entity("Folder", inventory.fresh_ref("Folder"), name, kind=here.kind), here)
            else:
                return None  # perhaps declared later
            found = inventory.child_named(here, name)
        here = found  # type: ignore[assignment]
    return here


# Properties


def _properties(item: Declared, simulator: Simulator) -> None:
    at = item.fields.get("properties")
    if at is None:
        return
    entity = item.obj
    if not isinstance(entity, ManagedEntity):
        raise at.fail(f"a {entity.vim_type} has no properties vtasksim models; only inventory entities do")
    if not isinstance(at.node, MappingNode):
        raise at.fail(f"expected a mapping of vim paths to values (config.hardware.numCPU: 4), got {base._describe(at)}")
    for path, value_at in base._fields(at, None).items():
        target = _canonical(entity, path, value_at)
        if target is None:
            continue
        raw = at.context.construct(value_at.node)
        try:
            set_path(entity.types, entity.vim_type, entity.own, target, raw, lambda r: _resolve(simulator, r))
        except PropertyError as error:
            raise value_at.fail(error.message, f"{at.path}.{error.path}") from None


def _canonical(entity: ManagedEntity, path: str, at: base._At) -> str | None:
    """Where a fact at ``path`` is kept; None when it is the name, said already."""
    head = path.split(".")[0]
    if head in entity.derived:
        raise at.fail(f"{entity.vim_type}.{head} is worked out from the inventory; it cannot be set")
    for alias, fact in entity.aliases.items():
        if path == alias or path.startswith(alias + "."):
            if fact.startswith("("):
                raise at.fail(f"{alias} is {fact[1:-1]}; it cannot be set")
            if fact == "name":
                if at.context.construct(at.node) != entity.name:
                    raise at.fail(f"{alias} is the object's name ({entity.name!r}); set name instead")
                return None
            return fact + path[len(alias):]
    return path


def _resolve(simulator: Simulator, raw: Any) -> MoRef:
    """A MoRef-valued property: a MoRef value, an inventory path, or {type, value}."""
    if isinstance(raw, dict) and set(raw) == {"type", "value"}:
        ref = MoRef(str(raw["type"]), str(raw["value"]))
        if ref not in simulator.registry:
            raise PropertyError("", f"{ref.type} {ref.value!r} is not declared")
        return ref
    if not isinstance(raw, str):
        raise PropertyError("", f"expected a MoRef value, an inventory path or {{type, value}}, got {raw!r}")
    if "/" in raw:
        found = simulator.inventory.resolve_path(raw, simulator.root_folder)
        if found is None:
            raise PropertyError("", f"no object at inventory path {raw!r}")
        return found.ref
    matches = [obj.ref for obj in simulator.registry if obj.ref.value == raw]
    if not matches:
        raise PropertyError("", f"no object has the MoRef value {raw!r}")
    return matches[0]
