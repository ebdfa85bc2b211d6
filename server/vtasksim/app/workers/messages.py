"""What a worker and the owner say to each other: length-prefixed frames on a Unix stream socket.

A frame is its length (4 bytes, big-endian, not counting itself), a kind (1 byte), the call's
number (4 bytes; the worker numbers its calls) and a payload. Payloads are ``marshal``-ed
tuples of bytes, ints and dicts: both ends are this program on this machine, started by the
owner, so no format is needed beyond what CPython reads fastest.
"""

from __future__ import annotations

import marshal
import struct

#: worker → owner: (headers by lower-case name, peer host, peer port, over TLS, body).
CALL = 1
#: worker → owner: the client hung up before its answer (a long poll stops waiting).
GONE = 2
#: owner → worker: (HTTP status, [(header, value)], body).
REPLY = 3
#: owner → worker: close the client's connection without an answer (a fault rule's drop).
DROP = 4
#: worker → owner: listening now (the owner says the server is ready once every worker is).
READY = 5

_HEAD = struct.Struct("!IBI")
_KIND_AND_ID = _HEAD.size - 4


def frame(kind: int, call_id: int, payload: object = None) -> bytes:
    data = b"" if payload is None else marshal.dumps(payload)
    return _HEAD.pack(_KIND_AND_ID + len(data), kind, call_id) + data


def call_frame(call_id: int, headers: dict[bytes, bytes], peer: tuple[str, int], secure: bool, body: bytes) -> bytes:
    return frame(CALL, call_id, (headers, peer[0], peer[1], secure, body))


def reply_frame(call_id: int, code: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    return frame(REPLY, call_id, (code, headers, body))


class FrameReader:
    """Frames out of a byte stream, as whole frames arrive."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, int, object]]:
        """(kind, call number, payload or None) of every frame now whole."""
        buffer = self._buffer
        buffer += data
        frames = []
        start = 0
        while len(buffer) - start >= _HEAD.size:
            length, kind, call_id = _HEAD.unpack_from(buffer, start)
            end = start + 4 + length
            if end > len(buffer):
                break
            body_start = start + _HEAD.size
            frames.append((kind, call_id, marshal.loads(buffer[body_start:end]) if end > body_start else None))
            start = end
        del buffer[:start]
        return frames
