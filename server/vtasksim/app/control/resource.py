"""``/_vtasksim/``: the control API over HTTP, JSON in and out.

Beside ``/sdk``, never under it: no vim25 path starts with ``/_``, so the two surfaces cannot
clash, and a vim client never reaches this one by mistake. With a token (``--control-token``)
every route wants ``Authorization: Bearer <token>``; without one, the API is as open as the
loopback address it listens on.

Every answer is JSON, errors too: ``{"error": "<what is wrong>"}`` with 400 (a bad request),
401 (no or wrong token), 404 (no such route or object), 405 (a route without that method),
409 (the simulator refused: a vim fault, under ``fault``) or 500 (a bug, logged).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import parse_qs

from twisted.web.resource import Resource
from twisted.web.server import Request

from vtasksim.app.control.api import ROUTES, ControlError, Endpoint
from vtasksim.app.runtime import Runtime

log = logging.getLogger(__name__)

JSON_TYPE = b"application/json; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[..., Any]


def _compile(routes: list[Endpoint]) -> list[Route]:
    return [Route(method, re.compile(f"^{path}$"), handler) for method, path, handler in routes]


class ControlResource(Resource):
    isLeaf = True

    def __init__(self, runtime: Runtime, token: str | None = None) -> None:
        super().__init__()
        self._runtime = runtime
        self._token = token
        self._routes = _compile(ROUTES)

    def render(self, request: Request) -> bytes:
        try:
            status, answer = self._dispatch(request)
        except ControlError as error:
            status, answer = error.status, error.as_json()
        except Exception:
            log.exception("unhandled error in the control API")
            status, answer = 500, {"error": "internal error in vtasksim (see the server log)"}
        request.setResponseCode(status)
        request.setHeader(b"Content-Type", JSON_TYPE)
        request.setHeader(b"Cache-Control", b"no-store")
        return json.dumps(answer, indent=1).encode() + b"\n"

    def _dispatch(self, request: Request) -> tuple[int, Any]:
        self._authorize(request)
        path = "/" + "/".join(part.decode("utf-8", "replace") for part in request.postpath)
        path = path.rstrip("/") or "/"
        method = request.method.decode("ascii", "replace")
        allowed = []
        for route in self._routes:
            match = route.pattern.match(path)
            if match is None:
                continue
            if route.method != method:
                allowed.append(route.method)
                continue
            query = {key: values[-1] for key, values in parse_qs(request.uri.partition(b"?")[2].decode()).items()}
            return route.handler(self._runtime, *match.groups(), query=query, body=_body(request, method))
        if allowed:
            request.setHeader(b"Allow", ", ".join(allowed).encode())
            raise ControlError(405, f"{method} is not allowed on /_vtasksim{path}; allowed: {', '.join(allowed)}")
        raise ControlError(404, f"no control API route /_vtasksim{path}; GET /_vtasksim/ lists them")

    def _authorize(self, request: Request) -> None:
        if self._token is None:
            return
        given = request.getHeader(b"Authorization") or b""
        scheme, _, token = given.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), self._token.encode()):
            request.setHeader(b"WWW-Authenticate", b'Bearer realm="vtasksim"')
            raise ControlError(401, "the control API wants Authorization: Bearer <token> (the server's --control-token)")


def _body(request: Request, method: str) -> str | None:
    if method not in ("POST", "PUT", "PATCH"):
        return None
    request.content.seek(0)
    raw = request.content.read()
    if not raw.strip():
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ControlError(400, "the request body is not UTF-8 text") from None
