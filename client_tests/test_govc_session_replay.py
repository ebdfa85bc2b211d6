"""govc's whole task scenario, replayed byte for byte in one logged-in session.

``client_tests/captures/govc-to-vcsim/`` holds what govc 0.38 sent vcsim for
``govc task.create``, ``task.set`` and ``task.cancel``. Here the same requests go to vtasksim in
the order govc sent them: same request line, same headers in the same order (the unquoted
``Soapaction``, ``Transfer-Encoding: chunked`` with a chunked body, ``Accept-Encoding: gzip``),
same bytes of body; only ``Host`` names our port and ``Cookie`` carries our session, the one
govc's own RetrieveServiceContent + Login captures (0013, 0014), replayed first, opened.

The server's fixture holds the root folder the CreateTask bodies name, an extension declaring
govc's task type (so that 0011's ``enoent`` is no task type at all), and task-225 as its highest
task: the replayed CreateTasks must then make task-226, task-227 and task-228, the keys the later
Task method bodies name. Every answer is checked against vim.Task.rst, not against vcsim's
recorded answer where WIRE.md §5 says vcsim is wrong.
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
from soap import Answer, Client, RecordedExchange, vim, xsi_type

GOVC_CAPTURES = sorted((soap.CAPTURES / "govc-to-vcsim").glob("*.txt"))
LOGIN_CAPTURES = ("0013", "0014")  # govc's connect: RetrieveServiceContent, then Login
GOVC_TASK_TYPE = "com.vmware.govmomi.simulator.test"
ROOT_FOLDER_NAME = "Datacenters"
CANCELED_MESSAGE = "The task was canceled by a user."
WAIT = 5.0

FIXTURE = f"""\
objects:
  - {{type: Folder, value: group-d1, name: {ROOT_FOLDER_NAME}}}
tasks:
  - {{key: task-7, descriptionId: {GOVC_TASK_TYPE}, state: success, cancelable: false}}
  - {{key: task-225, descriptionId: {GOVC_TASK_TYPE}, state: success, cancelable: false}}
extensions:
  - key: com.vmware.govmomi.simulator
    taskList: [{{taskID: {GOVC_TASK_TYPE}}}]
"""


def number(path: Path) -> str:
    return path.name.split("_", 1)[0]


def replay_order() -> list[Path]:
    """govc's connect first (its session is the one every later request runs in), then the rest
    in the order govc sent them."""
    login = [path for path in GOVC_CAPTURES if number(path) in LOGIN_CAPTURES]
    return sorted(login, key=lambda path: LOGIN_CAPTURES.index(number(path))) + [
        path for path in GOVC_CAPTURES if number(path) not in LOGIN_CAPTURES
    ]


# --- replaying ------------------------------------------------------------------------------------


def replay_headers(exchange: RecordedExchange, host: str, cookie: str | None) -> dict[str, str]:
    """The captured headers in their order; Host is ours, and Cookie ours where govc sent one."""
    headers: dict[str, str] = {}
    for name, value in exchange.headers:
        if name.lower() == "host":
            headers[name] = host
        elif name.lower() == "cookie":
            assert cookie is not None, f"{exchange.path.name} sends a cookie before the session exists"
            headers[name] = cookie
        else:
            headers[name] = value
    return headers


def send(server: RunningServer, exchange: RecordedExchange, cookie: str | None) -> Answer:
    assert exchange.chunked, "govc sends its bodies chunked"
    # Chunked as govc sent it, in two chunks so that the server has to join them.
    middle = len(exchange.body) // 2
    chunks = iter([exchange.body[:middle], exchange.body[middle:]])
    headers = replay_headers(exchange, f"{server.host}:{server.port}", cookie)
    return soap.request(server.base + exchange.target, exchange.method, chunks, headers)


@dataclass(frozen=True)
class Replayed:
    exchange: RecordedExchange
    answer: Answer
    #: The task the request names as _this, or the one CreateTask made.
    key: str | None
    #: Task.info of that task right before and right after the request, read in the same session.
    before: etree._Element | None
    after: etree._Element | None


@dataclass(frozen=True)
class Scenario:
    server: RunningServer
    client: Client
    steps: dict[str, Replayed]

    def info_now(self, key: str) -> etree._Element:
        return self.client.task_info(key)


def target_task(exchange: RecordedExchange) -> str | None:
    this = soap.parse(exchange.body).find(f".//{vim('_this')}")
    return this.text if this is not None and this.get("type") == "Task" else None


def created_task(answer: Answer) -> str | None:
    if answer.status != 200 or answer.payload.tag != vim("CreateTaskResponse"):
        return None
    return answer.returnvals[0].findtext(vim("key"))


def read_info(client: Client | None, key: str | None) -> etree._Element | None:
    if client is None or key is None:
        return None
    answer = client.fetch("Task", key, "info")
    return answer.returnvals[0] if answer.status == 200 and answer.returnvals else None


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    fixture = tmp_path_factory.mktemp("govc-session") / "fixture.yaml"
    fixture.write_text(FIXTURE)
    server = start_server(fixture)
    try:
        client: Client | None = None
        steps: dict[str, Replayed] = {}
        for path in replay_order():
            exchange = soap.read_exchange(path)
            key = target_task(exchange)
            before = read_info(client, key)
            answer = send(server, exchange, client.cookie if client else None)
            if number(path) == "0014":
                set_cookie = answer.headers.get("set-cookie", "")
                assert set_cookie.startswith("vmware_soap_session="), f"govc's Login set no session cookie:\n{answer.text}"
                client = Client(server.url, set_cookie.split(";", 1)[0])
            key = key or created_task(answer)
            steps[number(path)] = Replayed(exchange, answer, key, before, read_info(client, key))
        assert client is not None
        yield Scenario(server, client, steps)
    finally:
        server.stop()


# --- what a vCenter answers -------------------------------------------------------------------------


def text(info: etree._Element, path: str) -> str | None:
    return info.findtext("/".join(vim(part) for part in path.split("/")))


def assert_empty_success(step: Replayed, method: str) -> None:
    answer = step.answer
    assert answer.status == 200, f"{step.exchange.path.name}: HTTP {answer.status}\n{answer.text}"
    assert answer.content_type.startswith("text/xml"), answer.content_type
    assert answer.payload.tag == vim(f"{method}Response")
    assert len(answer.payload) == 0, "the four Task methods return nothing"


def assert_fault(step: Replayed, vim_type: str) -> soap.Fault:
    answer = step.answer
    assert answer.status == 500, f"{step.exchange.path.name}: expected {vim_type}, got HTTP {answer.status}\n{answer.text}"
    fault = answer.fault
    assert (fault.code, fault.type) == ("ServerFaultCode", vim_type), answer.text
    assert fault.detail_fault.tag == vim(f"{vim_type}Fault")
    assert (fault.string or "").strip(), "WIRE.md §5: vcsim's faultstrings are empty; a vCenter's carry a message"
    return fault


def assert_unchanged(step: Replayed) -> None:
    assert step.before is not None and step.after is not None, f"{step.key} must exist before and after"
    assert soap.canonical(step.after) == soap.canonical(step.before), "a refused call changes nothing"


def check_service_content(scenario: Scenario, step: Replayed) -> None:
    """WIRE.md §4: RetrieveServiceContent names rootFolder, propertyCollector, sessionManager,
    taskManager and an ``about`` of a VirtualCenter -- answered without a session."""
    answer = step.answer
    assert answer.status == 200, answer.text
    (content,) = answer.returnvals
    refs = {name: (content.find(vim(name)).get("type"), content.findtext(vim(name))) for name in ("rootFolder", "sessionManager", "taskManager")}
    assert refs == {
        "rootFolder": ("Folder", "group-d1"),
        "sessionManager": ("SessionManager", "SessionManager"),
        "taskManager": ("TaskManager", "TaskManager"),
    }
    assert content.find(vim("propertyCollector")).get("type") == "PropertyCollector"
    assert text(content, "about/apiType") == "VirtualCenter"


def check_login(scenario: Scenario, step: Replayed) -> None:
    """WIRE.md §4: "Login(userName, password, locale?) -> UserSession plus the cookie"; WIRE.md §1:
    "set Secure only under TLS" (this is plain HTTP)."""
    answer = step.answer
    assert answer.status == 200, answer.text
    (user_session,) = answer.returnvals
    assert (text(user_session, "userName"), text(user_session, "locale")) == ("user", "en_US")
    assert text(user_session, "userAgent") == "govc/0.0.0", "the User-Agent govc sent"
    assert "secure" not in answer.headers["set-cookie"].lower()
    current = scenario.client.fetch("SessionManager", "SessionManager", "currentSession")
    assert text(current.returnvals[0], "key") == text(user_session, "key"), "the cookie is the session Login made"


def check_create_bad(scenario: Scenario, step: Replayed) -> None:
    """CreateTask's taskTypeId is an "Extension registered task type identifier": ``enoent`` is no
    registered type -> InvalidArgument naming the argument, and no task is made (the next
    CreateTask still gets task-226)."""
    fault = assert_fault(step, "InvalidArgument")
    assert fault.field("invalidProperty") is not None and fault.field("invalidProperty").text == "taskTypeId"
    assert created_task(scenario.steps["0016"].answer) == "task-226"


def check_created(expected_key: str) -> Callable[[Scenario, Replayed], None]:
    def check(scenario: Scenario, step: Replayed) -> None:
        """CreateTask returns the TaskInfo of a queued task numbered after the fixture's highest
        (task-225), on the entity it names (entityName: that entity's name), reason the user of the
        session; WIRE.md §5: it "exists when the call returns"."""
        answer = step.answer
        assert answer.status == 200, answer.text
        (info,) = answer.returnvals
        assert (text(info, "key"), info.find(vim("task")).get("type"), text(info, "task")) == (expected_key, "Task", expected_key)
        assert text(info, "descriptionId") == GOVC_TASK_TYPE
        assert (info.find(vim("entity")).get("type"), text(info, "entity"), text(info, "entityName")) == ("Folder", "group-d1", ROOT_FOLDER_NAME)
        assert (text(info, "state"), text(info, "cancelled"), text(info, "cancelable")) == ("queued", "false", "true")
        assert (xsi_type(info.find(vim("reason"))), text(info, "reason/userName")) == ("TaskReasonUser", "user")
        assert text(info, "queueTime") and text(info, "startTime") is None and text(info, "completeTime") is None
        assert step.after is not None, "the task is readable as soon as CreateTask returns"
        assert text(step.after, "state") == "queued"

    return check


def check_state(expected: str, time_field: str) -> Callable[[Scenario, Replayed], None]:
    def check(scenario: Scenario, step: Replayed) -> None:
        """SetTaskState: "Sets task state" (running stamps startTime, success completeTime)."""
        assert_empty_success(step, "SetTaskState")
        assert text(step.after, "state") == expected
        assert text(step.after, time_field), f"a {expected} task has a {time_field}"
        assert step.after.find(vim("result")) is None and step.after.find(vim("error")) is None

    return check


def check_description(scenario: Scenario, step: Replayed) -> None:
    """SetTaskDescription: "Updates task description to describe the current phase of the task." """
    assert_empty_success(step, "SetTaskDescription")
    assert (text(step.after, "description/key"), text(step.after, "description/message")) == (
        "com.vmware.govmomi.simulator.test.init", "task init",
    )  # fmt: skip
    assert text(step.after, "state") == "running"


def check_progress(scenario: Scenario, step: Replayed) -> None:
    """UpdateProgress: "Sets percentage done for this task"."""
    assert_empty_success(step, "UpdateProgress")
    assert (text(step.after, "state"), text(step.after, "progress")) == ("running", "42")
    assert text(step.after, "description/message") == "task init", "an earlier step's description stays"


def check_refused(vim_type: str) -> Callable[[Scenario, Replayed], None]:
    def check(scenario: Scenario, step: Replayed) -> None:
        """SetTaskState raises InvalidState "If attempting to change states after task is completed
        or in error"; CancelTask: "Canceling a completed or already canceled task will throw an
        InvalidState exception." -- and the task stays as it was."""
        assert_fault(step, vim_type)
        assert_unchanged(step)
        assert text(step.after, "state") == "success"

    return check


def check_canceled(scenario: Scenario, step: Replayed) -> None:
    """CancelTask: "If a task is canceled, its runtime state will be set to error and its error state
    will be set to RequestCanceled" ("A cancel operation is asynchronous": polled)."""
    assert_empty_success(step, "CancelTask")
    assert text(step.after, "cancelled") == "true", "CancelTask returns with the cancelation recorded"
    deadline = time.monotonic() + WAIT
    info = step.after
    while text(info, "state") != "error" and time.monotonic() < deadline:
        time.sleep(0.05)
        info = scenario.info_now(step.key)
    assert (text(info, "state"), text(info, "cancelled")) == ("error", "true")
    assert xsi_type(info.find(f"{vim('error')}/{vim('fault')}")) == "RequestCanceled"
    assert text(info, "error/localizedMessage") == CANCELED_MESSAGE


def check_runtime_fault_refused(scenario: Scenario, step: Replayed) -> None:
    """SetTaskState fault: "The fault must be a of a fault type that directly or indirectly extends
    VimFault" -- govc sends SystemError, a RuntimeFault -> InvalidState ("attempting to set the
    result or fault incorrectly"); vcsim accepted it (WIRE.md §5). task-228 stays queued."""
    assert_fault(step, "InvalidState")
    assert_unchanged(step)
    assert text(step.after, "state") == "queued" and step.after.find(vim("error")) is None


EXPECTED: dict[str, Callable[[Scenario, Replayed], None]] = {
    "0013": check_service_content,
    "0014": check_login,
    "0011": check_create_bad,
    "0016": check_created("task-226"),
    "0020": check_state("running", "startTime"),
    "0024": check_description,
    "0028": check_progress,
    "0064": check_state("success", "completeTime"),
    "0068": check_refused("InvalidState"),
    "0072": check_refused("InvalidState"),
    "0077": check_created("task-227"),
    "0081": check_state("running", "startTime"),
    "0085": check_canceled,
    "0100": check_created("task-228"),
    "0104": check_runtime_fault_refused,
}


# --- the tests ------------------------------------------------------------------------------------


def test_every_govc_capture_is_replayed() -> None:
    """Skip nothing silently: each govc capture has its expected answer."""
    assert [number(path) for path in replay_order()] == list(EXPECTED)


@pytest.mark.parametrize("path", replay_order(), ids=lambda path: path.stem)
def test_govc_request_gets_the_vcenter_answer(scenario: Scenario, path: Path) -> None:
    """Each check's docstring quotes the sentence it checks."""
    step = scenario.steps[number(path)]
    EXPECTED[number(path)](scenario, step)


def test_the_targets_are_the_tasks_the_replayed_create_tasks_made(scenario: Scenario) -> None:
    """The Task method bodies name task-226, -227 and -228; those are the tasks this session made,
    each once, and recentTask lists them (TaskManager.recentTask: "completed recently, ... currently
    running, or ... queued to run")."""
    made = [created_task(scenario.steps[n].answer) for n in ("0016", "0077", "0100")]
    assert made == ["task-226", "task-227", "task-228"]
    targeted = {step.key for n, step in scenario.steps.items() if target_task(step.exchange)}
    assert targeted == set(made)
    recent = scenario.client.fetch("TaskManager", "TaskManager", "recentTask")
    listed = {ref.text for returnval in recent.returnvals for ref in ([returnval] if returnval.get("type") else list(returnval))}
    assert set(made) <= listed


def test_the_replay_sent_what_govc_sent(scenario: Scenario) -> None:
    """Byte for byte: the request line, every header but Host/Cookie and the body are the
    capture's (guards the replay itself, so that a passing test means govc's bytes passed)."""
    for step in scenario.steps.values():
        exchange = step.exchange
        headers = replay_headers(exchange, "HOST", "COOKIE")
        assert list(headers) == [name for name, _ in exchange.headers]
        kept = {name: value for name, value in exchange.headers if name.lower() not in {"host", "cookie"}}
        assert {name: headers[name] for name in kept} == kept
        assert headers.get("Soapaction") == "urn:vim25/8.0.3.0", "govc's unquoted SOAPAction"
        assert exchange.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/">')
