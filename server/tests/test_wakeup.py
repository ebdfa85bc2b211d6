"""A WaitForUpdatesEx woken by a call is answered as soon as that call's method has returned:
before the call's own reply, not a reactor turn later (server/bench/wakeup.py measures it)."""

from __future__ import annotations

import re

from memory_transport import MemoryTransport
from vtasksim.app.runtime import FixtureSource, Runtime
from vtasksim.app.site import build_site
from vtasksim.domain.clock import ManualClock

FIXTURE = "tasks:\n  - {key: task-w, descriptionId: com.example.wait, state: running, progress: 10}\n"
ENVELOPE = (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    '<{0} xmlns="urn:vim25"><_this type="{1}">{2}</_this>{3}</{0}></soapenv:Body></soapenv:Envelope>'
)


class Connection:
    def __init__(self, site: object) -> None:
        self.transport = MemoryTransport()
        self.channel = site.buildProtocol(None)  # type: ignore[attr-defined]
        self.channel.makeConnection(self.transport)
        self.cookie = b""

    def send(self, name: str, this_type: str, this: str, arguments: str = "") -> None:
        body = ENVELOPE.format(name, this_type, this, arguments).encode()
        head = b"POST /sdk HTTP/1.1\r\nSOAPAction: urn:vim25/8.0.3.0\r\nCookie: %s\r\nContent-Length: %d\r\n\r\n" % (self.cookie, len(body))
        self.channel.dataReceived(head + body)

    def take(self) -> bytes:
        written, self.transport.written = bytes(self.transport.written), bytearray()
        return written

    def login(self) -> None:
        self.send("Login", "SessionManager", "SessionManager", "<userName>u</userName><password>p</password>")
        self.cookie = re.search(rb"Set-Cookie: ([^;]+)", self.take()).group(1)  # type: ignore[union-attr]


def test_a_waiter_is_answered_before_the_call_that_woke_it() -> None:
    runtime = Runtime(FixtureSource(text=FIXTURE, name="wakeup"), ManualClock)
    runtime.load()
    site = build_site(runtime=runtime)
    waiter, changer = Connection(site), Connection(site)
    waiter.login()
    changer.login()
    spec = '<spec><propSet><type>Task</type><pathSet>info.progress</pathSet></propSet><objectSet><obj type="Task">task-w</obj></objectSet></spec>'
    waiter.send("CreateFilter", "PropertyCollector", "propertyCollector", spec + "<partialUpdates>false</partialUpdates>")
    waiter.send("WaitForUpdatesEx", "PropertyCollector", "propertyCollector", "<options><maxWaitSeconds>0</maxWaitSeconds></options>")
    version = re.findall(rb"<version>([^<]+)</version>", waiter.take())[-1].decode()

    order: list[str] = []
    waiter.transport.write = lambda data: order.append("waiter")  # type: ignore[method-assign]
    changer.transport.write = lambda data: order.append("changer")  # type: ignore[method-assign]
    waiter.send("WaitForUpdatesEx", "PropertyCollector", "propertyCollector", f"<version>{version}</version>")
    assert order == [], "the wait answered before any change"
    changer.send("UpdateProgress", "Task", "task-w", "<percentDone>40</percentDone>")
    assert order == ["waiter", "changer"], "the waiter was not answered within the call that woke it"
