"""The Twisted site: ``POST /sdk`` to the Spyne application, and the documents beside it.

Every answer is XML or plain text, never Twisted's HTML error pages: a client of a vCenter
parses whatever comes back.
"""

from __future__ import annotations

import logging
from typing import Any

from twisted.web.resource import Resource
from twisted.web.server import Request, Site

from vtasksim.domain.faults import InvalidRequest
from vtasksim.domain.simulator import Simulator
from vtasksim.domain.typesystem import vim_types
from vtasksim.wire.application import build_application
from vtasksim.wire.documents import ServiceDocuments
from vtasksim.wire.encoding import Vim25Writer
from vtasksim.wire.envelope import CONTENT_TYPE, fault_bytes
from vtasksim.wire.protocol import SystemError_
from vtasksim.wire.versions import version_from_soap_action

from spyne.server.twisted import TwistedWebResource  # isort: skip  (after vtasksim.wire's Spyne fixes)

log = logging.getLogger(__name__)


def _fault_response(request: Request, fault: Any) -> bytes:
    request.setResponseCode(500)
    request.setHeader(b"Content-Type", CONTENT_TYPE.encode())
    types = vim_types()
    version = version_from_soap_action(request.getHeader(b"SOAPAction"), types)
    return fault_bytes(fault, Vim25Writer(types, version))


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


class SdkResource(TwistedWebResource):
    """``/sdk``: SOAP requests by POST; the WSDL and version documents as its children."""

    def __init__(self, simulator: Simulator, documents: ServiceDocuments) -> None:
        super().__init__(build_application(simulator))
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
            return self.handle_rpc(request)
        except Exception:  # a bug must still be answered as a vCenter would, and logged
            log.exception("unhandled error in a SOAP request")
            return _fault_response(request, SystemError_("A general system error occurred: internal error in vtasksim (see the server log).", reason="internal error in vtasksim"))


class Root(NotFound):
    """``/``: only ``/sdk`` lives here."""

    isLeaf = False

    def getChild(self, path: bytes, request: Request) -> Resource:
        return NotFound()


def build_site(simulator: Simulator, documents: ServiceDocuments | None = None) -> Site:
    root = Root()
    root.putChild(b"sdk", SdkResource(simulator, documents or ServiceDocuments(vim_types())))
    site = Site(root)
    site.displayTracebacks = False
    return site


