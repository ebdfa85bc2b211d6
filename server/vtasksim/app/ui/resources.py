"""The Twisted resources under ``/ui``: the page, its assets, its event stream and its JSON.

Read-only: GET and HEAD only. When the server has a control token, every ``/ui`` request must
carry it: once as ``?token=…`` (answered by a redirect that sets an HttpOnly cookie scoped to
``/ui`` and drops the token from the address bar), then by that cookie, which holds a digest of
the token, not the token; scripts may send ``Authorization: Bearer …`` instead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlencode

from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from vtasksim.app.request_log import RequestLog
from vtasksim.app.ui.feed import Scheduler, TaskFeed
from vtasksim.app.ui.rows import task_row
from vtasksim.app.vim_json import to_json
from vtasksim.domain.simulator import Simulator
from vtasksim.domain.task import Task
from vtasksim.domain.vmodl import MoRef

TOKEN_COOKIE = b"vtasksim_ui_token"
_CONTENT_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
#: The page loads nothing from anywhere else, and no other site may frame it.
_SECURITY_HEADERS = {
    b"Content-Security-Policy": b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    b"X-Content-Type-Options": b"nosniff",
    b"Referrer-Policy": b"no-referrer",
}


def _text(request: Request, code: int, message: str) -> bytes:
    request.setResponseCode(code)
    request.setHeader(b"Content-Type", b"text/plain; charset=utf-8")
    return (message + "\n").encode()


def _json(request: Request, value: Any) -> bytes:
    request.setHeader(b"Content-Type", b"application/json; charset=utf-8")
    request.setHeader(b"Cache-Control", b"no-store")
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


class ReadOnly(Resource):
    """Answers GET and HEAD; any other method gets 405, in plain text."""

    def render(self, request: Request) -> Any:
        for name, value in _SECURITY_HEADERS.items():
            request.setHeader(name, value)
        if request.method not in (b"GET", b"HEAD"):
            request.setHeader(b"Allow", b"GET, HEAD")
            return _text(request, 405, "The task view is read-only.")
        return self.render_GET(request)

    def render_GET(self, request: Request) -> Any:  # pragma: no cover - every subclass has one
        raise NotImplementedError


class Missing(ReadOnly):
    isLeaf = True

    def __init__(self, what: str = "No such page") -> None:
        super().__init__()
        self._what = what

    def render_GET(self, request: Request) -> bytes:
        return _text(request, 404, f"{self._what}. The task view is /ui/.")


class Unauthorized(ReadOnly):
    isLeaf = True

    def render(self, request: Request) -> bytes:
        request.setHeader(b"WWW-Authenticate", b'Bearer realm="vtasksim"')
        return _text(request, 401, "This server has a control token: open /ui/?token=TOKEN once (or send Authorization: Bearer TOKEN).")


class Asset(ReadOnly):
    """A file of ``static/``, read once; revalidated by ETag so a reload after an upgrade is fresh."""

    isLeaf = True

    def __init__(self, name: str) -> None:
        super().__init__()
        self._body = (resources.files("vtasksim.app.ui") / "static" / name).read_bytes()
        suffix = name[name.rfind(".") :]
        self._type = f"{_CONTENT_TYPES.get(suffix, 'application/octet-stream')}; charset=utf-8".encode()
        self._etag = b'"' + hashlib.sha256(self._body).hexdigest()[:16].encode() + b'"'

    def render_GET(self, request: Request) -> bytes:
        request.setHeader(b"Content-Type", self._type)
        request.setHeader(b"Cache-Control", b"no-cache")
        request.setHeader(b"ETag", self._etag)
        if request.getHeader(b"If-None-Match") == self._etag:
            request.setResponseCode(304)
            return b""
        return self._body


class _Folder(ReadOnly):
    """A path that only has children: itself it is not found."""

    def __init__(self, children: dict[bytes, Resource] | None = None) -> None:
        super().__init__()
        self._named = children or {}

    def getChild(self, path: bytes, request: Request) -> Resource:
        return self._named.get(path) or Missing()

    def render_GET(self, request: Request) -> bytes:
        return Missing().render_GET(request)


class Assets(_Folder):
    """``/ui/static/NAME``."""

    def __init__(self) -> None:
        super().__init__()
        folder = resources.files("vtasksim.app.ui") / "static"
        self._named = {item.name.encode(): Asset(item.name) for item in folder.iterdir() if item.name != "index.html" and item.is_file()}


class EventStream(ReadOnly):
    """``/ui/events``: the live feed as server-sent events (``text/event-stream``)."""

    isLeaf = True

    def __init__(self, feed: TaskFeed) -> None:
        super().__init__()
        self._feed = feed

    def render_GET(self, request: Request) -> Any:
        request.setHeader(b"Content-Type", b"text/event-stream; charset=utf-8")
        request.setHeader(b"Cache-Control", b"no-store")
        request.setHeader(b"X-Accel-Buffering", b"no")
        if request.method == b"HEAD":
            return b""
        stream = _RequestStream(request)
        request.notifyFinish().addBoth(lambda _: self._feed.close(stream))
        request.write(b"retry: 1000\n\n")
        self._feed.open(stream)
        return NOT_DONE_YET


class _RequestStream:
    def __init__(self, request: Request) -> None:
        self._request = request

    def send(self, chunk: bytes) -> None:
        if not self._request.finished and self._request.channel is not None:
            self._request.write(chunk)


class TaskList(ReadOnly):
    """``/ui/api/tasks``: every row, as the snapshot event has them; ``/ui/api/tasks/KEY``: one task."""

    def __init__(self, feed: TaskFeed) -> None:
        super().__init__()
        self._feed = feed

    def render_GET(self, request: Request) -> bytes:
        return _json(request, {"rows": self._feed.rows()})

    def getChild(self, path: bytes, request: Request) -> Resource:
        task = self._feed.simulator.registry.find(MoRef("Task", path.decode("utf-8", "replace")))
        if not isinstance(task, Task):
            return Missing("No such task")
        return TaskDetail(task, self._feed)


#: The most calls a task's detail carries (the latest); ``historyTotal`` says how many there were.
HISTORY_LIMIT = 200


class TaskDetail(ReadOnly):
    """A task's row, its full TaskInfo, and the calls the request log holds about it, oldest first:
    the call that started it (CreateTask), then every call on it.

    ``history`` is null when the server keeps no request log.
    """

    isLeaf = True

    def __init__(self, task: Task, feed: TaskFeed) -> None:
        super().__init__()
        self._task, self._feed = task, feed

    def render_GET(self, request: Request) -> bytes:
        log = self._feed.request_log
        ref = self._task.ref
        records = [] if log is None else [record for record in log.records() if ref in (record.this, record.started)]
        return _json(request, {
            "row": task_row(self._task, self._feed.name_of),
            "info": to_json(self._task.info),
            "history": None if log is None else [record.as_json() for record in records[-HISTORY_LIMIT:]],
            "historyTotal": len(records),
        })  # fmt: skip


class Page(ReadOnly):
    """``/ui/``: the page; ``/ui`` redirects here, so that the page's relative URLs resolve."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self._body = (resources.files("vtasksim.app.ui") / "static" / "index.html").read_bytes()

    def render_GET(self, request: Request) -> bytes:
        request.setHeader(b"Content-Type", b"text/html; charset=utf-8")
        request.setHeader(b"Cache-Control", b"no-cache")
        return self._body


class UiRoot(ReadOnly):
    """``/ui``: checks the token, then hands the request to the page, assets, events or API."""

    def __init__(self, feed: TaskFeed, token: str | None) -> None:
        super().__init__()
        self._token = token
        # The cookie proves the token was shown without holding it (nor its odd characters).
        self._cookie = hashlib.sha256(b"vtasksim /ui cookie\0" + (token or "").encode()).hexdigest().encode()
        self.feed = feed
        self._children: dict[bytes, Resource] = {
            b"": Page(),
            b"static": Assets(),
            b"events": EventStream(feed),
            b"api": _Folder({b"tasks": TaskList(feed)}),
        }

    def getChildWithDefault(self, path: bytes, request: Request) -> Resource:
        if not self._admitted(request):
            return Unauthorized()
        if b"token" in request.args:
            return _TokenRedirect(request.prepath + request.postpath)
        return self._children.get(path) or Missing()

    def render_GET(self, request: Request) -> bytes:
        if not self._admitted(request):
            return Unauthorized().render(request)
        return _TokenRedirect([*request.prepath, b""]).render(request)

    def _admitted(self, request: Request) -> bool:
        if self._token is None:
            return True
        expected = self._token.encode()
        offered = [
            (request.getHeader(b"Authorization") or b"").removeprefix(b"Bearer "),
            *request.args.get(b"token", []),
        ]
        if hmac.compare_digest(request.getCookie(TOKEN_COOKIE) or b"", self._cookie):
            return True
        if any(hmac.compare_digest(candidate, expected) for candidate in offered if candidate):
            if b"token" in request.args:
                secure = b"; Secure" if request.isSecure() else b""
                request.setHeader(b"Set-Cookie", TOKEN_COOKIE + b"=" + self._cookie + b"; Path=/ui; HttpOnly; SameSite=Strict" + secure)
            return True
        return False


class _TokenRedirect(ReadOnly):
    """Redirects to the same address without the ``token`` argument (the cookie carries it now)."""

    isLeaf = True

    def __init__(self, segments: list[bytes]) -> None:
        super().__init__()
        self._path = b"/" + b"/".join(segments)

    def render_GET(self, request: Request) -> bytes:
        kept = [(k, v) for k, v in parse_qsl(request.uri.partition(b"?")[2].decode("utf-8", "replace")) if k != "token"]
        location = self._path + (b"?" + urlencode(kept).encode() if kept else b"")
        request.setResponseCode(303)
        request.setHeader(b"Location", location)
        request.setHeader(b"Cache-Control", b"no-store")
        return b""


def build_ui(
    simulator: Simulator, token: str | None = None, request_log: RequestLog | None = None,
    scheduler: Scheduler | None = None,
) -> UiRoot:  # fmt: skip
    """``/ui`` for ``simulator``; with ``token``, only for those who show it; with a request log,
    each task's history too."""
    if scheduler is None:
        from twisted.internet import reactor as scheduler  # type: ignore[assignment,no-redef]
    return UiRoot(TaskFeed(simulator, scheduler, request_log), token)
