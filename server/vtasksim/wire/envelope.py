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
from vtasksim.wire.encoding import Vim25Writer, new_vim_element
from vtasksim.wire.namespaces import SOAP_ENC, SOAP_ENV, XSD, XSI, XSI_TYPE

_ENVELOPE_NSMAP = {"soapenc": SOAP_ENC, "soapenv": SOAP_ENV, "xsd": XSD, "xsi": XSI}
_ENVELOPE = f"{{{SOAP_ENV}}}Envelope"
_BODY = f"{{{SOAP_ENV}}}Body"
_FAULT = f"{{{SOAP_ENV}}}Fault"

CONTENT_TYPE = "text/xml; charset=utf-8"


def _envelope() -> tuple[etree._Element, etree._Element]:
    envelope = etree.Element(_ENVELOPE, nsmap=_ENVELOPE_NSMAP)
    envelope.text = "\n"
    body = etree.SubElement(envelope, _BODY)
    body.tail = "\n"
    body.text = "\n"
    return envelope, body


def _serialize(envelope: etree._Element) -> bytes:
    return etree.tostring(envelope, encoding="UTF-8", xml_declaration=True)


def response_body(operation: str, writer: Vim25Writer, returnval: Any = None, declared: str = "xsd:anyType") -> etree._Element:
    """``<OpResponse xmlns="urn:vim25">`` with ``returnval``: a list is repeated returnvals, or
    one ``ArrayOf…`` returnval where the declared type is anyType (Fetch of a list property)."""
    response = new_vim_element(f"{operation}Response")
    writer.append(response, "returnval", returnval, declared)
    return response


def envelope_bytes(payload: etree._Element) -> bytes:
    envelope, body = _envelope()
    payload.tail = "\n"
    body.append(payload)
    return _serialize(envelope)


def fault_bytes(fault: MethodFault, writer: Vim25Writer) -> bytes:
    envelope, body = _envelope()
    soap_fault = etree.SubElement(body, _FAULT)
    soap_fault.tail = "\n"
    etree.SubElement(soap_fault, "faultcode").text = "ServerFaultCode"
    etree.SubElement(soap_fault, "faultstring").text = fault.message
    detail = etree.SubElement(soap_fault, "detail")
    detail_fault = new_vim_element(f"{fault.vim_type}Fault")
    detail_fault.set(XSI_TYPE, fault.vim_type)
    writer.write_fields(detail_fault, fault.as_data())
    detail.append(detail_fault)
    return _serialize(envelope)
