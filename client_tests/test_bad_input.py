"""Bad input: a vim fault with a clear message, HTTP 500, and a server that keeps serving.

Whatever arrives at the endpoint (not XML, not SOAP, unknown operations and arguments, values
out of their type, entity bombs, huge bodies, other HTTP methods), the answer is what a vCenter
sends, never an HTML error page nor a traceback; and afterwards the server still answers good
requests and the task the bad request aimed at is exactly as it was.

The same module also checks that the envelope dialects of real clients are all accepted (suds,
zeep, no SOAPAction) and the two documents served beside the endpoint.

This module runs a server of its own: it needs many fresh tasks, more than the shared pool can
spare.
"""

from __future__ import annotations

import itertools
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest

import soap
from running_server import RunningServer, start_server
from soap import Answer, Client, child_names, vim, xsi_type

POOL = 40
KINDS = {"cancelable": "state: running, cancelable: true", "running": "state: running, cancelable: false"}


def fixture_text() -> str:
    lines = ["objects:", "  - {type: Folder, value: group-d1, name: Datacenters}", "tasks:"]
    for kind, fields in KINDS.items():
        for n in range(POOL):
            lines.append(f"  - {{key: task-{kind}-{n}, descriptionId: com.example.run, {fields}, progress: 10}}")
    return "\n".join(lines) + "\n"


class Tasks:
    """Fresh task keys of this module's server, each for one test only."""

    def __init__(self) -> None:
        self._counters = {kind: itertools.count() for kind in KINDS}

    def take(self, kind: str = "running") -> str:
        n = next(self._counters[kind])
        assert n < POOL, f"this module's server has only {POOL} {kind} tasks"
        return f"task-{kind}-{n}"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    path = tmp_path_factory.mktemp("bad-input") / "fixture.yaml"
    path.write_text(fixture_text())
    server = start_server(path)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(running: RunningServer) -> Client:
    return soap.login(running.url)


@pytest.fixture(scope="module")
def fresh() -> Tasks:
    return Tasks()


class Witness:
    """A task whose info must not change, and the proof that the server still serves."""

    def __init__(self, client: Client, key: str) -> None:
        self.client, self.key = client, key
        self._before = soap.canonical(client.task_info(key))

    def assert_intact(self) -> None:
        content = self.client.service_content()
        assert content.find(vim("rootFolder")) is not None, "a good request still works"
        after = soap.canonical(self.client.task_info(self.key))
        assert after == self._before, f"{self.key} changed:\nbefore {self._before!r}\nafter  {after!r}"


@pytest.fixture
def witness(client: Client, fresh: Tasks) -> Witness:
    """A running, cancelable task: a bad CancelTask that slipped through would show."""
    return Witness(client, fresh.take("cancelable"))


@pytest.fixture
def running_task(client: Client, fresh: Tasks) -> Witness:
    return Witness(client, fresh.take("running"))


def assert_not_html(answer: Answer) -> None:
    assert "html" not in answer.content_type.lower(), f"an HTML answer: {answer.content_type}"
    assert b"<html" not in answer.body.lower(), answer.text
    assert b"Traceback" not in answer.body, f"a traceback reached the client:\n{answer.text}"


def assert_vim_fault(answer: Answer, fault_type: str | tuple[str, ...], *mentions: str) -> soap.Fault:
    """HTTP 500, text/xml, ServerFaultCode, the fault type, and a message naming ``mentions``."""
    assert_not_html(answer)
    assert answer.status == 500, f"HTTP {answer.status}:\n{answer.text}"
    assert answer.content_type.replace(" ", "").lower() == "text/xml;charset=utf-8"
    fault = answer.fault
    expected = (fault_type,) if isinstance(fault_type, str) else fault_type
    assert fault.code == "ServerFaultCode"
    assert fault.type in expected, f"expected {' or '.join(expected)}, got {fault.type}:\n{answer.text}"
    message = (fault.string or "").strip()
    assert len(message) >= 10, f"faultstring {message!r} explains nothing"
    for mention in mentions:
        assert mention in message, f"faultstring {message!r} does not name {mention!r}"
    return fault


def post_envelope(client: Client, operation_xml: str, soap_action: str | None = soap.DEFAULT_SOAP_ACTION) -> Answer:
    return client.post(soap.envelope(operation_xml), soap_action)


def task_op(name: str, key: str, arguments: str = "", namespace: str = soap.VIM) -> str:
    return f'<{name} xmlns="{namespace}"><_this type="Task">{key}</_this>{arguments}</{name}>'


# Not a SOAP request at all


@pytest.mark.parametrize(
    "body, mention",
    [
        (b"this is not XML", "XML"),
        (b"", "body"),
        (b"<?xml version='1.0'?><soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body>", "XML"),
    ],
    ids=["text", "empty", "truncated"],
)
def test_body_that_is_not_xml_is_invalid_request(client: Client, witness: Witness, body: bytes, mention: str) -> None:
    """Bad input gets a vim fault: InvalidRequest, with a message saying what is wrong."""
    assert_vim_fault(client.post(body), "InvalidRequest", mention)
    witness.assert_intact()


def test_xml_that_is_not_an_envelope_is_invalid_request(client: Client, witness: Witness) -> None:
    """WIRE.md §1: "Dispatch on the QName of the first child of Body": an operation with no
    envelope around it is not a request, and does not cancel the task it names."""
    bare = f'<?xml version="1.0"?>{task_op("CancelTask", witness.key)}'.encode()
    assert_vim_fault(client.post(bare), "InvalidRequest", "Envelope")
    witness.assert_intact()


def test_envelope_with_an_empty_body_is_invalid_request(client: Client, witness: Witness) -> None:
    """WIRE.md §1: the operation is the first child of Body; an empty Body holds none."""
    assert_vim_fault(client.post(soap.envelope("")), "InvalidRequest", "Body")
    witness.assert_intact()


# Unknown operations and arguments


def test_unknown_operation_is_method_not_found(client: Client, witness: Witness) -> None:
    """An operation vim25 does not have: MethodNotFound naming its receiver and method."""
    fault = assert_vim_fault(post_envelope(client, task_op("CancelAllTasks", witness.key)), "MethodNotFound", "CancelAllTasks")
    receiver = fault.field("receiver")
    assert receiver is not None and (receiver.get("type"), receiver.text) == ("Task", witness.key)
    assert fault.field("method").text == "CancelAllTasks"
    witness.assert_intact()


def test_operation_in_another_namespace_is_not_a_vim_method(client: Client, witness: Witness) -> None:
    """WIRE.md §1: "Dispatch on the QName of the first child of Body": {urn:vim26}CancelTask is
    not vim25's CancelTask (MethodNotFound is an InvalidRequest)."""
    answer = post_envelope(client, task_op("CancelTask", witness.key, namespace="urn:vim26"))
    assert_vim_fault(answer, ("MethodNotFound", "InvalidRequest"), "CancelTask")
    witness.assert_intact()


def test_unknown_argument_is_invalid_request(client: Client, witness: Witness) -> None:
    """WIRE.md §1/§3: CancelTask takes only _this; an unknown argument is refused (pyVmomi's
    versionId attributes are ignored, unknown elements are not) and nothing is canceled."""
    answer = post_envelope(client, task_op("CancelTask", witness.key, "<force>true</force>"))
    assert_vim_fault(answer, "InvalidRequest", "force")
    witness.assert_intact()


def test_missing_this_is_invalid_request(client: Client, witness: Witness) -> None:
    """WIRE.md §3: request types have "_this (ManagedObjectReference) first", and it is required."""
    answer = post_envelope(client, '<CancelTask xmlns="urn:vim25"></CancelTask>')
    assert_vim_fault(answer, "InvalidRequest", "_this")
    witness.assert_intact()


def test_missing_percent_done_is_invalid_request(client: Client, running_task: Witness) -> None:
    """vim.Task.rst: UpdateProgress(percentDone): percentDone (int) is not optional."""
    answer = post_envelope(client, task_op("UpdateProgress", running_task.key))
    assert_vim_fault(answer, "InvalidRequest", "percentDone")
    running_task.assert_intact()


# Values that are not of their type


@pytest.mark.parametrize("value", ["abc", "12.5", "2147483648", "-2147483649", "99999999999"])
def test_percent_done_that_is_not_an_int_is_invalid_argument(client: Client, running_task: Witness, value: str) -> None:
    """vim.Task.rst: percentDone (`int`): a 32-bit xsd:int; anything else is InvalidArgument with
    invalidProperty percentDone (clamping to 0..100 applies to ints only)."""
    answer = post_envelope(client, task_op("UpdateProgress", running_task.key, f"<percentDone>{value}</percentDone>"))
    fault = assert_vim_fault(answer, "InvalidArgument", "percentDone")
    assert fault.field("invalidProperty").text == "percentDone"
    running_task.assert_intact()


def test_percent_done_at_the_ends_of_int_is_clamped(client: Client, fresh: Tasks) -> None:
    """vim.Task.rst, UpdateProgress: "If a percentDone value of less than zero or greater than 100
    is specified, a value of zero or 100 respectively is used", for every int."""
    key = fresh.take("running")
    for value, stored in (("2147483647", "100"), ("-2147483648", "0")):
        answer = post_envelope(client, task_op("UpdateProgress", key, f"<percentDone>{value}</percentDone>"))
        assert answer.status == 200, answer.text
        assert client.task_info(key).findtext(vim("progress")) == stored


def test_unknown_task_state_is_invalid_argument(client: Client, running_task: Witness) -> None:
    """vim.Task.rst: SetTaskState(state: vim.TaskInfo.State): queued, running, success or error
    (WIRE.md §5: vcsim accepts even an invalid state name)."""
    answer = post_envelope(client, task_op("SetTaskState", running_task.key, "<state>finished</state>"))
    fault = assert_vim_fault(answer, "InvalidArgument", "finished")
    assert fault.field("invalidProperty").text == "state"
    running_task.assert_intact()


def test_fault_of_an_unknown_type_is_invalid_argument(client: Client, running_task: Witness) -> None:
    """vim.Task.rst: SetTaskState's fault is a vmodl.MethodFault; WIRE.md §2: "Only vim25 fault
    types exist on the wire"."""
    fault_xml = '<fault><fault xsi:type="NoSuchFault"/><localizedMessage>bad</localizedMessage></fault>'
    answer = post_envelope(client, task_op("SetTaskState", running_task.key, f"<state>error</state>{fault_xml}"))
    fault = assert_vim_fault(answer, "InvalidArgument", "NoSuchFault")
    assert (fault.field("invalidProperty").text or "").startswith("fault")
    running_task.assert_intact()


def test_result_with_a_type_that_does_not_exist_is_invalid_argument(client: Client, running_task: Witness) -> None:
    """WIRE.md §3: anyType values arrive with an xsi:type naming a vim25 or XML Schema type."""
    result = '<result xsi:type="NoSuchType">x</result>'
    answer = post_envelope(client, task_op("SetTaskState", running_task.key, f"<state>success</state>{result}"))
    fault = assert_vim_fault(answer, "InvalidArgument", "NoSuchType")
    assert fault.field("invalidProperty").text == "result"
    running_task.assert_intact()


# Receivers


def test_task_method_on_a_folder_is_method_not_found(client: Client, witness: Witness) -> None:
    """vim.Task.rst: CancelTask is a method of vim.Task; a Folder (group-d1 exists) has none."""
    answer = post_envelope(client, '<CancelTask xmlns="urn:vim25"><_this type="Folder">group-d1</_this></CancelTask>')
    fault = assert_vim_fault(answer, "MethodNotFound", "CancelTask")
    assert (fault.field("receiver").get("type"), fault.field("receiver").text) == ("Folder", "group-d1")
    assert fault.field("method").text == "CancelTask"
    witness.assert_intact()


def test_unknown_task_is_managed_object_not_found(client: Client, witness: Witness) -> None:
    """A _this that names no object: ManagedObjectNotFound with ``<obj type="Task">``."""
    fault = assert_vim_fault(post_envelope(client, task_op("CancelTask", "task-0")), "ManagedObjectNotFound", "task-0")
    assert (fault.field("obj").get("type"), fault.field("obj").text) == ("Task", "task-0")
    witness.assert_intact()


# Methods the client's API version does not have

DESCRIPTION = "<description><key>com.example.step</key><message>Step 1</message></description>"


@pytest.mark.parametrize(
    "soap_action, method, arguments, since",
    [
        ("urn:vim25/2.0", "UpdateProgress", "<percentDone>50</percentDone>", "2.5"),
        ("urn:vim25/2.5", "SetTaskDescription", DESCRIPTION, "4.0"),
    ],
)
def test_method_newer_than_the_clients_version_is_method_not_found(
    client: Client, running_task: Witness, soap_action: str, method: str, arguments: str, since: str
) -> None:
    """vim.Task.rst: UpdateProgress "since: VI API 2.5", SetTaskDescription "since: vSphere API
    4.0": a client speaking an older version has no such method."""
    answer = post_envelope(client, task_op(method, running_task.key, arguments), soap_action)
    fault = assert_vim_fault(answer, "MethodNotFound", method, since)
    assert fault.field("method").text == method
    running_task.assert_intact()


def test_update_progress_works_from_2_5(client: Client, fresh: Tasks) -> None:
    """vim.Task.rst: UpdateProgress "since: VI API 2.5"."""
    key = fresh.take("running")
    answer = post_envelope(client, task_op("UpdateProgress", key, "<percentDone>55</percentDone>"), '"urn:vim25/2.5"')
    assert answer.status == 200, answer.text
    assert client.task_info(key).findtext(vim("progress")) == "55"


def test_set_task_description_works_from_4_0(client: Client, fresh: Tasks) -> None:
    """vim.Task.rst: SetTaskDescription "since: vSphere API 4.0"."""
    key = fresh.take("running")
    answer = post_envelope(client, task_op("SetTaskDescription", key, DESCRIPTION), '"urn:vim25/4.0"')
    assert answer.status == 200, answer.text
    assert client.task_info(key).findtext(f"{vim('description')}/{vim('message')}") == "Step 1"


# Hostile bodies

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
{levels}
]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<SetTaskDescription xmlns="urn:vim25"><_this type="Task">{key}</_this>
<description><key>com.example.lol</key><message>&lol9;</message></description></SetTaskDescription>
</soapenv:Body></soapenv:Envelope>"""


def billion_laughs(key: str) -> bytes:
    levels = "\n".join(
        f' <!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
    )
    return BILLION_LAUGHS.format(levels=levels, key=key).encode()


def test_entity_bomb_is_invalid_request(client: Client, running_task: Witness) -> None:
    """Bad input gets a vim fault: an entity bomb (SOAP 1.1 §3: "A SOAP message MUST NOT contain a
    Document Type Declaration") is refused at once, without expanding it."""
    started = time.monotonic()
    answer = client.post(billion_laughs(running_task.key))
    assert time.monotonic() - started < 5, "the bomb was expanded"
    assert_vim_fault(answer, "InvalidRequest")
    assert len(answer.body) < 10_000
    running_task.assert_intact()


def test_external_entity_is_invalid_request_and_reads_no_file(client: Client, running_task: Witness, tmp_path: Path) -> None:
    """SOAP 1.1 §3: "A SOAP message MUST NOT contain a Document Type Declaration"; an external
    entity (XXE) is refused, and the file it names is neither read into the task nor sent back."""
    secret = f"secret-{uuid.uuid4().hex}"
    path = tmp_path / "secret.txt"
    path.write_text(secret)
    body = (
        f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "{path.as_uri()}">]>\n'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
        f'<SetTaskDescription xmlns="urn:vim25"><_this type="Task">{running_task.key}</_this>'
        "<description><key>com.example.xxe</key><message>&xxe;</message></description>"
        "</SetTaskDescription></soapenv:Body></soapenv:Envelope>"
    ).encode()
    answer = client.post(body)
    assert secret.encode() not in answer.body
    assert_vim_fault(answer, "InvalidRequest")
    running_task.assert_intact()
    assert secret.encode() not in soap.canonical(client.task_info(running_task.key))


def test_five_megabyte_body_is_answered_and_changes_nothing(client: Client, witness: Witness) -> None:
    """Bad input gets a vim fault: 5 MB of an unknown argument in CancelTask is refused as any
    unknown argument is, and the server keeps serving."""
    junk = "A" * (5 * 1024 * 1024)
    answer = post_envelope(client, task_op("CancelTask", witness.key, f"<junk>{junk}</junk>"))
    assert_vim_fault(answer, "InvalidRequest")
    assert len(answer.body) < 100_000, "the answer does not echo the body"
    witness.assert_intact()


# Other HTTP methods and paths


@pytest.mark.parametrize("method, path", [("GET", "/sdk"), ("PUT", "/sdk"), ("GET", "/"), ("GET", "/sdk/nothing")])
def test_other_requests_get_no_html(running: RunningServer, client: Client, witness: Witness, method: str, path: str) -> None:
    """Never an HTML error page: a vCenter client parses whatever comes back."""
    body = soap.envelope(task_op("CancelTask", witness.key)) if method == "PUT" else None
    answer = soap.request(running.base + path, method, body, {"Cookie": client.cookie or ""})
    assert_not_html(answer)
    assert answer.status >= 400, f"{method} {path} is not a request the server serves: HTTP {answer.status}"
    witness.assert_intact()


# The dialects of real clients

SUDS_ENVELOPE = """<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:ns0="urn:vim25" xmlns:ns1="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
   <SOAP-ENV:Header>
      <operationID>oslo.vmware-{op_id}</operationID>
   </SOAP-ENV:Header>
   <ns1:Body>
      {operation}
   </ns1:Body>
</SOAP-ENV:Envelope>"""


def suds(operation_xml: str) -> bytes:
    return SUDS_ENVELOPE.format(op_id=uuid.uuid4().hex[:8], operation=operation_xml).encode()


def suds_op(name: str, key: str, arguments: str) -> str:
    return f'<ns0:{name}><ns0:_this type="Task">{key}</ns0:_this>{arguments}</ns0:{name}>'


def test_suds_update_progress(client: Client, fresh: Tasks) -> None:
    """WIRE.md §1, suds: "an unqualified <operationID> SOAP header on every call, the Body under a
    second prefix for the SOAP namespace"."""
    key = fresh.take("running")
    answer = client.post(suds(suds_op("UpdateProgress", key, "<ns0:percentDone>30</ns0:percentDone>")), '"urn:vim25/6.5"')
    assert answer.status == 200, answer.text
    assert client.task_info(key).findtext(vim("progress")) == "30"


def test_suds_fault_with_a_prefixed_xsi_type(client: Client, fresh: Tasks) -> None:
    """WIRE.md §1, suds: "xsi:type values with a prefix (ns0:FileNotFound)"."""
    key = fresh.take("running")
    fault_xml = (
        '<ns0:fault><ns0:fault xsi:type="ns0:InvalidState"/>'
        "<ns0:localizedMessage>stuck</ns0:localizedMessage></ns0:fault>"
    )
    answer = client.post(suds(suds_op("SetTaskState", key, f"<ns0:state>error</ns0:state>{fault_xml}")), '"urn:vim25/6.5"')
    assert answer.status == 200, answer.text
    error = client.task_info(key).find(vim("error"))
    assert xsi_type(error.find(vim("fault"))) == "InvalidState"
    assert error.findtext(vim("localizedMessage")) == "stuck"


def test_suds_result_without_xsi_type(client: Client, fresh: Tasks) -> None:
    """WIRE.md §1, suds: "anyType values sent with no xsi:type at all": taken as the string sent."""
    key = fresh.take("running")
    answer = client.post(suds(suds_op("SetTaskState", key, "<ns0:state>success</ns0:state><ns0:result>done</ns0:result>")))
    assert answer.status == 200, answer.text
    result = client.task_info(key).find(vim("result"))
    assert (xsi_type(result), result.text) == ("xsd:string", "done")


def test_zeep_prefixed_elements(client: Client, fresh: Tasks) -> None:
    """WIRE.md §1, zeep: ``<soap-env:Envelope …><soap-env:Body><ns0:CancelTask xmlns:ns0="urn:vim25">
    <ns0:_this type="Task">``; vim.Task.rst: the canceled task ends in error."""
    key = fresh.take("cancelable")
    body = (
        '<?xml version=\'1.0\' encoding=\'utf-8\'?>\n<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/">'
        f'<soap-env:Body><ns0:CancelTask xmlns:ns0="urn:vim25"><ns0:_this type="Task">{key}</ns0:_this></ns0:CancelTask>'
        "</soap-env:Body></soap-env:Envelope>"
    ).encode()
    answer = client.post(body, '"urn:vim25/6.7"')
    assert answer.status == 200, answer.text
    assert answer.payload.tag == vim("CancelTaskResponse")
    info = client.task_info(key)
    assert info.findtext(vim("cancelled")) == "true"


def test_request_without_soap_action(client: Client, fresh: Tasks) -> None:
    """WIRE.md §1: "The version can be absent"."""
    key = fresh.take("running")
    answer = post_envelope(client, task_op("UpdateProgress", key, "<percentDone>77</percentDone>"), soap_action=None)
    assert answer.status == 200, answer.text
    assert client.task_info(key).findtext(vim("progress")) == "77"


# The documents beside the endpoint


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def test_vim_service_versions_has_vcenters_format(running: RunningServer) -> None:
    """WIRE.md §4: root ``<namespaces version="1.0">``, each ``<namespace><name>urn:vim25</name>
    <version>…</version><priorVersions><version>…`` as real_vcenter8.0.3_vimServiceVersions.xml;
    pyVmomi picks its newest version listed."""
    answer = soap.request(f"{running.url}/vimServiceVersions.xml", "GET")
    assert answer.status == 200, answer.text
    assert_not_html(answer)
    ours = answer.document
    real = soap.read_real_document("real_vcenter8.0.3_vimServiceVersions.xml")
    assert (ours.tag, ours.get("version")) == (real.tag, real.get("version")) == ("namespaces", "1.0")
    (namespace,) = ours
    assert child_names(namespace) == child_names(real[0]) == ["name", "version", "priorVersions"]
    assert namespace.findtext("name") == "urn:vim25"
    newest = namespace.findtext("version")
    prior = [element.text for element in namespace.find("priorVersions")]
    assert all(element.tag == "version" for element in namespace.find("priorVersions"))
    listed = [newest, *prior]
    assert listed == sorted(listed, key=version_key, reverse=True), "newest first"
    assert len(set(listed)) == len(listed)
    assert {"8.0.3.0", "6.5", "4.0", "2.5"} <= set(listed)


def test_wsdl_points_at_this_server(running: RunningServer) -> None:
    """WIRE.md §5: vcsim answers /sdk/vimService.wsdl with 404, so "no WSDL-driven client can be
    pointed at it"; ours names this server's /sdk in soap:address."""
    answer = soap.request(f"{running.url}/vimService.wsdl", "GET")
    assert answer.status == 200, answer.text
    addresses = answer.document.findall(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert [address.get("location") for address in addresses] == [running.url]
    assert answer.document.get("targetNamespace") == "urn:vim25Service"
