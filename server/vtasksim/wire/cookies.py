"""The ``vmware_soap_session`` cookie, read leniently and written as a vCenter writes it.

pyVmomi stores the whole Set-Cookie value and sends it back verbatim
(``vmware_soap_session="abc"; Path=/; HttpOnly; Secure;``); zeep drops a ``Secure`` cookie over
plain HTTP, so ``Secure`` is set only under TLS.
"""

from __future__ import annotations

from functools import lru_cache

SESSION_COOKIE = "vmware_soap_session"


@lru_cache(maxsize=1024)
def session_key(cookie_header: bytes | str | None) -> str | None:
    """The session key in a Cookie header. A client sends the same header with every call: each
    distinct one is read once (a pure function of the header; whether the session lives is asked
    of the session manager every time)."""
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
