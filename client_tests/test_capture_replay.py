"""The requests real clients sent, replayed byte for byte.

Every capture in client_tests/captures/pyvmomi-to-vcsim/ and govc-to-vcsim/ of the four
Task methods is sent again with its body, request target and headers unchanged (SOAPAction
quoted or not, pyVmomi's versionId attributes, govc's chunked body); only Host, Content-Length,
Cookie and Transfer-Encoding are left to the transport, and the session cookie is ours.

Each replay meets its task key in the state its file name says the task was in
(``…_FAULT_InvalidState`` on a completed task, ``0283_UpdateProgress_unknown_task`` on no task at
all), whatever the other tests did. govc's captures reuse task-226 through a whole scenario, so no
single fixture can serve them all: the captures are dealt into rounds in which each key occurs
once, and each round has a server whose fixture holds exactly its captures' keys, each in the state
its capture expects. The answer checked is the one vim.Task.rst requires, which is not vcsim's
where WIRE.md §5 says vcsim is wrong.

The requests of the real-vcenter captures that this server serves are replayed too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest
from lxml import etree

import soap
from running_server import RunningServer, start_server
from soap import Answer, Client, RecordedExchange, child_names, vim, xsi_type

TASK_METHODS = ("CancelTask", "UpdateProgress", "SetTaskState", "SetTaskDescription")
CANCELED_MESSAGE = "The task was canceled by a user."
#: Transport headers: recomputed for this connection, or (Cookie) replaced by our own session.
TRANSPORT_HEADERS = {"host", "content-length", "cookie", "transfer-encoding"}
WAIT = 5.0


def method_of(path: Path) -> str | None:
    """The SOAP method a capture holds: the last name before an optional _FAULT_ in the file name."""
    stem = path.stem.split("_FAULT_")[0]
    name = stem.rsplit("_", 1)[-1]
    return name if name in TASK_METHODS else None


TASK_CAPTURES = sorted(
    path
    for folder in ("pyvmomi-to-vcsim", "govc-to-vcsim")
    for path in (soap.CAPTURES / folder).glob("*.txt")
    if method_of(path)
)


# What each capture needs, and what we must answer

InfoCheck = Callable[[etree._Element], None]


@dataclass(frozen=True)
class Case:
    #: The task the capture targets, as fixture YAML fields (None: no such task).
    task: str | None
    #: The vim fault we must answer with; None: success.
    fault: str | None
    #: The reference sentence (vim.Task.rst or WIRE.md) this case checks.
    rule: str
    #: What task.info must show afterwards; a fault leaves it unchanged (checked for every fault).
    check: InfoCheck | None = None
    #: False: replayed without a session, as the capture was.
    session: bool = True


RUNNING = "state: running, cancelable: true"
QUEUED = "state: queued, cancelable: true"
SUCCEEDED = "state: success, cancelable: true"
CANCELED = "state: error, cancelled: true, cancelable: true"


def text(info: etree._Element, path: str) -> str | None:
    return info.findtext("/".join(vim(part) for part in path.split("/")))


def progress(percent: int) -> InfoCheck:
    def check(info: etree._Element) -> None:
        assert (text(info, "state"), text(info, "progress")) == ("running", str(percent))

    return check


def state(expected: str) -> InfoCheck:
    def check(info: etree._Element) -> None:
        assert text(info, "state") == expected
        time_field = {"running": "startTime", "success": "completeTime", "error": "completeTime"}[expected]
        assert text(info, time_field), f"a {expected} task has a {time_field}"

    return check


def canceled(info: etree._Element) -> None:
    assert (text(info, "state"), text(info, "cancelled")) == ("error", "true")
    assert xsi_type(info.find(f"{vim('error')}/{vim('fault')}")) == "RequestCanceled"
    assert text(info, "error/localizedMessage") == CANCELED_MESSAGE


def string_result(expected: str) -> InfoCheck:
    def check(info: etree._Element) -> None:
        assert text(info, "state") == "success"
        result = info.find(vim("result"))
        assert result is not None, "the result is stored"
        assert (xsi_type(result), result.text) == ("xsd:string", expected)

    return check


def moref_result(info: etree._Element) -> None:
    assert text(info, "state") == "success"
    result = info.find(vim("result"))
    assert result is not None, "WIRE.md §5: vcsim drops a MoRef result; we keep it"
    assert (xsi_type(result), result.get("type"), result.text) == ("ManagedObjectReference", "Folder", "group-d1")


def invalid_state_error(info: etree._Element) -> None:
    assert text(info, "state") == "error"
    assert xsi_type(info.find(f"{vim('error')}/{vim('fault')}")) == "InvalidState"
    assert text(info, "error/localizedMessage") == "bad state"


def copying_description(info: etree._Element) -> None:
    description = info.find(vim("description"))
    assert description is not None
    assert text(info, "description/key") == "com.example.task.step"
    assert text(info, "description/message") == "Copying {file} ({pct}%)"
    args = [(arg.findtext(vim("key")), xsi_type(arg.find(vim("value"))), arg.findtext(vim("value"))) for arg in description.findall(vim("arg"))]
    assert args == [("file", "xsd:string", "disk.vmdk"), ("pct", "xsd:int", "42")]


def govc_description(info: etree._Element) -> None:
    assert (text(info, "description/key"), text(info, "description/message")) == ("com.vmware.govmomi.simulator.test.init", "task init")


CANCEL_RULE = "CancelTask: \"If a task is canceled, its runtime state will be set to error and its error state will be set to RequestCanceled\""
CANCEL_DONE_RULE = "CancelTask: \"Canceling a completed or already canceled task will throw an InvalidState exception.\""
PROGRESS_RULE = "UpdateProgress: \"Sets percentage done for this task\""
NOT_RUNNING_RULE = "UpdateProgress raises InvalidState: \"If task is not running\""
SET_STATE_RULE = "SetTaskState: \"Sets task state and optionally sets results or fault, as appropriate for state\""
AFTER_DONE_RULE = "SetTaskState raises InvalidState: \"If attempting to change states after task is completed or in error\""
DESCRIPTION_RULE = "SetTaskDescription: \"Updates task description to describe the current phase of the task.\" (no fault declared: a completed task takes it too)"
NO_SESSION_RULE = "WIRE.md §4: \"a call without a session is NotAuthenticated\""

CASES: dict[str, Case] = {
    # pyVmomi 9.1.1.0, SOAPAction "urn:vim25/6.5", versionId on every argument
    "0021": Case(RUNNING, None, CANCEL_RULE, canceled),
    "0039": Case(CANCELED, "InvalidState", CANCEL_DONE_RULE),
    "0078": Case(RUNNING, None, PROGRESS_RULE, progress(50)),
    "0107": Case(QUEUED, "InvalidState", NOT_RUNNING_RULE),
    "0163": Case(RUNNING, None, SET_STATE_RULE, string_result("hello")),
    "0175": Case(RUNNING, None, SET_STATE_RULE + "; WIRE.md §3: accept xsi:type ManagedObject, emit ManagedObjectReference", moref_result),
    "0187": Case(RUNNING, None, SET_STATE_RULE + " (InvalidState extends VimFault)", invalid_state_error),
    "0230": Case(SUCCEEDED, "InvalidState", AFTER_DONE_RULE),
    "0263": Case(RUNNING, None, DESCRIPTION_RULE, copying_description),
    "0275": Case(SUCCEEDED, None, DESCRIPTION_RULE + "; WIRE.md §5 lists vcsim's InvalidState as wrong", copying_description),
    "0283": Case(None, "ManagedObjectNotFound", 'DESIGN.md: "the wire service resolves _this in the registry (ManagedObjectNotFound when absent)"'),
    "0296": Case(RUNNING, None, PROGRESS_RULE, progress(70)),
    "0300": Case(RUNNING, None, SET_STATE_RULE, string_result("from-B")),
    "0330": Case(RUNNING, None, PROGRESS_RULE, progress(33)),
    "0332": Case(RUNNING, None, SET_STATE_RULE, string_result("ok")),
    "0540": Case(RUNNING, "NotAuthenticated", NO_SESSION_RULE, session=False),
    "0541": Case(RUNNING, "NotAuthenticated", NO_SESSION_RULE, session=False),
    "0542": Case(RUNNING, "NotAuthenticated", NO_SESSION_RULE, session=False),
    "0543": Case(RUNNING, "NotAuthenticated", NO_SESSION_RULE, session=False),
    # govc 0.38: no envelope prefix, chunked body, unquoted SOAPAction urn:vim25/8.0.3.0; the
    # scenario on task-226: set running, describe, progress, succeed, then two refused calls.
    "0020": Case(QUEUED, None, SET_STATE_RULE, state("running")),
    "0024": Case(RUNNING, None, DESCRIPTION_RULE, govc_description),
    "0028": Case(RUNNING, None, PROGRESS_RULE, progress(42)),
    "0064": Case(RUNNING, None, SET_STATE_RULE, state("success")),
    "0068": Case(SUCCEEDED, "InvalidState", AFTER_DONE_RULE),
    "0072": Case(SUCCEEDED, "InvalidState", CANCEL_DONE_RULE),
    "0081": Case(QUEUED, None, SET_STATE_RULE, state("running")),
    "0085": Case(RUNNING, None, CANCEL_RULE, canceled),
    "0104": Case(
        RUNNING, "InvalidState",
        "SetTaskState: \"The fault must be a of a fault type that directly or indirectly extends VimFault\" "
        "(SystemError is a RuntimeFault) -> InvalidState: \"attempting to set the result or fault incorrectly\"",
    ),  # fmt: skip
}


def case_of(path: Path) -> Case:
    number = path.name.split("_", 1)[0]
    assert number in CASES, f"no expectation is written for the capture {path.name}: add it to CASES"
    return CASES[number]


# Replaying


def target_key(exchange: RecordedExchange) -> str:
    this = soap.parse(exchange.body).find(f".//{vim('_this')}")
    assert this is not None and this.get("type") == "Task", f"{exchange.path.name} does not target a Task"
    return this.text or ""


def rounds(paths: list[Path]) -> dict[Path, int]:
    """Deal the captures into rounds, each task key once per round, in capture order."""
    seen: dict[str, int] = {}
    dealt: dict[Path, int] = {}
    for path in paths:
        key = target_key(soap.read_exchange(path))
        dealt[path] = seen.get(key, 0)
        seen[key] = dealt[path] + 1
    return dealt


def round_fixture(paths: list[Path]) -> str:
    """The fixture of one round: each capture's task in the state the capture expects."""
    lines = ["objects:", "  - {type: Folder, value: group-d1, name: Datacenters}", "tasks:"]
    for path in paths:
        task = case_of(path).task
        if task is not None:
            key = target_key(soap.read_exchange(path))
            lines.append(f"  - {{key: {key}, descriptionId: com.vmware.govmomi.simulator.test, {task}}}")
    return "\n".join(lines) + "\n"


class RoundServers:
    """One server per round, started when a test of the round first needs it."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._rounds = rounds(TASK_CAPTURES)
        self._clients: dict[int, Client] = {}
        self._running: list[RunningServer] = []

    def client_for(self, path: Path) -> Client:
        number = self._rounds[path]
        if number not in self._clients:
            members = [member for member, n in self._rounds.items() if n == number]
            fixture = self._directory / f"round-{number}.yaml"
            fixture.write_text(round_fixture(members))
            running = start_server(fixture)
            self._running.append(running)
            self._clients[number] = soap.login(running.url)
        return self._clients[number]

    def stop(self) -> None:
        for running in self._running:
            running.stop()


@pytest.fixture(scope="module")
def round_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RoundServers]:
    servers = RoundServers(tmp_path_factory.mktemp("replay-rounds"))
    yield servers
    servers.stop()


def replay_headers(exchange: RecordedExchange, cookie: str | None) -> dict[str, str]:
    headers = {name: value for name, value in exchange.headers if name.lower() not in TRANSPORT_HEADERS}
    if cookie:
        headers["Cookie"] = cookie
    return headers


def replay(url: str, exchange: RecordedExchange, cookie: str | None) -> Answer:
    body: bytes | Iterator[bytes] = exchange.body
    if exchange.chunked:
        # As govc sent it: chunked, here in two chunks so that the server has to join them.
        middle = len(exchange.body) // 2
        body = iter([exchange.body[:middle], exchange.body[middle:]])
    server_url = url[: -len("/sdk")] + exchange.target
    return soap.request(server_url, exchange.method, body, replay_headers(exchange, cookie))


def info_or_none(client: Client, key: str) -> etree._Element | None:
    answer = client.fetch("Task", key, "info")
    return answer.returnvals[0] if answer.status == 200 and answer.returnvals else None


def wait_for_check(client: Client, key: str, check: InfoCheck) -> None:
    """The check holds now or soon: CancelTask "may return before the task is canceled"."""
    deadline = time.monotonic() + WAIT
    while True:
        try:
            check(client.task_info(key))
            return
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def assert_fault(answer: Answer, expected: str, key: str) -> None:
    assert answer.status == 500, f"expected {expected}, got HTTP {answer.status}:\n{answer.text}"
    fault = answer.fault
    assert (fault.code, fault.type) == ("ServerFaultCode", expected), answer.text
    assert (fault.string or "").strip(), "WIRE.md §5: vcsim's faultstrings are empty; ours carry a message"
    if expected == "ManagedObjectNotFound":
        obj = fault.field("obj")
        assert obj is not None and (obj.get("type"), obj.text) == ("Task", key)


def test_every_capture_of_the_task_methods_is_replayed() -> None:
    """Skip nothing silently: the folders hold captures of all four methods, each with a case."""
    assert {method_of(path) for path in TASK_CAPTURES} == set(TASK_METHODS)
    assert sorted(path.name.split("_", 1)[0] for path in TASK_CAPTURES) == sorted(CASES)


@pytest.mark.parametrize("path", TASK_CAPTURES, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_replayed_capture_gets_the_reference_answer(round_servers: RoundServers, path: Path) -> None:
    """Each case names the sentence it checks (``Case.rule``, in every assertion message): the
    request is accepted as sent, and answered as vim.Task.rst requires."""
    case = case_of(path)
    exchange = soap.read_exchange(path)
    key = target_key(exchange)
    client = round_servers.client_for(path)
    before = info_or_none(client, key)
    assert (before is not None) == (case.task is not None), f"the fixture must {'' if case.task else 'not '}hold {key}"

    answer = replay(client.url, exchange, client.cookie if case.session else None)

    context = f"{path.name} [{case.rule}]"
    if case.fault is None:
        assert answer.status == 200, f"{context}: HTTP {answer.status}\n{answer.text}"
        assert answer.payload.tag == vim(f"{method_of(path)}Response"), f"{context}\n{answer.text}"
        assert len(answer.payload) == 0, f"{context}: the four Task methods return nothing"
        if case.check is not None:
            wait_for_check(client, key, case.check)
    else:
        assert_fault(answer, case.fault, key)
        if before is not None:
            assert soap.canonical(client.task_info(key)) == soap.canonical(before), f"{context}: a refused call changes nothing"


# The real-vcenter captures' requests

REAL_REQUESTS = {
    "real_vcenter8.0.3_RetrieveServiceContent.txt": ("RetrieveServiceContentResponse", None),
    "real_vcenter8.0.3_Fetch_ServiceInstance_content.txt": ("FetchResponse", "ServiceContent"),
    "real_vcenter5.5_RetrievePropertiesEx.txt": ("RetrievePropertiesExResponse", None),
}
REAL_FIXTURE = (
    "objects:\n"
    "  - {type: Folder, value: group-d1, name: Datacenters}\n"
    "  - {type: VirtualMachine, value: vm-722, name: box}\n"
)


@pytest.fixture(scope="module")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    path = tmp_path_factory.mktemp("real-replay") / "fixture.yaml"
    path.write_text(REAL_FIXTURE)
    running = start_server(path)
    try:
        yield soap.login(running.url)
    finally:
        running.stop()


@pytest.mark.parametrize("name", REAL_REQUESTS)
def test_real_vcenter_request_is_answered_like_the_vcenter(real_server: Client, name: str) -> None:
    """WIRE.md §4: what a pyVmomi program needs beyond the four methods (RetrieveServiceContent,
    Fetch of ServiceInstance.content, and RetrievePropertiesEx as pre-8.0 pyVmomi read properties),
    each request sent as the real client sent it, answered in the same elements."""
    exchange = soap.read_real_exchange(name)
    answer = real_server.post(exchange.request_body, exchange.soap_action)
    assert answer.status == 200, answer.text
    response_name, returnval_type = REAL_REQUESTS[name]
    real = soap.parse(exchange.response_body).find(soap.soapenv("Body"))[0]
    assert answer.payload.tag == real.tag == vim(response_name)
    (returnval,) = answer.returnvals
    assert xsi_type(returnval) == xsi_type(real.find(vim("returnval"))) == returnval_type
    if name.endswith("RetrievePropertiesEx.txt"):
        assert child_names(returnval) == ["objects"]
        value = returnval.find(f"{vim('objects')}/{vim('propSet')}/{vim('val')}")
        assert (xsi_type(value), value.text) == ("xsd:string", "box")
    else:
        about = returnval.find(vim("about"))
        assert about is not None and about.findtext(vim("apiType")) == "VirtualCenter"
        assert about.findtext(vim("apiVersion")) == "8.0.2.0", "the version the request's SOAPAction names"
