"""The simulated vCenter: its registry of managed objects, its clock and its settings."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Callable, TypeVar

from vtasksim.domain.authorization import User
from vtasksim.domain.authorization_manager import AuthorizationManager
from vtasksim.domain.changes import ChangeFeed
from vtasksim.domain.clock import Clock
from vtasksim.domain.custom_fields_manager import CustomFieldsManager
from vtasksim.domain.extension_manager import Extension, ExtensionManager
from vtasksim.domain.faults import ManagedObjectNotFound
from vtasksim.domain.inventory.entity import ManagedEntity
from vtasksim.domain.inventory.folder import Folder
from vtasksim.domain.inventory.search_index import SearchIndex
from vtasksim.domain.inventory.tree import ENTITY_CLASSES, Inventory
from vtasksim.domain.history.event_manager import EventManager
from vtasksim.domain.history.retention import DEFAULT_LIMIT, DEFAULT_MAX_AGE_DAYS, Retention
from vtasksim.domain.history.task_history import TaskHistory
from vtasksim.domain.managed_object import InventoryObject, ManagedObject
from vtasksim.domain.options.vpx_settings import vpx_settings
from vtasksim.domain.property_collector import PropertyCollector
from vtasksim.domain.registry import Registry
from vtasksim.domain.scenarios.fault_rules import FaultRules
from vtasksim.domain.scenarios.timeline import Playback, Timeline
from vtasksim.domain.service_instance import AboutInfo, ServiceContent, ServiceInstance
from vtasksim.domain.session_manager import Session, SessionManager
from vtasksim.domain.task import Task, TaskBehaviour, TaskInfo
from vtasksim.domain.task_manager import TaskManager
from vtasksim.domain.typesystem import vim_types
from vtasksim.domain.vcenter_version import about_fields, resolve_api_version
from vtasksim.domain.views.view_manager import ViewManager
from vtasksim.domain.vmodl import MoRef

M = TypeVar("M", bound=ManagedObject)

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
    #: Seconds a session may stay idle before it expires (vCenter's default is 30 minutes).
    session_timeout: float = 1800.0
    #: Days a completed task is kept (vCenter's ``task.maxAge``).
    task_max_age: int = DEFAULT_MAX_AGE_DAYS
    #: Completed tasks, and events, kept at most: the oldest go first.
    history_limit: int = DEFAULT_LIMIT
    #: Request bodies larger than this are refused with HTTP 413 before they are read whole.
    max_body_bytes: int = 16 * 1024 * 1024
    #: Items one array of a request may hold (a SetTaskState result, a repeated argument …).
    max_array_items: int = 10_000
    #: The vSphere API version of the vCenter simulated (``8.0.3.0``, or a release: ``7.0``);
    #: None: the newest the type tables describe.
    version: str | None = None

    def __post_init__(self) -> None:
        if self.cancel_delay < 0:
            raise ValueError("cancel_delay must not be negative")
        if self.session_timeout <= 0:
            raise ValueError("session_timeout must be positive")
        if self.task_max_age < 0 or self.history_limit < 0:
            raise ValueError("task_max_age and history_limit must not be negative")
        if self.max_body_bytes <= 0 or self.max_array_items <= 0:
            raise ValueError("max_body_bytes and max_array_items must be positive")
        if self.compat not in (None, *COMPAT_MODES):
            raise ValueError(f"unknown compat mode {self.compat!r}; known: {', '.join(COMPAT_MODES)}")
        if self.version is not None:
            self.version = resolve_api_version(self.version, vim_types())


class Simulator:
    """The simulated vCenter.

    ``users`` None: any name and password log in with every privilege. ``extensions`` None: any
    task type goes; a list: CreateTask accepts only the task types they declare.
    """

    def __init__(
        self,
        clock: Clock,
        settings: SimulatorSettings | None = None,
        users: list[User] | None = None,
        extensions: list[Extension] | None = None,
    ) -> None:
        self.clock = clock
        self.settings = settings or SimulatorSettings()
        self.changes = ChangeFeed()
        #: Called with every task added (the change feed tells only of changes to known objects).
        self.task_added: list[Callable[[Task], None]] = []
        self.registry = Registry()
        self.custom_fields_manager = self.add(CustomFieldsManager(self.registry.get))
        self.inventory = Inventory(
            self.registry, self.add, self.custom_fields_manager, self._recent_tasks_of, self._effective_role, clock.now()
        )
        self.root_folder = self.add(Folder(ROOT_FOLDER, "Datacenters", self.inventory))
        self.property_collector = self.add(PropertyCollector(PROPERTY_COLLECTOR, self.registry, clock, self.changes))
        self.session_manager = self.add(SessionManager(clock, users, self.settings.session_timeout))
        self.authorization_manager = self.add(AuthorizationManager(self.registry, self.session_manager, ROOT_FOLDER))
        self.extension_manager = self.add(ExtensionManager(extensions))
        self.task_manager = self.add(TaskManager(self))
        self.view_manager = self.add(ViewManager(self.registry, self.inventory, self.add, self.changes))
        self.search_index = self.add(SearchIndex(self.inventory, lambda: self.root_folder))
        task_retention = Retention(self.settings.task_max_age, limit=self.settings.history_limit)
        self.task_history = TaskHistory(
            self.registry, clock, self.changes, task_retention, lambda: self.task_manager.maxCollector,
            on_expired=self._task_expired,
        )  # fmt: skip
        event_retention = Retention(limit=self.settings.history_limit)
        self.event_manager = self.add(EventManager(self.registry, clock, self.changes, event_retention, ROOT_FOLDER))
        self.option_manager = self.add(vpx_settings(task_retention, event_retention))
        self.service_instance = self.add(ServiceInstance(self._content(), clock))
        self._collector_numbers = itertools.count(1)
        #: When the server started: a timeline step ``at: 5s`` falls due 5 s after it.
        self.started = clock.now()
        #: Timelines by task type (taskTypeId): every task CreateTask makes of that type plays it.
        self.task_type_timelines: dict[str, Timeline] = {}
        #: The timelines playing (or played) on each task, by task key.
        self.playbacks: dict[str, list[Playback]] = {}
        #: What vim calls get instead of their answer (a fault, a delay, a dropped connection).
        self.fault_rules = FaultRules()

    def _content(self) -> ServiceContent:
        return ServiceContent(
            rootFolder=ROOT_FOLDER, propertyCollector=PROPERTY_COLLECTOR, about=AboutInfo(**about_fields(self.version)),
            setting=self.option_manager.ref, sessionManager=self.session_manager.ref,
            authorizationManager=self.authorization_manager.ref, eventManager=self.event_manager.ref,
            taskManager=self.task_manager.ref, extensionManager=self.extension_manager.ref,
            viewManager=self.view_manager.ref, customFieldsManager=self.custom_fields_manager.ref,
            searchIndex=self.search_index.ref,
        )  # fmt: skip

    @property
    def version(self) -> str:
        """The vSphere API version this vCenter speaks at most (and advertises, with the older ones)."""
        return self.settings.version or vim_types().newest_version

    def create_property_collector(self, session: Session) -> PropertyCollector:
        """CreatePropertyCollector: a collector of the session's own, gone when the session ends."""
        ref = MoRef("PropertyCollector", f"session[{session.key[:8]}]propertyCollector-{next(self._collector_numbers)}")
        collector = PropertyCollector(ref, self.registry, self.clock, self.changes, owner=session)
        self.add(collector)
        session.owned.append(collector)
        return collector

    def destroy_property_collector(self, session: Session, collector: PropertyCollector) -> None:
        if collector.owner is not session:
            raise ManagedObjectNotFound(collector.ref)  # the shared one, or another session's
        collector.destroy()

    def add(self, obj: M) -> M:
        obj.attach(self.changes)
        self.registry.add(obj)
        return obj

    def add_inventory_object(self, ref: MoRef, name: str) -> InventoryObject:
        """A Folder, Datacenter, VirtualMachine … that tasks can point at; the root folder may be renamed.

        An entity of a type the inventory models is made but not yet placed: ``place`` puts it
        in the tree (or ``place_defaults``, where vCenter would). Other objects (an Alarm, a
        ScheduledTask) only have their name.
        """
        if ref == ROOT_FOLDER:
            self.root_folder.name = name
            return self.root_folder
        if ref.type in ENTITY_CLASSES:
            return self.add(ENTITY_CLASSES[ref.type](ref, name, self.inventory))
        return self.add(InventoryObject(ref, name))

    def place(self, entity: ManagedEntity, parent: ManagedEntity | None = None) -> None:
        """Put an entity in the tree: under ``parent``, or where vCenter puts its type."""
        inventory = self.inventory
        inventory.place(entity, parent if parent is not None else inventory.home_of(entity, self.root_folder))

    def complete_inventory(self) -> None:
        """What every vCenter inventory has once objects are placed: each datacenter's four folders,
        each compute resource's root pool, each VM's pool, host, datastore and network."""
        for datacenter in self.inventory.entities("Datacenter"):
            self.inventory.add_datacenter_folders(datacenter)  # type: ignore[arg-type]
        self.inventory.place_defaults()

    def _recent_tasks_of(self, entity: MoRef) -> list[MoRef]:
        return self.task_manager.recent_tasks_of(entity)

    def _effective_role(self, session: Session | None) -> list[int]:
        return self.authorization_manager.effective_role(session)

    def task_behaviour(self, cancel_delay: float | None = None) -> TaskBehaviour:
        """A task's simulator settings: the server's, with the task's own overrides (one object
        for every task with the same ones: a TaskBehaviour is never changed in place)."""
        return _shared_behaviour(
            self.settings.cancel_delay if cancel_delay is None else cancel_delay, self.settings.compat == "vc2"
        )

    def add_task(self, info: TaskInfo, behaviour: TaskBehaviour | None = None) -> Task:
        task = Task(info, self.clock, behaviour or self.task_behaviour())
        task.custom_fields = self.custom_fields_manager
        self.add(task)
        self.task_history.add(task)
        self.event_manager.record_task_created(task)
        for listener in list(self.task_added):
            listener(task)
        return task

    def _task_expired(self, task: Task) -> None:
        for playback in self.playbacks.pop(task.ref.value, ()):
            playback.stop()  # what a gone task's timeline still had to do goes with it
        self.task_manager.task_expired(task)

    def play(self, task: Task, timeline: Timeline) -> Playback:
        """Play ``timeline`` on ``task``, its offsets counted from now (``at`` ones from the start)."""
        playback = timeline.play(task, self.clock, self.started)
        self.playbacks.setdefault(task.ref.value, []).append(playback)
        return playback


@functools.lru_cache(maxsize=256)
def _shared_behaviour(cancel_delay: float, progress_out_of_bounds: bool) -> TaskBehaviour:
    return TaskBehaviour(cancel_delay=cancel_delay, progress_out_of_bounds=progress_out_of_bounds)
