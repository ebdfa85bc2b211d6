"""An in-memory transport for driving the real Twisted site in unit tests."""

from __future__ import annotations

from twisted.internet.address import IPv4Address


class MemoryTransport:
    """The TCP transport an HTTPChannel writes to, in memory.

    Not twisted.internet.testing.StringTransport: importing that module declares interfaces on
    collections.abc.Sequence (its EventLoggingObserver), which breaks xmlschema for the rest of
    the test session (AttributeError: __provides__ in test_generated_schema).
    """

    def __init__(self) -> None:
        self.written = bytearray()
        self.producer: object | None = None
        self.disconnecting = False

    def write(self, data: bytes) -> None:
        self.written += data

    def writeSequence(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self.write(chunk)

    def value(self) -> bytes:
        return bytes(self.written)

    def clear(self) -> None:
        self.written.clear()

    def loseConnection(self) -> None:
        self.disconnecting = True

    abortConnection = loseConnection

    def getPeer(self) -> IPv4Address:
        return IPv4Address("TCP", "127.0.0.1", 50000)

    def getHost(self) -> IPv4Address:
        return IPv4Address("TCP", "127.0.0.1", 8989)

    def registerProducer(self, producer: object, streaming: bool) -> None:
        self.producer = producer

    def unregisterProducer(self) -> None:
        self.producer = None

    def pauseProducing(self) -> None:
        """Flow control is not needed in memory."""

    resumeProducing = stopProducing = pauseProducing
