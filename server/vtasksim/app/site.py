"""The Twisted site: ``POST /sdk`` to the Spyne application, and the documents beside it.

Every answer is XML or plain text, never Twisted's HTML error pages: a client of a vCenter
parses whatever comes back.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING, Any, Callable

from twisted.internet import reactor
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request, Site

from vtasksim.app.call_arguments import logged_arguments, task_started
from vtasksim.app.channel import VimChannel, VimRequest
from vtasksim.app.fast_http import SdkRequest
from vtasksim.app.request_log import RequestLog, RequestRecord, without_secrets
from vtasksim.app.ui import build_ui
from vtasksim.domain.faults import InvalidRequest, MethodFault
from vtasksim.domain.scenarios.fault_rules import FaultRule
from vtasksim.domain.simulator import Simulator
from vtasksim.domain.typesystem import vim_types
from vtasksim.wire.application import build_application
from vtasksim.wire.dispatch import Dispatcher
from vtasksim.wire.documents import ServiceDocuments
from vtasksim.wire.encoding import writer_for
from vtasksim.wire.envelope import CONTENT_TYPE, fault_bytes
from vtasksim.wire.pending import PendingReply
from vtasksim.domain.vmodl import MoRef
from vtasksim.wire.namespaces import local_name
from vtasksim.wire.protocol import VimSoapFault, internal_error, to_vim_fault
from vtasksim.wire.versions import version_from_soap_action

from spyne.model.fault import Fault as SpyneError  # isort: skip  (after vtasksim.wire's Spyne fixes)

if TYPE_CHECKING:
    from vtasksim.app.runtime import Runtime

log = logging.getLogger(__name__)


def _fault_response(request: SdkRequest, fault: Any) -> bytes:
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
        return b"Not found. The vim25 SOAP endpoint is /sdk; the task view is /ui/.\n"


class Document(Resource):
    isLeaf = True

    def __init__(self, documents: ServiceDocuments, name: str, version: str | None = None) -> None:
        super().__init__()
        self._documents, self._name, self._version = documents, name, version

    def render_GET(self, request: Request) -> bytes:
        host = request.getRequestHostname().decode("ascii", "replace")
        port = _port_asked(request) or request.getHost().port
        scheme = "https" if request.isSecure() else "http"
        host = f"[{host}]" if ":" in host else host
        content = self._documents.get(self._name, f"{scheme}://{host}:{port}/sdk", self._version)
        request.setHeader(b"Content-Type", CONTENT_TYPE.encode())
        return content or b""


def _port_asked(request: Request) -> int | None:
    """The port in the client's Host header: the one it connected to, even when a worker passed
    the connection on to this process's own port (``--workers``)."""
    host = request.getHeader(b"Host") or b""
    _, colon, port = host.rpartition(b":")
    return int(port) if colon and port.isdigit() and not port.startswith(b"0") and int(port) < 65536 else None


class SdkResource(Resource):
    """``/sdk``: SOAP requests by POST to the Spyne application; the WSDL and version documents
    as its children.

    Spyne's own TwistedWebResource hands every answer to a producer that sends it a reactor
    turn later, in chunks; this one runs the call (wire/dispatch.py) and returns the bytes at
    once (one write, with Content-Length), and waits only for calls that wait (a PendingReply:
    WaitForUpdates). Every call answered goes to the request log, when there is one.

    A waiting call is answered after the change that settled it is over, never inside it: when
    a call made the change, as soon as that call's method has returned (before its own reply:
    the waiter hears first, as it waits for nothing else); when a timer or the control API
    made it, on the next reactor turn.
    """

    def __init__(self, simulator: Simulator, documents: ServiceDocuments, requests: RequestLog | None = None) -> None:
        super().__init__()
        self.application = build_application(simulator)
        self._dispatcher = Dispatcher(self.application)
        self._documents = documents
        self._requests = requests
        #: Called before each response is written (``--state`` writes the call's changes).
        self.before_reply: Callable[[], None] | None = None
        self._in_call = False  # a call's method is running: a waiter it wakes is answered after it
        self._woken: list[Callable[[], None]] = []

    def getChildWithDefault(self, path: bytes, request: Request) -> Resource:
        if path == b"":
            return self
        name = path.decode("utf-8", "replace")
        if name in self._documents.names():
            return Document(self._documents, name, self.application.simulator.version)
        return NotFound()

    def render(self, request: Request) -> Any:
        if request.method != b"POST":
            request.vtasksim_arrived = time.time(), time.perf_counter()
            fault = InvalidRequest("The vim25 endpoint takes SOAP requests by POST.")
            self._record(request, None, fault)
            return _fault_response(request, fault)
        request.content.seek(0)
        body = self.respond(request, request.content.read())
        return NOT_DONE_YET if body is None else body

    def respond(self, request: SdkRequest, body: bytes) -> bytes | None:
        """Run the call ``body`` holds: the response body now, or None when ``request.answer`` or
        ``request.drop`` will follow (a call that waits, a fault rule's delay or drop).

        Both HTTP paths come here: twisted.web's (:meth:`render`) and the channel's fast path
        (:mod:`vtasksim.app.fast_http`); the status and headers are set on ``request``.
        """
        request.vtasksim_arrived = time.time(), time.perf_counter()
        try:
            return self._call(request, body)
        except Exception:  # a bug must still be answered as a vCenter would, and logged
            log.exception("unhandled error in a SOAP request")
            fault = internal_error()
            self._record(request, None, fault)
            return _fault_response(request, fault)

    def _call(self, request: SdkRequest, body: bytes) -> bytes | None:
        self._in_call = True
        try:
            ctx = self._dispatcher.call(request, body)
        finally:
            self._in_call = False
        if self._woken:
            self._answer_woken()
        result = ctx.out_object[0] if ctx.out_error is None and ctx.out_object else None
        if isinstance(result, PendingReply):
            # A client that hangs up stops the wait; its session may wait again later.
            request.when_gone(result.abandon)
            result.when_settled(lambda: self._settled(lambda: self._answer_later(result, ctx, request)))
            return None
        rule = ctx.udc.injected if ctx.udc is not None else None
        if rule is not None and (rule.delay > 0 or rule.drop):
            reactor.callLater(rule.delay, self._answer_injected, rule, ctx, request)
            return None
        return self._answer(ctx, request)

    def _answer_injected(self, rule: FaultRule, ctx: Any, request: SdkRequest) -> None:
        """A fault rule's delay is over: answer, or drop the connection without a word."""
        if not rule.drop:
            request.answer(self._answer(ctx, request))
            return
        self._record(request, ctx, None)
        ctx.close()
        request.drop()

    def _answer(self, ctx: Any, request: SdkRequest) -> bytes:
        request_body = without_secrets(ctx.in_string[0]) if self._requests is not None and self._requests.bodies else None
        body = self._dispatcher.answer(ctx)
        request.setResponseCode(500 if ctx.out_error is not None else 200)
        request.setHeader(b"Content-Type", CONTENT_TYPE.encode())
        if self._requests is not None:
            self._record(request, ctx, ctx.out_error, request_body, body)
        if self.before_reply is not None:
            self.before_reply()  # --state: the call's changes are on disk before the client hears of them
        return body

    def _settled(self, answer: Callable[[], None]) -> None:
        """A waiting call has its outcome: answer it once the change that settled it is over."""
        if self._in_call:
            self._woken.append(answer)
        else:
            reactor.callLater(0, answer)

    def _answer_woken(self) -> None:
        woken, self._woken = self._woken, []
        for answer in woken:
            try:
                answer()
            except Exception:  # one waiter's bug must not fail the call that woke it, nor other waiters
                log.exception("unhandled error answering a waiting call")

    def _answer_later(self, pending: PendingReply, ctx: Any, request: SdkRequest) -> None:
        try:
            ctx.out_object = [pending.reply()]
        except Exception as error:  # the vim fault, or a bug: to_vim_fault answers both
            ctx.out_error = error
        request.answer(self._answer(ctx, request))

    def _record(
        self, request: SdkRequest, ctx: Any, error: BaseException | None,
        request_body: bytes | None = None, response_body: bytes | None = None,
    ) -> None:  # fmt: skip
        if self._requests is None:
            return
        arrived, started = request.vtasksim_arrived
        call = ctx.udc if ctx is not None else None
        session = call.session if call is not None else None
        rule = call.injected if call is not None else None
        fault = _fault_of(error, ctx)
        method = _method_of(ctx)
        status = 500 if error is not None else 200
        if rule is not None and rule.drop:
            fault, status = None, 0  # no answer at all
        self._requests.add(RequestRecord(
            id=self._requests.next_id(), time=arrived,
            user=session.info.userName if session is not None else None,
            method=method, this=_this_of(ctx), arguments=logged_arguments(ctx, self._requests.reads_every_record),
            started=task_started(method, ctx.out_object[0] if error is None and ctx is not None and ctx.out_object else None),
            fault_type=fault.vim_type if fault is not None else None,
            fault_message=fault.message if fault is not None else None,
            latency_ms=(time.perf_counter() - started) * 1000.0,
            status=status, request_body=request_body,
            response_body=without_secrets(response_body) if self._requests.bodies and response_body else None,
            note=None if rule is None else f"{'dropped by ' if rule.drop else ''}fault rule {rule.id}",
        ))  # fmt: skip


def _method_of(ctx: Any) -> str | None:
    if ctx is None:
        return None
    if ctx.descriptor is not None:
        return ctx.descriptor.name
    operation = getattr(ctx, "in_body_doc", None)
    return local_name(operation.tag) if operation is not None and isinstance(operation.tag, str) else None


def _this_of(ctx: Any) -> MoRef | None:
    arguments = ctx.in_object if ctx is not None else None
    first = arguments[0] if arguments else None
    return first if isinstance(first, MoRef) else None


def _fault_of(error: BaseException | None, ctx: Any) -> MethodFault | None:
    """The vim fault the client got; a bug is logged once, by the protocol, not again here."""
    if error is None:
        return None
    if isinstance(error, (MethodFault, VimSoapFault, SpyneError)):
        return to_vim_fault(error, ctx)
    return internal_error()


class VimSite(Site):
    """The site; it keeps no access log unless asked (formatting one costs every request).

    A SOAP body is never a form: not parsing POSTs as forms spares Twisted a Content-Type parse
    through the ``email`` package, a fifth of the server's time per call.

    Connections idle for ``idle_timeout`` seconds outside a call are closed (a call that waits,
    such as WaitForUpdates, is not idle); bodies over ``max_body_bytes`` are refused
    (:mod:`vtasksim.app.channel`).
    """

    protocol = VimChannel
    #: The endpoint the channels' fast path answers ``POST /sdk`` with (None: twisted.web answers every
    #: request, as with an access log, which is twisted.web's).
    sdk: SdkResource | None = None

    def __init__(self, root: Resource, access_log: bool = False, max_body_bytes: int = 16 * 1024 * 1024, idle_timeout: float = 60.0) -> None:
        super().__init__(root, parsePOSTFormSubmission=False, requestFactory=VimRequest, timeout=idle_timeout)
        self.displayTracebacks = False
        self._access_log = access_log
        self.max_body_bytes = max_body_bytes

    def log(self, request: Request) -> None:
        if self._access_log:
            sys.stderr.write(self._logFormatter(self._logDateTime, request) + "\n")


class Root(NotFound):
    """``/``: ``/sdk`` and the task view ``/ui`` live here."""

    isLeaf = False

    def getChild(self, path: bytes, request: Request) -> Resource:
        return NotFound()


def build_site(
    simulator: Simulator | None = None,
    documents: ServiceDocuments | None = None,
    access_log: bool = False,
    runtime: "Runtime | None" = None,
    control_token: str | None = None,
    idle_timeout: float = 60.0,
    before_reply: Callable[[], None] | None = None,
) -> Site:
    """The site of ``simulator``, or of ``runtime``'s current one with the control API beside it."""
    root = Root()
    if runtime is not None:
        from vtasksim.app.control.resource import ControlResource

        sdk = SdkResource(runtime.simulator, documents or ServiceDocuments(vim_types()), runtime.requests)
        # A fixture loaded or reset through the control API is served from the next call on.
        runtime.listeners.append(lambda loaded: setattr(sdk.application, "simulator", loaded))
        root.putChild(b"_vtasksim", ControlResource(runtime, control_token))
        simulator = runtime.simulator
        ui = build_ui(simulator, token=control_token, request_log=runtime.requests)
        runtime.listeners.append(ui.feed.switch)
    else:
        assert simulator is not None, "a simulator or a runtime"
        sdk = SdkResource(simulator, documents or ServiceDocuments(vim_types()))
        ui = build_ui(simulator)
    sdk.before_reply = before_reply
    root.putChild(b"sdk", sdk)
    root.putChild(b"ui", ui)
    site = VimSite(root, access_log, simulator.settings.max_body_bytes, idle_timeout)
    site.sdk = None if access_log else sdk
    if runtime is not None:  # a fixture loaded later brings its own limit
        runtime.listeners.append(lambda loaded: setattr(site, "max_body_bytes", loaded.settings.max_body_bytes))
    return site


