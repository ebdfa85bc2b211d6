"""The fast path of ``POST /sdk``: a complete HTTP/1.1 request read in one step, answered in one write.

twisted.web reads a request line by line (LineReceiver), builds a Headers object, a Request,
its cookies, and writes the answer as a header sequence and a body: about a third of the
server's time for a small vim call. Nearly every request a vim client sends is the same shape:
``POST /sdk HTTP/1.1`` with a Content-Length and a small body, whole in one read. Those are
read here (:func:`read_request`) and answered through the same :class:`SdkResource` code as
twisted.web's; anything else (another method or path, HTTP/1.0, chunked, ``Expect``, a repeated
header, a body over the limit, a request not yet whole) is left to twisted.web, which answers
it exactly as before (:mod:`vtasksim.app.channel` decides, connection by connection, request by
request).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol

from twisted.web.http import RESPONSES, HTTPChannel, datetimeToString
from twisted.web.server import version as SERVER_VERSION

if TYPE_CHECKING:
    from twisted.internet.interfaces import IAddress, ITCPTransport


class SdkRequest(Protocol):
    """What the vim endpoint asks of an HTTP request, whichever path read it.

    ``getHeader``, ``setHeader``, ``isSecure`` and ``getClientAddress`` are twisted.web's
    names: a service reads its request through them (``Call.request``).
    """

    vtasksim_arrived: tuple[float, float]  # (time.time(), time.perf_counter()) when the call began

    def getHeader(self, name: bytes) -> bytes | None: ...
    def setHeader(self, name: bytes, value: bytes) -> None: ...
    def setResponseCode(self, code: int) -> None: ...
    def isSecure(self) -> bool: ...
    def getClientAddress(self) -> "IAddress": ...

    def when_gone(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` if the client hangs up before it has the answer."""

    def answer(self, body: bytes) -> None:
        """Send the response with ``body`` (a call that answered later); nothing if the client is gone."""

    def drop(self) -> None:
        """Close the connection without an answer."""


#: The only request line the fast path reads.
REQUEST_LINE = b"POST /sdk HTTP/1.1\r\n"
#: twisted.web's limit on a request's line plus headers: a longer head goes there, for its 400.
MAX_HEAD_BYTES = HTTPChannel.totalHeadersSize
#: Many more headers than any client sends: such a request goes to twisted.web and its limits.
MAX_HEADERS = 64
#: The characters of a header name (a token, RFC 9110 5.6.2), as twisted.web accepts them.
_TOKEN = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_NOT_FAST = (b"transfer-encoding", b"expect")


class ReadRequest:
    """A ``POST /sdk`` request read by our own HTTP code (the fast path, or a worker): its headers,
    and the response's status and headers; subclasses say how the answer leaves."""

    __slots__ = ("headers", "code", "response_headers", "vtasksim_arrived", "finished", "_gone")

    def __init__(self, headers: dict[bytes, bytes]) -> None:
        self.headers = headers  # lower-case names
        self.code = 200
        self.response_headers: dict[bytes, bytes] = {}
        self.finished = False
        self._gone: Callable[[], None] | None = None

    # What Call and the site read and set, as twisted.web's Request names it.

    def getHeader(self, name: bytes) -> bytes | None:
        return self.headers.get(name.lower())

    def setHeader(self, name: bytes, value: bytes) -> None:
        self.response_headers[name] = value

    def setResponseCode(self, code: int) -> None:
        self.code = code

    # The rest of SdkRequest.

    def when_gone(self, callback: Callable[[], None]) -> None:
        self._gone = callback

    def answer(self, body: bytes) -> None:
        if not self.finished:
            self.finished = True
            self._send(body)

    def drop(self) -> None:
        if not self.finished:
            self.finished = True
            self._abort()

    def hung_up(self) -> None:
        """The connection was lost before the answer."""
        if not self.finished:
            self.finished = True
            if self._gone is not None:
                self._gone()

    def _send(self, body: bytes) -> None:
        raise NotImplementedError

    def _abort(self) -> None:
        raise NotImplementedError


class FastChannel(Protocol):
    """What a fast-path request asks of its connection (:class:`vtasksim.app.channel.VimChannel`)."""

    transport: "ITCPTransport"

    def isSecure(self) -> bool: ...

    def fast_answered(self, request: "FastRequest", body: bytes) -> None: ...


class FastRequest(ReadRequest):
    """One request the channel's fast path read."""

    __slots__ = ("channel", "close")

    def __init__(self, channel: FastChannel, headers: dict[bytes, bytes], close: bool) -> None:
        super().__init__(headers)
        self.channel = channel
        self.close = close  # the client sent Connection: close

    def isSecure(self) -> bool:
        return self.channel.isSecure()

    def getClientAddress(self) -> "IAddress":
        return self.channel.transport.getPeer()

    def _send(self, body: bytes) -> None:
        self.channel.fast_answered(self, body)

    def _abort(self) -> None:
        self.channel.transport.abortConnection()

    def response(self, body: bytes) -> bytes:
        return http_response(self.code, self.response_headers.items(), body, self.close)


def http_response(code: int, headers: Iterable[tuple[bytes, bytes]], body: bytes, close: bool) -> bytes:
    """A whole HTTP response, headers as twisted.web writes them (and in its order)."""
    parts = [_STATUS_LINES.get(code) or _status_line(code)]
    if close:
        parts.append(b"Connection: close\r\n")
    parts.append(_SERVER_LINE)
    parts.append(_date_line())
    for name, value in headers:
        parts += (name, b": ", value, b"\r\n")
    parts += (b"Content-Length: ", b"%d" % len(body), b"\r\n\r\n", body)
    return b"".join(parts)


def might_be_fast(data: bytes, start: int, max_body: int) -> bool:
    """Whether ``data[start:]``, not yet a whole fast-path request, may become one as more bytes come."""
    rest = len(data) - start
    if rest < len(REQUEST_LINE):
        return REQUEST_LINE.startswith(data[start:])
    if not data.startswith(REQUEST_LINE, start):
        return False
    head_end = data.find(b"\r\n\r\n", start + len(REQUEST_LINE) - 2, start + MAX_HEAD_BYTES)
    if head_end < 0:
        return rest < MAX_HEAD_BYTES
    headers = _headers(data[start + len(REQUEST_LINE) : head_end])
    if headers is None or not headers.keys().isdisjoint(_NOT_FAST):
        return False
    length = headers.get(b"content-length")
    return length is not None and length.isdigit() and int(length) <= max_body


def read_request(data: bytes, start: int, max_body: int) -> tuple[dict[bytes, bytes], bytes, bool, int] | None:
    """The fast-path request at ``data[start:]``: (headers, body, Connection: close, where it ends).

    None when there is none there, whole: the bytes go to twisted.web, which reads what they
    are (another request, a partial one, a body over ``max_body`` to refuse, bad HTTP).
    """
    if not data.startswith(REQUEST_LINE, start):
        return None
    head_start = start + len(REQUEST_LINE)
    head_end = data.find(b"\r\n\r\n", head_start - 2, start + MAX_HEAD_BYTES)
    if head_end < head_start:
        return None  # no headers, or a head not yet whole, or too long
    headers = _headers(data[head_start:head_end])
    if headers is None or not headers.keys().isdisjoint(_NOT_FAST):
        return None  # a header twisted.web should judge, or a body it must decode
    length = headers.get(b"content-length")
    if length is None or not length.isdigit() or int(length) > max_body:
        return None
    body_start = head_end + 4
    end = body_start + int(length)
    if end > len(data):
        return None
    connection = headers.get(b"connection")
    close = connection is not None and b"close" in connection.lower().split(b" ")  # as twisted.web reads it
    return headers, data[body_start:end], close, end


def _headers(head: bytes) -> dict[bytes, bytes] | None:
    """The header lines, by lower-case name; None for what twisted.web should read and judge:
    a bare CR or LF, a NUL, a folded line, a name that is not a token, a repeated header
    (which one counts?), very many headers."""
    lines = head.split(b"\r\n")
    if len(head) - len(head.translate(None, b"\r\n\x00")) != 2 * (len(lines) - 1) or len(lines) > MAX_HEADERS:
        return None  # a CR, LF or NUL besides the line ends
    headers: dict[bytes, bytes] = {}
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon or not name or name.translate(None, _TOKEN):
            return None
        headers[name.lower()] = value.strip(b" \t")
    return headers if len(headers) == len(lines) else None


def twisted_idle(channel: HTTPChannel) -> bool:
    """Whether twisted.web holds nothing of this connection: no request in flight or half-read,
    no buffered bytes, the connection staying open.

    The one place that reads HTTPChannel's and LineReceiver's private state (Twisted 26.10);
    server/tests/test_fast_http.py fails if these names stop meaning this.
    """
    return (
        not channel.requests
        and channel.persistent
        and channel.line_mode
        and not channel._buffer  # type: ignore[attr-defined]
        and not channel._busyReceiving  # type: ignore[attr-defined]
    )


def _status_line(code: int) -> bytes:
    return b"HTTP/1.1 %d %s\r\n" % (code, RESPONSES.get(code, b"Unknown Status"))


_STATUS_LINES = {code: _status_line(code) for code in (200, 500)}
_SERVER_LINE = b"Server: " + SERVER_VERSION + b"\r\n"
_date: list[Any] = [0, b""]


def _date_line() -> bytes:
    """twisted.web's Date header; formatted once a second, not once a request."""
    now = int(time.time())
    if _date[0] != now:
        _date[:] = [now, b"Date: " + datetimeToString(now) + b"\r\n"]
    return _date[1]
