"""vim.Datacenter: holds its four folders, and through them everything else."""

from __future__ import annotations

from typing import ClassVar

from vtasksim.domain.inventory.entity import ManagedEntity
from vtasksim.domain.vmodl import MoRef

#: The datacenter's folders: property name → the folder's kind (and its name).
FOLDERS: dict[str, str] = {"vmFolder": "vm", "hostFolder": "host", "datastoreFolder": "datastore", "networkFolder": "network"}


class Datacenter(ManagedEntity):
    vim_type = "Datacenter"
    derived = ManagedEntity.derived | set(FOLDERS) | {"datastore", "network"}
    folder_kinds: ClassVar[dict[str, str]] = FOLDERS

    def folder(self, kind: str) -> MoRef | None:
        for child in self.child_entities("Folder"):
            if getattr(child, "kind", None) == kind:
                return child.ref
        return None

    @property
    def vmFolder(self) -> MoRef | None:
        return self.folder("vm")

    @property
    def hostFolder(self) -> MoRef | None:
        return self.folder("host")

    @property
    def datastoreFolder(self) -> MoRef | None:
        return self.folder("datastore")

    @property
    def networkFolder(self) -> MoRef | None:
        return self.folder("network")

    @property
    def datastore(self) -> list[MoRef]:
        return [e.ref for e in self.inventory.below(self, "Datastore")]

    @property
    def network(self) -> list[MoRef]:
        return [e.ref for e in self.inventory.below(self, "Network")]
