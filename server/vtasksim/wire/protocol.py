"""VimSoap11: Spyne's SOAP 1.1 protocol, speaking vCenter's dialect of it.

In: any envelope prefix or none (govc), SOAP headers ignored (suds sends ``operationID``), the
operation picked by the namespace and name of the Body's first element, unknown attributes
ignored (pyVmomi's ``versionId``), unknown argument elements rejected. Out: the envelope and
fault envelope of :mod:`vtasksim.wire.envelope`. Every error, Spyne's own included, leaves as a
vim fault: there is no other kind of answer.
"""

from __future__ import annotations

import logging
from typing import Any

from lxml import etree
from spyne.error import ResourceNotFoundError
from spyne.model.fault import Fault
from spyne.protocol.soap import Soap11

from vtasksim.domain.faults import InvalidRequest, MethodFault, MethodNotFound
from vtasksim.domain.typesystem import vim_types
from vtasksim.domain.vmodl import MoRef
from vtasksim.wire.encoding import writer_for
from vtasksim.wire.arguments import read_arguments
from vtasksim.wire.envelope import envelope_bytes, fault_bytes
from vtasksim.wire.namespaces import SOAP_ENV, local_name, vim
from vtasksim.wire.versions import version_from_soap_action

log = logging.getLogger(__name__)

_SOAP_BODY = f"{{{SOAP_ENV}}}Body"
_SOAP_ENVELOPE = f"{{{SOAP_ENV}}}Envelope"
_SOAP12_ENVELOPE = "{http://www.w3.org/2003/05/soap-envelope}Envelope"

#: A parser that never reaches the network or expands entities: request bodies are hostile.
#: No xml:id index either: nothing looks elements up by id, and building it costs every parse.
_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, huge_tree=False, remove_pis=True, collect_ids=False)


class VimSoapFault(Fault):
    """Carries a vim fault through Spyne, which only lets its own Fault type pass untouched."""

    def __init__(self, fault: MethodFault) -> None:
        super().__init__("ServerFaultCode", fault.message)
        self.fault = fault


class SystemError_(MethodFault):
    """vmodl.fault.SystemError: what a client sees of a bug in the simulator (never a traceback)."""

    vim_type = "SystemError"


def soap_action(ctx: Any) -> bytes | None:
    request = getattr(ctx.transport, "req", None)
    return request.getHeader(b"SOAPAction") if request is not None else None


def api_version(ctx: Any) -> str:
    """The vim25 version the request speaks."""
    simulator = getattr(ctx.app, "simulator", None)
    # The vCenter's own version: its setting, or (None) the newest known, which the version function falls back on.
    return version_from_soap_action(soap_action(ctx), vim_types(), simulator.settings.version if simulator is not None else None)


class VimSoap11(Soap11):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._parser = etree.XMLParser(**_PARSER_OPTIONS)

    # Reading the request

    def create_in_document(self, ctx: Any, charset: str | None = None) -> None:
        chunks = ctx.in_string
        ctx.in_document = parse_envelope(chunks[0] if len(chunks) == 1 else b"".join(chunks), self._parser)

    def decompose_incoming_envelope(self, ctx: Any, message: Any = None) -> None:
        operation = envelope_operation(ctx.in_document)
        ctx.in_header_doc = None  # unknown headers are ignored, as a vCenter does
        ctx.in_body_doc = operation
        ctx.method_request_string = operation.tag

    def deserialize(self, ctx: Any, message: Any) -> None:
        self.event_manager.fire_event("before_deserialize", ctx)
        self.read_arguments(ctx)
        self.event_manager.fire_event("after_deserialize", ctx)

    @staticmethod
    def read_arguments(ctx: Any) -> None:
        """``deserialize`` without Spyne's events (nobody listens; firing one builds a set): the dispatcher's way in."""
        try:
            limit = ctx.app.simulator.settings.max_array_items
            ctx.in_object = read_arguments(ctx.in_body_doc, ctx.descriptor.in_message, limit)
        except MethodFault as fault:
            raise VimSoapFault(fault) from None
        ctx.in_header = None

    # Writing the response

    def serialize(self, ctx: Any, message: Any) -> None:
        self.event_manager.fire_event("before_serialize", ctx)
        ctx.out_document = None
        ctx.out_string = [response_bytes(ctx)]
        self.event_manager.fire_event("after_serialize", ctx)

    def create_out_string(self, ctx: Any, charset: str | None = None) -> None:
        """``serialize`` has already written the bytes."""

    def fault_to_http_response_code(self, fault: Any) -> str:
        return "500 Internal Server Error"


def parse_envelope(body: bytes, parser: etree.XMLParser | None = None) -> etree._Element:
    """The request's root element; InvalidRequest for no body, XML that is not well-formed, or a DTD."""
    if not body or body.isspace():
        raise VimSoapFault(InvalidRequest("The request has no body: POST a SOAP envelope to /sdk."))
    try:
        document = etree.fromstring(body, parser if parser is not None else etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError as error:
        raise VimSoapFault(InvalidRequest(f"The request is not well-formed XML: {error}")) from None
    if document.getroottree().docinfo.doctype:
        # SOAP 1.1 §3: "A SOAP message MUST NOT contain a Document Type Declaration."
        raise VimSoapFault(InvalidRequest("A SOAP request must not contain a document type declaration."))
    return document


def envelope_operation(envelope: etree._Element) -> etree._Element:
    """The operation element: the first element in a SOAP 1.1 Envelope's Body."""
    tag = envelope.tag
    if tag != _SOAP_ENVELOPE:
        if tag == _SOAP12_ENVELOPE:
            raise VimSoapFault(InvalidRequest(f"A SOAP 1.2 envelope: vim25 speaks SOAP 1.1 only (an Envelope in {SOAP_ENV})."))
        raise VimSoapFault(InvalidRequest(f"Expected a SOAP 1.1 Envelope, got {tag}."))
    # iterchildren filters in C: the first Body, and its first element (no comment, no PI).
    body = next(envelope.iterchildren(_SOAP_BODY), None)
    operation = next(body.iterchildren(etree.Element), None) if body is not None else None
    if operation is None:
        raise VimSoapFault(InvalidRequest("The SOAP Body holds no operation."))
    return operation


def response_bytes(ctx: Any) -> bytes:
    """The envelope of a call's reply, or of its fault (``out_error``)."""
    if ctx.out_error is not None:
        fault = to_vim_fault(ctx.out_error, ctx)
        return fault_bytes(fault, writer_for(vim_types(), api_version(ctx)))
    return envelope_bytes(ctx.out_object[0])


def to_vim_fault(error: BaseException, ctx: Any) -> MethodFault:
    """Whatever went wrong, as the vim fault a vCenter would send."""
    if isinstance(error, VimSoapFault):
        return error.fault
    if isinstance(error, MethodFault):
        return error
    if isinstance(error, ResourceNotFoundError):
        return _method_not_found(ctx)
    if isinstance(error, Fault) and str(error.faultcode).startswith("Client"):
        return InvalidRequest(str(error.faultstring))
    log.error("internal error answering a request", exc_info=error)
    return internal_error()


def internal_error() -> SystemError_:
    """What a client learns of a bug in the simulator: a SystemError, never a traceback."""
    return SystemError_(
        "A general system error occurred: internal error in vtasksim (see the server log).",
        reason="internal error in vtasksim",
    )


def _method_not_found(ctx: Any) -> MethodNotFound:
    operation = ctx.in_body_doc
    name = local_name(operation.tag) if operation is not None else "?"
    this = operation.find(vim("_this")) if operation is not None else None
    receiver = MoRef(this.get("type") or "ManagedObject", (this.text or "").strip()) if this is not None else MoRef("ServiceInstance", "ServiceInstance")
    return MethodNotFound(receiver, name, f"The method {name} is not a vim25 method that {receiver.type} {receiver.value!r} has.")
