"""The README's hostile-input table, row by row: every case is sent to a real server, and its
answer must be the one the table names.

The tests are parametrized over the table's rows as the README has them, and every case below
must have a row: the table and the tests cannot drift apart. After each case the server still
answers, and the task the case aimed at is as it was (unless the row answers 200: a request the
server accepts on purpose, whose effect the case checks itself).

The module's server has small limits (4 MiB bodies, from the fixture's settings) and a one-second
idle timeout, so that the slow cases are quick.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pytest

import hostile
import soap
from running_server import REPO, RunningServer, served
from soap import Answer, Client, vim

README = REPO / "README.md"
TABLE_START, TABLE_END = "<!-- hostile-input-table -->", "<!-- /hostile-input-table -->"
MAX_BODY = 4 * 1024 * 1024
IDLE_TIMEOUT = 1.0
POOL = 80


def table_rows() -> list[tuple[str, str]]:
    """(case, answer) of every row of the README's table."""
    text = README.read_text(encoding="utf-8")
    table = text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \|[^|]*\| `([^`]+)` \|", table, flags=re.MULTILINE)
    assert rows, "the README's hostile-input table has no rows"
    return rows


@dataclass(frozen=True)
class Expected:
    """A row's answer: ``500 InvalidRequest``, ``500 InvalidArgument or InvalidRequest``,
    ``413 InvalidRequest``, ``200``, ``404``, ``closed`` (no answer, the connection closes) or
    ``none`` (the client left: no one to answer)."""

    status: int | None
    faults: tuple[str, ...]

    @classmethod
    def parse(cls, answer: str) -> "Expected":
        if answer in ("closed", "none"):
            return cls(None, ())
        status, _, faults = answer.partition(" ")
        return cls(int(status), tuple(faults.split(" or ")) if faults else ())


# The module's server and its tasks


def fixture_text() -> str:
    lines = [
        "settings: {maxBodyBytes: %d}" % MAX_BODY,
        "objects:",
        "  - {type: Folder, value: group-d1, name: Datacenters}",
        "tasks:",
    ]
    lines += [f"  - {{key: task-h-{n}, descriptionId: com.example.run, state: running, cancelable: true, progress: 10}}" for n in range(POOL)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with served(tmp_path_factory.mktemp("hostile"), fixture_text(), "--idle-timeout", str(IDLE_TIMEOUT)) as server:
        yield server


@pytest.fixture(scope="module")
def client(running: RunningServer) -> Client:
    return soap.login(running.url)


_numbers = itertools.count()


@dataclass
class Hostile:
    """What a case needs: the server, a logged-in client, and a task of its own to aim at."""

    running: RunningServer
    client: Client
    key: str = field(default_factory=lambda: f"task-h-{next(_numbers)}")
    tmp_path: Path | None = None

    @property
    def url(self) -> str:
        return self.running.url

    def post(self, body: bytes, soap_action: str | None = soap.DEFAULT_SOAP_ACTION, headers: dict[str, str] | None = None) -> Answer:
        return self.client.post(body, soap_action, headers)

    def task_op(self, name: str, arguments: str = "", this: tuple[str, str] | None = None) -> bytes:
        this_type, this_value = this or ("Task", self.key)
        return soap.envelope(f'<{name} xmlns="urn:vim25"><_this type="{this_type}">{this_value}</_this>{arguments}</{name}>')

    def info(self):
        return self.client.task_info(self.key)


Outcome = Answer | None
Case = Callable[[Hostile], Outcome]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[name] = function
        return function

    return register


# Not a SOAP request

ENVELOPE_OPEN = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
ENVELOPE_CLOSE = "</soapenv:Body></soapenv:Envelope>"


@case("not-xml")
def _(h: Hostile) -> Outcome:
    return h.post(b"this is not XML")


@case("empty-body")
def _(h: Hostile) -> Outcome:
    return h.post(b"")


@case("truncated-xml")
def _(h: Hostile) -> Outcome:
    return h.post(h.task_op("CancelTask")[:-40])


@case("no-envelope")
def _(h: Hostile) -> Outcome:
    return h.post(f'<CancelTask xmlns="urn:vim25"><_this type="Task">{h.key}</_this></CancelTask>'.encode())


@case("empty-soap-body")
def _(h: Hostile) -> Outcome:
    return h.post(soap.envelope(""))


@case("wrong-envelope-namespace")
def _(h: Hostile) -> Outcome:
    operation = f'<CancelTask xmlns="urn:vim25"><_this type="Task">{h.key}</_this></CancelTask>'
    return h.post(f'<e:Envelope xmlns:e="urn:not-soap"><e:Body>{operation}</e:Body></e:Envelope>'.encode())


@case("soap-1.2")
def _(h: Hostile) -> Outcome:
    operation = f'<CancelTask xmlns="urn:vim25"><_this type="Task">{h.key}</_this></CancelTask>'
    body = f'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>{operation}</e:Body></e:Envelope>'
    answer = h.post(body.encode(), None, {"Content-Type": 'application/soap+xml; charset=utf-8; action="urn:vim25/8.0.3.0"'})
    assert "SOAP 1.2" in (answer.fault.string or ""), answer.text
    return answer


# Entities and depth


@case("dtd")
def _(h: Hostile) -> Outcome:
    return h.post(b'<?xml version="1.0"?>\n<!DOCTYPE Envelope [<!ELEMENT Envelope ANY>]>\n' + h.task_op("CancelTask").split(b"\n", 1)[1])


@case("external-entity")
def _(h: Hostile) -> Outcome:
    assert h.tmp_path is not None
    secret = f"secret-{uuid.uuid4().hex}"
    path = h.tmp_path / "secret.txt"
    path.write_text(secret)
    body = (
        f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "{path.as_uri()}">]>\n{ENVELOPE_OPEN}'
        f'<SetTaskDescription xmlns="urn:vim25"><_this type="Task">{h.key}</_this>'
        f"<description><key>k</key><message>&xxe;</message></description></SetTaskDescription>{ENVELOPE_CLOSE}"
    )
    answer = h.post(body.encode())
    assert secret.encode() not in answer.body
    return answer


@case("billion-laughs")
def _(h: Hostile) -> Outcome:
    levels = "".join(f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 10))
    body = (
        f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY l0 "lol">{levels}]>\n{ENVELOPE_OPEN}'
        f'<SetTaskDescription xmlns="urn:vim25"><_this type="Task">{h.key}</_this>'
        f"<description><key>k</key><message>&l9;</message></description></SetTaskDescription>{ENVELOPE_CLOSE}"
    )
    started = time.monotonic()
    answer = h.post(body.encode())
    assert time.monotonic() - started < 2, "the entities were expanded"
    assert len(answer.body) < 10_000
    return answer


@case("nesting-10000")
def _(h: Hostile) -> Outcome:
    deep = "<a>" * 10_000 + "</a>" * 10_000
    return h.post(h.task_op("SetTaskState", f"<state>success</state><result>{deep}</result>"))


# Sizes


@case("body-over-limit")
def _(h: Hostile) -> Outcome:
    """50 MB announced; the answer comes after the first 64 KiB, before the rest is sent."""
    with hostile.connect(h.url) as sock:
        sock.sendall(hostile.post_head(h.url, 50 * 1024 * 1024) + b"<" * 65536)
        answer = hostile.parse_answer(hostile.read_until_closed(sock, 5))
    assert answer is not None, "no answer before the body was sent"
    assert str(50 * 1024 * 1024) in (answer.fault.string or "") and "--max-body-bytes" in (answer.fault.string or "")
    return answer


@case("body-over-limit-sent-whole")
def _(h: Hostile) -> Outcome:
    """A client that writes its 50 MB before reading still gets the 413 (the rest is discarded)."""
    junk = b"A" * (50 * 1024 * 1024)
    return h.post(h.task_op("CancelTask", "<junk>").replace(b"<junk>", b"<junk>" + junk + b"</junk>"))


@case("chunked-over-limit")
def _(h: Hostile) -> Outcome:
    chunk = b"A" * 65536
    answer = h.post(iter([h.task_op("CancelTask")[:-20]] + [chunk] * (2 * MAX_BODY // len(chunk))))
    assert "--max-body-bytes" in (answer.fault.string or ""), answer.text
    return answer


@case("array-200000-items")
def _(h: Hostile) -> Outcome:
    items = "<s>x</s>" * 200_000
    answer = h.post(h.task_op("SetTaskState", f'<state>success</state><result xsi:type="ArrayOfString">{items}</result>'))
    message = answer.fault.string or ""
    assert "10000" in message and "--max-array-items" in message and "maxArrayItems" in message, message
    assert answer.fault.field("invalidProperty").text == "result"
    return answer


@case("repeated-argument-over-limit")
def _(h: Hostile) -> Outcome:
    spec = f'<specSet><propSet><type>Task</type><pathSet>info.state</pathSet></propSet><objectSet><obj type="Task">{h.key}</obj></objectSet></specSet>'
    answer = h.post(h.task_op("RetrieveProperties", spec * 10_001, this=("PropertyCollector", "propertyCollector")))
    assert "specSet" in (answer.fault.string or "") and "--max-array-items" in (answer.fault.string or ""), answer.text
    return answer


# Encodings

DESCRIPTION_OP = '<?xml version="1.0" encoding="{encoding}"?>\n' + ENVELOPE_OPEN + (
    '<SetTaskDescription xmlns="urn:vim25"><_this type="Task">{key}</_this>'
    "<description><key>k</key><message>{message}</message></description></SetTaskDescription>"
) + ENVELOPE_CLOSE


def description_op(h: Hostile, encoding: str, message: str) -> str:
    return DESCRIPTION_OP.format(encoding=encoding, key=h.key, message=message)


def assert_message(h: Hostile, expected: str) -> None:
    assert h.info().findtext(f"{vim('description')}/{vim('message')}") == expected


@case("invalid-utf8")
def _(h: Hostile) -> Outcome:
    return h.post(description_op(h, "UTF-8", "caf\udce9").encode("utf-8", "surrogateescape"))


@case("mislabelled-utf16")
def _(h: Hostile) -> Outcome:
    return h.post(description_op(h, "UTF-16", "café").encode("utf-8"))


@case("latin1-declared")
def _(h: Hostile) -> Outcome:
    answer = h.post(description_op(h, "ISO-8859-1", "café").encode("latin-1"))
    assert_message(h, "café")
    return answer


@case("utf16-with-bom")
def _(h: Hostile) -> Outcome:
    answer = h.post(description_op(h, "UTF-16", "naïve").encode("utf-16"))
    assert_message(h, "naïve")
    return answer


@case("charset-header-disagrees")
def _(h: Hostile) -> Outcome:
    answer = h.post(description_op(h, "UTF-8", "Größe").encode("utf-8"), headers={"Content-Type": "text/xml; charset=ISO-8859-1"})
    assert_message(h, "Größe")
    return answer


# Arguments and receivers

#: A valid value of each parameter type the served methods take, and a value of another type.
VALID = {
    "xsd:string": "x",
    "xsd:int": "1",
    "xsd:boolean": "true",
    "xsd:anyType": "x",
    "TaskInfoState": "running",
    "ManagedObjectReference": '<{name} type="Folder">group-d1</{name}>',
    "LocalizableMessage": "<key>k</key><message>m</message>",
    "LocalizedMethodFault": '<fault xsi:type="InvalidState"/><localizedMessage>m</localizedMessage>',
    "PropertyFilterSpec": '<propSet><type>Folder</type><pathSet>name</pathSet></propSet><objectSet><obj type="Folder">group-d1</obj></objectSet>',
    "RetrieveOptions": "",
    "WaitOptions": "<maxWaitSeconds>0</maxWaitSeconds>",
}
WRONG = {
    "xsd:string": "<{name}><nested>x</nested></{name}>",
    "xsd:int": "<{name}>many</{name}>",
    "xsd:boolean": "<{name}>maybe</{name}>",
    "xsd:anyType": '<{name} xsi:type="NoSuchType">x</{name}>',
    "TaskInfoState": "<{name}>finished</{name}>",
    "ManagedObjectReference": "<{name}>group-d1</{name}>",  # no type
}
#: Receivers the ServiceContent does not name, and how to make the ones a session creates.
FIXED_THIS = {"PropertyCollector": "propertyCollector"}
CREATED_THIS = {
    "TaskHistoryCollector": ("TaskManager", "CreateCollectorForTasks", "<filter/>"),
    "HistoryCollector": ("TaskManager", "CreateCollectorForTasks", "<filter/>"),
    "EventHistoryCollector": ("EventManager", "CreateCollectorForEvents", "<filter/>"),
}
#: Fetch is served (pyVmomi reads properties with it) but absent from the WSDL and the type table.
EXTRA_METHODS = {("ManagedObject", "Fetch"): [["prop", "xsd:string", ""]]}


def served_parameters() -> Iterator[tuple[str, str, list[list[str]], int]]:
    table = json.loads((REPO / "server/vtasksim/domain/vim_types.json").read_text())
    methods = {(owner, name): info["params"] for owner, found in table["methods"].items() for name, info in found.items()}
    methods.update(EXTRA_METHODS)
    for (owner, name), params in sorted(methods.items()):
        for index in range(len(params)):
            yield owner, name, params, index


def element(name: str, param_type: str, values: dict[str, str]) -> str:
    value = values.get(param_type)
    if value is None:  # a data object: an empty one is valid, one of another type is not
        return f'<{name} xsi:type="AboutInfo"/>' if values is WRONG else f"<{name}/>"
    return value.format(name=name) if value.startswith("<") and "{name}" in value else f"<{name}>{value}</{name}>"


class Receivers:
    """A ``_this`` of every managed type: the case's task, the ServiceContent's singletons, and
    objects a session creates (history collectors)."""

    def __init__(self, h: Hostile) -> None:
        self._h = h
        content = h.client.service_content()
        task = ("Task", h.key)  # methods every object has are called on the case's task
        self._found: dict[str, tuple[str, str]] = {"Task": task, "ManagedObject": task, "ExtensibleManagedObject": task}
        self._found.update({owner: (owner, value) for owner, value in FIXED_THIS.items()})
        for child in content:
            if isinstance(child.tag, str) and child.get("type"):
                self._found.setdefault(child.get("type"), (child.get("type"), child.text or ""))

    def of(self, owner: str) -> tuple[str, str]:
        if owner not in self._found and owner not in CREATED_THIS:
            # Arguments are read before the receiver is looked up: a made-up one serves.
            return owner, owner
        if owner not in self._found:
            manager, method, arguments = CREATED_THIS[owner]
            answer = self._h.post(self._h.task_op(method, arguments, this=self.of(manager)))
            assert answer.status == 200, answer.text
            (returnval,) = answer.returnvals
            self._found[owner] = (returnval.get("type"), returnval.text or "")
        return self._found[owner]


@case("wrong-argument-types")
def _(h: Hostile) -> Outcome:
    """Every parameter of every served method, in turn, with a value of another type (the others
    valid): each answer is a fault naming that parameter."""
    last: Answer | None = None
    receivers = Receivers(h)
    for owner, method, params, wrong in served_parameters():
        this_type, this_value = receivers.of(owner)
        arguments = "".join(
            element(name, param_type, WRONG if index == wrong else VALID) for index, (name, param_type, *_) in enumerate(params)
        )
        answer = h.post(h.task_op(method, arguments, this=(this_type, this_value)))
        name = params[wrong][0]
        label = f"{method}({name}: {params[wrong][1]})"
        assert answer.status == 500 and answer.is_fault, f"{label} was accepted:\n{answer.text}"
        assert answer.fault.type in ("InvalidArgument", "InvalidRequest"), f"{label}: {answer.fault.type}"
        invalid = answer.fault.field("invalidProperty")
        named = (invalid is not None and (invalid.text or "").split(".")[0] == name) or name in (answer.fault.string or "")
        assert named, f"{label}: the fault does not name {name}: {answer.fault.string}"
        if last is None or last.fault.type != answer.fault.type:
            last = answer
    return last


@case("missing-this")
def _(h: Hostile) -> Outcome:
    return h.post(soap.envelope('<CancelTask xmlns="urn:vim25"></CancelTask>'))


@case("this-of-another-type")
def _(h: Hostile) -> Outcome:
    return h.post(h.task_op("CancelTask", this=("Folder", "group-d1")))


@case("this-names-another-kind-of-object")
def _(h: Hostile) -> Outcome:
    return h.post(h.task_op("CancelTask", this=("Task", "SessionManager")))


@case("unknown-method")
def _(h: Hostile) -> Outcome:
    return h.post(h.task_op("CancelAllTasks"))


@case("unknown-argument")
def _(h: Hostile) -> Outcome:
    return h.post(h.task_op("CancelTask", "<force>true</force>"))


@case("unknown-field-in-data-object")
def _(h: Hostile) -> Outcome:
    return h.post(h.task_op("SetTaskDescription", "<description><key>k</key><message>m</message><colour>red</colour></description>"))


# Namespaces and the dialects of real clients


@case("undeclared-xsi-prefix")
def _(h: Hostile) -> Outcome:
    operation = f'<SetTaskState xmlns="urn:vim25"><_this type="Task">{h.key}</_this><state>success</state><result xsi:type="xsd:string">r</result></SetTaskState>'
    return h.post(f"{ENVELOPE_OPEN}{operation}{ENVELOPE_CLOSE}".encode())


@case("undeclared-xsd-prefix-in-xsi-type")
def _(h: Hostile) -> Outcome:
    operation = (
        f'<SetTaskState xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><_this type="Task">{h.key}</_this>'
        '<state>success</state><result xsi:type="xsd:string">r</result></SetTaskState>'
    )
    answer = h.post(f"{ENVELOPE_OPEN}{operation}{ENVELOPE_CLOSE}".encode())
    result = h.info().find(vim("result"))
    assert (soap.xsi_type(result), result.text) == ("xsd:string", "r")
    return answer


@case("prefixed-vim-type-in-xsi-type")
def _(h: Hostile) -> Outcome:
    fault = '<fault><fault xmlns:ns0="urn:vim25" xsi:type="ns0:InvalidState"/><localizedMessage>m</localizedMessage></fault>'
    answer = h.post(h.task_op("SetTaskState", f"<state>error</state>{fault}"))
    assert soap.xsi_type(h.info().find(f"{vim('error')}/{vim('fault')}")) == "InvalidState"
    return answer


@case("anytype-without-xsi-type")
def _(h: Hostile) -> Outcome:
    answer = h.post(h.task_op("SetTaskState", "<state>success</state><result>plain</result>"))
    result = h.info().find(vim("result"))
    assert (soap.xsi_type(result), result.text) == ("xsd:string", "plain")
    return answer


@case("no-soap-action")
def _(h: Hostile) -> Outcome:
    answer = h.post(h.task_op("UpdateProgress", "<percentDone>42</percentDone>"), soap_action=None)
    assert h.info().findtext(vim("progress")) == "42"
    return answer


@case("no-content-type")
def _(h: Hostile) -> Outcome:
    answer = h.post(h.task_op("UpdateProgress", "<percentDone>43</percentDone>"), headers={"Content-Type": ""})
    assert h.info().findtext(vim("progress")) == "43"
    return answer


@case("unknown-soap-header")
def _(h: Hostile) -> Outcome:
    body = h.task_op("UpdateProgress", "<percentDone>44</percentDone>").replace(
        b"<soapenv:Body>", b"<soapenv:Header><operationID>op-1</operationID></soapenv:Header><soapenv:Body>"
    )
    answer = h.post(body)
    assert h.info().findtext(vim("progress")) == "44"
    return answer


@case("unknown-attribute")
def _(h: Hostile) -> Outcome:
    answer = h.post(h.task_op("UpdateProgress", '<percentDone versionId="8.0.3.0" colour="red">45</percentDone>'))
    assert h.info().findtext(vim("progress")) == "45"
    return answer


# Connections that stop


@case("body-stops-half-way")
def _(h: Hostile) -> Outcome:
    body = h.task_op("CancelTask")
    with hostile.connect(h.url) as sock:
        sock.sendall(hostile.post_head(h.url, len(body)) + body[: len(body) // 2])
        answer = hostile.parse_answer(hostile.read_until_closed(sock, IDLE_TIMEOUT + 5))
    assert answer is not None and f"of its {len(body)} body bytes" in (answer.fault.string or ""), answer
    return answer


@case("headers-stop-half-way")
def _(h: Hostile) -> Outcome:
    with hostile.connect(h.url) as sock:
        sock.sendall(b"POST /sdk HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n")
        return hostile.parse_answer(hostile.read_until_closed(sock, IDLE_TIMEOUT + 5))


@case("client-hangs-up-mid-body")
def _(h: Hostile) -> Outcome:
    body = h.task_op("CancelTask")
    with hostile.connect(h.url) as sock:
        sock.sendall(hostile.post_head(h.url, len(body)) + body[:-10])
        sock.shutdown(socket.SHUT_WR)
        assert hostile.read_until_closed(sock, 5) == b"", "an answer to a request that never ended"
    return None


@case("idle-connection")
def _(h: Hostile) -> Outcome:
    with hostile.connect(h.url) as sock:
        started = time.monotonic()
        assert hostile.closed_by_server(sock, IDLE_TIMEOUT + 5), "the idle connection stayed open"
        assert time.monotonic() - started >= IDLE_TIMEOUT * 0.9
    return None


# Other HTTP requests


@case("get-sdk")
def _(h: Hostile) -> Outcome:
    return soap.request(h.url, "GET", headers={"Cookie": h.client.cookie or ""})


@case("other-path")
def _(h: Hostile) -> Outcome:
    return soap.request(h.running.base + "/nothing", "GET")


# The tests


def assert_not_html(answer: Answer) -> None:
    assert "html" not in answer.content_type.lower(), f"an HTML answer: {answer.content_type}"
    assert b"<html" not in answer.body.lower() and b"Traceback" not in answer.body, answer.text


def assert_answer(outcome: Outcome, expected: Expected) -> None:
    if expected.status is None:
        assert outcome is None, f"expected no answer, got HTTP {outcome.status}:\n{outcome.text}"
        return
    assert outcome is not None, f"expected HTTP {expected.status}, got no answer"
    assert_not_html(outcome)
    assert outcome.status == expected.status, f"HTTP {outcome.status}:\n{outcome.text[:2000]}"
    if expected.faults:
        assert outcome.content_type.replace(" ", "").lower() == "text/xml;charset=utf-8"
        fault = outcome.fault
        assert fault.code == "ServerFaultCode"
        assert fault.type in expected.faults, f"expected {expected.faults}, got {fault.type}: {fault.string}"
        assert len((fault.string or "").strip()) >= 10, f"faultstring {fault.string!r} explains nothing"
    elif expected.status == 200:
        assert not outcome.is_fault, outcome.text


@pytest.mark.parametrize("name, answer", table_rows(), ids=[name for name, _ in table_rows()])
def test_hostile_input_row(running: RunningServer, client: Client, tmp_path: Path, name: str, answer: str) -> None:
    """README, "Hostile input": the case gets the answer its row names; the server keeps serving
    and the task the case aimed at is intact (a 200 row checks its own, intended, effect)."""
    assert name in CASES, f"the README's row {name!r} has no case in this module"
    expected = Expected.parse(answer)
    h = Hostile(running, client, tmp_path=tmp_path)
    before = soap.canonical(h.info())
    assert_answer(CASES[name](h), expected)
    assert client.service_content().find(vim("rootFolder")) is not None, "the server no longer answers"
    assert running.process.poll() is None
    if expected.status != 200:
        assert soap.canonical(h.info()) == before, f"{h.key} changed"


def test_every_case_has_a_row() -> None:
    """The table lists every case this module sends, once."""
    names = [name for name, _ in table_rows()]
    assert len(names) == len(set(names)), "a case has two rows"
    assert sorted(CASES) == sorted(names)


def test_limits_from_the_command_line(start) -> None:
    """``--max-body-bytes`` and ``--max-array-items`` set the limits (over the fixture's)."""
    server = start(fixture_text(), "--max-body-bytes", "2000", "--max-array-items", "3")
    client = soap.login(server.url)
    h = Hostile(server, client, key="task-h-0")
    too_big = h.post(h.task_op("CancelTask", "<x>" + "a" * 2000 + "</x>"))
    assert (too_big.status, too_big.fault.type) == (413, "InvalidRequest")
    assert "limit of 2000 bytes" in (too_big.fault.string or "")
    four = h.post(h.task_op("SetTaskState", '<state>success</state><result xsi:type="ArrayOfInt">' + "<i>1</i>" * 4 + "</result>"))
    assert (four.status, four.fault.type) == (500, "InvalidArgument") and "more than 3 items" in (four.fault.string or "")
    three = h.post(h.task_op("SetTaskState", '<state>success</state><result xsi:type="ArrayOfInt">' + "<i>1</i>" * 3 + "</result>"))
    assert three.status == 200, three.text
