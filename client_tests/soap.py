"""Raw vim25 over HTTP for tests that look at the bytes: post an envelope, read the answer.

No SOAP library in between: the tests using this module check what a client library would hide
(namespace prefixes, element order, ``xsi:type``, status codes, headers). Answers are parsed
with a parser that never resolves entities, whatever the server sends back.
"""

from __future__ import annotations

import ast
import gzip
import http.client
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterable, Mapping
from urllib.parse import urlsplit

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSD = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
VIM = "urn:vim25"
XSI_TYPE = f"{{{XSI}}}type"

#: What pyVmomi 9 sends when told to speak vSphere API 8.0.3.
DEFAULT_SOAP_ACTION = '"urn:vim25/8.0.3.0"'
TIMEOUT = 15.0

_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)

#: pyVmomi's envelope head, byte for byte (captures/pyvmomi-to-vcsim).
_PYVMOMI_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" '
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n'
    "<soapenv:Body>"
)
_PYVMOMI_TAIL = "</soapenv:Body>\n</soapenv:Envelope>"


def vim(name: str) -> str:
    return f"{{{VIM}}}{name}"


def soapenv(name: str) -> str:
    return f"{{{SOAP_ENV}}}{name}"


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, _SAFE_PARSER)


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def child_names(element: etree._Element) -> list[str]:
    return [local(child) for child in element if isinstance(child.tag, str)]


def xsi_type(element: etree._Element) -> str | None:
    return element.get(XSI_TYPE)


def envelope(operation_xml: str) -> bytes:
    """``operation_xml`` in the envelope pyVmomi sends."""
    return (_PYVMOMI_HEAD + operation_xml + _PYVMOMI_TAIL).encode("utf-8")


def operation(name: str, this_type: str, this_value: str, arguments: str = "") -> bytes:
    """A pyVmomi-style request: ``<Name xmlns="urn:vim25"><_this type=…>…</_this>arguments</Name>``."""
    return envelope(f'<{name} xmlns="urn:vim25"><_this type="{this_type}">{this_value}</_this>{arguments}</{name}>')


@dataclass(frozen=True)
class Fault:
    code: str | None
    string: str | None
    detail: etree._Element | None
    #: the single element inside ``detail``, ``<TypeFault xmlns="urn:vim25" xsi:type="Type">``
    detail_fault: etree._Element | None

    @property
    def type(self) -> str | None:
        return xsi_type(self.detail_fault) if self.detail_fault is not None else None

    def field(self, name: str) -> etree._Element | None:
        return self.detail_fault.find(vim(name)) if self.detail_fault is not None else None


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # names lower-cased
    body: bytes = field(repr=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @cached_property
    def document(self) -> etree._Element:
        return parse(self.body)

    @property
    def soap_body(self) -> etree._Element:
        body = self.document.find(soapenv("Body"))
        assert body is not None, f"no soapenv:Body in the answer:\n{self.text}"
        return body

    @property
    def payload(self) -> etree._Element:
        """The Body's single element: ``<OpResponse>`` or ``soapenv:Fault``."""
        children = [child for child in self.soap_body if isinstance(child.tag, str)]
        assert len(children) == 1, f"expected one element in Body, got {len(children)}:\n{self.text}"
        return children[0]

    @property
    def is_fault(self) -> bool:
        return self.payload.tag == soapenv("Fault")

    @cached_property
    def fault(self) -> Fault:
        soap_fault = self.payload
        assert soap_fault.tag == soapenv("Fault"), f"expected a SOAP fault, got:\n{self.text}"
        detail = soap_fault.find("detail")
        inner = [child for child in detail if isinstance(child.tag, str)] if detail is not None else []
        return Fault(
            code=soap_fault.findtext("faultcode"),
            string=soap_fault.findtext("faultstring"),
            detail=detail,
            detail_fault=inner[0] if len(inner) == 1 else None,
        )

    @property
    def returnvals(self) -> list[etree._Element]:
        return self.payload.findall(vim("returnval"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(
    url: str,
    method: str = "POST",
    body: bytes | Iterable[bytes] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> Answer:
    """One HTTP exchange. An iterable body goes out with ``Transfer-Encoding: chunked``."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        chunked = body is not None and not isinstance(body, (bytes, bytearray))
        connection.request(method, parts.path or "/", body=body, headers=dict(headers or {}), encode_chunked=chunked)
        response = connection.getresponse()
        data = response.read()
        answer_headers = {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()
    if answer_headers.get("content-encoding", "").lower() == "gzip":
        data = gzip.decompress(data)
    return Answer(response.status, answer_headers, data)


def post(
    url: str,
    body: bytes | Iterable[bytes],
    soap_action: str | None = DEFAULT_SOAP_ACTION,
    headers: Mapping[str, str] | None = None,
    cookie: str | None = None,
) -> Answer:
    """POST a SOAP request as pyVmomi does; ``soap_action=None`` sends no SOAPAction at all."""
    sent = {"Content-Type": "text/xml; charset=UTF-8"}
    if soap_action is not None:
        sent["SOAPAction"] = soap_action
    if cookie:
        sent["Cookie"] = cookie
    sent.update(headers or {})
    return request(url, "POST", body, sent)


def canonical(element: etree._Element) -> bytes:
    """An element's exact content, to compare two reads of the same thing."""
    return etree.tostring(element, method="c14n")


@dataclass(frozen=True)
class Client:
    """A client of one server, logged in (``cookie``) or not."""

    url: str
    cookie: str | None = None

    def post(self, body: bytes | Iterable[bytes], soap_action: str | None = DEFAULT_SOAP_ACTION, headers: Mapping[str, str] | None = None) -> Answer:
        return post(self.url, body, soap_action, headers, self.cookie)

    def call(self, name: str, this_type: str, this_value: str, arguments: str = "", soap_action: str | None = DEFAULT_SOAP_ACTION) -> Answer:
        return self.post(operation(name, this_type, this_value, arguments), soap_action)

    def fetch(self, this_type: str, this_value: str, prop: str) -> Answer:
        """pyVmomi's property read: ``Fetch(_this, prop)``."""
        return self.call("Fetch", this_type, this_value, f"<prop>{prop}</prop>")

    def task_info(self, key: str) -> etree._Element:
        """``task.info`` as the server sends it: the ``returnval`` element of FetchResponse."""
        answer = self.fetch("Task", key, "info")
        assert answer.status == 200 and not answer.is_fault, f"Fetch({key}.info) failed:\n{answer.text}"
        (returnval,) = answer.returnvals
        return returnval

    def service_content(self, soap_action: str | None = DEFAULT_SOAP_ACTION) -> etree._Element:
        answer = self.call("RetrieveServiceContent", "ServiceInstance", "ServiceInstance", soap_action=soap_action)
        assert answer.status == 200 and not answer.is_fault, f"RetrieveServiceContent failed:\n{answer.text}"
        (returnval,) = answer.returnvals
        return returnval


#: Any name and password log in to a fixture without ``users`` (DESIGN.md).
USER, PASSWORD = "administrator@vsphere.local", "vmware"


def login(url: str, user: str = USER, password: str = PASSWORD) -> Client:
    """Log in as a client does after RetrieveServiceContent: a client carrying the session cookie."""
    anonymous = Client(url)
    manager = anonymous.service_content().find(vim("sessionManager"))
    assert manager is not None, "ServiceContent names no sessionManager: no client can log in"
    arguments = f"<userName>{user}</userName><password>{password}</password>"
    answer = anonymous.call("Login", "SessionManager", manager.text or "", arguments)
    assert answer.status == 200 and not answer.is_fault, f"Login failed:\n{answer.text}"
    set_cookie = answer.headers.get("set-cookie", "")
    assert set_cookie.startswith("vmware_soap_session="), f"Login set no vmware_soap_session cookie: {set_cookie!r}"
    return Client(url, set_cookie.split(";", 1)[0].strip())


# Reading the recorded exchanges (client_tests/captures, README there)

CAPTURES = Path(__file__).resolve().parent / "captures"
REAL_VCENTER = CAPTURES / "real-vcenter"


@dataclass(frozen=True)
class RecordedExchange:
    """One exchange of captures/pyvmomi-to-vcsim or govc-to-vcsim: the request as the client sent
    it (a chunked body already de-chunked by the recorder), and the simulator's answer."""

    path: Path
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False)
    response_status: int
    response_body: bytes = field(repr=False)

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    @property
    def chunked(self) -> bool:
        return (self.header("Transfer-Encoding") or "").lower() == "chunked"


def read_exchange(path: Path) -> RecordedExchange:
    raw = path.read_bytes()
    request_part, response_part = raw.split(b"\n### RESPONSE", 1)
    request_lines = request_part.split(b"\n", 1)[1]  # past the "### REQUEST …" title
    head, body = request_lines.split(b"\r\n\r\n", 1)
    # The recorder writes a newline after the body before the next title (Content-Length proves it).
    body = body[:-1] if body.endswith(b"\n") else body
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers = tuple((name.strip(), value.strip()) for name, value in (line.split(":", 1) for line in header_lines))
    response_raw = response_part.split(b"\n", 1)[1].split(b"\n### REQUEST BODY", 1)[0]
    response_head, response_body = response_raw.split(b"\r\n\r\n", 1)
    status = int(response_head.split(b" ", 2)[1])
    return RecordedExchange(path, method, target, headers, body, status, response_body.strip())


@dataclass(frozen=True)
class RealExchange:
    """One exchange of captures/real-vcenter: the request body a client sent a real vCenter, with
    its SOAPAction, and the vCenter's answer body."""

    path: Path
    soap_action: str | None
    request_body: bytes = field(repr=False)
    response_body: bytes = field(repr=False)


_REQUEST_HEADERS = re.compile(r"^# REQUEST headers: (\{.*\})$", re.MULTILINE)
_SOAP_ACTION_IN_SOURCE = re.compile(r"SOAPAction (urn:vim25/[0-9.]+)")


def read_real_exchange(name: str) -> RealExchange:
    path = REAL_VCENTER / name
    text = path.read_text(encoding="utf-8")
    request_text = text.split("# REQUEST body:\n", 1)[1].split("\n# RESPONSE", 1)[0]
    response_text = re.split(r"^# RESPONSE body[^\n]*:\n", text, maxsplit=1, flags=re.MULTILINE)[1]
    return RealExchange(path, _real_soap_action(text), request_text.strip().encode(), response_text.strip().encode())


def _real_soap_action(text: str) -> str | None:
    headers = _REQUEST_HEADERS.search(text)
    if headers:
        values = ast.literal_eval(headers.group(1)).get("SOAPAction")
        return values[0] if values else None
    in_source = _SOAP_ACTION_IN_SOURCE.search(text)
    return in_source.group(1) if in_source else None


def read_real_document(name: str) -> etree._Element:
    """A real-vcenter file that is one XML document after a comment line (the XML declaration
    must come first, so the comment is cut)."""
    text = (REAL_VCENTER / name).read_bytes()
    return parse(text[text.index(b"<?xml"):])
