"""One vim call, from request bytes to response bytes, on Spyne's declarations without its per-call machinery.

Spyne declares the services: which methods exist, under which element name, with which
arguments (``@rpc``, the interface's method map). Running a call through Spyne's server API
builds two MethodContexts per request (one of them a ``copy()``), fires a dozen events nobody
listens to, and guards every attribute write: half of the server's time for a small call.
Here a call is one small object with the same attribute names (``udc``, ``descriptor``,
``in_object``, ``out_error`` …), so that the services and whoever reads a call afterwards (the
site, a request log) see what they saw before.
"""

from __future__ import annotations

from typing import Any

from spyne.error import ResourceNotFoundError

from vtasksim.wire.arguments import takes_secrets
from vtasksim.wire.protocol import response_bytes


#: How many request bodies the dispatcher keeps what it read from (a few MiB at most).
READS_KEPT = 128

_Read = tuple[Any, Any, str, Any, tuple[Any, ...]]  # envelope, operation, its tag, method, arguments


class HttpTransport:
    """What a service may ask of the transport: the HTTP request (its cookie, SOAPAction, peer)."""

    __slots__ = ("req",)

    def __init__(self, request: Any) -> None:
        self.req = request


class VimCall:
    """One call's state, named as Spyne's MethodContext names it."""

    __slots__ = (
        "app", "transport", "in_string", "in_document", "in_header_doc", "in_body_doc", "method_request_string",
        "descriptor", "in_object", "in_header", "in_error", "out_object", "out_error", "out_string", "udc",
    )  # fmt: skip

    def __init__(self, app: Any, request: Any, body: bytes) -> None:
        self.app = app
        self.transport = HttpTransport(request)
        self.in_string = [body]
        self.in_document = self.in_header_doc = self.in_body_doc = self.method_request_string = None
        self.descriptor = self.in_object = self.in_header = self.in_error = None
        self.out_object = self.out_error = self.out_string = self.udc = None

    @property
    def function(self) -> Any:
        return self.descriptor.function if self.descriptor is not None else None

    def close(self) -> None:
        """Nothing to release: kept so that code written for Spyne's contexts runs unchanged."""


class Dispatcher:
    """Runs vim calls against a Spyne application built with :class:`~vtasksim.wire.protocol.VimSoap11`."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self._protocol = application.in_protocol
        self._methods = application.interface.service_method_map
        #: Bodies read lately, with what was read from them (see :meth:`_read`).
        self._reads: dict[tuple[bytes, int | None], _Read] = {}

    def call(self, request: Any, body: bytes) -> VimCall:
        """Read the request and run the method; the outcome is in ``out_object`` or ``in_error``/``out_error``."""
        call = VimCall(self.application, request, body)
        try:
            self._read(call)
        except Exception as error:
            call.in_error = error
            return call
        try:
            call.out_object = [call.descriptor.function(call, *call.in_object)]
        except Exception as error:  # a vim fault, or a bug: to_vim_fault tells them apart when answering
            call.out_error = error
        return call

    def _read(self, call: VimCall) -> None:
        """The envelope, the method and its arguments, within the server's limits.

        Clients send the same bytes again and again (a task polled, a progress loop), and what is
        read from them depends on nothing else but the array limit: a body read lately is not parsed
        again. Its XML arguments are shared, as nothing changes a request's elements; a repeated
        argument's list is each call's own. Bodies that fail are not kept, nor those with a password.
        """
        body = call.in_string[0]
        key = (body, self.application.simulator.settings.max_array_items) if type(body) is bytes else None
        kept = self._reads.get(key) if key is not None else None
        if kept is not None:
            call.in_document, call.in_body_doc, call.method_request_string, call.descriptor, values = kept
            call.in_object = [list(value) if type(value) is list else value for value in values]
            return
        protocol = self._protocol
        protocol.create_in_document(call)
        protocol.decompose_incoming_envelope(call)
        handles = self._methods.get(call.method_request_string)
        if not handles:
            raise ResourceNotFoundError(call.method_request_string)
        call.descriptor = handles[0]
        protocol.read_arguments(call)
        if key is not None and not takes_secrets(call.descriptor.in_message):
            if len(self._reads) >= READS_KEPT:
                del self._reads[next(iter(self._reads))]  # the oldest
            self._reads[key] = (
                call.in_document, call.in_body_doc, call.method_request_string, call.descriptor,
                tuple(list(value) if type(value) is list else value for value in call.in_object),
            )  # fmt: skip

    @staticmethod
    def answer(call: VimCall) -> bytes:
        """The response envelope (a fault envelope for an error); sets ``out_string`` as Spyne would."""
        if call.out_error is None and call.in_error is not None:
            call.out_error = call.in_error
        body = response_bytes(call)
        call.out_string = [body]
        return body
