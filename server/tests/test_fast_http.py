"""The fast path of ``POST /sdk`` (app/fast_http.py): what it reads itself, what it leaves to
twisted.web, and the one function that reads twisted.web's private state.

Behaviour over the wire (pipelining, split requests, keep-alive, long polls, 413) is checked in
client_tests/test_http_fast_path.py against the real server.
"""

from __future__ import annotations

import pytest
from twisted.web.http import HTTPChannel

from memory_transport import MemoryTransport
from vtasksim.app.fast_http import read_request, twisted_idle
from vtasksim.app.site import build_site
from vtasksim.domain.clock import ManualClock
from vtasksim.domain.simulator import Simulator

BODY = b"<Envelope/>"
LIMIT = 1000


def post(*headers: bytes, body: bytes = BODY, line: bytes = b"POST /sdk HTTP/1.1") -> bytes:
    return line + b"\r\n" + b"".join(header + b"\r\n" for header in headers) + b"\r\n" + body


PLAIN = post(b"Host: localhost", b"SOAPAction: urn:vim25/8.0.3.0", b"Content-Length: %d" % len(BODY))


def test_reads_a_whole_plain_post() -> None:
    read = read_request(PLAIN, 0, LIMIT)
    assert read is not None
    headers, body, close, end = read
    assert (body, close, end) == (BODY, False, len(PLAIN))
    assert headers == {b"host": b"localhost", b"soapaction": b"urn:vim25/8.0.3.0", b"content-length": b"11"}


def test_reads_pipelined_requests_one_after_the_other() -> None:
    data = PLAIN + PLAIN[:-3]
    first = read_request(data, 0, LIMIT)
    assert first is not None and first[3] == len(PLAIN)
    assert read_request(data, first[3], LIMIT) is None, "the second one is not whole"
    assert read_request(data + PLAIN[-3:], first[3], LIMIT)[1] == BODY  # type: ignore[index]


@pytest.mark.parametrize(
    ("value", "close"),
    [(b"close", True), (b"Close", True), (b"keep-alive close", True), (b"keep-alive", False), (b"close,keep-alive", False)],
)
def test_connection_close_as_twisted_web_reads_it(value: bytes, close: bool) -> None:
    """twisted.web splits the first Connection header at spaces and looks for ``close``."""
    read = read_request(post(b"Connection: " + value, b"Content-Length: 11"), 0, LIMIT)
    assert read is not None and read[2] is close


TWISTED_WEBS = {
    "GET": post(b"Content-Length: 11", line=b"GET /sdk HTTP/1.1"),
    "another path": post(b"Content-Length: 11", line=b"POST /sdk/ HTTP/1.1"),
    "HTTP/1.0": post(b"Content-Length: 11", line=b"POST /sdk HTTP/1.0"),
    "no headers": post(body=b""),
    "no Content-Length": post(b"Host: localhost"),
    "chunked": post(b"Transfer-Encoding: chunked", b"Content-Length: 11"),
    "Expect": post(b"Expect: 100-continue", b"Content-Length: 11"),
    "over the limit": post(b"Content-Length: %d" % (LIMIT + 1), body=b"x" * (LIMIT + 1)),
    "a signed length": post(b"Content-Length: +11"),
    "a repeated length": post(b"Content-Length: 11", b"Content-Length: 11"),
    "a repeated header": post(b"Cookie: a=1", b"Cookie: a=2", b"Content-Length: 11"),
    "a folded line": post(b"Content-Length: 11", b"X-Folded: a", b" b"),
    "a name that is not a token": post(b"Bad Name: x", b"Content-Length: 11"),
    "an empty name": post(b": x", b"Content-Length: 11"),
    "a line without a colon": post(b"Content-Length: 11", b"nonsense"),
    "a bare LF": post(b"X-A: a\nX-B: b", b"Content-Length: 11"),
    "a bare CR": post(b"X-A: a\rb", b"Content-Length: 11"),
    "a NUL": post(b"X-A: a\x00b", b"Content-Length: 11"),
    "a head too long": post(b"X-Long: " + b"x" * HTTPChannel.totalHeadersSize, b"Content-Length: 11"),
    "a body not yet whole": PLAIN[:-1],
    "a head not yet whole": PLAIN[: PLAIN.index(b"\r\n\r\n") + 2],
}


@pytest.mark.parametrize("case", TWISTED_WEBS)
def test_leaves_to_twisted_web_what_it_must_judge(case: str) -> None:
    assert read_request(TWISTED_WEBS[case], 0, LIMIT) is None


def test_twisted_idle_follows_twisted_webs_own_state() -> None:
    """twisted_idle reads HTTPChannel's and LineReceiver's private attributes: this fails when
    Twisted renames them or stops using them this way (then fix twisted_idle, nothing else)."""
    site = build_site(Simulator(ManualClock()))
    channel = site.buildProtocol(None)
    assert isinstance(channel, HTTPChannel)
    transport = MemoryTransport()
    channel.makeConnection(transport)
    assert twisted_idle(channel)  # evaluates every attribute it reads

    channel.dataReceived(b"GET /sdk/vimServiceVersions.xml HT")  # in LineReceiver's buffer
    assert not twisted_idle(channel)
    channel.dataReceived(b"TP/1.1\r\nHost: localhost\r\n")  # a Request, its headers not over
    assert not twisted_idle(channel)
    channel.dataReceived(b"\r\n")
    assert transport.written.startswith(b"HTTP/1.1 200 OK") and twisted_idle(channel)

    chunked = b"POST /sdk HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<a/>\n\r\n0\r\n\r\n"
    channel.dataReceived(chunked[:-7])  # the body half read
    assert not twisted_idle(channel)
    channel.dataReceived(chunked[-7:])
    assert twisted_idle(channel)

    busy: list[bool] = []
    original = channel.lineReceived
    channel.lineReceived = lambda line: (busy.append(twisted_idle(channel)), original(line))[1]  # type: ignore[method-assign]
    channel.dataReceived(b"GET /sdk/vimServiceVersions.xml HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert busy and not any(busy), "idle in the middle of twisted.web's reading"
    assert not twisted_idle(channel), "the connection closes: nothing more is read"


def test_fast_path_serves_the_site_only_without_an_access_log() -> None:
    """An access log is twisted.web's (its Request fields): with one, twisted.web answers everything."""
    assert build_site(Simulator(ManualClock())).sdk is not None  # type: ignore[attr-defined]
    assert build_site(Simulator(ManualClock()), access_log=True).sdk is None  # type: ignore[attr-defined]
