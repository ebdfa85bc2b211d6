"""The Twisted site: ``POST /sdk`` to the Spyne application, and the documents beside it.

Every answer is XML or plain text, never Twisted's HTML error pages: a client of a vCenter
parses whatever comes back.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from twisted.internet import reactor
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request, Site

from vtasksim.domain.faults import InvalidRequest
from vtasksim.domain.simulator import Simulator
from vtasksim.domain.typesystem import vim_types
from vtasksim.wire.application import build_application
from vtasksim.wire.dispatch import Dispatcher
from vtasksim.wire.documents import ServiceDocuments
from vtasksim.wire.encoding import writer_for
from vtasksim.wire.envelope import CONTENT_TYPE, fault_bytes
from vtasksim.wire.pending import PendingReply
from vtasksim.wire.protocol import internal_error
from vtasksim.wire.versions import version_from_soap_action

log = logging.getLogger(__name__)


def _fault_response(request: Request, fault: Any) -> bytes:
    request.setResponseCode(500)
    request.setHeader(b"Content-Type", CONTENT_TYPE.encode())
    types = vim_types()
    version = version_from_soap_action(request.getHeader(b"SOAPAction"), types)
    return fault_bytes(fault, writer_for(types, version))


class NotFound(Resource):
    isLeaf = True

    def render(self, request: Request) -> bytes:
        request.setResponseCode(404)
        request.setHeader(b"Content-Type", b"text/plain; charset=utf-8")
        return b"Not found. The vim25 SOAP endpoint is /sdk.\n"


class Document(Resource):
    isLeaf = True

    def __init__(self, documents: ServiceDocuments, name: str) -> None:
        super().__init__()
        self._documents, self._name = documents, name

    def render_GET(self, request: Request) -> bytes:
        host = request.getRequestHostname().decode("ascii", "replace")
        port = request.getHost().port
        scheme = "https" if request.isSecure() else "http"
        host = f"[{host}]" if ":" in host else host
        content = self._documents.get(self._name, f"{scheme}://{host}:{port}/sdk")
        request.setHeader(b"Content-Type", CONTENT_TYPE.encode())
        return content or b""


class SdkResource(Resource):
    """``/sdk``: SOAP requests by POST to the Spyne application; the WSDL and version documents
    as its children.

    Spyne's own TwistedWebResource hands every answer to a producer that sends it a reactor
    turn later, in chunks; this one runs the call (wire/dispatch.py) and returns the bytes at
    once (one write, with Content-Length), and waits only for calls that wait (a PendingReply:
    WaitForUpdates).
    """

    def __init__(self, simulator: Simulator, documents: ServiceDocuments) -> None:
        super().__init__()
        self._dispatcher = Dispatcher(build_application(simulator))
        self._documents = documents

    def getChildWithDefault(self, path: bytes, request: Request) -> Resource:
        if path == b"":
            return self
        name = path.decode("utf-8", "replace")
        if name in self._documents.names():
            return Document(self._documents, name)
        return NotFound()

    def render(self, request: Request) -> Any:
        if request.method != b"POST":
            return _fault_response(request, InvalidRequest("The vim25 endpoint takes SOAP requests by POST."))
        try:
            return self._call(request)
        except Exception:  # a bug must still be answered as a vCenter would, and logged
            log.exception("unhandled error in a SOAP request")
            return _fault_response(request, internal_error())

    def _call(self, request: Request) -> Any:
        request.content.seek(0)
        ctx = self._dispatcher.call(request, request.content.read())
        result = ctx.out_object[0] if ctx.out_error is None and ctx.out_object else None
        if isinstance(result, PendingReply):
            # A client that hangs up stops the wait; its session may wait again later.
            request.notifyFinish().addErrback(lambda _: result.abandon())
            # Answered on a later reactor turn, not inside the change that settled it.
            result.when_settled(lambda: reactor.callLater(0, self._answer_later, result, ctx, request))
            return NOT_DONE_YET
        return self._answer(ctx, request)

    def _answer(self, ctx: Any, request: Request) -> bytes:
        body = self._dispatcher.answer(ctx)
        request.setResponseCode(500 if ctx.out_error is not None else 200)
        request.setHeader(b"Content-Type", CONTENT_TYPE.encode())
        return body

    def _answer_later(self, pending: PendingReply, ctx: Any, request: Request) -> None:
        try:
            ctx.out_object = [pending.reply()]
        except Exception as error:  # the vim fault, or a bug: to_vim_fault answers both
            ctx.out_error = error
        self._write(request, self._answer(ctx, request))

    @staticmethod
    def _write(request: Request, body: bytes) -> None:
        if request.finished or request.channel is None:
            return  # the client hung up while the call waited
        request.setHeader(b"Content-Length", str(len(body)).encode())
        request.write(body)
        request.finish()


class VimSite(Site):
    """The site; it keeps no access log unless asked (formatting one costs every request).

    A SOAP body is never a form: not parsing POSTs as forms spares Twisted a Content-Type parse
    through the ``email`` package, a fifth of the server's time per call.
    """

    def __init__(self, root: Resource, access_log: bool = False) -> None:
        super().__init__(root, parsePOSTFormSubmission=False)
        self.displayTracebacks = False
        self._access_log = access_log

    def log(self, request: Request) -> None:
        if self._access_log:
            sys.stderr.write(self._logFormatter(self._logDateTime, request) + "\n")


class Root(NotFound):
    """``/``: only ``/sdk`` lives here."""

    isLeaf = False

    def getChild(self, path: bytes, request: Request) -> Resource:
        return NotFound()


def build_site(simulator: Simulator, documents: ServiceDocuments | None = None, access_log: bool = False) -> Site:
    root = Root()
    root.putChild(b"sdk", SdkResource(simulator, documents or ServiceDocuments(vim_types())))
    return VimSite(root, access_log)


