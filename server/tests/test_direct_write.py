"""write_now (app/direct_write.py) sends a response at once only when Twisted's TCP transport
holds nothing unsent: it reads FileDescriptor's private state, and these tests fail when
Twisted renames it or stops using it this way (then fix ``_nothing_buffered``, nothing else)."""

from __future__ import annotations

import socket
from typing import Iterator

import pytest
from twisted.internet import tcp
from twisted.internet.protocol import Protocol

from vtasksim.app.direct_write import write_now


class IdleReactor:
    """The reactor a transport registers with; it never runs, so only write_now sends anything."""

    def __init__(self) -> None:
        self.writers: set[object] = set()

    def addReader(self, reader: object) -> None:
        pass

    removeReader = addReader

    def addWriter(self, writer: object) -> None:
        self.writers.add(writer)

    def removeWriter(self, writer: object) -> None:
        self.writers.discard(writer)


@pytest.fixture
def connection() -> Iterator[tuple[tcp.Server, socket.socket, IdleReactor]]:
    ours, peer = socket.socketpair()
    ours.setblocking(False)
    peer.settimeout(0.2)
    reactor = IdleReactor()
    transport = tcp.Server(ours, Protocol(), ("127.0.0.1", 40000), None, 1, reactor)  # type: ignore[arg-type]
    yield transport, peer, reactor
    ours.close()
    peer.close()


def received(peer: socket.socket) -> bytes:
    try:
        return peer.recv(65536)
    except socket.timeout:
        return b""


def test_sent_at_once_when_nothing_is_buffered(connection: tuple[tcp.Server, socket.socket, IdleReactor]) -> None:
    transport, peer, reactor = connection
    write_now(transport, b"answer")
    assert received(peer) == b"answer"
    assert not reactor.writers, "the transport waits to write although everything went out"


def test_buffered_behind_what_twisted_holds(connection: tuple[tcp.Server, socket.socket, IdleReactor]) -> None:
    """After a write Twisted has not sent yet, write_now queues behind it: order is kept."""
    transport, peer, reactor = connection
    transport.write(b"first ")
    write_now(transport, b"second")
    assert received(peer) == b"", "sent before what was written first"
    transport.doWrite()
    assert received(peer) == b"first second"
    write_now(transport, b"third")  # drained: straight out again
    assert received(peer) == b"third"


def test_what_the_socket_does_not_take_is_buffered(connection: tuple[tcp.Server, socket.socket, IdleReactor]) -> None:
    transport, peer, reactor = connection
    big = bytes(range(256)) * 40_000  # more than a socket pair's buffers
    write_now(transport, big)
    assert reactor.writers == {transport}, "the rest is not waiting to be written"
    got = bytearray()
    while len(got) < len(big):
        got += peer.recv(1 << 20)
        transport.doWrite()
    assert bytes(got) == big


def test_not_after_the_connection_is_closing(connection: tuple[tcp.Server, socket.socket, IdleReactor]) -> None:
    transport, peer, reactor = connection
    transport.disconnecting = True
    write_now(transport, b"late")
    assert received(peer) == b""
