"""vim.event.Event and the events the simulator records, with vim's field names in schema order.

An event names the entities it concerns through its arguments (``vm``, ``host``, ``datacenter``
…), each an EntityEventArgument carrying the entity's name as it was then. ``chainId`` ties the
events of one operation together: a task's events carry its ``eventChainId``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Iterator

from vtasksim.domain.task import TaskInfo
from vtasksim.domain.vmodl import ElementDescription
from vtasksim.domain.vmodl import MoRef, VimData

# Entity arguments


@dataclass(slots=True)
class EntityEventArgument(VimData):
    vim_type: ClassVar[str] = "EntityEventArgument"
    name: str


@dataclass(slots=True)
class DatacenterEventArgument(EntityEventArgument):
    vim_type: ClassVar[str] = "DatacenterEventArgument"
    datacenter: MoRef | None = None


@dataclass(slots=True)
class ComputeResourceEventArgument(EntityEventArgument):
    vim_type: ClassVar[str] = "ComputeResourceEventArgument"
    computeResource: MoRef | None = None


@dataclass(slots=True)
class HostEventArgument(EntityEventArgument):
    vim_type: ClassVar[str] = "HostEventArgument"
    host: MoRef | None = None


@dataclass(slots=True)
class VmEventArgument(EntityEventArgument):
    vim_type: ClassVar[str] = "VmEventArgument"
    vm: MoRef | None = None


@dataclass(slots=True)
class DatastoreEventArgument(EntityEventArgument):
    vim_type: ClassVar[str] = "DatastoreEventArgument"
    datastore: MoRef | None = None


@dataclass(slots=True)
class NetworkEventArgument(EntityEventArgument):
    vim_type: ClassVar[str] = "NetworkEventArgument"
    network: MoRef | None = None


@dataclass(slots=True)
class DvsEventArgument(EntityEventArgument):
    vim_type: ClassVar[str] = "DvsEventArgument"
    dvs: MoRef | None = None


#: Which Event field carries an entity of each type, and how.
ARGUMENT_OF_TYPE: dict[str, tuple[str, type[EntityEventArgument], str]] = {
    "Datacenter": ("datacenter", DatacenterEventArgument, "datacenter"),
    "ComputeResource": ("computeResource", ComputeResourceEventArgument, "computeResource"),
    "ClusterComputeResource": ("computeResource", ComputeResourceEventArgument, "computeResource"),
    "HostSystem": ("host", HostEventArgument, "host"),
    "VirtualMachine": ("vm", VmEventArgument, "vm"),
    "Datastore": ("ds", DatastoreEventArgument, "datastore"),
    "Network": ("net", NetworkEventArgument, "network"),
    "DistributedVirtualPortgroup": ("net", NetworkEventArgument, "network"),
    "OpaqueNetwork": ("net", NetworkEventArgument, "network"),
    "DistributedVirtualSwitch": ("dvs", DvsEventArgument, "dvs"),
    "VmwareDistributedVirtualSwitch": ("dvs", DvsEventArgument, "dvs"),
}
ARGUMENT_FIELDS = ("datacenter", "computeResource", "host", "vm", "ds", "net", "dvs")


# Events


@dataclass(slots=True)
class Event(VimData):
    vim_type: ClassVar[str] = "Event"
    key: int
    chainId: int
    createdTime: datetime
    userName: str
    datacenter: DatacenterEventArgument | None = None
    computeResource: ComputeResourceEventArgument | None = None
    host: HostEventArgument | None = None
    vm: VmEventArgument | None = None
    ds: DatastoreEventArgument | None = None
    net: NetworkEventArgument | None = None
    dvs: DvsEventArgument | None = None
    fullFormattedMessage: str | None = None
    changeTag: str | None = None

    def entities(self) -> Iterator[MoRef]:
        """The entities the event's arguments name."""
        for name in ARGUMENT_FIELDS:
            argument = getattr(self, name)
            if argument is not None:
                ref = getattr(argument, ARGUMENT_OF_TYPE_FIELD[type(argument)])
                if ref is not None:
                    yield ref


@dataclass(slots=True)
class TaskEvent(Event):
    """A task was created: its TaskInfo as it was then."""

    vim_type: ClassVar[str] = "TaskEvent"
    info: TaskInfo | None = None

    def entities(self) -> Iterator[MoRef]:
        yield from Event.entities(self)
        if self.info is not None and self.info.entity is not None:
            yield self.info.entity  # a folder's task names no argument, but concerns the folder


ARGUMENT_OF_TYPE_FIELD: dict[type, str] = {cls: ref_field for _, cls, ref_field in ARGUMENT_OF_TYPE.values()}


# What EventManager.description says about them


@dataclass(slots=True)
class EventDescriptionEventDetail(VimData):
    vim_type: ClassVar[str] = "EventDescriptionEventDetail"
    key: str
    description: str | None = None
    category: str = "info"
    formatOnDatacenter: str = ""
    formatOnComputeResource: str = ""
    formatOnHost: str = ""
    formatOnVm: str = ""
    fullFormat: str = ""
    longDescription: str | None = None


@dataclass(slots=True)
class EventDescription(VimData):
    vim_type: ClassVar[str] = "EventDescription"
    category: list[ElementDescription] = field(default_factory=list)
    eventInfo: list[EventDescriptionEventDetail] = field(default_factory=list)


CATEGORIES = ("info", "warning", "error", "user")


def event_description() -> EventDescription:
    categories = [ElementDescription(name.capitalize(), f"{name.capitalize()} event", name) for name in CATEGORIES]
    task = EventDescriptionEventDetail(
        key="TaskEvent", description="Task event", category="info",
        formatOnDatacenter="Task: {info.descriptionId}", formatOnComputeResource="Task: {info.descriptionId}",
        formatOnHost="Task: {info.descriptionId}", formatOnVm="Task: {info.descriptionId}",
        fullFormat="Task: {info.descriptionId}",
        longDescription="A task was created: the event carries its TaskInfo, and its chainId is the task's eventChainId.",
    )  # fmt: skip
    return EventDescription(category=categories, eventInfo=[task])


def category_of(event: Event) -> str:
    return "info"  # the only events the simulator records (TaskEvent) are informational
