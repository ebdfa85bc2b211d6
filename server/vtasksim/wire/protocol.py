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
from spyne.error import ResourceNotFoundError, ValidationError
from spyne.model.fault import Fault
from spyne.protocol.soap import Soap11

from vtasksim.domain.faults import InvalidArgument, InvalidRequest, MethodFault, MethodNotFound
from vtasksim.domain.typesystem import vim_types
from vtasksim.domain.vmodl import MoRef
from vtasksim.wire.encoding import Vim25Writer
from vtasksim.wire.envelope import envelope_bytes, fault_bytes
from vtasksim.wire.models import VimXml
from vtasksim.wire.namespaces import SOAP_ENV, local_name, vim
from vtasksim.wire.versions import version_from_soap_action

log = logging.getLogger(__name__)

_SOAP_BODY = f"{{{SOAP_ENV}}}Body"
_SOAP_ENVELOPE = f"{{{SOAP_ENV}}}Envelope"

#: A parser that never reaches the network or expands entities: request bodies are hostile.
_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, huge_tree=False, remove_pis=True)


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
    return version_from_soap_action(soap_action(ctx), vim_types())


class VimSoap11(Soap11):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("parse_xsi_type", False)
        kwargs.setdefault("cleanup_namespaces", False)
        super().__init__(*args, **kwargs)
        self._parser = etree.XMLParser(**_PARSER_OPTIONS)
        # Spyne's AnyXml yields the element's first child; vim data arguments need the element.
        self.deserialization_handlers[VimXml] = lambda ctx, cls, element: element

    # Reading the request

    def create_in_document(self, ctx: Any, charset: str | None = None) -> None:
        body = b"".join(_as_bytes(chunk) for chunk in ctx.in_string)
        if not body.strip():
            raise VimSoapFault(InvalidRequest("The request has no body: POST a SOAP envelope to /sdk."))
        try:
            document = etree.fromstring(body, self._parser)
        except etree.XMLSyntaxError as error:
            raise VimSoapFault(InvalidRequest(f"The request is not well-formed XML: {error}")) from None
        if document.getroottree().docinfo.doctype:
            # SOAP 1.1 §3: "A SOAP message MUST NOT contain a Document Type Declaration."
            raise VimSoapFault(InvalidRequest("A SOAP request must not contain a document type declaration."))
        ctx.in_document = document

    def decompose_incoming_envelope(self, ctx: Any, message: Any = None) -> None:
        envelope = ctx.in_document
        if envelope.tag != _SOAP_ENVELOPE:
            raise VimSoapFault(InvalidRequest(f"Expected a SOAP 1.1 Envelope, got {envelope.tag}."))
        body = envelope.find(_SOAP_BODY)
        operation = next((child for child in body if isinstance(child.tag, str)), None) if body is not None else None
        if operation is None:
            raise VimSoapFault(InvalidRequest("The SOAP Body holds no operation."))
        ctx.in_header_doc = None  # unknown headers are ignored, as a vCenter does
        ctx.in_body_doc = operation
        ctx.method_request_string = operation.tag

    def deserialize(self, ctx: Any, message: Any) -> None:
        self.event_manager.fire_event("before_deserialize", ctx)
        message_class = ctx.descriptor.in_message
        operation = ctx.in_body_doc
        _reject_unknown_arguments(operation, message_class)
        try:
            ctx.in_object = self.from_element(ctx, message_class, operation)
        except ValidationError as error:
            path = getattr(error, "vim_path", None) or local_name(operation.tag)
            raise VimSoapFault(InvalidArgument(path)) from None
        _require_arguments(ctx.in_object, message_class)
        ctx.in_header = None
        self.event_manager.fire_event("after_deserialize", ctx)

    def from_element(self, ctx: Any, cls: Any, element: Any) -> Any:
        try:
            return super().from_element(ctx, cls, element)
        except ValidationError as error:
            # Remember which argument failed, innermost first, so that the InvalidArgument names it.
            if element is not ctx.in_body_doc:
                inner = getattr(error, "vim_path", None)
                name = local_name(element.tag)
                error.vim_path = f"{name}.{inner}" if inner else name
            raise

    # Writing the response

    def serialize(self, ctx: Any, message: Any) -> None:
        self.event_manager.fire_event("before_serialize", ctx)
        ctx.out_document = None
        if ctx.out_error is not None:
            fault = to_vim_fault(ctx.out_error, ctx)
            ctx.out_string = [fault_bytes(fault, Vim25Writer(vim_types(), api_version(ctx)))]
        else:
            ctx.out_string = [envelope_bytes(ctx.out_object[0])]
        self.event_manager.fire_event("after_serialize", ctx)

    def create_out_string(self, ctx: Any, charset: str | None = None) -> None:
        """``serialize`` has already written the bytes."""

    def fault_to_http_response_code(self, fault: Any) -> str:
        return "500 Internal Server Error"


def _as_bytes(chunk: Any) -> bytes:
    # Spyne's Twisted transport hands an empty chunked body over as the str ''.
    return chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)


def _reject_unknown_arguments(operation: Any, message_class: Any) -> None:
    known = message_class.get_flat_type_info(message_class)
    for child in operation:
        if isinstance(child.tag, str) and local_name(child.tag) not in known:
            raise VimSoapFault(
                InvalidRequest(f"Unexpected element {local_name(child.tag)!r} in {local_name(operation.tag)}.")
            )


def _require_arguments(arguments: Any, message_class: Any) -> None:
    for name, member in message_class.get_flat_type_info(message_class).items():
        value = getattr(arguments, name, None)
        if value is None:
            if member.Attributes.min_occurs >= 1:
                raise VimSoapFault(InvalidRequest(f"Required parameter {name} is missing."))
        elif not _in_bounds(member, value):
            raise VimSoapFault(InvalidArgument(name, f"A specified parameter was not correct: {name} {value} does not fit its type."))


def _in_bounds(member: Any, value: Any) -> bool:
    # Spyne checks Integer32's bounds only under soft validation, which would also reject
    # what vCenter accepts (pyVmomi's versionId attributes, unknown headers).
    low, high = getattr(member.Attributes, "min_bound", None), getattr(member.Attributes, "max_bound", None)
    if not isinstance(value, int) or isinstance(value, bool) or low is None or high is None:
        return True
    return low <= value <= high


def to_vim_fault(error: BaseException, ctx: Any) -> MethodFault:
    """Whatever went wrong, as the vim fault a vCenter would send."""
    if isinstance(error, VimSoapFault):
        return error.fault
    if isinstance(error, MethodFault):
        return error
    if isinstance(error, ResourceNotFoundError):
        return _method_not_found(ctx)
    if isinstance(error, ValidationError):
        return InvalidArgument(str(error.faultstring or "argument"))
    if isinstance(error, Fault) and str(error.faultcode).startswith("Client"):
        return InvalidRequest(str(error.faultstring))
    log.error("internal error answering a request", exc_info=error)
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
