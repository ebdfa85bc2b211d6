"""vmodl.query.PropertyCollector in the domain (domain/property_collector.py), without a server.

RetrieveProperties and RetrievePropertiesEx are how zeep and suds users read a task (they cannot
call Fetch, WIRE.md §4), and how every client walks from one object to others with a
TraversalSpec. The rules checked here are those of the vSphere API reference pages of
PropertyCollector, PropertySpec, ObjectSpec, TraversalSpec, RetrieveOptions and RetrieveResult.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

import pytest

from vtasksim.domain.clock import ManualClock
from vtasksim.domain.faults import InvalidArgument, InvalidProperty, ManagedObjectNotFound
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.property_collector import PropertyCollector
from vtasksim.domain.query import (
    ObjectContent,
    ObjectSpec,
    PropertyFilterSpec,
    PropertySpec,
    RetrieveOptions,
    SelectionSpec,
    TraversalSpec,
)
from vtasksim.domain.simulator import Simulator
from vtasksim.domain.task import Task, TaskInfo, TaskState
from vtasksim.domain.vmodl import MoRef, TypedValue

QUEUE_TIME = datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)


class TaskFolder(ManagedObject):
    """A Folder whose childEntity holds tasks and other folders: enough to traverse (the
    simulator's own folders only have a name)."""

    vim_type = "Folder"
    vim_properties = ("name", "childEntity")

    def __init__(self, ref: MoRef, name: str, children: Iterable[MoRef] = ()) -> None:
        super().__init__(ref)
        self.name = name
        self.childEntity = list(children)


def state_value(state: str) -> TypedValue:
    """info.state as a property value goes out: typed TaskInfoState, as vCenter (and vcsim) write it."""
    return TypedValue("TaskInfoState", state)


@pytest.fixture
def simulator() -> Simulator:
    return Simulator(ManualClock())


@pytest.fixture
def collector(simulator: Simulator) -> PropertyCollector:
    return simulator.property_collector  # type: ignore[return-value]


def add_task(simulator: Simulator, key: str, state: TaskState = TaskState.running) -> Task:
    info = TaskInfo(key=key, task=MoRef("Task", key), queueTime=QUEUE_TIME, descriptionId="com.example.test", state=state)
    return simulator.add_task(info)


def add_tasks(simulator: Simulator, count: int) -> list[Task]:
    return [add_task(simulator, f"task-{number}") for number in range(1, count + 1)]


def one_object(obj: MoRef, *prop_specs: PropertySpec, skip: bool | None = None) -> PropertyFilterSpec:
    return PropertyFilterSpec(propSet=list(prop_specs), objectSet=[ObjectSpec(obj, skip=skip)])


def many_objects(objs: Iterable[MoRef], *prop_specs: PropertySpec) -> PropertyFilterSpec:
    return PropertyFilterSpec(propSet=list(prop_specs), objectSet=[ObjectSpec(obj) for obj in objs])


def as_dict(contents: list[ObjectContent]) -> dict[MoRef, dict[str, object]]:
    return {content.obj: {prop.name: prop.val for prop in content.propSet} for content in contents}


TASK_STATE = PropertySpec("Task", pathSet=["info.state"])


# RetrieveProperties


def test_all_true_returns_every_property_of_the_type(simulator: Simulator, collector: PropertyCollector) -> None:
    """PropertySpec.all: "Specifies whether or not all properties of the object are read. If this
    property is set to true, the pathSet property is ignored." A Task's property is info."""
    task = add_task(simulator, "task-1")
    contents = collector.retrieve_properties([one_object(task.ref, PropertySpec("Task", all=True, pathSet=["info.state"]))])
    assert as_dict(contents) == {task.ref: {"info": task.info}}


def test_path_set_reads_a_sub_property(simulator: Simulator, collector: PropertyCollector) -> None:
    """PropertySpec.pathSet: "Specifies which managed object properties are retrieved." A path
    may name a nested property (``info.state``, as pyVim's WaitForTasks reads it)."""
    task = add_task(simulator, "task-1", TaskState.queued)
    contents = collector.retrieve_properties([one_object(task.ref, PropertySpec("Task", pathSet=["info.state", "info.key"]))])
    assert [(prop.name, prop.val) for prop in contents[0].propSet] == [("info.state", state_value("queued")), ("info.key", "task-1")]


def test_sub_property_reflects_the_current_state(simulator: Simulator, collector: PropertyCollector) -> None:
    """PropertyCollector: reads the properties' current values (a task that changed is read anew)."""
    task = add_task(simulator, "task-1")
    task.set_state(TaskState.success, result="ok")
    contents = collector.retrieve_properties([one_object(task.ref, PropertySpec("Task", pathSet=["info.state", "info.result"]))])
    assert as_dict(contents)[task.ref] == {"info.state": state_value("success"), "info.result": "ok"}


def test_unset_property_is_not_reported(simulator: Simulator, collector: PropertyCollector) -> None:
    """An unset optional property (a fresh task's info.progress, info.error) has no value to report."""
    task = add_task(simulator, "task-1")
    contents = collector.retrieve_properties([one_object(task.ref, PropertySpec("Task", pathSet=["info.progress", "info.error", "info.state"]))])
    assert as_dict(contents)[task.ref] == {"info.state": state_value("running")}


@pytest.mark.parametrize("path", ["bogus", "info.bogus", "info.state.bogus", "Info"])
def test_unknown_property_path_raises_invalid_property(simulator: Simulator, collector: PropertyCollector, path: str) -> None:
    """vmodl.query.InvalidProperty: "Thrown when an invalid property path has been referenced."."""
    task = add_task(simulator, "task-1")
    with pytest.raises(InvalidProperty) as raised:
        collector.retrieve_properties([one_object(task.ref, PropertySpec("Task", pathSet=[path]))])
    assert raised.value.properties["name"] == path


# Python attributes of the domain objects are not vim properties.
@pytest.mark.parametrize("path", ["info.key.upper", "info.queueTime.year", "info.state.value", "info.WIRE_ORDER"])
def test_python_attribute_is_not_a_property_path(simulator: Simulator, collector: PropertyCollector, path: str) -> None:
    """vmodl.query.InvalidProperty: "Thrown when an invalid property path has been referenced." A
    path names vim properties (TaskInfo's fields, a MoRef has none), not attributes of the Python
    objects behind them."""
    task = add_task(simulator, "task-1")
    with pytest.raises(InvalidProperty):
        collector.retrieve_properties([one_object(task.ref, PropertySpec("Task", pathSet=[path]))])


def test_unknown_object_raises_managed_object_not_found(simulator: Simulator, collector: PropertyCollector) -> None:
    """ObjectSpec.obj: "Starting object." One that does not exist is a ManagedObjectNotFound
    naming it (RetrieveProperties, reportMissingObjectsInResults unset)."""
    missing = MoRef("Task", "task-404")
    with pytest.raises(ManagedObjectNotFound) as raised:
        collector.retrieve_properties([one_object(missing, TASK_STATE)])
    assert raised.value.properties["obj"] == missing


def test_object_of_another_type_than_the_property_spec_is_not_reported(simulator: Simulator, collector: PropertyCollector) -> None:
    """PropertySpec.type: "Name of the managed object type being collected." An object no
    PropertySpec names is not reported, and its properties are not checked against the spec."""
    contents = collector.retrieve_properties([one_object(simulator.root_folder.ref, TASK_STATE)])
    assert contents == []


def test_objects_come_back_in_the_order_asked_once_each(simulator: Simulator, collector: PropertyCollector) -> None:
    """PropertyFilterSpec.objectSet: "Set of specifications that determine the objects to filter."
    An object named twice is one object."""
    first, second = add_task(simulator, "task-1"), add_task(simulator, "task-2")
    contents = collector.retrieve_properties([many_objects([second.ref, first.ref, second.ref], TASK_STATE)])
    assert [content.obj for content in contents] == [second.ref, first.ref]


def test_skip_true_reports_no_properties_of_the_start_object(simulator: Simulator, collector: PropertyCollector) -> None:
    """ObjectSpec.skip: "Flag to specify whether or not to report this object's properties."."""
    task = add_task(simulator, "task-1")
    assert collector.retrieve_properties([one_object(task.ref, TASK_STATE, skip=True)]) == []
    assert len(collector.retrieve_properties([one_object(task.ref, TASK_STATE, skip=False)])) == 1


# TraversalSpec


def test_traversal_over_a_property_reaches_the_tasks(simulator: Simulator, collector: PropertyCollector) -> None:
    """TraversalSpec: "Specifies a path from one managed object type to another": from the
    TaskManager over recentTask to its tasks; skip=True leaves the TaskManager out."""
    tasks = add_tasks(simulator, 3)
    manager = simulator.task_manager
    assert manager.read_property("recentTask") == [t.ref for t in tasks]
    spec = PropertyFilterSpec(
        propSet=[TASK_STATE, PropertySpec("TaskManager", pathSet=["recentTask"])],
        objectSet=[ObjectSpec(manager.ref, skip=True, selectSet=[TraversalSpec(type="TaskManager", path="recentTask")])],
    )
    contents = collector.retrieve_properties([spec])
    assert [content.obj for content in contents] == [t.ref for t in tasks]


def test_traversal_of_another_type_is_not_followed(simulator: Simulator, collector: PropertyCollector) -> None:
    """TraversalSpec.type: "Name of the object type containing the property." A TraversalSpec for
    another type than the object's does not apply to it."""
    add_tasks(simulator, 2)
    spec = PropertyFilterSpec(
        propSet=[TASK_STATE],
        objectSet=[ObjectSpec(simulator.task_manager.ref, skip=True, selectSet=[TraversalSpec(type="Folder", path="recentTask")])],
    )
    assert collector.retrieve_properties([spec]) == []


def test_named_selection_spec_recurses_through_folders(simulator: Simulator, collector: PropertyCollector) -> None:
    """SelectionSpec.name: "Name of the selection specification." A SelectionSpec naming a
    TraversalSpec reuses it, so one spec walks a folder tree of any depth."""
    deep, shallow, middle = add_task(simulator, "task-deep"), add_task(simulator, "task-top"), add_task(simulator, "task-mid")
    inner = simulator.add(TaskFolder(MoRef("Folder", "group-t3"), "inner", [deep.ref]))
    mid = simulator.add(TaskFolder(MoRef("Folder", "group-t2"), "mid", [middle.ref, inner.ref]))
    top = simulator.add(TaskFolder(MoRef("Folder", "group-t1"), "top", [shallow.ref, mid.ref]))
    visit_folders = TraversalSpec(name="visitFolders", type="Folder", path="childEntity", selectSet=[SelectionSpec(name="visitFolders")])
    spec = PropertyFilterSpec(
        propSet=[TASK_STATE, PropertySpec("Folder", pathSet=["name"])],
        objectSet=[ObjectSpec(top.ref, skip=True, selectSet=[visit_folders])],
    )
    found = as_dict(collector.retrieve_properties([spec]))
    assert set(found) == {shallow.ref, middle.ref, deep.ref, mid.ref, inner.ref}
    assert found[inner.ref] == {"name": "inner"}
    assert found[deep.ref] == {"info.state": state_value("running")}


def test_traversal_spec_skip_leaves_out_the_objects_it_reaches(simulator: Simulator, collector: PropertyCollector) -> None:
    """TraversalSpec.skip: "Flag to indicate whether or not to filter the object in the "path"
    field." The skipped folder is not reported; the traversal still continues through it."""
    task = add_task(simulator, "task-1")
    inner = simulator.add(TaskFolder(MoRef("Folder", "group-t2"), "inner", [task.ref]))
    top = simulator.add(TaskFolder(MoRef("Folder", "group-t1"), "top", [inner.ref]))
    to_inner = TraversalSpec(type="Folder", path="childEntity", skip=True, selectSet=[TraversalSpec(type="Folder", path="childEntity")])
    spec = PropertyFilterSpec(
        propSet=[TASK_STATE, PropertySpec("Folder", pathSet=["name"])],
        objectSet=[ObjectSpec(top.ref, selectSet=[to_inner])],
    )
    assert set(as_dict(collector.retrieve_properties([spec]))) == {top.ref, task.ref}


def test_cycle_in_the_inventory_ends_and_reports_each_object_once(simulator: Simulator, collector: PropertyCollector) -> None:
    """TraversalSpec.selectSet: "The set of selections for further traversal." A recursive
    selection over folders that contain each other ends, reporting each object once."""
    task = add_task(simulator, "task-1")
    first = simulator.add(TaskFolder(MoRef("Folder", "group-t1"), "first", [task.ref]))
    second = simulator.add(TaskFolder(MoRef("Folder", "group-t2"), "second", [first.ref, task.ref]))
    first.childEntity.append(second.ref)  # type: ignore[attr-defined]
    walk = TraversalSpec(name="walk", type="Folder", path="childEntity", selectSet=[SelectionSpec(name="walk")])
    spec = PropertyFilterSpec(propSet=[TASK_STATE], objectSet=[ObjectSpec(first.ref, skip=True, selectSet=[walk])])
    assert [content.obj for content in collector.retrieve_properties([spec])] == [task.ref]


def test_traversal_skips_references_to_objects_that_are_gone(simulator: Simulator, collector: PropertyCollector) -> None:
    """A task that no longer exists, still named by a property, is not reported and does not fail
    the whole retrieval (only a missing ObjectSpec.obj does)."""
    task = add_task(simulator, "task-1")
    folder = simulator.add(TaskFolder(MoRef("Folder", "group-t1"), "tasks", [MoRef("Task", "task-gone"), task.ref]))
    spec = PropertyFilterSpec(
        propSet=[TASK_STATE],
        objectSet=[ObjectSpec(folder.ref, skip=True, selectSet=[TraversalSpec(type="Folder", path="childEntity")])],
    )
    assert [content.obj for content in collector.retrieve_properties([spec])] == [task.ref]


# RetrievePropertiesEx, ContinueRetrievePropertiesEx, CancelRetrievePropertiesEx


def test_retrieve_properties_ex_without_options_returns_everything(simulator: Simulator, collector: PropertyCollector) -> None:
    """RetrieveOptions.maxObjects: "An unset value indicates that there is no maximum."
    RetrieveResult.token: "If unset, there are no further results to retrieve"."""
    tasks = add_tasks(simulator, 4)
    result = collector.retrieve_properties_ex([many_objects([t.ref for t in tasks], TASK_STATE)], None)
    assert result is not None and result.token is None
    assert [content.obj for content in result.objects] == [t.ref for t in tasks]


def test_retrieve_properties_ex_with_nothing_found_returns_nothing(simulator: Simulator, collector: PropertyCollector) -> None:
    """RetrievePropertiesEx returns no RetrieveResult when no object matches (an empty response,
    which pyVmomi reads as None)."""
    task = add_task(simulator, "task-1")
    assert collector.retrieve_properties_ex([one_object(task.ref, TASK_STATE, skip=True)], RetrieveOptions()) is None


def test_max_objects_pages_with_continue(simulator: Simulator, collector: PropertyCollector) -> None:
    """RetrieveOptions.maxObjects: "A positive value causes RetrievePropertiesEx to suspend the
    retrieval when the count of objects reaches the specified maximum. ... Any remaining objects
    may be retrieved with ContinueRetrievePropertiesEx." Every object comes back exactly once."""
    tasks = add_tasks(simulator, 5)
    result = collector.retrieve_properties_ex([many_objects([t.ref for t in tasks], TASK_STATE)], RetrieveOptions(maxObjects=2))
    assert result is not None and result.token
    pages = [result.objects]
    while result.token is not None:
        result = collector.continue_retrieve_properties_ex(result.token)
        pages.append(result.objects)
        assert len(pages) <= len(tasks), "the continuation never ends"
    assert len(pages[0]) == 2
    assert [content.obj for page in pages for content in page] == [t.ref for t in tasks]


def test_max_objects_at_least_the_count_needs_no_continue(simulator: Simulator, collector: PropertyCollector) -> None:
    """RetrieveResult.token: "If unset, there are no further results to retrieve after this
    RetrieveResult."."""
    tasks = add_tasks(simulator, 3)
    result = collector.retrieve_properties_ex([many_objects([t.ref for t in tasks], TASK_STATE)], RetrieveOptions(maxObjects=3))
    assert result is not None and result.token is None and len(result.objects) == 3


def test_a_token_is_used_only_once(simulator: Simulator, collector: PropertyCollector) -> None:
    """RetrieveResult.token: "Each token may be passed to ContinueRetrievePropertiesEx only once"."""
    tasks = add_tasks(simulator, 3)
    result = collector.retrieve_properties_ex([many_objects([t.ref for t in tasks], TASK_STATE)], RetrieveOptions(maxObjects=1))
    assert result is not None and result.token is not None
    collector.continue_retrieve_properties_ex(result.token)
    with pytest.raises((InvalidArgument, InvalidProperty)):
        collector.continue_retrieve_properties_ex(result.token)


def test_cancel_discards_the_remaining_results(simulator: Simulator, collector: PropertyCollector) -> None:
    """CancelRetrievePropertiesEx: "Discards remaining results from a retrieval started by
    RetrievePropertiesEx"; the token is then no use to ContinueRetrievePropertiesEx."""
    tasks = add_tasks(simulator, 3)
    result = collector.retrieve_properties_ex([many_objects([t.ref for t in tasks], TASK_STATE)], RetrieveOptions(maxObjects=1))
    assert result is not None and result.token is not None
    collector.cancel_retrieve_properties_ex(result.token)
    with pytest.raises((InvalidArgument, InvalidProperty)):
        collector.continue_retrieve_properties_ex(result.token)


def test_continue_with_an_unknown_token_fails(collector: PropertyCollector) -> None:
    """ContinueRetrievePropertiesEx token: "the token returned in the previous RetrieveResult
    returned on the same session by the same PropertyCollector"; any other is refused."""
    with pytest.raises((InvalidArgument, InvalidProperty)):
        collector.continue_retrieve_properties_ex("no-such-token")


def test_tokens_of_concurrent_retrievals_are_distinct(simulator: Simulator, collector: PropertyCollector) -> None:
    """RetrieveResult.token identifies one retrieval: two paged retrievals continue independently."""
    tasks = add_tasks(simulator, 4)
    refs = [t.ref for t in tasks]
    first = collector.retrieve_properties_ex([many_objects(refs, TASK_STATE)], RetrieveOptions(maxObjects=1))
    second = collector.retrieve_properties_ex([many_objects(reversed(refs), TASK_STATE)], RetrieveOptions(maxObjects=1))
    assert first is not None and second is not None and first.token != second.token
    rest_of_second = collector.continue_retrieve_properties_ex(second.token)  # type: ignore[arg-type]
    assert rest_of_second.objects[0].obj == refs[2]
    rest_of_first = collector.continue_retrieve_properties_ex(first.token)  # type: ignore[arg-type]
    assert rest_of_first.objects[0].obj == refs[1]


@pytest.mark.parametrize("max_objects", [0, -1])
def test_max_objects_not_positive_raises_invalid_argument(simulator: Simulator, collector: PropertyCollector, max_objects: int) -> None:
    """RetrieveOptions.maxObjects: "A value less than or equal to 0 is illegal." -> InvalidArgument."""
    task = add_task(simulator, "task-1")
    with pytest.raises(InvalidArgument) as raised:
        collector.retrieve_properties_ex([one_object(task.ref, TASK_STATE)], RetrieveOptions(maxObjects=max_objects))
    assert "maxObjects" in raised.value.properties["invalidProperty"]
