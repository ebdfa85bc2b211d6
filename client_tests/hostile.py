"""Raw-socket helpers for hostile clients: bodies that stop, connections that say nothing.

``soap.request`` speaks well-formed HTTP; these do what a broken or malicious client does and
report what the server sent back, if anything, before it closed the connection.
"""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import soap
from soap import Answer


def connect(url: str, timeout: float = 15.0) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=timeout)


def post_head(url: str, content_length: int | None, extra: str = "", soap_action: str = soap.DEFAULT_SOAP_ACTION) -> bytes:
    """The head of a POST to ``url``; ``content_length`` None announces a chunked body."""
    length = f"Content-Length: {content_length}\r\n" if content_length is not None else "Transfer-Encoding: chunked\r\n"
    return (
        f"POST {urlsplit(url).path} HTTP/1.1\r\nHost: {urlsplit(url).netloc}\r\n"
        f"Content-Type: text/xml; charset=utf-8\r\nSOAPAction: {soap_action}\r\n{length}{extra}\r\n"
    ).encode()


def read_until_closed(sock: socket.socket, timeout: float) -> bytes:
    """Everything the server sends until it closes the connection (or ``timeout`` passes)."""
    sock.settimeout(timeout)
    received = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            data = sock.recv(65536)
            if not data:
                break
            received += data
    except (socket.timeout, ConnectionResetError):
        pass
    return bytes(received)


def closed_by_server(sock: socket.socket, timeout: float) -> bool:
    """Whether the server closes the connection within ``timeout`` seconds."""
    sock.settimeout(timeout)
    try:
        return sock.recv(65536) == b""  # an answer would be data; a close is b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def parse_answer(raw: bytes) -> Answer | None:
    """The HTTP response in ``raw`` (a Content-Length framed one), or None when there is none."""
    if not raw:
        return None
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, value in (line.split(":", 1) for line in header_lines)}
    length = int(headers.get("content-length", len(body)))
    return Answer(int(status_line.split(" ", 2)[1]), headers, body[:length])
