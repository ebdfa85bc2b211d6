"""Small pieces of the toolkit: durations, vim data as JSON, the request log."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from vtasksim.app.durations import parse_duration
from vtasksim.app.request_log import RequestLog, RequestRecord
from vtasksim.app.vim_json import to_json
from vtasksim.domain.task import TaskInfo, TaskReasonUser, TaskState
from vtasksim.domain.vmodl import DataObject, LocalizableMessage, LocalizedMethodFault, MoRef


@pytest.mark.parametrize("text, seconds", [("2s", 2.0), ("500ms", 0.5), ("1.5m", 90.0), ("1h", 3600.0), (3, 3.0), ("0", 0.0)])
def test_durations(text, seconds) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["soon", "-1s", -2, True, "2 days", float("inf"), None])
def test_bad_durations_say_what_is_expected(bad) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_task_info_as_json_uses_vim_names() -> None:
    info = TaskInfo(
        key="task-1", task=MoRef("Task", "task-1"), queueTime=datetime(2026, 1, 1, 10, tzinfo=timezone.utc),
        state=TaskState.error, reason=TaskReasonUser(userName="bob"),
        description=LocalizableMessage("k", message="Copying"),
        error=LocalizedMethodFault(DataObject("InvalidState", {}), "nope"),
    )  # fmt: skip
    as_json = to_json(info)
    assert as_json["task"] == {"type": "Task", "value": "task-1"}
    assert as_json["queueTime"] == "2026-01-01T10:00:00Z"
    assert as_json["state"] == "error"
    assert as_json["reason"] == {"_type": "TaskReasonUser", "userName": "bob"}
    assert as_json["description"] == {"key": "k", "message": "Copying"}
    assert as_json["error"] == {"fault": {"_type": "InvalidState"}, "localizedMessage": "nope"}
    assert "result" not in as_json and "locked" not in as_json  # unset fields are left out


def _record(log: RequestLog, this: MoRef | None = None, method: str = "UpdateProgress") -> RequestRecord:
    return RequestRecord(log.next_id(), 0.0, "bob", method, this, None, None, 0.25, 200)


def test_request_log_is_bounded_filtered_and_subscribable() -> None:
    log = RequestLog(capacity=3)
    seen: list[int] = []
    log.subscribe(lambda record: seen.append(record.id))
    task = MoRef("Task", "task-1")
    for _ in range(2):
        log.add(_record(log, task))
    log.add(_record(log, None, "Login"))
    log.add(_record(log, task))
    assert [r.id for r in log.records()] == [2, 3, 4]  # the oldest went
    assert [r.id for r in log.records(moref=task)] == [2, 4]
    assert [r.id for r in log.records(since=3)] == [4]
    assert [r.id for r in log.records(method="Login")] == [3]
    assert seen == [1, 2, 3, 4]
    log.clear()
    log.add(_record(log))
    assert [r.id for r in log.records()] == [5]  # ids never repeat


def test_request_record_line_and_json() -> None:
    record = RequestRecord(7, 0.0, "bob", "UpdateProgress", MoRef("Task", "task-1"), "InvalidState", "no", 0.44, 500)
    assert record.line() == "UpdateProgress Task:task-1 by bob -> InvalidState (0.4 ms)"
    assert record.as_json()["fault"] == {"type": "InvalidState", "message": "no"}
    assert record.as_json()["time"] == "1970-01-01T00:00:00Z"
