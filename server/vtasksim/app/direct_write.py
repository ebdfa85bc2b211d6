"""A response sent at once, when nothing is waiting to be sent before it.

Twisted's TCP transport buffers every write and sends it when the reactor next finds the
socket writable: for each response, an epoll registration, a loop iteration and an
unregistration, and the response leaves only after whatever else that iteration does. When
the transport has nothing buffered, sending straight away is the same bytes in the same order,
sooner; what the socket does not take goes to Twisted's buffer as usual. Plain TCP only: TLS
has its own buffers (and its transport is not a ``tcp.Server``).
"""

from __future__ import annotations

from typing import Any

from twisted.internet import tcp


def write_now(transport: Any, data: bytes) -> None:
    """``transport.write(data)``, but sent before returning when ``transport`` lets us."""
    if type(transport) is not tcp.Server or not _nothing_buffered(transport):
        transport.write(data)
        return
    sent = transport.writeSomeData(data)
    if isinstance(sent, BaseException):  # the connection is lost: Twisted finds out and says so
        sent = 0
    if sent < len(data):
        transport.write(data[sent:])


def _nothing_buffered(transport: tcp.Server) -> bool:
    """Nothing written and not yet sent, the connection open: FileDescriptor's private state
    (Twisted 26.10); server/tests/test_direct_write.py fails if these names stop meaning this."""
    return (
        transport.connected
        and not transport.disconnecting
        and not transport._tempDataLen  # type: ignore[attr-defined]
        and len(transport.dataBuffer) == transport.offset  # type: ignore[attr-defined]
    )
