"""zeep 4 against vtasksim, driven only by the WSDL the server serves, as a zeep program would be.

A zeep user cannot call ``Fetch`` (it is in no public WSDL): every TaskInfo here is read with
``RetrievePropertiesEx``, and every vim fault is a ``zeep.exceptions.Fault`` whose ``detail[0]``
names the vim type (WIRE.md §2).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
import zeep
from lxml import etree
from zeep import xsd
from zeep.plugins import HistoryPlugin

VIM25 = "urn:vim25"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
WSDL_SOAP_ACTION = "urn:vim25/8.0.3.0"
USER, PASSWORD = "administrator@vsphere.local", "any-password"  # the pool fixture has no users: any login works

# What client_tests/conftest.py's pool fixture gives every task.
POOL_USER, POOL_ENTITY, POOL_ENTITY_NAME = "tester@vsphere.local", ("VirtualMachine", "vm-42"), "web-01"
POOL_RESULT, POOL_ERROR_TYPE, POOL_ERROR_MESSAGE = "fixture-result", "InvalidState", "fixture error"

VC2_FIXTURE = """\
tasks:
  - key: task-vc2
    descriptionId: com.vmware.vtasksim.test
    state: running
    cancelable: true
"""


# --- a zeep program's session ---------------------------------------------------------------------


class ZeepVim:
    """A zeep client built from the served WSDL, logged in as every vim program is."""

    def __init__(self, url: str, history: HistoryPlugin | None = None) -> None:
        self.client = zeep.Client(f"{url}/vimService.wsdl", plugins=[history] if history else [])
        self.service = self.client.service
        self.content = self.service.RetrieveServiceContent(_this=self.moref("ServiceInstance", "ServiceInstance"))
        self.service.Login(_this=self.content.sessionManager, userName=USER, password=PASSWORD)

    def type(self, name: str) -> Any:
        return self.client.get_type(f"ns0:{name}")

    def moref(self, type_name: str, value: str) -> Any:
        return self.type("ManagedObjectReference")(value, type=type_name)

    def task(self, key: str) -> Any:
        return self.moref("Task", key)

    def localized_fault(self, fault: Any, message: str) -> Any:
        return self.type("LocalizedMethodFault")(fault=fault, localizedMessage=message)

    def filter_spec(self, keys: list[str], paths: list[str] | None = None) -> Any:
        return self.type("PropertyFilterSpec")(
            propSet=[{"type": "Task", "pathSet": paths or ["info"]}],
            objectSet=[{"obj": self.task(key)} for key in keys],
        )

    def read_infos(self, keys: list[str]) -> dict[str, Any]:
        """TaskInfo of each task, read as a zeep user reads it: RetrievePropertiesEx."""
        result = self.service.RetrievePropertiesEx(
            _this=self.content.propertyCollector, specSet=[self.filter_spec(keys)], options={}
        )
        assert result.token is None
        infos = {}
        for obj in result.objects:
            (prop,) = obj.propSet
            assert prop.name == "info"
            infos[obj.obj._value_1] = prop.val
        return infos

    def read_info(self, key: str) -> Any:
        return self.read_infos([key])[key]

    def wait_for_state(self, key: str, state: str, timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            info = self.read_info(key)
            if info.state == state or time.monotonic() > deadline:
                return info
            time.sleep(0.1)


@pytest.fixture(scope="module")
def history() -> HistoryPlugin:
    return HistoryPlugin()


@pytest.fixture(scope="module")
def vim(server, history: HistoryPlugin) -> ZeepVim:
    return ZeepVim(server.url, history)


def type_name(value: Any) -> str:
    """The vim type zeep decoded a value as (from its xsi:type)."""
    qname = value._xsd_type.qname
    assert qname.namespace == VIM25, qname
    return qname.localname


def xsi_type(element: etree._Element) -> tuple[str | None, str]:
    prefix, _, local = element.get(XSI_TYPE, "").rpartition(":")
    return element.nsmap.get(prefix or None), local


def expect_fault(call: Callable[[], Any], vim_type: str) -> etree._Element:
    """Run ``call``; it must raise the vim fault ``vim_type`` as a zeep user sees it. Returns the detail."""
    with pytest.raises(zeep.exceptions.Fault) as raised:
        call()
    fault = raised.value
    assert fault.code == "ServerFaultCode"
    assert fault.message, "a vim fault carries a message for people (faultstring)"
    assert fault.detail is not None, "without <detail> the vim type is lost"
    detail = fault.detail[0]
    assert detail.tag == f"{{{VIM25}}}{vim_type}Fault"
    assert xsi_type(detail) == (VIM25, vim_type)
    return detail


# --- the WSDL, the transport, ServiceInstance ---------------------------------------------------


def test_served_wsdl_points_zeep_at_this_server(server, vim: ZeepVim) -> None:
    """WIRE.md §1: the served vimService.wsdl's soap:address is the URL the client used."""
    assert vim.service._binding_options["address"] == server.url


def test_zeep_sends_the_wsdl_soap_action(vim: ZeepVim, history: HistoryPlugin) -> None:
    """WIRE.md §1: zeep's SOAPAction is whatever the WSDL says; the server dispatches on the Body."""
    assert vim.service._binding._operations["CurrentTime"].soapaction == WSDL_SOAP_ACTION
    vim.service.CurrentTime(_this=vim.moref("ServiceInstance", "ServiceInstance"))
    assert history.last_sent["http_headers"]["SOAPAction"] == f'"{WSDL_SOAP_ACTION}"'


def test_retrieve_service_content(vim: ZeepVim) -> None:
    content = vim.content
    assert content.rootFolder.type == "Folder"
    assert content.propertyCollector.type == "PropertyCollector"
    assert content.sessionManager.type == "SessionManager"
    assert content.about.apiType == "VirtualCenter"
    assert content.about.apiVersion == "8.0.3.0"  # the version zeep's SOAPAction names
    assert content.about.vendor and content.about.fullName and content.about.build


def test_current_time(vim: ZeepVim) -> None:
    now = vim.service.CurrentTime(_this=vim.moref("ServiceInstance", "ServiceInstance"))
    assert isinstance(now, datetime) and now.tzinfo is not None
    assert abs(now - datetime.now(timezone.utc)) < timedelta(minutes=1)


# --- CancelTask ----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["running", "queued"])
def test_cancel_task_ends_the_task_in_error_request_canceled(vim: ZeepVim, tasks, state: str) -> None:
    """Reference, CancelTask: "Cancels a running or queued task." and "If a task is canceled, its
    runtime state will be set to error and its error state will be set to RequestCanceled." """
    key = tasks.take(state=state, cancelable=True)
    assert vim.service.CancelTask(_this=vim.task(key)) is None
    info = vim.read_info(key)
    assert (info.state, info.cancelled) == ("error", True)
    assert type_name(info.error.fault) == "RequestCanceled"
    assert info.error.localizedMessage


@pytest.mark.parametrize("state", ["running", "queued"])
def test_cancel_task_not_cancelable_is_not_supported(vim: ZeepVim, tasks, state: str) -> None:
    """Reference, CancelTask: "A task may only be canceled if it is cancelable." -> NotSupported"""
    key = tasks.take(state=state, cancelable=False)
    expect_fault(lambda: vim.service.CancelTask(_this=vim.task(key)), "NotSupported")
    info = vim.read_info(key)
    assert (info.state, info.cancelled) == (state, False)


@pytest.mark.parametrize("state", ["success", "error"])
def test_cancel_completed_task_is_invalid_state(vim: ZeepVim, tasks, state: str) -> None:
    """Reference, CancelTask: "Canceling a completed or already canceled task will throw an InvalidState exception." """
    key = tasks.take(state=state, cancelable=True)
    expect_fault(lambda: vim.service.CancelTask(_this=vim.task(key)), "InvalidState")


def test_cancel_already_canceled_task_is_invalid_state(vim: ZeepVim, tasks) -> None:
    """Reference, CancelTask: "Canceling a completed or already canceled task will throw an InvalidState exception." """
    key = tasks.take(state="running", cancelable=True)
    vim.service.CancelTask(_this=vim.task(key))
    expect_fault(lambda: vim.service.CancelTask(_this=vim.task(key)), "InvalidState")


def test_cancel_is_asynchronous_and_repeated_cancels_are_one(vim: ZeepVim, tasks) -> None:
    """Reference, CancelTask: "A cancel operation is asynchronous. The operation may return before the
    task is canceled." and "Multiple cancel requests will be treated as a single cancelation request." """
    key = tasks.take(state="running", cancelable=True, cancel_delay=3)
    assert vim.service.CancelTask(_this=vim.task(key)) is None
    assert vim.service.CancelTask(_this=vim.task(key)) is None  # joins the one under way
    pending = vim.read_info(key)
    assert (pending.state, pending.cancelled, pending.error) == ("running", True, None)
    ended = vim.wait_for_state(key, "error")
    assert ended.state == "error"
    assert type_name(ended.error.fault) == "RequestCanceled"


# --- UpdateProgress ------------------------------------------------------------------------------


@pytest.mark.parametrize(("sent", "stored"), [(0, 0), (40, 40), (100, 100), (150, 100), (-5, 0)])
def test_update_progress_clamps_to_0_100(vim: ZeepVim, tasks, sent: int, stored: int) -> None:
    """Reference, UpdateProgress: "If a percentDone value of less than zero or greater than 100 is
    specified, a value of zero or 100 respectively is used." """
    key = tasks.take(state="running", cancelable=False)
    assert vim.service.UpdateProgress(_this=vim.task(key), percentDone=sent) is None
    progress = vim.read_info(key).progress
    assert progress == stored and isinstance(progress, int)


@pytest.mark.parametrize("state", ["queued", "success", "error"])
def test_update_progress_of_a_task_not_running_is_invalid_state(vim: ZeepVim, tasks, state: str) -> None:
    """Reference, UpdateProgress raises InvalidState: "If task is not running" """
    key = tasks.take(state=state, cancelable=False)
    expect_fault(lambda: vim.service.UpdateProgress(_this=vim.task(key), percentDone=10), "InvalidState")
    assert vim.read_info(key).progress is None


def test_update_progress_out_of_bounds_on_a_virtualcenter_2_server(start) -> None:
    """Reference, UpdateProgress raises OutOfBounds: "VirtualCenter 2.x servers throw this fault if
    percentDone is less than 0 or greater than 100." """
    vc2 = ZeepVim(start(VC2_FIXTURE, "--compat", "vc2").url)
    task = vc2.task("task-vc2")
    for percent in (-1, 101):
        detail = expect_fault(lambda: vc2.service.UpdateProgress(_this=task, percentDone=percent), "OutOfBounds")
        assert detail.findtext(f"{{{VIM25}}}argumentName") == "percentDone"
    vc2.service.UpdateProgress(_this=task, percentDone=100)  # in bounds: still accepted
    assert vc2.read_info("task-vc2").progress == 100


# --- SetTaskState --------------------------------------------------------------------------------


def test_set_task_state_queued_to_running(vim: ZeepVim, tasks) -> None:
    """Reference, SetTaskState: "Sets task state" """
    key = tasks.take(state="queued", cancelable=False)
    assert vim.service.SetTaskState(_this=vim.task(key), state="running") is None
    info = vim.read_info(key)
    assert info.state == "running"
    assert info.startTime is not None


def _same(got: Any, expected: Any) -> None:
    assert got == expected and type(got) is type(expected), f"{got!r} != {expected!r}"


def _moref_result(vim: ZeepVim) -> tuple[Any, Callable[[Any], None]]:
    sent = xsd.AnyObject(vim.type("ManagedObjectReference"), vim.moref("VirtualMachine", "vm-42"))

    def check(got: Any) -> None:
        _same((type_name(got), got.type, got._value_1), ("ManagedObjectReference", "VirtualMachine", "vm-42"))

    return sent, check


def _array_result(vim: ZeepVim) -> tuple[Any, Callable[[Any], None]]:
    array = vim.type("ArrayOfString")

    def check(got: Any) -> None:
        _same((type_name(got), list(got.string)), ("ArrayOfString", ["a", "b"]))

    return xsd.AnyObject(array, array(string=["a", "b"])), check


#: anyType results as a zeep user sends them, each with the check of what comes back.
RESULTS: dict[str, Callable[[ZeepVim], tuple[Any, Callable[[Any], None]]]] = {
    "int": lambda vim: (xsd.AnyObject(xsd.Int(), 42), lambda got: _same(got, 42)),
    "string": lambda vim: (xsd.AnyObject(xsd.String(), "backup done"), lambda got: _same(got, "backup done")),
    "boolean": lambda vim: (xsd.AnyObject(xsd.Boolean(), True), lambda got: _same(got, True)),
    "ManagedObjectReference": _moref_result,
    "ArrayOfString": _array_result,
}


@pytest.mark.parametrize("kind", RESULTS)
def test_set_task_state_success_with_a_result(vim: ZeepVim, tasks, kind: str) -> None:
    """Reference, SetTaskState: "Sets task state and optionally sets results ... as appropriate for
    state"; result: "Result to set, valid only if task state is TaskInfo.State.success" """
    key = tasks.take(state="running", cancelable=True)
    result, check = RESULTS[kind](vim)
    vim.service.SetTaskState(_this=vim.task(key), state="success", result=result)
    info = vim.read_info(key)
    assert (info.state, info.error) == ("success", None)
    assert info.completeTime is not None
    check(info.result)


def test_set_task_state_error_with_a_typed_fault(vim: ZeepVim, tasks) -> None:
    """Reference, SetTaskState: fault: "Fault to set, valid only if task state is error" (FileNotFound
    extends VimFault through FileFault)"""
    key = tasks.take(state="running", cancelable=False)
    fault = vim.localized_fault(vim.type("FileNotFound")(file="[datastore1] web-01/web-01.vmdk"), "File not found")
    vim.service.SetTaskState(_this=vim.task(key), state="error", fault=fault)
    info = vim.read_info(key)
    assert (info.state, info.result) == ("error", None)
    assert type_name(info.error.fault) == "FileNotFound"
    assert info.error.fault.file == "[datastore1] web-01/web-01.vmdk"
    assert info.error.localizedMessage == "File not found"


@pytest.mark.parametrize("state", ["success", "error"])
def test_set_task_state_after_completion_is_invalid_state(vim: ZeepVim, tasks, state: str) -> None:
    """Reference, SetTaskState raises InvalidState: "If attempting to change states after task is
    completed or in error" """
    key = tasks.take(state=state, cancelable=False)
    expect_fault(lambda: vim.service.SetTaskState(_this=vim.task(key), state="running"), "InvalidState")
    assert vim.read_info(key).state == state


@pytest.mark.parametrize("state", ["running", "error"])
def test_set_task_state_result_without_success_is_invalid_state(vim: ZeepVim, tasks, state: str) -> None:
    """Reference, SetTaskState: result "valid only if task state is TaskInfo.State.success"; raises
    InvalidState when "attempting to set the result or fault incorrectly" """
    key = tasks.take(state="running", cancelable=False)
    result = xsd.AnyObject(xsd.Int(), 1)
    expect_fault(lambda: vim.service.SetTaskState(_this=vim.task(key), state=state, result=result), "InvalidState")
    info = vim.read_info(key)
    assert (info.state, info.result) == ("running", None)


@pytest.mark.parametrize("state", ["running", "success"])
def test_set_task_state_fault_without_error_is_invalid_state(vim: ZeepVim, tasks, state: str) -> None:
    """Reference, SetTaskState: fault "valid only if task state is error"; raises InvalidState when
    "attempting to set the result or fault incorrectly" """
    key = tasks.take(state="running", cancelable=False)
    fault = vim.localized_fault(vim.type("InvalidState")(), "no")
    expect_fault(lambda: vim.service.SetTaskState(_this=vim.task(key), state=state, fault=fault), "InvalidState")
    info = vim.read_info(key)
    assert (info.state, info.error) == ("running", None)


def test_set_task_state_fault_that_is_not_a_vim_fault_is_invalid_state(vim: ZeepVim, tasks) -> None:
    """Reference, SetTaskState: "The fault must be a of a fault type that directly or indirectly
    extends VimFault." (NotSupported is a RuntimeFault)"""
    key = tasks.take(state="running", cancelable=False)
    fault = vim.localized_fault(vim.type("NotSupported")(), "not a VimFault")
    expect_fault(lambda: vim.service.SetTaskState(_this=vim.task(key), state="error", fault=fault), "InvalidState")
    assert vim.read_info(key).state == "running"


# --- SetTaskDescription --------------------------------------------------------------------------


def test_set_task_description(vim: ZeepVim, tasks) -> None:
    """Reference, SetTaskDescription: "Updates task description to describe the current phase of the task." """
    key = tasks.take(state="running", cancelable=False)
    arg = vim.type("KeyAnyValue")
    description = vim.type("LocalizableMessage")(
        key="com.example.backup.copy",
        arg=[
            arg(key="disk", value=xsd.AnyObject(xsd.Int(), 2)),
            arg(key="file", value=xsd.AnyObject(xsd.String(), "a.vmdk")),
        ],
        message="Copying disk 2 (a.vmdk)",
    )
    assert vim.service.SetTaskDescription(_this=vim.task(key), description=description) is None
    got = vim.read_info(key).description
    assert type_name(got) == "LocalizableMessage"
    assert (got.key, got.message) == ("com.example.backup.copy", "Copying disk 2 (a.vmdk)")
    assert [(a.key, a.value) for a in got.arg] == [("disk", 2), ("file", "a.vmdk")]


# --- any Task method, on a task that does not exist ------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda service, task: service.CancelTask(_this=task),
        lambda service, task: service.UpdateProgress(_this=task, percentDone=1),
        lambda service, task: service.SetTaskState(_this=task, state="running"),
        lambda service, task: service.SetTaskDescription(_this=task, description={"key": "k", "message": "m"}),
    ],
    ids=["CancelTask", "UpdateProgress", "SetTaskState", "SetTaskDescription"],
)
def test_unknown_task_is_managed_object_not_found(vim: ZeepVim, call: Callable[[Any, Any], Any]) -> None:
    """A ``_this`` that names no object is ManagedObjectNotFound, its ``obj`` naming the reference."""
    detail = expect_fault(lambda: call(vim.service, vim.task("task-does-not-exist")), "ManagedObjectNotFound")
    obj = detail.find(f"{{{VIM25}}}obj")
    assert obj is not None
    assert (obj.get("type"), obj.text) == ("Task", "task-does-not-exist")


# --- reading TaskInfo: typed, as the schema declares it ---------------------------------------------


def test_task_info_comes_back_typed(vim: ZeepVim, tasks) -> None:
    keys = {state: tasks.take(state=state, cancelable=False) for state in ("queued", "running", "success", "error")}
    vim.service.UpdateProgress(_this=vim.task(keys["running"]), percentDone=30)
    infos = vim.read_infos(list(keys.values()))
    assert set(infos) == set(keys.values())
    for state, key in keys.items():
        info = infos[key]
        assert type_name(info) == "TaskInfo"
        assert (info.key, info.task.type, info.task._value_1) == (key, "Task", key)
        assert (info.state, info.cancelable, info.cancelled) == (state, False, False)
        assert type_name(info.reason) == "TaskReasonUser"
        assert info.reason.userName == POOL_USER
        assert ((info.entity.type, info.entity._value_1), info.entityName) == (POOL_ENTITY, POOL_ENTITY_NAME)
        assert isinstance(info.queueTime, datetime) and info.queueTime.tzinfo is not None
    assert infos[keys["running"]].progress == 30
    assert infos[keys["success"]].result == POOL_RESULT
    error = infos[keys["error"]].error
    assert type_name(error) == "LocalizedMethodFault"
    assert type_name(error.fault) == POOL_ERROR_TYPE
    assert error.localizedMessage == POOL_ERROR_MESSAGE


def test_retrieve_properties(vim: ZeepVim, tasks) -> None:
    keys = [tasks.take(state="success", cancelable=False), tasks.take(state="error", cancelable=False)]
    spec = vim.filter_spec(keys, ["info.state"])
    contents = vim.service.RetrieveProperties(_this=vim.content.propertyCollector, specSet=[spec])
    got = {obj.obj._value_1: [(prop.name, prop.val) for prop in obj.propSet] for obj in contents}
    assert got == {keys[0]: [("info.state", "success")], keys[1]: [("info.state", "error")]}


def test_retrieve_properties_ex_pages_with_continue(vim: ZeepVim, tasks) -> None:
    """RetrievePropertiesEx with maxObjects 1 over three tasks returns one and a token;
    ContinueRetrievePropertiesEx with the token returns the rest."""
    keys = [tasks.take(state="queued", cancelable=False) for _ in range(3)]
    collector = vim.content.propertyCollector
    page = vim.service.RetrievePropertiesEx(_this=collector, specSet=[vim.filter_spec(keys)], options={"maxObjects": 1})
    assert len(page.objects) == 1 and page.token
    pages = [page]
    while page.token is not None and len(pages) <= len(keys):
        page = vim.service.ContinueRetrievePropertiesEx(_this=collector, token=page.token)
        pages.append(page)
    assert page.token is None
    objects = [obj for each in pages for obj in each.objects]
    assert sorted(obj.obj._value_1 for obj in objects) == sorted(keys)
    assert all(type_name(obj.propSet[0].val) == "TaskInfo" for obj in objects)


def test_cancel_retrieve_properties_ex_discards_the_token(vim: ZeepVim, tasks) -> None:
    keys = [tasks.take(state="queued", cancelable=False) for _ in range(2)]
    collector = vim.content.propertyCollector
    page = vim.service.RetrievePropertiesEx(_this=collector, specSet=[vim.filter_spec(keys)], options={"maxObjects": 1})
    assert page.token
    assert vim.service.CancelRetrievePropertiesEx(_this=collector, token=page.token) is None
    with pytest.raises(zeep.exceptions.Fault) as raised:
        vim.service.ContinueRetrievePropertiesEx(_this=collector, token=page.token)
    assert raised.value.detail is not None
    assert xsi_type(raised.value.detail[0]) in {(VIM25, "InvalidArgument"), (VIM25, "InvalidProperty")}
