"""The request log: one record per vim call, kept in memory, streamed to subscribers, traced to a file.

The site feeds it; the control API (``GET /_vtasksim/requests``), ``--trace FILE`` and live views
read it. A record is built from what the call already knows (method, ``_this``, the session's
user, the fault), so keeping the log costs a small object per request; nothing is formatted
unless someone reads it, and bodies are copied only when asked for (``--trace-bodies``).

Every record has a sequence number (``id``): a reader asks for what came after the last one it
saw, so a test sees its own calls and a live view picks up where it left off.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from collections.abc import Mapping
from typing import IO, Any, Callable, Iterator

from vtasksim.app.vim_json import iso, moref_json, to_json
from vtasksim.domain.vmodl import MoRef

log = logging.getLogger("vtasksim.requests")

#: How many records the log keeps (the oldest go first); a trace file keeps them all.
DEFAULT_CAPACITY = 10_000

RequestListener = Callable[["RequestRecord"], None]


@dataclass(slots=True)
class RequestRecord:
    id: int
    time: float  # seconds since the epoch, when the request arrived
    user: str | None
    method: str | None
    this: MoRef | None
    fault_type: str | None
    fault_message: str | None
    latency_ms: float
    status: int
    request_body: bytes | None = None
    response_body: bytes | None = None
    #: Why the record is unusual: ``injected`` (a fault rule answered), ``dropped`` (the rule hung up).
    note: str | None = None
    #: The arguments but ``_this``, by name, as the call read them (:mod:`vtasksim.app.call_arguments`:
    #: a mapping that converts them when first read).
    arguments: Mapping[str, Any] | None = None
    #: The Task the call started (CreateTask, a ``…_Task`` method): its story begins here.
    started: MoRef | None = None

    def as_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "id": self.id,
            "time": iso(datetime.fromtimestamp(self.time, timezone.utc)),
            "user": self.user,
            "method": self.method,
            "this": moref_json(self.this),
            "fault": None if self.fault_type is None else {"type": self.fault_type, "message": self.fault_message},
            "latencyMs": round(self.latency_ms, 3),
            "status": self.status,
        }
        if self.note is not None:
            record["note"] = self.note
        if self.arguments is not None:
            record["arguments"] = to_json(dict(self.arguments))
        if self.started is not None:
            record["started"] = moref_json(self.started)
        if self.request_body is not None:
            record["requestBody"] = self.request_body.decode("utf-8", "replace")
        if self.response_body is not None:
            record["responseBody"] = self.response_body.decode("utf-8", "replace")
        return record

    def line(self) -> str:
        """The readable INFO line: ``UpdateProgress Task:task-101 by bob -> InvalidState (0.4 ms)``."""
        target = f" {self.this}" if self.this is not None else ""
        user = f" by {self.user}" if self.user else ""
        outcome = f"{self.fault_type}" if self.fault_type else "ok"
        note = f" [{self.note}]" if self.note else ""
        return f"{self.method or '?'}{target}{user} -> {outcome} ({self.latency_ms:.1f} ms){note}"


class RequestLog:
    def __init__(self, capacity: int = DEFAULT_CAPACITY, trace: IO[str] | None = None, bodies: bool = False) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=capacity)
        self._ids = itertools.count(1)
        self._listeners: list[RequestListener] = []
        self._trace = trace
        #: Whether the site should hand over request and response bodies (they cost a copy each).
        self.bodies = bodies

    @property
    def reads_every_record(self) -> bool:
        """Whether each record is read as it is added (a trace file): nothing is gained by putting off its conversion."""
        return self._trace is not None

    def next_id(self) -> int:
        return next(self._ids)

    def add(self, record: RequestRecord) -> None:
        self._records.append(record)
        if self._trace is not None:
            self._trace.write(json.dumps(record.as_json(), separators=(",", ":")) + "\n")
            self._trace.flush()  # a trace is read while the server runs, or after it was killed
        if log.isEnabledFor(logging.INFO):
            log.info("%s", record.line())
        if self._listeners:
            for listener in list(self._listeners):
                listener(record)

    def subscribe(self, listener: RequestListener) -> None:
        """Call ``listener`` with every record from now on (a live view streams them)."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: RequestListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def records(self, since: int = 0, moref: MoRef | None = None, method: str | None = None) -> Iterator[RequestRecord]:
        """The kept records after id ``since``, oldest first; only those on ``moref``/of ``method`` if given."""
        for record in self._records:
            if record.id <= since:
                continue
            if moref is not None and record.this != moref:
                continue
            if method is not None and record.method != method:
                continue
            yield record

    def last_id(self) -> int:
        return self._records[-1].id if self._records else 0

    def clear(self) -> None:
        self._records.clear()

    def close(self) -> None:
        if self._trace is not None:
            self._trace.close()
            self._trace = None


#: Elements whose text is a secret: a password, a session key asked about, and a UserSession's
#: key (the cookie of a session: LoginResponse, currentSession, sessionList).
_SECRET_ELEMENTS = re.compile(
    rb"(<(?:[\w.-]+:)?(?:password|sessionI[dD])\b[^>]*>)[^<]*(</)|(<key>)[^<]*(</)(?=key><userName>)"
)


def without_secrets(body: bytes) -> bytes:
    """A body fit to keep in a log: passwords and session keys replaced by ``(hidden)``."""
    return _SECRET_ELEMENTS.sub(lambda m: (m.group(1) or m.group(3)) + b"(hidden)" + (m.group(2) or m.group(4)), body)
