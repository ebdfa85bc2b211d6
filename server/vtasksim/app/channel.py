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

from twisted.web.http import HTTPChannel
from twisted.web.server import Request

from vtasksim.domain.faults import InvalidRequest
from vtasksim.domain.typesystem import vim_types
from vtasksim.wire.encoding import writer_for
from vtasksim.wire.envelope import CONTENT_TYPE, fault_bytes
from vtasksim.wire.versions import version_from_soap_action

#: Seconds a refused client may go on sending the body it announced before it is cut off: long
#: enough for it to finish writing and read the answer (closing a socket with unread data in it
#: resets the connection, and the client may lose the answer).
LINGER_SECONDS = 2.0


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

    def _refuse(self, fault: InvalidRequest) -> None:
        self._refused = True
        self.channel.refuse(_raw_fault_response(b"413 Request Entity Too Large", fault, self.getHeader(b"SOAPAction")))


class VimChannel(HTTPChannel):
    """An HTTPChannel that can answer a request before reading its body, and says why it hangs up."""

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
        linger = getattr(self, "_linger", None)
        if linger is not None and linger.active():
            linger.cancel()
        super().connectionLost(reason)
