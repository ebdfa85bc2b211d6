"""A task's TaskInfo text, reused while the task has not changed: never other bytes than writing it afresh.

``wire/written_infos.py`` keeps what a call's writer wrote of a live task's TaskInfo and drops it
when the simulator announces a change of the task. Whatever happens to the tasks (progress, state,
description, cancelation, a stored state put back, copies written as events are), the reply must be
byte for byte what a writer that keeps nothing writes.
"""

from __future__ import annotations

import copy
import gc
import sys
import weakref
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from vtasksim.domain.clock import ManualClock
from vtasksim.domain.faults import MethodFault
from vtasksim.domain.query import DynamicProperty, ObjectContent, RetrieveResult
from vtasksim.domain.simulator import Simulator
from vtasksim.domain.task import Task, TaskState
from vtasksim.domain.typesystem import vim_types
from vtasksim.domain.vmodl import LocalizableMessage, MoRef
from vtasksim.wire.encoding import ANY_TYPE, Vim25Writer
from vtasksim.wire.envelope import envelope_bytes, response_body
from vtasksim.wire.written_infos import LIMIT, WrittenTaskInfos, written_task_infos

ROOT = MoRef("Folder", "group-d1")
VERSIONS = ["5.5", "6.0", "8.0.1.0", "9.1.1.0"]


def _simulator(tasks: int = 2) -> tuple[Simulator, list[Task]]:
    simulator = Simulator(ManualClock())
    infos = [simulator.task_manager.create_task(ROOT, "t", "user", True) for _ in range(tasks)]
    return simulator, [simulator.registry.get(info.task, Task) for info in infos]


def _replies(writer: Vim25Writer, task: Task, info: Any) -> list[bytes]:
    """What Fetch, RetrievePropertiesEx and CreateTask send of ``info``."""
    result = RetrieveResult(None, [ObjectContent(task.ref, [DynamicProperty("info", info)])])
    return [
        envelope_bytes(response_body("Fetch", writer, info)),
        envelope_bytes(response_body("RetrievePropertiesEx", writer, result, "RetrieveResult")),
        envelope_bytes(response_body("CreateTask", writer, info, "TaskInfo")),
    ]


operations = st.lists(
    st.one_of(
        st.tuples(st.just("progress"), st.integers(-5, 105)),
        st.tuples(st.just("state"), st.sampled_from(list(TaskState))),
        st.tuples(st.just("describe"), st.text("ab<&]>é\r", max_size=5)),
        st.tuples(st.just("cancel"), st.none()),
        st.tuples(st.just("put back a stored info"), st.none()),
        st.tuples(st.just("replace the info unannounced"), st.none()),
        st.tuples(st.just("write a copy"), st.none()),
        st.tuples(st.just("write"), st.sampled_from(VERSIONS)),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None, database=None)
@given(steps=operations, which=st.lists(st.integers(0, 1), min_size=25, max_size=25))
def test_reused_text_is_what_writing_afresh_gives(steps: list[tuple[str, Any]], which: list[int]) -> None:
    simulator, tasks = _simulator()
    reuse = written_task_infos(simulator)
    for (operation, argument), index in zip(steps, which):
        task = tasks[index]
        try:
            if operation == "progress":
                task.update_progress(argument)
            elif operation == "state":
                task.set_state(argument)
            elif operation == "describe":
                task.set_description(LocalizableMessage("k", message=argument))
            elif operation == "cancel":
                task.cancel()
        except MethodFault:
            pass
        if operation == "put back a stored info":  # as the state store restores one
            task.info = copy.deepcopy(task.info)
            simulator.changes.publish(task.ref, ("info",))
        if operation == "replace the info unannounced":  # the text kept is the old object's
            task.info = copy.copy(task.info)
        info = copy.deepcopy(task.info) if operation == "write a copy" else task.info  # an event's copy
        for version in VERSIONS if operation != "write" else [argument]:
            fresh = Vim25Writer(vim_types(), version)
            assert _replies(reuse.writer(vim_types(), version), task, info) == _replies(fresh, task, info)


def test_a_change_is_written_at_once() -> None:
    """UpdateProgress then Fetch: the new progress, not the text kept from before."""
    simulator, (task, _) = _simulator()
    writer = written_task_infos(simulator).writer(vim_types(), "9.1.1.0")
    task.set_state(TaskState.running)
    assert "<progress>" not in writer.text("returnval", task.info)
    for percent in (41, 42, 41):
        task.update_progress(percent)
        assert f"<progress>{percent}</progress>" in writer.text("returnval", task.info)
        assert f"<progress>{percent}</progress>" in writer.text("returnval", task.info)  # kept, and still right


def test_the_text_is_kept_for_the_live_info_only() -> None:
    """A copy (an event's, an UpdateSet's) and an info the task no longer holds are written, not kept."""
    simulator, (task, _) = _simulator()
    reuse = written_task_infos(simulator)
    writer = reuse.writer(vim_types(), "9.1.1.0")
    writer.text("returnval", copy.deepcopy(task.info))
    assert reuse.written(task.info, writer) is None
    writer.text("returnval", task.info)
    assert reuse.written(task.info, writer) == writer.fields_text(task.info)
    old = task.info
    task.info = copy.copy(old)  # replaced without a word: the text kept is the old object's, still right for it
    assert reuse.written(task.info, writer) is None and reuse.written(old, writer) == writer.fields_text(old)
    writer.text("returnval", old)  # no longer the task's: not kept again
    task.set_state(TaskState.running)  # announced: whatever was kept of the task goes
    assert reuse.written(old, writer) is None


def test_each_api_version_has_its_own_text() -> None:
    """activationId exists since 6.0: a 5.5 client never gets the 9.1 text."""
    simulator, (task, _) = _simulator()
    task.info.activationId = "a-1"  # before anything is written: as a fixture sets it
    reuse = written_task_infos(simulator)
    new, old = reuse.writer(vim_types(), "9.1.1.0"), reuse.writer(vim_types(), "5.5")
    for _ in range(2):
        assert "<activationId>a-1</activationId>" in new.text("returnval", task.info)
        assert "activationId" not in old.text("returnval", task.info)


def test_the_texts_kept_are_bounded_whatever_the_number_of_tasks() -> None:
    """Memory per task must not grow with what was written: at most LIMIT tasks' texts are kept."""
    simulator, tasks = _simulator(LIMIT + 40)
    reuse = written_task_infos(simulator)
    writer = reuse.writer(vim_types(), "9.1.1.0")
    for task in tasks:
        writer.text("returnval", task.info, "TaskInfo")
    kept = [task for task in tasks if reuse.written(task.info, writer) is not None]
    assert len(kept) == LIMIT and kept == tasks[-LIMIT:]  # the oldest went first


def test_one_reuse_per_simulator_gone_with_it() -> None:
    simulator = Simulator(ManualClock())
    reuse = written_task_infos(simulator)
    assert written_task_infos(simulator) is reuse and isinstance(reuse, WrittenTaskInfos)
    assert written_task_infos(_simulator()[0]) is not reuse
    gone = weakref.ref(reuse)
    del simulator, reuse
    gc.collect()
    assert gone() is None


def test_the_kept_text_costs_what_its_string_does() -> None:
    """What one polled task costs (no more than LIMIT of them): the text, a tuple and two dict entries."""
    simulator, (task, _) = _simulator()
    reuse = written_task_infos(simulator)
    writer = reuse.writer(vim_types(), "9.1.1.0")
    writer.text("returnval", task.info, ANY_TYPE)
    text = reuse.written(task.info, writer)
    assert text is not None and sys.getsizeof(text) < 700
