"""zeep reads task history as a zeep program would, from the served WSDL alone:
CreateCollectorForTasks, ReadNextTasks page by page, latestPage through RetrievePropertiesEx,
and QueryEvents for the TaskEvent that CreateTask recorded."""

from __future__ import annotations

import pytest
import zeep

from test_zeep import ZeepVim
from running_server import RunningServer


@pytest.fixture
def vim25(server: RunningServer) -> ZeepVim:
    return ZeepVim(server.url)


def test_zeep_reads_task_history_with_create_collector_for_tasks(vim25: ZeepVim) -> None:
    service, content = vim25.service, vim25.content
    target = vim25.moref("Folder", content.rootFolder._value_1)
    created = [
        service.CreateTask(_this=content.taskManager, obj=target, taskTypeId="com.example.zeep", initiatedBy="zeep", cancelable=False)
        for _ in range(3)
    ]
    spec = vim25.type("TaskFilterSpec")(
        entity=vim25.type("TaskFilterSpecByEntity")(entity=target, recursion="self"),
        eventChainId=[info.eventChainId for info in created],
    )
    collector = service.CreateCollectorForTasks(_this=content.taskManager, filter=spec)
    assert collector.type == "TaskHistoryCollector"
    pages = [service.ReadNextTasks(_this=collector, maxCount=2) for _ in range(3)]
    assert [[info.key for info in page] for page in pages] == [[created[0].key, created[1].key], [created[2].key], []]

    result = service.RetrievePropertiesEx(
        _this=content.propertyCollector,
        specSet=[{"propSet": [{"type": "TaskHistoryCollector", "pathSet": ["latestPage"]}], "objectSet": [{"obj": collector}]}],
        options={},
    )
    (prop,) = result.objects[0].propSet
    assert [info.key for info in prop.val.TaskInfo] == [info.key for info in reversed(created)]

    events = service.QueryEvents(_this=content.eventManager, filter={"eventChainId": created[0].eventChainId})
    assert [(event.chainId, event.info.key, event.userName) for event in events] == [
        (created[0].eventChainId, created[0].key, "administrator@vsphere.local")
    ]

    service.DestroyCollector(_this=collector)
    with pytest.raises(zeep.exceptions.Fault) as raised:
        service.ReadNextTasks(_this=collector, maxCount=1)
    assert raised.value.detail[0].tag.endswith("ManagedObjectNotFoundFault")


def test_zeep_sees_invalid_argument_naming_the_filter_field(vim25: ZeepVim) -> None:
    """A filter whose entity is no managed entity (here a task): InvalidArgument, invalidProperty filter.entity.entity."""
    spec = vim25.type("TaskFilterSpec")(entity=vim25.type("TaskFilterSpecByEntity")(entity=vim25.task("task-1"), recursion="self"))
    with pytest.raises(zeep.exceptions.Fault) as raised:
        vim25.service.CreateCollectorForTasks(_this=vim25.content.taskManager, filter=spec)
    (detail,) = raised.value.detail
    assert detail.tag.endswith("InvalidArgumentFault")
    assert detail.findtext("{urn:vim25}invalidProperty") == "filter.entity.entity"
