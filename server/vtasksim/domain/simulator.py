"""The simulated vCenter: its registry of managed objects, its clock and its settings."""

from __future__ import annotations

from dataclasses import dataclass

from vtasksim.domain.changes import ChangeFeed
from vtasksim.domain.clock import Clock
from vtasksim.domain.managed_object import InventoryObject, ManagedObject
from vtasksim.domain.property_collector import PropertyCollector
from vtasksim.domain.registry import Registry
from vtasksim.domain.service_instance import AboutInfo, ServiceContent, ServiceInstance
from vtasksim.domain.task import Task, TaskBehaviour, TaskInfo
from vtasksim.domain.vmodl import MoRef

ROOT_FOLDER = MoRef("Folder", "group-d1")
PROPERTY_COLLECTOR = MoRef("PropertyCollector", "propertyCollector")

#: Server behaviours of older vCenters a fixture or ``--compat`` may ask for.
COMPAT_MODES = ("vc2",)


@dataclass(slots=True)
class SimulatorSettings:
    #: Seconds between CancelTask and the task ending in error/RequestCanceled.
    cancel_delay: float = 0.0
    #: ``vc2``: UpdateProgress out of 0..100 raises OutOfBounds, as VirtualCenter 2.x did.
    compat: str | None = None

    def __post_init__(self) -> None:
        if self.cancel_delay < 0:
            raise ValueError("cancel_delay must not be negative")
        if self.compat not in (None, *COMPAT_MODES):
            raise ValueError(f"unknown compat mode {self.compat!r}; known: {', '.join(COMPAT_MODES)}")


class Simulator:
    def __init__(self, clock: Clock, settings: SimulatorSettings | None = None) -> None:
        self.clock = clock
        self.settings = settings or SimulatorSettings()
        self.changes = ChangeFeed()
        self.registry = Registry()
        self.root_folder = self.add(InventoryObject(ROOT_FOLDER, "Datacenters"))
        self.property_collector = self.add(PropertyCollector(PROPERTY_COLLECTOR, self.registry))
        content = ServiceContent(rootFolder=ROOT_FOLDER, propertyCollector=PROPERTY_COLLECTOR, about=AboutInfo())
        self.service_instance = self.add(ServiceInstance(content, clock))

    def add(self, obj: ManagedObject) -> ManagedObject:
        obj.attach(self.changes)
        self.registry.add(obj)
        return obj

    def add_inventory_object(self, ref: MoRef, name: str) -> InventoryObject:
        """A Folder, Datacenter, VirtualMachine … that tasks can point at; the root folder may be renamed."""
        if ref == ROOT_FOLDER:
            self.root_folder.name = name
            return self.root_folder
        return self.add(InventoryObject(ref, name))

    def task_behaviour(self, cancel_delay: float | None = None) -> TaskBehaviour:
        """A task's simulator settings: the server's, with the task's own overrides."""
        return TaskBehaviour(
            cancel_delay=self.settings.cancel_delay if cancel_delay is None else cancel_delay,
            progress_out_of_bounds=self.settings.compat == "vc2",
        )

    def add_task(self, info: TaskInfo, behaviour: TaskBehaviour | None = None) -> Task:
        task = Task(info, self.clock, behaviour or self.task_behaviour())
        self.add(task)
        return task
