"""suds-community against vtasksim, the way OpenStack's oslo.vmware drives a vCenter.

oslo.vmware builds ``suds.client.Client(wsdl_url, location=sdk_url, cache=None)``, sets a fresh
unqualified ``operationID`` SOAP header before every call, reads TaskInfo with
RetrievePropertiesEx and takes a task's fault type from ``error.fault.__class__.__name__``. suds
decodes replies strictly by the served schema and writes ``xsi:type`` values with a prefix
(``ns0:FileNotFound``) and anyType values with no ``xsi:type`` at all (WIRE.md §1).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import suds
from lxml import etree
from suds.client import Client
from suds.plugin import MessagePlugin
from suds.sax.element import Element

VIM25 = "urn:vim25"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
USER, PASSWORD = "administrator@vsphere.local", "any-password"  # the pool fixture has no users: any login works

# What client_tests/conftest.py's pool fixture gives every task.
POOL_USER, POOL_RESULT, POOL_ERROR_MESSAGE = "tester@vsphere.local", "fixture-result", "fixture error"

VC2_FIXTURE = """\
tasks:
  - key: task-vc2
    descriptionId: com.vmware.vtasksim.test
    state: running
    cancelable: true
"""


class Wire(MessagePlugin):
    """Keeps the last envelope suds sent and the last reply it received, as bytes."""

    last_sent: bytes = b""
    last_reply: bytes = b""

    def sending(self, context: Any) -> None:
        self.last_sent = bytes(context.envelope)

    def received(self, context: Any) -> None:
        self.last_reply = bytes(context.reply)


class VimSession:
    """A suds client as oslo.vmware holds one: logged in, a fresh operationID on every call."""

    def __init__(self, url: str) -> None:
        self.wire = Wire()
        self.client = Client(f"{url}/vimService.wsdl", location=url, cache=None, plugins=[self.wire])
        self.content = self.call("RetrieveServiceContent", self.moref("ServiceInstance", "ServiceInstance"))
        self.call("Login", self.content.sessionManager, USER, PASSWORD)

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        self.operation_id = uuid.uuid4().hex
        self.client.set_options(soapheaders=Element("operationID").setText(self.operation_id))
        return getattr(self.client.service, method)(*args, **kwargs)

    def create(self, type_name: str, **fields: Any) -> Any:
        value = self.client.factory.create(f"ns0:{type_name}")
        for name, field in fields.items():
            setattr(value, name, field)
        return value

    def moref(self, type_name: str, value: str) -> Any:
        ref = self.client.factory.create("ns0:ManagedObjectReference")
        ref.value, ref._type = value, type_name
        return ref

    def task(self, key: str) -> Any:
        return self.moref("Task", key)

    def read_infos(self, keys: list[str]) -> dict[str, Any]:
        """Each task's TaskInfo, read with RetrievePropertiesEx as oslo.vmware's get_object_properties does."""
        prop_spec = self.create("PropertySpec", type="Task", all=False, pathSet=["info"])
        object_specs = [self.create("ObjectSpec", obj=self.task(key), skip=False) for key in keys]
        spec = self.create("PropertyFilterSpec", propSet=[prop_spec], objectSet=object_specs)
        result = self.call("RetrievePropertiesEx", self.content.propertyCollector, [spec], self.create("RetrieveOptions"))
        assert getattr(result, "token", None) is None
        infos = {}
        for obj in result.objects:
            (prop,) = obj.propSet
            assert prop.name == "info"
            infos[obj.obj.value] = prop.val
        return infos

    def read_info(self, key: str) -> Any:
        return self.read_infos([key])[key]


@pytest.fixture(scope="module")
def vim(server) -> VimSession:
    return VimSession(server.url)


def localized_fault(vim: VimSession, fault: Any, message: str) -> Any:
    return vim.create("LocalizedMethodFault", fault=fault, localizedMessage=message)


def raise_of(vim: VimSession, method: str, *args: Any) -> suds.WebFault:
    with pytest.raises(suds.WebFault) as raised:
        vim.call(method, *args)
    return raised.value


def fault_details(fault: suds.WebFault) -> list[tuple[str, str, dict[str, str]]]:
    """What oslo.vmware's service layer reads of a WebFault: each detail child's name, its
    ``type`` attribute (xsi:type) and its fields as text."""
    assert fault.fault.faultcode == "ServerFaultCode"
    assert fault.fault.faultstring, "a vim fault carries a message"
    detail = fault.document.childAtPath("/Envelope/Body/Fault/detail")
    assert detail is not None, "without <detail> the vim type is lost"
    return [
        (child.name, child.get("type"), {field.name: field.getText() for field in child.getChildren()})
        for child in detail.getChildren()
    ]


def sent_envelope(vim: VimSession) -> etree._Element:
    return etree.fromstring(vim.wire.last_sent)


def received_error_fault(vim: VimSession) -> etree._Element:
    """The ``info.error.fault`` element of the last RetrievePropertiesEx reply, as sent."""
    reply = etree.fromstring(vim.wire.last_reply)
    (fault,) = reply.iterfind(f".//{{{VIM25}}}val/{{{VIM25}}}error/{{{VIM25}}}fault")
    return fault


# --- the oslo.vmware calling convention --------------------------------------------------------------


def test_every_call_carries_an_unqualified_operation_id_header(vim: VimSession, tasks) -> None:
    """WIRE.md §1: suds sends an unqualified <operationID> SOAP header and the Body under a second
    prefix for the SOAP namespace; the server answers such calls as any other."""
    key = tasks.take(state="running", cancelable=False)
    vim.call("UpdateProgress", vim.task(key), 50)
    envelope = sent_envelope(vim)
    (header,) = envelope.iterfind(f"{{{SOAP_ENV}}}Header")
    (operation_id,) = header
    assert operation_id.tag == "operationID" and operation_id.text == vim.operation_id
    assert vim.read_info(key).progress == 50


def test_update_progress_clamps(vim: VimSession, tasks) -> None:
    """Reference, UpdateProgress: "If a percentDone value of less than zero or greater than 100 is
    specified, a value of zero or 100 respectively is used." """
    keys = [tasks.take(state="running", cancelable=False) for _ in range(2)]
    vim.call("UpdateProgress", vim.task(keys[0]), 150)
    vim.call("UpdateProgress", vim.task(keys[1]), -5)
    infos = vim.read_infos(keys)
    assert (infos[keys[0]].progress, infos[keys[1]].progress) == (100, 0)


def test_cancel_task_ends_in_request_canceled_with_its_message(vim: VimSession, tasks) -> None:
    """Reference, CancelTask: "If a task is canceled, its runtime state will be set to error and its
    error state will be set to RequestCanceled." suds turns the empty RequestCanceled element into
    "" whatever the server does, so oslo.vmware reports ``error.localizedMessage``: it must be there."""
    key = tasks.take(state="running", cancelable=True)
    assert vim.call("CancelTask", vim.task(key)) is None
    info = vim.read_info(key)
    assert (info.state, info.cancelled) == ("error", True)
    assert info.error.localizedMessage
    fault = received_error_fault(vim)
    assert fault.get(XSI_TYPE) == "RequestCanceled"


# --- SetTaskState with faults as suds writes them --------------------------------------------------------


@pytest.mark.parametrize(
    ("fault_type", "fields"),
    [("FileNotFound", {"file": "[datastore1] web-01/web-01.vmdk"}), ("OutOfBounds", {"argumentName": "percentDone"})],
)
def test_set_task_state_error_keeps_the_fault_type(vim: VimSession, tasks, fault_type: str, fields: dict[str, str]) -> None:
    """Reference, SetTaskState: fault: "Fault to set, valid only if task state is error". suds sends
    ``xsi:type="ns0:<Type>"``; reading TaskInfo back, suds must decode the fault as that type
    (oslo.vmware takes the type from ``error.fault.__class__.__name__``)."""
    key = tasks.take(state="running", cancelable=False)
    fault = localized_fault(vim, vim.create(fault_type, **fields), f"{fault_type} happened")
    vim.call("SetTaskState", vim.task(key), "error", None, fault)
    (sent_fault,) = sent_envelope(vim).iterfind(f".//{{{VIM25}}}fault/{{{VIM25}}}fault")
    prefix, _, local = sent_fault.get(XSI_TYPE).rpartition(":")
    assert prefix, "suds writes xsi:type with a prefix"
    assert (sent_fault.nsmap[prefix], local) == (VIM25, fault_type)
    info = vim.read_info(key)
    assert info.state == "error"
    assert info.error.fault.__class__.__name__ == fault_type
    assert {name: getattr(info.error.fault, name) for name in fields} == fields
    assert info.error.localizedMessage == f"{fault_type} happened"


def test_set_task_state_result_string(vim: VimSession, tasks) -> None:
    """Reference, SetTaskState: result: "Result to set, valid only if task state is
    TaskInfo.State.success". suds writes a Python string in the anyType ``result`` with no xsi:type."""
    key = tasks.take(state="running", cancelable=False)
    vim.call("SetTaskState", vim.task(key), "success", "backup done")
    (result,) = sent_envelope(vim).iterfind(f".//{{{VIM25}}}result")
    assert result.get(XSI_TYPE) is None
    info = vim.read_info(key)
    assert (info.state, info.result) == ("success", "backup done")


def test_untyped_any_type_result_is_taken_as_a_string(vim: VimSession, tasks) -> None:
    """WIRE.md §1: "anyType values sent with no xsi:type at all" (suds): the server takes ``<result>42</result>``
    as the string "42", and says so (xsi:type xsd:string) when it is read back."""
    key = tasks.take(state="running", cancelable=False)
    message = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" xmlns:ns0="{VIM25}" xmlns:ns1="{SOAP_ENV}">'
        "<SOAP-ENV:Header><operationID>raw-1</operationID></SOAP-ENV:Header>"
        f'<ns1:Body><ns0:SetTaskState><ns0:_this type="Task">{key}</ns0:_this><ns0:state>success</ns0:state>'
        "<ns0:result>42</ns0:result></ns0:SetTaskState></ns1:Body></SOAP-ENV:Envelope>"
    )
    vim.call("SetTaskState", __inject={"msg": message.encode("utf-8")})
    info = vim.read_info(key)
    assert info.state == "success"
    assert isinstance(info.result, str) and info.result == "42"
    (result,) = etree.fromstring(vim.wire.last_reply).iterfind(f".//{{{VIM25}}}val/{{{VIM25}}}result")
    prefix, _, local = result.get(XSI_TYPE, "").rpartition(":")
    assert (result.nsmap.get(prefix or None), local) == ("http://www.w3.org/2001/XMLSchema", "string")


def test_set_task_description(vim: VimSession, tasks) -> None:
    """Reference, SetTaskDescription: "Updates task description to describe the current phase of the task." """
    key = tasks.take(state="running", cancelable=False)
    description = vim.create("LocalizableMessage", key="com.example.backup.copy", message="Copying disk 2")
    vim.call("SetTaskDescription", vim.task(key), description)
    got = vim.read_info(key).description
    assert got.__class__.__name__ == "LocalizableMessage"
    assert (got.key, got.message) == ("com.example.backup.copy", "Copying disk 2")


# --- faults, as oslo.vmware reads them --------------------------------------------------------------------


def test_update_progress_of_a_task_not_running_raises_invalid_state(vim: VimSession, tasks) -> None:
    """Reference, UpdateProgress raises InvalidState: "If task is not running" """
    key = tasks.take(state="success", cancelable=False)
    fault = raise_of(vim, "UpdateProgress", vim.task(key), 10)
    assert fault_details(fault) == [("InvalidStateFault", "InvalidState", {})]


def test_cancel_not_cancelable_raises_not_supported(vim: VimSession, tasks) -> None:
    """Reference, CancelTask: "A task may only be canceled if it is cancelable." -> NotSupported"""
    key = tasks.take(state="running", cancelable=False)
    fault = raise_of(vim, "CancelTask", vim.task(key))
    assert fault_details(fault) == [("NotSupportedFault", "NotSupported", {})]


def test_cancel_completed_task_raises_invalid_state(vim: VimSession, tasks) -> None:
    """Reference, CancelTask: "Canceling a completed or already canceled task will throw an InvalidState exception." """
    key = tasks.take(state="error", cancelable=True)
    fault = raise_of(vim, "CancelTask", vim.task(key))
    assert fault_details(fault) == [("InvalidStateFault", "InvalidState", {})]


def test_set_task_state_after_completion_raises_invalid_state(vim: VimSession, tasks) -> None:
    """Reference, SetTaskState raises InvalidState: "If attempting to change states after task is
    completed or in error" """
    key = tasks.take(state="success", cancelable=False)
    fault = raise_of(vim, "SetTaskState", vim.task(key), "running")
    assert fault_details(fault) == [("InvalidStateFault", "InvalidState", {})]


def test_unknown_task_raises_managed_object_not_found(vim: VimSession) -> None:
    """oslo.vmware maps ManagedObjectNotFound to ManagedObjectNotFoundException from the detail's type."""
    fault = raise_of(vim, "CancelTask", vim.task("task-does-not-exist"))
    assert fault_details(fault) == [("ManagedObjectNotFoundFault", "ManagedObjectNotFound", {"obj": "task-does-not-exist"})]


def test_out_of_bounds_on_a_virtualcenter_2_server(start) -> None:
    """Reference, UpdateProgress raises OutOfBounds: "VirtualCenter 2.x servers throw this fault if
    percentDone is less than 0 or greater than 100." """
    vim = VimSession(start(VC2_FIXTURE, "--compat", "vc2").url)
    fault = raise_of(vim, "UpdateProgress", vim.task("task-vc2"), 101)
    assert fault_details(fault) == [("OutOfBoundsFault", "OutOfBounds", {"argumentName": "percentDone"})]


# --- strict decoding of TaskInfo --------------------------------------------------------------------------


def test_task_info_in_every_state_decodes_strictly(vim: VimSession, tasks) -> None:
    """suds fails the whole reply on any type the served schema does not declare: TaskInfo of tasks
    in every state, with a description, a result and an error, must all decode."""
    keys = {state: tasks.take(state=state, cancelable=True) for state in ("queued", "running", "success", "error")}
    described = tasks.take(state="running", cancelable=True)
    vim.call("SetTaskDescription", vim.task(described), vim.create("LocalizableMessage", key="phase", message="Phase 1"))
    canceled = tasks.take(state="running", cancelable=True)
    vim.call("CancelTask", vim.task(canceled))
    infos = vim.read_infos([*keys.values(), described, canceled])
    for state, key in keys.items():
        info = infos[key]
        assert info.__class__.__name__ == "TaskInfo"
        assert (info.key, info.state, info.cancelable) == (key, state, True)
        assert info.reason.__class__.__name__ == "TaskReasonUser"
        assert info.reason.userName == POOL_USER
        assert info.entity.value == "vm-42" and info.entity._type == "VirtualMachine"
    assert infos[keys["success"]].result == POOL_RESULT
    assert infos[keys["error"]].error.localizedMessage == POOL_ERROR_MESSAGE
    assert infos[described].description.message == "Phase 1"
    assert infos[canceled].state == "error" and infos[canceled].cancelled is True
