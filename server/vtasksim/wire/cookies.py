"""The ``vmware_soap_session`` cookie, read leniently and written as a vCenter writes it.

pyVmomi stores the whole Set-Cookie value and sends it back verbatim
(``vmware_soap_session="abc"; Path=/; HttpOnly; Secure;``); zeep drops a ``Secure`` cookie over
plain HTTP, so ``Secure`` is set only under TLS.
"""

from __future__ import annotations

SESSION_COOKIE = "vmware_soap_session"


def session_key(cookie_header: bytes | str | None) -> str | None:
    if not cookie_header:
        return None
    if isinstance(cookie_header, bytes):
        cookie_header = cookie_header.decode("latin-1")
    for part in cookie_header.split(";"):
        name, _, value = part.strip().partition("=")
        if name.strip() == SESSION_COOKIE:
            return value.strip().strip('"') or None
    return None


def set_cookie_value(key: str, secure: bool) -> str:
    return f'{SESSION_COOKIE}="{key}"; Path=/; HttpOnly;' + (" Secure;" if secure else "")
