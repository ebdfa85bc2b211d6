"""Every response the server sends validates against our own schema (``wsdl/vim-messages.xsd``).

Requests are posted raw, as pyVmomi writes them (``versionId`` on ``_this`` and on every
parameter, which the schema does not declare); responses must validate strictly: the Body's
element against its ``<Op>Response`` element, a fault's ``detail`` child against its
``<Type>Fault`` element. ``FetchResponse`` is in no public WSDL, so a Fetch's ``returnval`` is
validated against the named type its ``xsi:type`` gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from xml.sax.saxutils import escape

import pytest
import requests
import xmlschema
from lxml import etree

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "wsdl" / "vim-messages.xsd"
VERSION = "8.0.3.0"
VIM25 = "urn:vim25"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSD = "http://www.w3.org/2001/XMLSchema"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
SERVICE_INSTANCE = ("ServiceInstance", "ServiceInstance")
PROPERTY_COLLECTOR = ("PropertyCollector", "propertyCollector")

VC2_FIXTURE = """\
tasks:
  - key: task-vc2
    descriptionId: com.vmware.vtasksim.test
    state: running
    cancelable: true
"""


# --- pyVmomi-style requests, posted raw ---------------------------------------------------------------


def param(name: str, content: str = "", xsi_type: str | None = None, **attributes: str) -> str:
    """A top-level parameter as pyVmomi writes it: with ``versionId``. ``content`` is XML."""
    attrs = "".join(f' {key}="{escape(value)}"' for key, value in {"versionId": VERSION, **attributes}.items())
    if xsi_type:
        attrs += f' xsi:type="{xsi_type}"'
    return f"<{name}{attrs}>{content}</{name}>"


def text(value: str) -> str:
    return escape(value)


@dataclass
class Reply:
    status: int
    payload: etree._Element  # the Body's first child


class RawVim:
    """A cookie-keeping HTTP session that speaks vim25 as pyVmomi writes it."""

    def __init__(self, url: str, log_in: bool = True) -> None:
        self.url = url
        self.http = requests.Session()
        self.login_reply: Reply | None = None
        if log_in:
            content = self.post("RetrieveServiceContent", SERVICE_INSTANCE).payload
            manager = content.find(f"{{{VIM25}}}returnval/{{{VIM25}}}sessionManager")
            assert manager is not None, "ServiceContent names no sessionManager to log in with"
            self.login_reply = self.post(
                "Login", (manager.get("type"), manager.text),
                param("userName", "tester@vsphere.local"), param("password", "any-password"),
            )  # fmt: skip
            assert self.login_reply.status == 200, etree.tostring(self.login_reply.payload)

    def post(self, operation: str, this: tuple[str, str], *params: str) -> Reply:
        this_type, this_value = this
        body = (
            f'<{operation} xmlns="{VIM25}">'
            f"{param('_this', text(this_value), type=this_type)}{''.join(params)}"
            f"</{operation}>"
        )
        envelope = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="{SOAP_ENV}"'
            f' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="{XSD}">'
            f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
        )
        response = self.http.post(
            self.url, data=envelope.encode("utf-8"), timeout=30,
            headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": f'"urn:vim25/{VERSION}"'},
        )  # fmt: skip
        document = etree.fromstring(response.content)
        assert document.tag == f"{{{SOAP_ENV}}}Envelope"
        body_element = document.find(f"{{{SOAP_ENV}}}Body")
        assert body_element is not None and len(body_element) == 1
        return Reply(response.status_code, body_element[0])


def task(key: str) -> tuple[str, str]:
    return ("Task", key)


# --- validation -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMA_PATH))


@pytest.fixture(scope="module")
def vim(server) -> RawVim:
    return RawVim(server.url)


def validate_element(schema: xmlschema.XMLSchema, element: etree._Element) -> None:
    """Validate ``element`` against the global element of its name; serialised so that every
    in-scope namespace (``xsi:type="xsd:int"``) goes with it."""
    schema.validate(etree.tostring(element, encoding="unicode"))


def validate_as_type(schema: xmlschema.XMLSchema, element: etree._Element, type_name: str) -> None:
    resource = xmlschema.XMLResource(etree.tostring(element, encoding="unicode"))
    schema.types[type_name].validate(resource.root, namespaces=resource.get_namespaces())


def local_xsi_type(element: etree._Element) -> str:
    """The vim type an ``xsi:type`` names; it must be a urn:vim25 type."""
    prefix, _, local = element.get(XSI_TYPE, "").rpartition(":")
    assert element.nsmap.get(prefix or None) == VIM25, f"xsi:type {element.get(XSI_TYPE)!r} is not a vim25 type"
    return local


def assert_valid_response(schema: xmlschema.XMLSchema, reply: Reply, operation: str) -> None:
    assert reply.status == 200, etree.tostring(reply.payload)
    assert reply.payload.tag == f"{{{VIM25}}}{operation}Response"
    validate_element(schema, reply.payload)


def assert_valid_fault(schema: xmlschema.XMLSchema, reply: Reply, fault_type: str) -> None:
    assert reply.status == 500
    assert reply.payload.tag == f"{{{SOAP_ENV}}}Fault"
    assert [child.tag for child in reply.payload] == ["faultcode", "faultstring", "detail"]
    (detail,) = reply.payload.find("detail")
    assert detail.tag == f"{{{VIM25}}}{fault_type}Fault"
    assert local_xsi_type(detail) == fault_type
    assert schema.elements[f"{fault_type}Fault"].type.local_name == fault_type
    validate_element(schema, detail)


def fetch_info(vim: RawVim, key: str) -> etree._Element:
    reply = vim.post("Fetch", task(key), param("prop", "info"))
    assert reply.status == 200, etree.tostring(reply.payload)
    assert reply.payload.tag == f"{{{VIM25}}}FetchResponse"
    (returnval,) = reply.payload
    return returnval


# --- setting tasks up -------------------------------------------------------------------------------


def localized_fault(fault_type: str, fields: str = "", message: str = "it failed") -> str:
    content = f'<fault xsi:type="{fault_type}">{fields}</fault><localizedMessage>{message}</localizedMessage>'
    return param("fault", content)


DESCRIPTION = param(
    "description",
    "<key>com.example.backup.copy</key>"
    '<arg><key>file</key><value xsi:type="xsd:string">disk.vmdk</value></arg>'
    '<arg><key>pct</key><value xsi:type="xsd:int">42</value></arg>'
    "<message>Copying disk.vmdk (42%)</message>",
)

#: A fault with all MethodFault's own fields: a cause, and a message with an argument.
NESTED_FAULT = localized_fault(
    "FileNotFound",
    "<faultCause><fault xsi:type=\"InvalidState\"/><localizedMessage>inner</localizedMessage></faultCause>"
    "<faultMessage><key>com.example.msg</key><arg><key>n</key><value xsi:type=\"xsd:int\">1</value></arg>"
    "<message>m</message></faultMessage><file>[datastore1] a.vmdk</file>",
)

#: anyType results, as pyVmomi writes each (xsi:type ManagedObject for a reference, WIRE.md §3).
RESULTS = {
    "xsd:string": param("result", "backup done", "xsd:string"),
    "xsd:int": param("result", "42", "xsd:int"),
    "xsd:long": param("result", "17179869184", "xsd:long"),
    "xsd:boolean": param("result", "true", "xsd:boolean"),
    "xsd:dateTime": param("result", "2026-01-01T10:00:00Z", "xsd:dateTime"),
    "ManagedObject": param("result", "vm-42", "ManagedObject", type="VirtualMachine"),
    "ManagedObjectReference": param("result", "vm-42", "ManagedObjectReference", type="VirtualMachine"),
    "ArrayOfString": param("result", "<string>a</string><string>b</string>", "ArrayOfString"),
    "ArrayOfAnyType": param(
        "result", '<anyType xsi:type="xsd:string">a</anyType><anyType xsi:type="xsd:int">1</anyType>', "ArrayOfAnyType"
    ),
    "KeyValue": param("result", "<key>size</key><value>42</value>", "KeyValue"),
    "untyped": param("result", "no xsi:type, as suds sends it"),
}


# --- the four Task methods: success and fault responses -----------------------------------------------

Send = Callable[[RawVim, Any], Reply]  # (session, the harness's task pool)


def on_fresh_task(operation: str, state: str, cancelable: bool, *params: str) -> Send:
    """Send ``operation`` to a task of the pool no other test has touched."""
    return lambda vim, tasks: vim.post(operation, task(tasks.take(state, cancelable)), *params)


def on_missing_task(operation: str, *params: str) -> Send:
    return lambda vim, tasks: vim.post(operation, task("task-does-not-exist"), *params)


SUCCESSES: dict[str, tuple[str, Send]] = {
    "CancelTask": ("CancelTask", on_fresh_task("CancelTask", "running", True)),
    "UpdateProgress": ("UpdateProgress", on_fresh_task("UpdateProgress", "running", True, param("percentDone", "50"))),
    "SetTaskState-running": ("SetTaskState", on_fresh_task("SetTaskState", "queued", False, param("state", "running"))),
    "SetTaskState-success": (
        "SetTaskState",
        on_fresh_task("SetTaskState", "running", False, param("state", "success"), RESULTS["xsd:string"]),
    ),
    "SetTaskState-error": (
        "SetTaskState",
        on_fresh_task("SetTaskState", "running", False, param("state", "error"), localized_fault("InvalidState")),
    ),
    "SetTaskDescription": ("SetTaskDescription", on_fresh_task("SetTaskDescription", "running", False, DESCRIPTION)),
}

FAULTS: dict[str, tuple[str, Send]] = {
    "CancelTask-NotSupported": ("NotSupported", on_fresh_task("CancelTask", "running", False)),
    "CancelTask-InvalidState": ("InvalidState", on_fresh_task("CancelTask", "success", True)),
    "CancelTask-ManagedObjectNotFound": ("ManagedObjectNotFound", on_missing_task("CancelTask")),
    "UpdateProgress-InvalidState": (
        "InvalidState",
        on_fresh_task("UpdateProgress", "queued", False, param("percentDone", "5")),
    ),
    "SetTaskState-InvalidState-completed": (
        "InvalidState",
        on_fresh_task("SetTaskState", "error", False, param("state", "running")),
    ),
    "SetTaskState-InvalidState-result": (
        "InvalidState",
        on_fresh_task("SetTaskState", "running", False, param("state", "running"), RESULTS["xsd:int"]),
    ),
    "SetTaskState-InvalidState-not-VimFault": (
        "InvalidState",
        on_fresh_task("SetTaskState", "running", False, param("state", "error"), localized_fault("NotSupported")),
    ),
    "SetTaskDescription-ManagedObjectNotFound": (
        "ManagedObjectNotFound",
        on_missing_task("SetTaskDescription", DESCRIPTION),
    ),
}


@pytest.mark.parametrize("case", SUCCESSES)
def test_task_method_success_response_validates(schema: xmlschema.XMLSchema, vim: RawVim, tasks, case: str) -> None:
    operation, send = SUCCESSES[case]
    reply = send(vim, tasks)
    assert_valid_response(schema, reply, operation)
    assert len(reply.payload) == 0, "the four Task methods return nothing"


@pytest.mark.parametrize("case", FAULTS)
def test_task_method_fault_response_validates(schema: xmlschema.XMLSchema, vim: RawVim, tasks, case: str) -> None:
    fault_type, send = FAULTS[case]
    assert_valid_fault(schema, send(vim, tasks), fault_type)


def test_out_of_bounds_fault_validates(schema: xmlschema.XMLSchema, start) -> None:
    """Reference, UpdateProgress: "VirtualCenter 2.x servers throw this fault if percentDone is less
    than 0 or greater than 100." The OutOfBounds detail, with its argumentName, validates."""
    vim = RawVim(start(VC2_FIXTURE, "--compat", "vc2").url)
    reply = vim.post("UpdateProgress", task("task-vc2"), param("percentDone", "101"))
    assert_valid_fault(schema, reply, "OutOfBounds")
    assert reply.payload.findtext(f"detail/{{{VIM25}}}OutOfBoundsFault/{{{VIM25}}}argumentName") == "percentDone"


def test_not_authenticated_fault_validates(schema: xmlschema.XMLSchema, server, tasks) -> None:
    """WIRE.md §4: "a call without a session is NotAuthenticated"."""
    anonymous = RawVim(server.url, log_in=False)
    reply = anonymous.post("CancelTask", task(tasks.take("running", True)))
    assert_valid_fault(schema, reply, "NotAuthenticated")


def test_login_response_validates(schema: xmlschema.XMLSchema, vim: RawVim) -> None:
    assert vim.login_reply is not None
    assert_valid_response(schema, vim.login_reply, "Login")


# --- Fetch of Task.info, in every state ----------------------------------------------------------------


def _fetch_after(*calls: Callable[[RawVim, str], Reply]) -> Callable[[RawVim, str], etree._Element]:
    def fetch(vim: RawVim, key: str) -> etree._Element:
        for call in calls:
            reply = call(vim, key)
            assert reply.status == 200, etree.tostring(reply.payload)
        return fetch_info(vim, key)

    return fetch


def _set_state(state: str, *extra: str) -> Callable[[RawVim, str], Reply]:
    return lambda vim, key: vim.post("SetTaskState", task(key), param("state", state), *extra)


def _cancel(vim: RawVim, key: str) -> Reply:
    return vim.post("CancelTask", task(key))


def _describe(vim: RawVim, key: str) -> Reply:
    return vim.post("SetTaskDescription", task(key), DESCRIPTION)


Fetch = Callable[[RawVim, str], etree._Element]


def kind(state: str, cancelable: bool, cancel_delay: float = 0) -> dict[str, Any]:
    """Which task of the harness's pool to take."""
    return {"state": state, "cancelable": cancelable, "cancel_delay": cancel_delay}


INFOS: dict[str, tuple[dict[str, Any], Fetch]] = {
    "queued": (kind("queued", True), _fetch_after()),
    "running": (kind("running", True), _fetch_after()),
    "running-progress": (
        kind("running", True),
        _fetch_after(lambda vim, key: vim.post("UpdateProgress", task(key), param("percentDone", "30"))),
    ),
    "success": (kind("success", False), _fetch_after()),
    "error": (kind("error", False), _fetch_after()),
    "canceled": (kind("running", True), _fetch_after(_cancel)),
    "canceling": (kind("running", True, cancel_delay=3), _fetch_after(_cancel)),  # between CancelTask and the end
    "description": (kind("running", True), _fetch_after(_describe)),
    "error-FileNotFound": (
        kind("running", True),
        _fetch_after(_set_state("error", localized_fault("FileNotFound", "<file>[datastore1] a.vmdk</file>"))),
    ),
    "error-faultCause-faultMessage": (kind("running", False), _fetch_after(_set_state("error", NESTED_FAULT))),
    **{
        # SetTaskState may end a queued task too; alternating the pool's kinds spares its running tasks
        f"result-{name}": (kind("queued", n % 2 == 0), _fetch_after(_set_state("success", result)))
        for n, (name, result) in enumerate(RESULTS.items())
    },
}


@pytest.mark.parametrize("case", INFOS)
def test_fetch_task_info_validates(schema: xmlschema.XMLSchema, vim: RawVim, tasks, case: str) -> None:
    """pyVmomi reads ``task.info`` with Fetch; its ``returnval`` is a TaskInfo that validates."""
    pool_kind, fetch = INFOS[case]
    key = tasks.take(**pool_kind)
    returnval = fetch(vim, key)
    assert local_xsi_type(returnval) == "TaskInfo"
    validate_as_type(schema, returnval, "TaskInfo")
    assert returnval.findtext(f"{{{VIM25}}}key") == key


def test_validation_catches_what_it_should(schema: xmlschema.XMLSchema, vim: RawVim, tasks) -> None:
    """The checks above can fail: a TaskInfo with an element the schema lacks does not validate."""
    returnval = fetch_info(vim, tasks.take("running", False))
    state = returnval.find(f"{{{VIM25}}}state")
    state.addnext(etree.Element(f"{{{VIM25}}}notAField"))
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        validate_as_type(schema, returnval, "TaskInfo")


# --- ServiceInstance and PropertyCollector -----------------------------------------------------------


def test_retrieve_service_content_validates(schema: xmlschema.XMLSchema, vim: RawVim) -> None:
    assert_valid_response(schema, vim.post("RetrieveServiceContent", SERVICE_INSTANCE), "RetrieveServiceContent")


def test_fetch_service_instance_content_validates(schema: xmlschema.XMLSchema, vim: RawVim) -> None:
    reply = vim.post("Fetch", SERVICE_INSTANCE, param("prop", "content"))
    assert reply.status == 200
    (returnval,) = reply.payload
    assert local_xsi_type(returnval) == "ServiceContent"
    validate_as_type(schema, returnval, "ServiceContent")


def test_current_time_validates(schema: xmlschema.XMLSchema, vim: RawVim) -> None:
    assert_valid_response(schema, vim.post("CurrentTime", SERVICE_INSTANCE), "CurrentTime")


def filter_spec(keys: list[str], props: str = "<pathSet>info</pathSet>") -> str:
    objects = "".join(f'<objectSet><obj type="Task">{key}</obj></objectSet>' for key in keys)
    return param("specSet", f"<propSet><type>Task</type>{props}</propSet>{objects}")


def retrieve_properties_ex(vim: RawVim, keys: list[str], max_objects: int) -> Reply:
    options = param("options", f"<maxObjects>{max_objects}</maxObjects>")
    return vim.post("RetrievePropertiesEx", PROPERTY_COLLECTOR, filter_spec(keys), options)


def _tasks_in_every_state(vim: RawVim, tasks) -> list[str]:
    keys = [tasks.take(state, True) for state in ("queued", "running", "success", "error")]
    canceled = tasks.take("running", True)
    assert vim.post("CancelTask", task(canceled)).status == 200
    return [*keys, canceled]


PROP_SETS = ["<pathSet>info</pathSet>", "<all>true</all>", "<pathSet>info.state</pathSet><pathSet>info.error</pathSet>"]


@pytest.mark.parametrize("props", PROP_SETS)
def test_retrieve_properties_validates(schema: xmlschema.XMLSchema, vim: RawVim, tasks, props: str) -> None:
    keys = _tasks_in_every_state(vim, tasks)
    reply = vim.post("RetrieveProperties", PROPERTY_COLLECTOR, filter_spec(keys, props))
    assert_valid_response(schema, reply, "RetrieveProperties")
    assert len(reply.payload) == len(keys)


def test_retrieve_properties_ex_and_continue_validate(schema: xmlschema.XMLSchema, vim: RawVim, tasks) -> None:
    keys = _tasks_in_every_state(vim, tasks)
    first = retrieve_properties_ex(vim, keys, max_objects=2)
    assert_valid_response(schema, first, "RetrievePropertiesEx")
    token = first.payload.findtext(f"{{{VIM25}}}returnval/{{{VIM25}}}token")
    assert token
    rest = vim.post("ContinueRetrievePropertiesEx", PROPERTY_COLLECTOR, param("token", text(token)))
    assert_valid_response(schema, rest, "ContinueRetrievePropertiesEx")


def test_cancel_retrieve_properties_ex_validates(schema: xmlschema.XMLSchema, vim: RawVim, tasks) -> None:
    keys = [tasks.take("queued", False) for _ in range(2)]
    first = retrieve_properties_ex(vim, keys, max_objects=1)
    token = first.payload.findtext(f"{{{VIM25}}}returnval/{{{VIM25}}}token")
    assert token
    reply = vim.post("CancelRetrievePropertiesEx", PROPERTY_COLLECTOR, param("token", text(token)))
    assert_valid_response(schema, reply, "CancelRetrievePropertiesEx")
