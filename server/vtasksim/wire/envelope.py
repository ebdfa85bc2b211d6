"""The SOAP envelopes a vCenter sends: a response, and a fault (WIRE.md §2).

A fault is HTTP 500 with ``faultcode`` ServerFaultCode, an unqualified ``faultstring`` and
``detail``, and in ``detail`` one ``<TypeFault xmlns="urn:vim25" xsi:type="Type">`` holding the
fault's fields. pyVmomi finds the fault's type by stripping ``Fault`` from that element's name:
any other shape loses the type or crashes the client.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from vtasksim.domain.faults import MethodFault
from vtasksim.wire.encoding import Vim25Writer, escape_attribute, escape_text
from vtasksim.wire.namespaces import SOAP_ENC, SOAP_ENV, VIM25, XSD, XSI

_ENVELOPE_NSMAP = {"soapenc": SOAP_ENC, "soapenv": SOAP_ENV, "xsd": XSD, "xsi": XSI}

CONTENT_TYPE = "text/xml; charset=utf-8"


_HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n<soapenv:Envelope"
    + "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in _ENVELOPE_NSMAP.items())
    + ">\n<soapenv:Body>\n"
)
_TAIL = "\n</soapenv:Body>\n</soapenv:Envelope>"


class ResponseXml(str):
    """A response element (``<OpResponse xmlns="urn:vim25">…``) as text, ready for the envelope."""


class _EmptyResponse(ResponseXml):
    """``<OpResponse xmlns="urn:vim25"/>``: the same text, and the same envelope, every time."""

    envelope: bytes


_EMPTY_RESPONSES: dict[str, _EmptyResponse] = {}


def response_body(operation: str, writer: Vim25Writer, returnval: Any = None, declared: str = "xsd:anyType") -> ResponseXml:
    """``<OpResponse xmlns="urn:vim25">`` with ``returnval``: a list is repeated returnvals, or
    one ``ArrayOf…`` returnval where the declared type is anyType (Fetch of a list property)."""
    inner = writer.text("returnval", returnval, declared) if returnval is not None else ""
    if not inner:
        return _empty_response(operation)
    name = f"{operation}Response"
    return ResponseXml(f'<{name} xmlns="{VIM25}">{inner}</{name}>')


def _empty_response(operation: str) -> _EmptyResponse:
    empty = _EMPTY_RESPONSES.get(operation)
    if empty is None:
        empty = _EmptyResponse(f'<{operation}Response xmlns="{VIM25}"/>')
        empty.envelope = (_HEAD + empty + _TAIL).encode("utf-8")
        _EMPTY_RESPONSES[operation] = empty  # one per vim method: a bounded set
    return empty


def envelope_bytes(payload: str | etree._Element) -> bytes:
    """The SOAP envelope around a response element (text, or an lxml element)."""
    if type(payload) is _EmptyResponse:
        return payload.envelope
    if not isinstance(payload, str):
        payload = etree.tostring(payload, encoding="unicode")
    return (_HEAD + payload + _TAIL).encode("utf-8")


def fault_bytes(fault: MethodFault, writer: Vim25Writer) -> bytes:
    fields = writer.fields_text(fault.as_data())
    detail_type = escape_attribute(fault.vim_type)
    detail_name = f"{fault.vim_type}Fault"
    detail = f'<{detail_name} xmlns="{VIM25}" xsi:type="{detail_type}"'
    detail += f">{fields}</{detail_name}>" if fields else "/>"
    return (
        _HEAD
        + f"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>{escape_text(fault.message)}</faultstring>"
        + f"<detail>{detail}</detail></soapenv:Fault>"
        + _TAIL
    ).encode("utf-8")
