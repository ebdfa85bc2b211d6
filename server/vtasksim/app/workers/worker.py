"""A worker process: ``python -m vtasksim.app.workers.worker`` (started by the owner, never by hand).

It accepts connections on the listening socket it shares with its siblings, reads each whole
``POST /sdk`` request (:func:`vtasksim.app.fast_http.read_request`, the owner's own fast path),
sends it to the owner and writes the answer back, one call at a time per connection, in order.
A connection that asks anything else (a document, the task view, a chunked or oversized body,
bad HTTP) is passed whole to the owner's site, which answers it exactly as it answers its own.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from typing import Any, Sequence

from twisted.internet import reactor
from twisted.internet.protocol import ClientFactory, Factory, Protocol
from twisted.protocols.policies import TimeoutMixin

from vtasksim.app.fast_http import http_response, might_be_fast, read_request
from vtasksim.app.workers.messages import DROP, GONE, READY, REPLY, FrameReader, call_frame, frame
from vtasksim.app.workers.pool import reuse_port_socket


class OwnerLink(Protocol):
    """The link to the owner: calls out, answers in."""

    def __init__(self) -> None:
        self._reader = FrameReader()
        self._calls: dict[int, ClientConnection] = {}
        self._last_id = 0

    def send_call(self, client: "ClientConnection", headers: dict[bytes, bytes], body: bytes) -> int:
        self._last_id = call_id = (self._last_id + 1) & 0xFFFFFFFF
        self._calls[call_id] = client
        peer = client.transport.getPeer()
        self.transport.write(call_frame(call_id, headers, (peer.host, peer.port), False, body))
        return call_id

    def send_gone(self, call_id: int) -> None:
        if self._calls.pop(call_id, None) is not None:
            self.transport.write(frame(GONE, call_id))

    def dataReceived(self, data: bytes) -> None:
        for kind, call_id, payload in self._reader.feed(data):
            client = self._calls.pop(call_id, None)
            if client is None:
                continue  # its client hung up meanwhile
            if kind == REPLY:
                client.answered(*payload)  # type: ignore[misc]
            elif kind == DROP:
                client.dropped()

    def connectionLost(self, reason: Any = None) -> None:
        if reactor.running:
            reactor.stop()  # the owner is gone: so is the vCenter this worker spoke for


class ClientConnection(Protocol, TimeoutMixin):
    """A client's connection, while it sends whole ``POST /sdk`` requests."""

    def __init__(self, worker: "Worker") -> None:
        self._worker = worker
        self._buffer = b""
        self._call: int | None = None
        self._close_after = False
        self._to_owner: OwnerSiteConnection | None = None

    def connectionMade(self) -> None:
        self.setTimeout(self._worker.idle_timeout)

    def dataReceived(self, data: bytes) -> None:
        if self._to_owner is not None:
            self._to_owner.send(data)
            return
        self._buffer += data
        self.resetTimeout()
        self._next()

    def _next(self) -> None:
        if self._call is not None or not self._buffer:
            return
        found = read_request(self._buffer, 0, self._worker.max_body)
        if found is None:
            if not might_be_fast(self._buffer, 0, self._worker.max_body):
                self._pass_to_owner()
            return
        headers, body, self._close_after, end = found
        self._buffer = self._buffer[end:]
        self._call = self._worker.link.send_call(self, headers, body)
        self.setTimeout(None)  # a call that waits (a long poll) is not an idle connection

    def answered(self, code: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self._call = None
        self.transport.write(http_response(code, headers, body, self._close_after))
        if self._close_after:
            self.transport.loseConnection()
            return
        self.setTimeout(self._worker.idle_timeout)
        self._next()

    def dropped(self) -> None:
        self._call = None
        self.transport.abortConnection()

    def timeoutConnection(self) -> None:
        if self._buffer:
            self._pass_to_owner()  # a request stopped half-way: the owner's site says so, as for its own
        else:
            self.transport.loseConnection()

    def _pass_to_owner(self) -> None:
        self.setTimeout(None)
        self.transport.pauseProducing()
        pending, self._buffer = self._buffer, b""
        self._to_owner = OwnerSiteConnection(self, pending)
        factory = ClientFactory.forProtocol(lambda: self._to_owner)
        factory.clientConnectionFailed = lambda connector, reason: self.transport.abortConnection()  # type: ignore[method-assign]
        reactor.connectTCP(*self._worker.owner_site, factory)

    def connectionLost(self, reason: Any = None) -> None:
        self.setTimeout(None)
        if self._call is not None:
            self._worker.link.send_gone(self._call)
            self._call = None
        if self._to_owner is not None and self._to_owner.transport is not None:
            self._to_owner.transport.loseConnection()


class OwnerSiteConnection(Protocol):
    """A client's connection passed to the owner's site: bytes both ways, with flow control."""

    def __init__(self, client: ClientConnection, pending: bytes) -> None:
        self._client = client
        self._pending = pending

    def connectionMade(self) -> None:
        client = self._client.transport
        self.transport.write(self._pending)
        self._pending = b""
        self.transport.registerProducer(client, True)
        client.registerProducer(self.transport, True)
        client.resumeProducing()

    def send(self, data: bytes) -> None:
        if self.transport is None:
            self._pending += data
        else:
            self.transport.write(data)

    def dataReceived(self, data: bytes) -> None:
        self._client.transport.write(data)

    def connectionLost(self, reason: Any = None) -> None:
        self._client.transport.loseConnection()


class Worker:
    def __init__(self, link: OwnerLink, owner_site: tuple[str, int], max_body: int, idle_timeout: float) -> None:
        self.link, self.owner_site, self.max_body, self.idle_timeout = link, owner_site, max_body, idle_timeout


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vtasksim-worker", description=__doc__.split("\n\n")[0])
    parser.add_argument("--link-fd", type=int, required=True)
    parser.add_argument("--listen-host", required=True)
    parser.add_argument("--listen-port", type=int, required=True)
    parser.add_argument("--owner-host", required=True)
    parser.add_argument("--owner-port", type=int, required=True)
    parser.add_argument("--max-body-bytes", type=int, required=True)
    parser.add_argument("--idle-timeout", type=float, required=True)
    args = parser.parse_args(argv)
    link = OwnerLink()
    worker = Worker(link, (args.owner_host, args.owner_port), args.max_body_bytes, args.idle_timeout)
    os.set_blocking(args.link_fd, False)
    reactor.adoptStreamConnection(args.link_fd, socket.AF_UNIX, Factory.forProtocol(lambda: link))
    os.close(args.link_fd)  # the reactor keeps its own copy
    listening = reuse_port_socket(args.listen_host, args.listen_port)
    listening.listen(1024)
    listening.setblocking(False)
    reactor.adoptStreamPort(listening.fileno(), listening.family, Factory.forProtocol(lambda: ClientConnection(worker)))
    listening.close()
    link.transport.write(frame(READY, 0))
    reactor.run(installSignalHandlers=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
