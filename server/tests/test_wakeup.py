"""A WaitForUpdatesEx woken by a call is answered as soon as that call's method has returned:
before the call's own reply, not a reactor turn later (server/bench/wakeup.py measures it). A
client that hangs up while its call waits ends the wait."""

from __future__ import annotations

import re

from twisted.internet.task import Clock

from memory_transport import MemoryTransport
from vtasksim.app.request_log import RequestLog
from vtasksim.app.runtime import FixtureSource, Runtime
from vtasksim.app.site import build_site
from vtasksim.domain.clock import ManualClock

FIXTURE = "tasks:\n  - {key: task-w, descriptionId: com.example.wait, state: running, progress: 10}\n"
ENVELOPE = (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    '<{0} xmlns="urn:vim25"><_this type="{1}">{2}</_this>{3}</{0}></soapenv:Body></soapenv:Envelope>'
)


class Connection:
    def __init__(self, site: object, clock: Clock | None = None) -> None:
        self.transport = MemoryTransport()
        self.channel = site.buildProtocol(None)  # type: ignore[attr-defined]
        if clock is not None:
            self.channel.callLater = clock.callLater
        self.channel.makeConnection(self.transport)
        self.cookie = b""

    def send(self, name: str, this_type: str, this: str, arguments: str = "") -> None:
        self.channel.dataReceived(self.request(name, this_type, this, arguments))

    def request(self, name: str, this_type: str, this: str, arguments: str = "") -> bytes:
        body = ENVELOPE.format(name, this_type, this, arguments).encode()
        head = b"POST /sdk HTTP/1.1\r\nSOAPAction: urn:vim25/8.0.3.0\r\nCookie: %s\r\nContent-Length: %d\r\n\r\n" % (self.cookie, len(body))
        return head + body

    def take(self) -> bytes:
        written, self.transport.written = bytes(self.transport.written), bytearray()
        return written

    def login(self) -> None:
        self.send("Login", "SessionManager", "SessionManager", "<userName>u</userName><password>p</password>")
        self.cookie = re.search(rb"Set-Cookie: ([^;]+)", self.take()).group(1)  # type: ignore[union-attr]


def served(requests: RequestLog | None = None, clock: Clock | None = None) -> tuple[Connection, Connection, str]:
    """A site on the fixture, a waiter with a filter on task-w (and its version), and a changer."""
    runtime = Runtime(FixtureSource(text=FIXTURE, name="wakeup"), ManualClock, requests=requests)
    runtime.load()
    site = build_site(runtime=runtime)
    waiter, changer = Connection(site, clock), Connection(site, clock)
    waiter.login()
    changer.login()
    spec = '<spec><propSet><type>Task</type><pathSet>info.progress</pathSet></propSet><objectSet><obj type="Task">task-w</obj></objectSet></spec>'
    waiter.send("CreateFilter", "PropertyCollector", "propertyCollector", spec + "<partialUpdates>false</partialUpdates>")
    waiter.send("WaitForUpdatesEx", "PropertyCollector", "propertyCollector", "<options><maxWaitSeconds>0</maxWaitSeconds></options>")
    version = re.findall(rb"<version>([^<]+)</version>", waiter.take())[-1].decode()
    return waiter, changer, version


def test_a_waiter_is_answered_before_the_call_that_woke_it() -> None:
    waiter, changer, version = served()
    order: list[str] = []
    waiter.transport.write = lambda data: order.append("waiter")  # type: ignore[method-assign]
    changer.transport.write = lambda data: order.append("changer")  # type: ignore[method-assign]
    waiter.send("WaitForUpdatesEx", "PropertyCollector", "propertyCollector", f"<version>{version}</version>")
    assert order == [], "the wait answered before any change"
    changer.send("UpdateProgress", "Task", "task-w", "<percentDone>40</percentDone>")
    assert order == ["waiter", "changer"], "the waiter was not answered within the call that woke it"


def test_a_client_that_hangs_up_ends_its_wait() -> None:
    """The wait is abandoned when the connection is lost: the change that follows answers no one
    (the request log has no second WaitForUpdatesEx), and the session may wait again."""
    requests = RequestLog()
    waiter, changer, version = served(requests)
    waiter.send("WaitForUpdatesEx", "PropertyCollector", "propertyCollector", f"<version>{version}</version>")
    waiter.channel.connectionLost(None)
    changer.send("UpdateProgress", "Task", "task-w", "<percentDone>40</percentDone>")
    assert len(list(requests.records(method="WaitForUpdatesEx"))) == 1, "a wait nobody was waiting for was answered"

    again = Connection(waiter.channel.site)
    again.cookie = waiter.cookie
    again.send("WaitForUpdatesEx", "PropertyCollector", "propertyCollector", f"<version>{version}</version>")
    assert b">40<" in again.take(), "the session's next wait did not see the change"


def test_requests_behind_a_woken_wait_run_after_the_call_that_woke_it() -> None:
    """The waiter's connection has a Fetch pipelined behind its wait: the wait is answered within
    the change's call, the Fetch on the next reactor turn, not inside that other connection's call."""
    clock = Clock()
    waiter, changer, version = served(clock=clock)
    order: list[bytes] = []
    waiter.transport.write = lambda data: order.append(b"Fetch" if b"FetchResponse" in data else b"Wait")  # type: ignore[method-assign]
    changer.transport.write = lambda data: order.append(b"changer")  # type: ignore[method-assign]
    wait = waiter.request("WaitForUpdatesEx", "PropertyCollector", "propertyCollector", f"<version>{version}</version>")
    waiter.channel.dataReceived(wait + waiter.request("Fetch", "Task", "task-w", "<prop>info</prop>"))
    changer.send("UpdateProgress", "Task", "task-w", "<percentDone>40</percentDone>")
    assert order == [b"Wait", b"changer"]
    clock.advance(0)
    assert order == [b"Wait", b"changer", b"Fetch"]
