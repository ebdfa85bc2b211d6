"""What the request side works out once and keeps (the version a SOAPAction names, the session key
in a Cookie header, whether a method may be called on a type in a version, a request-log record's
arguments) is never stale: a logout, an expiry, a fixture loaded through the control API, another
object or version show on the very next call.

The calls go through the real site in-process (its HTTP channel on a memory transport).
"""

from __future__ import annotations

import io
import json
import re

import pytest
from twisted.internet.address import IPv4Address

from memory_transport import MemoryTransport

from vtasksim.app.call_arguments import HIDDEN, CallArguments
from vtasksim.app.request_log import RequestLog
from vtasksim.app.runtime import FixtureSource, Runtime
from vtasksim.app.site import build_site
from vtasksim.domain.clock import ManualClock
from vtasksim.domain.typesystem import vim_types
from vtasksim.wire.cookies import session_key
from vtasksim.wire.services import Call, method_check
from vtasksim.wire.versions import version_from_soap_action

FIXTURE = """
users:
  - {name: bob, password: pw, privileges: [Task.Update, Task.Create]}
  - {name: eve, password: pw, role: ReadOnly}
tasks:
  - {key: task-1, descriptionId: com.example.run, state: running, cancelable: true}
"""
#: The same users, but bob may no longer update tasks.
REVOKED = FIXTURE.replace("[Task.Update, Task.Create]", "[Task.Create]")

_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{}</soapenv:Body></soapenv:Envelope>'
)


class Client:
    """One keep-alive connection to the site, in memory."""

    def __init__(self, site: object, soap_action: str = '"urn:vim25/8.0.3.0"') -> None:
        self.transport = MemoryTransport()
        self.protocol = site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))  # type: ignore[attr-defined]
        self.protocol.makeConnection(self.transport)
        self.soap_action = soap_action
        self.cookie: str | None = None

    def call(self, operation: str, soap_action: str | None = None) -> tuple[int, str]:
        body = _ENVELOPE.format(operation).encode()
        head = (
            f"POST /sdk HTTP/1.1\r\nHost: 127.0.0.1:8989\r\nContent-Length: {len(body)}\r\n"
            + (f"Cookie: {self.cookie}\r\n" if self.cookie else "")
            + f"SOAPAction: {soap_action or self.soap_action}\r\nContent-Type: text/xml; charset=UTF-8\r\n\r\n"
        )
        self.protocol.dataReceived(head.encode() + body)
        data = self.transport.value()
        self.transport.clear()
        head_bytes, _, answer = data.partition(b"\r\n\r\n")
        cookie = re.search(rb"(?im)^set-cookie: (.*?)\r?$", head_bytes)
        if cookie:
            self.cookie = cookie.group(1).decode()
        return int(head_bytes.split(b" ", 2)[1]), answer.decode()

    def login(self, user: str) -> None:
        status, answer = self.call(
            f'<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>'
            f"<userName>{user}</userName><password>pw</password></Login>"
        )
        assert status == 200, answer


def _update(task: str = "task-1", percent: int = 10) -> str:
    return f'<UpdateProgress xmlns="urn:vim25"><_this type="Task">{task}</_this><percentDone>{percent}</percentDone></UpdateProgress>'


def _fault(answer: str) -> str | None:
    found = re.search(r'xsi:type="(\w+)"', answer)
    return found.group(1) if found else None


@pytest.fixture
def runtime() -> Runtime:
    served = Runtime(FixtureSource(text=FIXTURE, name="caches"), ManualClock, clock_mode="manual", requests=RequestLog())
    served.load()
    return served


@pytest.fixture
def site(runtime: Runtime) -> object:
    return build_site(runtime=runtime)


def test_a_logged_out_session_is_refused_on_the_next_call(site: object) -> None:
    client = Client(site)
    client.login("bob")
    assert client.call(_update())[0] == 200
    status, answer = client.call('<Logout xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this></Logout>')
    assert status == 200, answer
    status, answer = client.call(_update())  # the same Cookie header as before the logout
    assert (status, _fault(answer)) == (500, "NotAuthenticated")


def test_an_expired_session_is_refused_on_the_next_call(runtime: Runtime, site: object) -> None:
    client = Client(site)
    client.login("bob")
    assert client.call(_update())[0] == 200
    runtime.simulator.clock.advance(runtime.simulator.session_manager.idle_timeout + 1)  # type: ignore[attr-defined]
    assert _fault(client.call(_update())[1]) == "NotAuthenticated"


def test_a_fixture_loaded_through_the_control_api_shows_at_once(runtime: Runtime, site: object) -> None:
    """Sessions, users and privileges are the new fixture's from the next call: the cookie of a
    session of the old one is refused, and a privilege the new one does not grant is refused."""
    client = Client(site)
    client.login("bob")
    assert client.call(_update())[0] == 200
    control = Client(site)
    body = json.dumps({"yaml": REVOKED, "name": "revoked.yaml"}).encode()
    control.protocol.dataReceived(
        b"POST /_vtasksim/fixture HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
        % (len(body), body)
    )
    assert b" 200 " in control.transport.value().split(b"\r\n", 1)[0], control.transport.value()
    assert _fault(client.call(_update())[1]) == "NotAuthenticated"
    client.login("bob")
    status, answer = client.call(_update())
    assert (status, _fault(answer)) == (500, "NoPermission")
    assert "Task.Update" in answer


def test_a_privilege_is_checked_per_user_on_every_call(site: object) -> None:
    bob, eve = Client(site), Client(site)
    bob.login("bob")
    eve.login("eve")
    assert bob.call(_update())[0] == 200
    assert _fault(eve.call(_update())[1]) == "NoPermission"
    assert bob.call(_update(percent=20))[0] == 200


def test_the_fault_order_stays_with_everything_worked_out_once(site: object) -> None:
    """MethodNotFound (another type's method; too new a version), then NotAuthenticated, then
    ManagedObjectNotFound, then NoPermission: each call gets its own fault, naming its own object."""
    anonymous, eve = Client(site), Client(site)
    eve.login("eve")
    for _ in range(2):  # the second time every outcome comes from what was kept
        wrong_type = anonymous.call(_update("group-d1").replace('type="Task"', 'type="Folder"'))[1]
        assert _fault(wrong_type) == "MethodNotFound" and "'group-d1'" in wrong_type
        other = anonymous.call(_update("task-9").replace('type="Task"', 'type="Folder"'))[1]
        assert _fault(other) == "MethodNotFound" and "'task-9'" in other
        assert _fault(anonymous.call(_update())[1]) == "NotAuthenticated"
        assert _fault(eve.call(_update("task-404"))[1]) == "ManagedObjectNotFound"
        assert _fault(eve.call(_update())[1]) == "NoPermission"


def test_a_method_newer_than_the_request_is_not_found_in_that_version_only(site: object) -> None:
    client = Client(site)
    client.login("bob")
    describe = (
        '<SetTaskDescription xmlns="urn:vim25"><_this type="Task">task-1</_this>'
        "<description><key>k</key><message>m</message></description></SetTaskDescription>"
    )
    for _ in range(2):
        status, answer = client.call(describe, soap_action='"urn:vim25/2.5"')
        assert (status, _fault(answer)) == (500, "MethodNotFound") and "since vSphere API 4.0" in answer
        assert client.call(describe, soap_action='"urn:vim25/4.0"')[0] == 200


def test_method_check_outcomes_depend_on_type_method_and_version_only() -> None:
    types = vim_types()
    assert method_check(types, "Task", "Task", "SetTaskDescription", "4.0")[1] is None
    assert method_check(types, "Task", "Task", "SetTaskDescription", "2.5")[1] is not None
    assert method_check(types, "Folder", "Task", "SetTaskDescription", "4.0")[1] is not None
    assert method_check(types, "Task", "Task", "SetTaskDescription", "4.0")[0].since == "4.0"  # type: ignore[union-attr]


def test_the_version_a_soap_action_names_follows_the_vcenters_version() -> None:
    """A fixture of another vCenter version answers the same SOAPAction in its own version."""
    types = vim_types()
    assert version_from_soap_action(b'"urn:vim25/8.0.3.0"', types, "8.0.3.0") == "8.0.3.0"
    assert version_from_soap_action(b'"urn:vim25/8.0.3.0"', types, "7.0.3.2") == "7.0.3.2"
    assert version_from_soap_action(b'"urn:vim25/6.5"', types, "7.0.3.2") == "6.5"
    assert version_from_soap_action(b"urn:vim25/unknown", types, None) == types.newest_version


def test_a_cookie_header_names_the_same_key_however_often_it_is_read() -> None:
    header = b'vmware_soap_session="abc"; Path=/; HttpOnly; Secure;'
    assert session_key(header) == session_key(header) == "abc"
    assert session_key(b"other=1; vmware_soap_session=def") == "def"
    assert session_key(None) is None and session_key(b"other=1") is None


def test_a_record_converts_its_arguments_when_read_and_keeps_no_parsed_request(runtime: Runtime, site: object) -> None:
    client = Client(site)
    client.login("bob")
    client.call(
        '<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this>'
        "<specSet><propSet><type>Task</type><pathSet>info.state</pathSet></propSet>"
        '<objectSet><obj type="Task">task-1</obj></objectSet></specSet><options/></RetrievePropertiesEx>'
    )
    login, retrieve = list(runtime.requests.records())
    assert login.arguments == {"userName": "bob", "password": HIDDEN}
    assert not isinstance(login.arguments, CallArguments)  # a password is not kept until read: hidden at once
    arguments = retrieve.arguments
    assert isinstance(arguments, CallArguments)
    assert not any(hasattr(value, "getparent") for value in _held(arguments))  # no lxml element, no parsed tree
    assert dict(arguments) == {
        "specSet": [{"propSet": {"type": "Task", "pathSet": "info.state"}, "objectSet": {"obj": {"type": "Task", "value": "task-1"}}}],
        "options": "",
    }
    assert json.loads(json.dumps(retrieve.as_json()))["arguments"] == dict(arguments)


def _held(arguments: CallArguments) -> list[object]:
    held = [getattr(arguments, name) for name in CallArguments.__slots__]
    return [item for value in held if isinstance(value, list) for item in value] + held


def test_a_traced_record_is_converted_at_once_and_traced_with_its_arguments() -> None:
    """--trace reads every record as it is added: its arguments are converted while the parsed request is at hand."""
    trace = io.StringIO()
    traced = Runtime(FixtureSource(text=FIXTURE, name="caches"), ManualClock, clock_mode="manual", requests=RequestLog(trace=trace))
    traced.load()
    client = Client(build_site(runtime=traced))
    client.login("bob")
    client.call(_update(percent=33))
    login, update = list(traced.requests.records())
    assert not isinstance(update.arguments, CallArguments) and update.arguments == {"percentDone": 33}
    lines = [json.loads(line) for line in trace.getvalue().splitlines()]
    assert [line["arguments"] for line in lines] == [{"userName": "bob", "password": HIDDEN}, {"percentDone": 33}]


def _retrieve(*tasks: str) -> str:
    specs = "".join(
        f"<specSet><propSet><type>Task</type><pathSet>info.state</pathSet></propSet><objectSet><obj type=\"Task\">{task}</obj></objectSet></specSet>"
        for task in tasks
    )
    return f'<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this>{specs}<options/></RetrievePropertiesEx>'


def test_a_body_sent_again_is_not_parsed_again_but_each_call_has_its_own_lists(site: object) -> None:
    dispatcher = site.resource.children[b"sdk"]._dispatcher  # type: ignore[attr-defined]
    client = Client(site)
    client.login("bob")
    request = _Request(client.cookie)
    body = _ENVELOPE.format(_retrieve("task-1", "task-1")).encode()
    first, second = dispatcher.call(request, body), dispatcher.call(request, bytes(body))  # equal bytes, another object
    assert first.out_error is None and second.out_error is None, (first.out_error, second.out_error)
    assert second.in_body_doc is first.in_body_doc  # read once
    assert second.in_object[1] == first.in_object[1] and second.in_object[1] is not first.in_object[1]
    first.in_object[1].clear()
    assert len(dispatcher.call(request, body).in_object[1]) == 2


def test_a_body_with_a_password_is_read_every_time_and_not_kept(site: object) -> None:
    dispatcher = site.resource.children[b"sdk"]._dispatcher  # type: ignore[attr-defined]
    Client(site).login("bob")
    assert not any(b"<password>" in body for body, _ in dispatcher._reads)


def test_a_lower_array_limit_applies_at_once_to_a_body_read_before(runtime: Runtime, site: object) -> None:
    client = Client(site)
    client.login("bob")
    assert client.call(_retrieve("task-1", "task-1", "task-1"))[0] == 200
    runtime.load(FixtureSource(text=FIXTURE + "settings: {maxArrayItems: 2}\n", name="limited"))
    client.login("bob")
    status, answer = client.call(_retrieve("task-1", "task-1", "task-1"))
    assert (status, _fault(answer)) == (500, "InvalidArgument") and "more than 2 items" in answer


def test_a_body_that_failed_is_read_again_and_fails_again(site: object) -> None:
    client = Client(site)
    for _ in range(2):
        status, answer = client.call('<UpdateProgress xmlns="urn:vim25"><_this type="Task">task-1</_this><percentDone>lots</percentDone></UpdateProgress>')
        assert (status, _fault(answer)) == (500, "InvalidArgument")


class _Request:
    def __init__(self, cookie: str | None) -> None:
        self._headers = {b"cookie": (cookie or "").encode(), b"soapaction": b'"urn:vim25/8.0.3.0"'}

    def getHeader(self, name: bytes) -> bytes | None:
        return self._headers.get(name.lower())

    def isSecure(self) -> bool:
        return False


def test_a_spec_polled_with_the_same_body_is_decoded_once_and_answers_the_task_as_it_is_now(runtime: Runtime, site: object) -> None:
    client = Client(site)
    client.login("bob")
    shared = Call(runtime.simulator, "8.0.3.0", "RetrievePropertiesEx").reader._shared
    before = list(shared)
    first = client.call(_retrieve("task-1"))[1]
    assert ">running<" in first
    client.call('<SetTaskState xmlns="urn:vim25"><_this type="Task">task-1</_this><state>success</state></SetTaskState>')
    second = client.call(_retrieve("task-1"))[1]
    assert ">success<" in second  # the spec is shared, its answer is not
    added = sorted(key[1:] for key in shared if key not in before)
    assert added == [("PropertyFilterSpec", "specSet"), ("RetrieveOptions", "options")]  # each decoded once


def test_a_spec_that_does_not_read_fails_every_time(site: object) -> None:
    client = Client(site)
    client.login("bob")
    bad = _retrieve("task-1").replace("<pathSet>info.state</pathSet>", "<pathSet>info.state</pathSet><all>maybe</all>")
    for _ in range(2):
        status, answer = client.call(bad)
        assert (status, _fault(answer)) == (500, "InvalidArgument") and "specSet.propSet.all" in answer
