"""A zeep user's program that watches a task: built from the served WSDL only, it logs in, creates a
task, reads it with RetrievePropertiesEx, puts a PropertyFilter on its ``info`` and loops on
WaitForUpdatesEx (maxWaitSeconds) while a second zeep program, in a session of its own, drives
the task. The loop must see every transition, in order, in vCenter's UpdateSet shape:

- ``partialUpdates=true``: a change inside ``info`` comes as ``info.state``, ``info.progress``,
  ``info.description`` … (each with its new value);
- ``partialUpdates=false``: every change comes as ``info``, a whole TaskInfo.

The driver waits for the loop to report each step before it takes the next: the collector reports
the state now, not a history, so two changes made in one breath may rightly come as one.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import pytest
import zeep
from zeep import xsd

from conftest import ENTITY

VIM25 = "urn:vim25"
USER, PASSWORD = "watcher@vsphere.local", "any-password"  # the pool fixture has no users: any login works
MAX_WAIT_SECONDS = 1
STEP_DEADLINE = 10.0
RESULT = "backup done"
MISSING_FILE = "[datastore1] web-01/web-01.vmdk"


class ZeepProgram:
    """What a zeep user writes: a client from the served WSDL, logged in."""

    def __init__(self, url: str, user: str) -> None:
        self.client = zeep.Client(f"{url}/vimService.wsdl")
        self.service = self.client.service
        self.content = self.service.RetrieveServiceContent(_this=self.moref("ServiceInstance", "ServiceInstance"))
        self.service.Login(_this=self.content.sessionManager, userName=user, password=PASSWORD)
        self.collector = self.content.propertyCollector

    def type(self, name: str) -> Any:
        return self.client.get_type(f"ns0:{name}")

    def moref(self, type_name: str, value: str) -> Any:
        return self.type("ManagedObjectReference")(value, type=type_name)

    def create_task(self) -> Any:
        entity = self.moref(ENTITY["type"], ENTITY["value"])
        return self.service.CreateTask(
            _this=self.content.taskManager, obj=entity, taskTypeId="com.example.backup.run", cancelable=True
        )

    def retrieve(self, obj: Any, path: str) -> Any:
        """One property of one object, read with RetrievePropertiesEx (zeep has no Fetch)."""
        spec = self.type("PropertyFilterSpec")(propSet=[{"type": obj.type, "pathSet": [path]}], objectSet=[{"obj": obj}])
        result = self.service.RetrievePropertiesEx(_this=self.collector, specSet=[spec], options={})
        if result is None:
            return None
        (content,) = result.objects
        return {prop.name: prop.val for prop in content.propSet}.get(path)

    def create_filter(self, task: Any, partial: bool) -> Any:
        spec = self.type("PropertyFilterSpec")(propSet=[{"type": "Task", "pathSet": ["info"]}], objectSet=[{"obj": task}])
        return self.service.CreateFilter(_this=self.collector, spec=spec, partialUpdates=partial)

    def wait(self, version: str) -> Any:
        return self.service.WaitForUpdatesEx(_this=self.collector, version=version, options={"maxWaitSeconds": MAX_WAIT_SECONDS})

    def filters(self) -> list[str]:
        listed = self.retrieve(self.collector, "filter")
        return [ref._value_1 for ref in (listed.ManagedObjectReference if listed is not None else [])]


def type_name(value: Any) -> str:
    qname = value._xsd_type.qname
    assert qname.namespace == VIM25, qname
    return qname.localname


# --- the watcher's loop ---------------------------------------------------------------------------


class UpdateLoop:
    """WaitForUpdatesEx(version, maxWaitSeconds) again and again in a thread of its own; every
    ObjectUpdate goes to a queue, in the order the UpdateSets brought them."""

    def __init__(self, program: ZeepProgram, version: str) -> None:
        self._program = program
        self._version = version
        self._stop = threading.Event()
        self.updates: queue.Queue[Any] = queue.Queue()
        self.timeouts = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                update_set = self._program.wait(self._version)
                if update_set is None:
                    self.timeouts += 1  # maxWaitSeconds passed with nothing new: ask again
                    continue
                assert update_set.version and update_set.version != self._version
                assert not update_set.truncated
                self._version = update_set.version
                for filter_update in update_set.filterSet:
                    for object_update in filter_update.objectSet:
                        self.updates.put((filter_update.filter, object_update))
        except BaseException as failure:  # handed to the test thread, which raises it
            self.updates.put(failure)

    def next(self, deadline: float) -> tuple[Any, Any]:
        try:
            item = self.updates.get(timeout=max(deadline - time.monotonic(), 0))
        except queue.Empty:
            raise AssertionError("the WaitForUpdatesEx loop reported nothing in time") from None
        if isinstance(item, BaseException):
            raise item
        return item

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=MAX_WAIT_SECONDS + 5)
        assert not self._thread.is_alive(), "the last WaitForUpdatesEx outlived its maxWaitSeconds"


# --- what each step does, and how the watcher must see it --------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    act: Callable[[ZeepProgram, Any], None]
    #: partialUpdates=true: every changeSet name the step changes, each with a check of its value.
    partial: dict[str, Callable[[Any], bool]]
    #: partialUpdates=false: what the whole TaskInfo shows once the step is done.
    whole: Callable[[Any], bool]


def _is_set(value: Any) -> bool:
    return value is not None


def _fault_type(expected: str) -> Callable[[Any], bool]:
    return lambda error: type_name(error) == "LocalizedMethodFault" and type_name(error.fault) == expected


def _set_running(driver: ZeepProgram, task: Any) -> None:
    driver.service.SetTaskState(_this=task, state="running")


def _progress(percent: int) -> Step:
    return Step(
        f"progress {percent}",
        lambda driver, task: driver.service.UpdateProgress(_this=task, percentDone=percent),
        {"info.progress": lambda value: value == percent},
        lambda info: info.progress == percent,
    )


def _describe(driver: ZeepProgram, task: Any) -> None:
    message = driver.type("LocalizableMessage")(key="com.example.backup.copy", message="Copying disk 2 of 3")
    driver.service.SetTaskDescription(_this=task, description=message)


def _succeed(driver: ZeepProgram, task: Any) -> None:
    driver.service.SetTaskState(_this=task, state="success", result=xsd.AnyObject(xsd.String(), RESULT))


def _fail(driver: ZeepProgram, task: Any) -> None:
    fault = driver.type("LocalizedMethodFault")(fault=driver.type("FileNotFound")(file=MISSING_FILE), localizedMessage="File not found")
    driver.service.SetTaskState(_this=task, state="error", fault=fault)


def _cancel(driver: ZeepProgram, task: Any) -> None:
    driver.service.CancelTask(_this=task)


RUNNING = Step(
    "running", _set_running,
    {"info.state": lambda value: value == "running", "info.startTime": _is_set},
    lambda info: info.state == "running" and info.startTime is not None,
)  # fmt: skip
DESCRIBED = Step(
    "description", _describe,
    {"info.description": lambda value: (value.key, value.message) == ("com.example.backup.copy", "Copying disk 2 of 3")},
    lambda info: info.description is not None and info.description.message == "Copying disk 2 of 3",
)  # fmt: skip
SUCCEEDED = Step(
    "success with a result", _succeed,
    {"info.state": lambda value: value == "success", "info.result": lambda value: value == RESULT, "info.completeTime": _is_set},
    lambda info: (info.state, info.result) == ("success", RESULT) and info.completeTime is not None,
)  # fmt: skip
FAILED = Step(
    "error with a fault", _fail,
    {"info.state": lambda value: value == "error", "info.error": _fault_type("FileNotFound"), "info.completeTime": _is_set},
    lambda info: info.state == "error" and _fault_type("FileNotFound")(info.error) and info.error.fault.file == MISSING_FILE,
)  # fmt: skip
CANCELED = Step(
    "canceled", _cancel,
    {
        "info.cancelled": lambda value: value is True, "info.state": lambda value: value == "error",
        "info.error": _fault_type("RequestCanceled"), "info.completeTime": _is_set,
    },
    lambda info: (info.state, info.cancelled) == ("error", True) and _fault_type("RequestCanceled")(info.error),
)  # fmt: skip

RUNS = {
    "success": [RUNNING, _progress(30), _progress(60), DESCRIBED, SUCCEEDED],
    "error": [RUNNING, _progress(30), FAILED],
    "canceled": [RUNNING, CANCELED],
}


# --- watching one step ------------------------------------------------------------------------------


def see_partial_step(loop: UpdateLoop, filter_ref: Any, task: Any, step: Step) -> None:
    """Collect the loop's changes until every name of the step came; no other name may come."""
    deadline = time.monotonic() + STEP_DEADLINE
    seen: dict[str, Any] = {}
    while not set(step.partial) <= set(seen):
        reported_filter, update = loop.next(deadline)
        assert_modifies(reported_filter, filter_ref, update, task, step)
        for change in update.changeSet:
            assert change.op == "assign", f"{step.name}: {change.name} came with op {change.op}"
            assert change.name in step.partial, f"{step.name}: unexpected change {change.name} = {change.val!r}"
            seen[change.name] = change.val
    for name, check in step.partial.items():
        assert check(seen[name]), f"{step.name}: {name} = {seen[name]!r}"


def see_whole_step(loop: UpdateLoop, filter_ref: Any, task: Any, step: Step) -> Any:
    """Collect whole TaskInfos until one shows the step done; returns it."""
    deadline = time.monotonic() + STEP_DEADLINE
    while True:
        reported_filter, update = loop.next(deadline)
        assert_modifies(reported_filter, filter_ref, update, task, step)
        (change,) = update.changeSet
        assert (change.name, change.op) == ("info", "assign"), f"{step.name}: without partial updates the change is 'info'"
        assert type_name(change.val) == "TaskInfo"
        if step.whole(change.val):
            return change.val


def assert_modifies(reported_filter: Any, filter_ref: Any, update: Any, task: Any, step: Step) -> None:
    assert reported_filter._value_1 == filter_ref._value_1, f"{step.name}: reported by another filter"
    assert (update.kind, update.obj.type, update.obj._value_1) == ("modify", "Task", task._value_1), step.name


# --- the tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("partial", [True, False], ids=["partialUpdates", "wholeInfo"])
@pytest.mark.parametrize("run", list(RUNS))
def test_wait_for_updates_ex_loop_sees_every_transition(server, run: str, partial: bool) -> None:
    """WIRE.md §4: "zeep users cannot call Fetch: they read with RetrievePropertiesEx and wait with
    WaitForUpdatesEx (maxWaitSeconds; an empty response on timeout)"; PropertyFilter.partialUpdates:
    "If the value is true, a change reports only the nested property. If the value is false, a
    change reports the enclosing property named in the filter." """
    watcher, driver = ZeepProgram(server.url, USER), ZeepProgram(server.url, "driver@vsphere.local")
    created = watcher.create_task()
    task = created.task
    info = watcher.retrieve(task, "info")
    assert type_name(info) == "TaskInfo"
    assert (info.key, info.state, info.cancelable, info.reason.userName) == (created.key, "queued", True, USER)

    filter_ref = watcher.create_filter(task, partial)
    assert filter_ref.type == "PropertyFilter"
    initial = watcher.service.WaitForUpdatesEx(_this=watcher.collector, version="", options={"maxWaitSeconds": 0})
    (filter_update,) = initial.filterSet
    (entered,) = filter_update.objectSet
    assert (entered.kind, entered.obj._value_1) == ("enter", created.key)
    assert [(change.name, change.op) for change in entered.changeSet] == [("info", "assign")]
    assert type_name(entered.changeSet[0].val) == "TaskInfo" and entered.changeSet[0].val.state == "queued"

    loop = UpdateLoop(watcher, initial.version)
    try:
        for step in RUNS[run]:
            step.act(driver, task)
            if partial:
                see_partial_step(loop, filter_ref, task, step)
            else:
                see_whole_step(loop, filter_ref, task, step)
    finally:
        loop.stop()
    assert loop.updates.empty(), f"updates after the last step: {loop.updates.get()}"

    final = watcher.retrieve(task, "info")
    assert RUNS[run][-1].whole(final), "RetrievePropertiesEx reads what the updates said"
    watcher.service.DestroyPropertyFilter(_this=filter_ref)
    with pytest.raises(zeep.exceptions.Fault) as raised:
        watcher.service.DestroyPropertyFilter(_this=filter_ref)
    assert raised.value.detail[0].tag == f"{{{VIM25}}}ManagedObjectNotFoundFault"


def test_wait_for_updates_ex_times_out_empty_for_zeep(server) -> None:
    """WIRE.md §4: WaitForUpdatesEx "(maxWaitSeconds; an empty response on timeout)" -- zeep reads
    the empty WaitForUpdatesExResponse as None."""
    watcher = ZeepProgram(server.url, USER)
    watcher.create_filter(watcher.create_task().task, partial=True)
    initial = watcher.service.WaitForUpdatesEx(_this=watcher.collector, version="", options={"maxWaitSeconds": 0})
    start = time.monotonic()
    assert watcher.wait(initial.version) is None
    assert MAX_WAIT_SECONDS - 0.1 <= time.monotonic() - start < MAX_WAIT_SECONDS + 2


def test_property_collector_lists_the_filter_until_it_is_destroyed(server) -> None:
    """PropertyCollector.filter: "The filters that this PropertyCollector uses" -- read by a zeep
    user with RetrievePropertiesEx: one val of type ArrayOfManagedObjectReference."""
    watcher = ZeepProgram(server.url, USER)
    task = watcher.create_task().task
    first, second = watcher.create_filter(task, partial=True), watcher.create_filter(task, partial=False)
    assert {first._value_1, second._value_1} <= set(watcher.filters())
    watcher.service.DestroyPropertyFilter(_this=first)
    listed = watcher.filters()
    assert first._value_1 not in listed and second._value_1 in listed
