"""A pyVmomi program polling a task reads every change at once, whichever way it reads.

The server reuses a TaskInfo's written text while the task has not changed (wire/written_infos.py):
these tests read the same task over and over (Fetch as ``task.info``, RetrievePropertiesEx,
WaitForUpdatesEx with partial updates) between changes, from clients of two API versions at once,
and check that each read shows the task as it is now.
"""

from __future__ import annotations

from pyVmomi import vim, vmodl

from conftest import logged_in_stub

PropertyCollector = vmodl.query.PropertyCollector


def _spec(task: vim.Task) -> PropertyCollector.FilterSpec:
    return PropertyCollector.FilterSpec(
        objectSet=[PropertyCollector.ObjectSpec(obj=task)],
        propSet=[PropertyCollector.PropertySpec(type=vim.Task, pathSet=["info"])],
    )


def _retrieved(collector: vmodl.query.PropertyCollector, task: vim.Task) -> vim.TaskInfo:
    result = collector.RetrievePropertiesEx([_spec(task)], PropertyCollector.RetrieveOptions())
    (content,) = result.objects
    (prop,) = content.propSet
    return prop.val


def test_every_read_of_a_polled_task_shows_its_latest_change(server, stub, tasks) -> None:
    """vim.Task.rst UpdateProgress "Sets percentage done", SetTaskDescription "Updates task
    description": read twice after each change, by Fetch and by RetrievePropertiesEx, at API 8.0.3
    and 6.0 (pyVmomi's version10) alike."""
    task = vim.Task(tasks.take(), stub)
    old_client = vim.Task(task._moId, logged_in_stub(server.url, "vim.version.version10"))
    collector = vim.ServiceInstance("ServiceInstance", stub).RetrieveContent().propertyCollector
    for percent in (10, 20, 20, 35, 10):
        task.UpdateProgress(percent)
        for _ in range(2):
            assert task.info.progress == percent
            assert _retrieved(collector, task).progress == percent
            assert old_client.info.progress == percent
    task.SetTaskDescription(vmodl.LocalizableMessage(key="phase", message="copying <disks> & more"))
    assert task.info.description.message == "copying <disks> & more"
    assert old_client.info.description.message == "copying <disks> & more"
    task.SetTaskState(vim.TaskInfo.State.success, result="done")
    for info in (task.info, task.info, _retrieved(collector, task), old_client.info):
        assert (info.state, info.result, info.progress, info.description.key) == ("success", "done", 10, "phase")
        assert info.completeTime is not None


def test_partial_updates_report_each_change_of_a_polled_task(stub, tasks) -> None:
    """WaitForUpdatesEx with partialUpdates: "info.progress" changes, reported one by one, while
    Fetch reads the same task between them."""
    task = vim.Task(tasks.take(), stub)
    collector = vim.ServiceInstance("ServiceInstance", stub).RetrieveContent().propertyCollector.CreatePropertyCollector()
    try:
        collector.CreateFilter(_spec(task), partialUpdates=True)
        options = PropertyCollector.WaitOptions(maxWaitSeconds=0)
        version = collector.WaitForUpdatesEx("", options).version
        for percent in (40, 41, 41, 60):
            before = task.info.progress
            task.UpdateProgress(percent)
            assert task.info.progress == percent
            update = collector.WaitForUpdatesEx(version, options)
            if percent == before:
                assert update is None
                continue
            (filter_update,) = update.filterSet
            (object_update,) = filter_update.objectSet
            assert [(change.name, change.val) for change in object_update.changeSet] == [("info.progress", percent)]
            version = update.version
    finally:
        collector.DestroyPropertyCollector()
