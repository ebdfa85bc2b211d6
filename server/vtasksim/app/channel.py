"""The HTTP connection of the vim25 endpoint: the request body limit and the stalled-request answer.

A body larger than the limit is refused as soon as its size is known: from ``Content-Length``
before a byte of it is read, or as a chunked body streams past the limit. The answer is HTTP 413
with a vim fault envelope (InvalidRequest), the rest of the body is discarded unread into any
buffer, and the connection closes. A client that stops sending in the middle of a request gets
an InvalidRequest when the idle timeout fires; one that sends nothing is simply disconnected.
Both checks are a comparison per chunk: the hot path does not notice them.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.interfaces import IPushProducer
from twisted.web.http import HTTPChannel
from twisted.web.server import Request

from vtasksim.app.direct_write import write_now
from vtasksim.app.fast_http import FastRequest, read_request, twisted_idle
from vtasksim.domain.faults import InvalidRequest
from vtasksim.domain.typesystem import vim_types
from vtasksim.wire.encoding import writer_for
from vtasksim.wire.envelope import CONTENT_TYPE, fault_bytes
from vtasksim.wire.versions import version_from_soap_action

#: Seconds a refused client may go on sending the body it announced before it is cut off: long
#: enough for it to finish writing and read the answer (closing a socket with unread data in it
#: resets the connection, and the client may lose the answer).
LINGER_SECONDS = 2.0
#: Bytes held while a fast-path call waits before the client is asked to stop sending (as twisted.web does).
HOLD_LIMIT = 0x4000


def _raw_fault_response(status: bytes, fault: InvalidRequest, soap_action: bytes | None) -> bytes:
    """A complete HTTP/1.1 response carrying a vim fault, written outside of any Request."""
    types = vim_types()
    body = fault_bytes(fault, writer_for(types, version_from_soap_action(soap_action, types)))
    head = (
        b"HTTP/1.1 " + status + b"\r\nContent-Type: " + CONTENT_TYPE.encode()
        + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
    )  # fmt: skip
    return head + body


def too_large(size: int | None, limit: int) -> InvalidRequest:
    told = f"is {size} bytes" if size is not None else "goes on"
    return InvalidRequest(
        f"The request body {told}, more than this server's limit of {limit} bytes "
        "(raise it with --max-body-bytes or the fixture's settings.maxBodyBytes)."
    )


class VimRequest(Request):
    """A Request that refuses a body over the site's ``max_body_bytes`` before holding it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.received = 0
        self.expected: int | None = None
        self._refused = False

    def gotLength(self, length: int | None) -> None:
        self.expected = length
        limit = self.channel.site.max_body_bytes
        if length is not None and length > limit:
            self._refuse(too_large(length, limit))
            return
        super().gotLength(length)

    def handleContentChunk(self, data: bytes) -> None:
        if self._refused:
            return
        self.received += len(data)
        limit = self.channel.site.max_body_bytes
        if self.received > limit:  # a chunked body, which announced no length
            self._refuse(too_large(None, limit))
            return
        super().handleContentChunk(data)

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
        if not self._refused:  # a refused body may still end within the packet that refused it
            super().requestReceived(command, path, version)

    # SdkRequest (app/fast_http.py): what the vim endpoint needs besides twisted.web's own methods.

    def when_gone(self, callback: Any) -> None:
        self.notifyFinish().addErrback(lambda _: callback())

    def answer(self, body: bytes) -> None:
        if self.finished or self.channel is None:
            return  # the client hung up while the call waited
        self.setHeader(b"Content-Length", str(len(body)).encode())
        self.write(body)
        self.finish()

    def drop(self) -> None:
        if self.channel is not None and self.channel.transport is not None:
            self.channel.transport.abortConnection()

    def _refuse(self, fault: InvalidRequest) -> None:
        self._refused = True
        self.channel.refuse(_raw_fault_response(b"413 Request Entity Too Large", fault, self.getHeader(b"SOAPAction")))


class VimChannel(HTTPChannel):
    """An HTTPChannel that can answer a request before reading its body, and says why it hangs up.

    While twisted.web holds nothing of the connection, every whole ``POST /sdk`` request at the
    front of what arrives is answered by the fast path (app/fast_http.py) through the site's
    ``sdk`` endpoint, in order; the first byte that is not one goes to twisted.web with
    everything after it, and the fast path resumes once twisted.web is done with them. A
    fast-path call that answers later (WaitForUpdatesEx, a fault rule's delay) holds what comes
    after it until it has answered, as twisted.web holds pipelined requests, and the connection
    is not idle meanwhile.
    """

    _waiting: FastRequest | None = None  # the fast-path call that answers later
    _held: list[bytes] | None = None  # what arrived while it waits
    _saved_timeout: float | None = None
    _reading_paused = False
    _lost = False

    def dataReceived(self, data: bytes) -> None:
        if self._waiting is not None:
            self._hold(data)
            return
        sdk = self.site.sdk
        if sdk is None or not twisted_idle(self):
            super().dataReceived(data)
            return
        self.resetTimeout()
        start, max_body = 0, self.site.max_body_bytes
        while start < len(data):
            read = read_request(data, start, max_body)
            if read is None:
                super().dataReceived(data[start:] if start else data)
                return
            headers, body, close, start = read
            request = FastRequest(self, headers, close)
            response = sdk.respond(request, body)
            if response is not None:
                request.finished = True
                self._send(request, response)
            elif not request.finished:
                self._wait(request, data[start:])
                return
            if close or self.transport.disconnecting:
                return

    def fast_answered(self, request: FastRequest, body: bytes) -> None:
        """A fast-path call that waited has its answer: send it, then read what came meanwhile."""
        self._send(request, body)
        if request is not self._waiting or request.close:
            return
        if self._held:
            # On the next reactor turn: this answer may come inside another connection's call (the
            # change that woke it), which must not also run this connection's requests. What
            # arrives meanwhile is held behind them.
            self.callLater(0, self._resume)
        else:
            self._resume()

    def _resume(self) -> None:
        """Read again, starting with what was held while a call waited."""
        held = b"".join(self._held or ())
        self._waiting = self._held = None
        if self._lost or self.transport.disconnecting:
            return
        if self._reading_paused:
            self._reading_paused = False
            self._network().resumeProducing()
        self.setTimeout(self._saved_timeout)
        if held:
            self.dataReceived(held)

    def _send(self, request: FastRequest, body: bytes) -> None:
        if self.transport is None or self.transport.disconnecting:
            return
        write_now(self.transport, request.response(body))
        if request.close:
            self.persistent = False
            self.loseConnection()

    def _wait(self, request: FastRequest, rest: bytes) -> None:
        self._waiting, self._held = request, []
        self._saved_timeout = self.setTimeout(None)  # a call that waits is not an idle connection
        if rest:
            self._hold(rest)

    def _hold(self, data: bytes) -> None:
        assert self._held is not None
        self._held.append(data)
        if not self._reading_paused and sum(map(len, self._held)) > HOLD_LIMIT:
            self._reading_paused = True
            self._network().pauseProducing()

    def _network(self) -> Any:
        return IPushProducer(self.transport, None) or _NotPausable()

    def refuse(self, response: bytes) -> None:
        """Answer now, read and drop whatever else comes, and close once the client is done."""
        self.transport.write(response)
        # Not loseConnection: it stops reading, and a socket closed with unread data resets the
        # connection, which can cost a client that is still writing the answer it was sent.
        self.dataReceived = self._discard  # type: ignore[method-assign]
        self.setTimeout(None)
        self._linger = self.callLater(LINGER_SECONDS, self.transport.abortConnection)

    def _discard(self, data: bytes) -> None:
        pass

    def timeoutConnection(self) -> None:
        request = self.requests[-1] if self.requests else None
        if isinstance(request, VimRequest) and not self._handlingRequest:
            if request.expected is not None:
                stopped = f"after {request.received} of its {request.expected} body bytes"
            else:
                stopped = f"after {request.received} body bytes" if request.received else "before its body"
            fault = InvalidRequest(f"The request stopped {stopped}, and nothing more came for {self.timeOut:g} seconds.")
            self.transport.write(_raw_fault_response(b"500 Internal Server Error", fault, request.getHeader(b"SOAPAction")))
        super().timeoutConnection()

    def connectionLost(self, reason: Any) -> None:
        self._lost = True
        if self._waiting is not None:
            self._waiting.hung_up()
        linger = getattr(self, "_linger", None)
        if linger is not None and linger.active():
            linger.cancel()
        super().connectionLost(reason)


class _NotPausable:
    def pauseProducing(self) -> None:
        pass

    def resumeProducing(self) -> None:
        pass
