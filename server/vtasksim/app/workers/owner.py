"""The owner's end of a worker's link: each call a worker sends runs here, against the one state.

A forwarded call is an :class:`~vtasksim.app.fast_http.SdkRequest` like any other: the vim
endpoint answers it the same way (now, or later for a long poll), and cannot tell that the
HTTP was read in another process.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.protocol import Protocol

from vtasksim.app.fast_http import ReadRequest
from vtasksim.app.workers.messages import CALL, DROP, GONE, READY, FrameReader, frame, reply_frame

if TYPE_CHECKING:
    from vtasksim.app.site import SdkResource

log = logging.getLogger(__name__)


class ForwardedRequest(ReadRequest):
    """A ``POST /sdk`` call a worker read; its answer goes back over the link."""

    __slots__ = ("_link", "_id", "_peer", "_secure")

    def __init__(self, link: "WorkerLink", call_id: int, headers: dict[bytes, bytes], peer: tuple[str, int], secure: bool) -> None:
        super().__init__(headers)
        self._link, self._id, self._peer, self._secure = link, call_id, peer, secure

    def isSecure(self) -> bool:
        return self._secure

    def getClientAddress(self) -> IPv4Address | IPv6Address:
        host, port = self._peer
        return IPv6Address("TCP", host, port) if ":" in host else IPv4Address("TCP", host, port)

    def _send(self, body: bytes) -> None:
        self._link.send_reply(self._id, self.code, list(self.response_headers.items()), body)

    def _abort(self) -> None:
        self._link.send_drop(self._id)


class WorkerLink(Protocol):
    """One worker's link: calls in, answers out, in whatever order they settle."""

    def __init__(self, sdk: "SdkResource", on_ready: Callable[["WorkerLink"], None], on_lost: Callable[["WorkerLink"], None]) -> None:
        self._sdk = sdk
        self._on_ready = on_ready
        self._on_lost = on_lost
        self._reader = FrameReader()
        self._waiting: dict[int, ForwardedRequest] = {}

    def dataReceived(self, data: bytes) -> None:
        for kind, call_id, payload in self._reader.feed(data):
            if kind == CALL:
                self._call(call_id, payload)
            elif kind == GONE:
                request = self._waiting.pop(call_id, None)
                if request is not None:
                    request.hung_up()
            elif kind == READY:
                self._on_ready(self)

    def _call(self, call_id: int, payload: Any) -> None:
        headers, host, port, secure, body = payload
        request = ForwardedRequest(self, call_id, headers, (host, port), secure)
        self._waiting[call_id] = request
        answer = self._sdk.respond(request, body)
        if answer is not None:
            request.answer(answer)

    def send_reply(self, call_id: int, code: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        if self._waiting.pop(call_id, None) is not None and self.transport is not None:
            self.transport.write(reply_frame(call_id, code, headers, body))

    def send_drop(self, call_id: int) -> None:
        if self._waiting.pop(call_id, None) is not None and self.transport is not None:
            self.transport.write(frame(DROP, call_id))

    def connectionLost(self, reason: Any = None) -> None:
        waiting, self._waiting = self._waiting, {}
        for request in waiting.values():
            request.hung_up()  # the worker is gone, and its clients with it
        self._on_lost(self)
