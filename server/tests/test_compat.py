"""Spyne 2.14 on today's Twisted and Python 3.11 to 3.13: the fixes of wire/compat.py, and the parts of
Spyne's Twisted transport that lean on Twisted's Request.

For each fix, one test fails the day the fix is no longer needed (delete it then) and one shows
that it works. Import-level checks run in a fresh interpreter: in this one the fixes are already
installed (importing ``vtasksim.wire`` installs them).

The transport tests feed raw HTTP to the real Twisted site in memory: Twisted stores a request
body in a BytesIO, or, when it is chunked (govc) or 100 000 bytes or more, in a temporary file
that Spyne memory-maps. Both paths must reach the vim25 protocol intact.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from lxml import etree
from twisted.internet import _producer_helpers
from twisted.internet.task import Clock, Cooperator
from twisted.web.server import Site

from memory_transport import MemoryTransport
from vtasksim.app.site import build_site
from vtasksim.domain.clock import ManualClock
from vtasksim.domain.simulator import Simulator
from vtasksim.wire import compat
from vtasksim.wire.namespaces import SOAP_ENV, VIM25, vim

COMPAT_PY = Path(compat.__file__).resolve()
REPO_ROOT = COMPAT_PY.parents[3]


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter of this venv, where nothing is installed yet."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)


#: Loads compat.py on its own, without ``vtasksim.wire``'s __init__ (which installs the fixes).
LOAD_COMPAT_ALONE = f"""
import importlib.util
spec = importlib.util.spec_from_file_location("compat_alone", {str(COMPAT_PY)!r})
compat = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compat)
"""


# Fix 1: twisted.python.constants


def test_twisted_still_lacks_python_constants() -> None:
    """Fix 1 is needed while Twisted has no ``twisted.python.constants``."""
    result = run_python("import importlib.util; print(importlib.util.find_spec('twisted.python.constants') is None)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True", "Twisted has twisted.python.constants again: delete fix 1 in wire/compat.py"


def test_spyne_twisted_transport_still_imports_twisted_python_constants() -> None:
    """Fix 1 is needed while Spyne's Twisted transport fails to import without it."""
    # Fix 3 first: without it, Spyne does not import at all on Python 3.12 and later.
    result = run_python(LOAD_COMPAT_ALONE + "compat._spyne_six_importer_speaks_find_spec()\nimport spyne.server.twisted")
    assert result.returncode != 0, "spyne.server.twisted imports without fix 1: delete fix 1 in wire/compat.py"
    assert "No module named 'twisted.python.constants'" in result.stderr, result.stderr[-2000:]


def test_fix_1_makes_spyne_twisted_transport_importable() -> None:
    """Fix 1 works: after compat.install() Spyne's Twisted transport imports, and the
    ``Flags``/``FlagConstant`` it takes from twisted.python.constants are constantly's."""
    result = run_python(
        LOAD_COMPAT_ALONE
        + """
compat.install()
from spyne.server.twisted import TwistedWebResource
from spyne.util._twisted_ws import Flags, FlagConstant
import constantly
assert (Flags, FlagConstant) == (constantly.Flags, constantly.FlagConstant)
print("ok")
"""
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]


def test_importing_vtasksim_wire_installs_the_fixes() -> None:
    """app/site.py imports spyne.server.twisted after vtasksim.wire, relying on the package to
    install the fixes on import."""
    result = run_python("import vtasksim.wire; import spyne.server.twisted; print('ok')")
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]


def test_install_is_idempotent() -> None:
    """compat.install(): "idempotent, and harmless before or after Spyne is imported"."""
    import constantly

    compat.install()
    compat.install()
    assert sys.modules["twisted.python.constants"] is constantly


# Python 3.11 deprecations under Spyne


def test_spyne_still_collects_garbage_at_the_end_of_requests() -> None:
    """Fix 2 is needed while Spyne's MethodContext.close() runs gc.collect(): when this fails,
    delete fix 2 (_no_full_collection_per_request) from wire/compat.py."""
    assert compat.spyne_collects_garbage_per_request(), "Spyne no longer calls gc.collect(): delete fix 2 in wire/compat.py"


def test_fix_2_stops_the_collection_per_request() -> None:
    from spyne import const

    compat.install()
    assert const.MIN_GC_INTERVAL == float("inf")


def test_spyne_twisted_transport_still_imports_cgi() -> None:
    """pyproject's filterwarnings entry "'cgi' is deprecated" silences Spyne's ``import cgi``
    (spyne/server/twisted/http.py); it is needed while Spyne imports cgi."""
    import spyne.server.twisted.http as spyne_http

    assert hasattr(spyne_http, "cgi"), "Spyne no longer imports cgi: delete the 'cgi' filterwarnings entry in pyproject.toml"


# Fix 3: Spyne's bundled six on Python 3.12 and later


def test_spyne_still_bundles_a_six_without_find_spec() -> None:
    """Fix 3 is needed while Spyne's bundled six (1.14) has no find_spec: Python 3.12 and later
    only call find_spec, so without the fix ``import spyne`` fails there."""
    assert compat.spyne_six_importer_lacks_find_spec(), (
        "Spyne's bundled six has find_spec now: delete fix 3 (_spyne_six_importer_speaks_find_spec) in wire/compat.py"
    )


@pytest.mark.skipif(sys.version_info < (3, 12), reason="Python 3.11 still calls find_module: Spyne imports without fix 3")
def test_spyne_does_not_import_without_fix_3() -> None:
    result = run_python("import spyne")
    assert result.returncode != 0, "Spyne imports without fix 3 on this Python: delete fix 3 in wire/compat.py"
    assert "No module named 'spyne.util.six.moves'" in result.stderr, result.stderr[-2000:]


def test_fix_3_makes_spyne_importable() -> None:
    """Fix 3 works: after compat.install() in a fresh interpreter, Spyne imports and six.moves
    resolves (spyne.util.oset's ``from spyne.util.six.moves.collections_abc import MutableSet``)."""
    result = run_python(
        LOAD_COMPAT_ALONE
        + """
compat.install()
import collections.abc, spyne
from spyne.util.six.moves.collections_abc import MutableSet
from spyne.util import six
assert MutableSet is collections.abc.MutableSet and six is compat.spyne_bundled_six()
print("ok")
"""
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]


# Fix 4: cgi on Python 3.13 and later


def test_python_still_ships_no_cgi_from_3_13_on() -> None:
    """Fix 4 (and the legacy-cgi dependency) is needed while Python lacks cgi: from 3.13 on the
    cgi found is legacy-cgi's (site-packages), before 3.13 the standard library's."""
    if sys.version_info >= (3, 13):
        assert not compat.python_has_cgi(), "Python ships cgi again: drop legacy-cgi from pyproject.toml and fix 4"
    else:
        assert compat.python_has_cgi()


def test_spyne_soap_protocol_still_imports_cgi() -> None:
    """Fix 4 is needed while Spyne's SOAP 1.1 protocol imports cgi (not only its transport)."""
    import spyne.protocol.soap.soap11 as soap11

    assert hasattr(soap11, "cgi"), "Spyne's soap11 no longer imports cgi: see whether fix 4 and legacy-cgi can go"


def test_fix_4_names_the_package_to_install_when_cgi_is_missing() -> None:
    """Without any cgi module (as on 3.13 without legacy-cgi), the error says what to install."""
    result = run_python(
        "import sys; sys.modules['cgi'] = None\n"  # a None entry makes ``import cgi`` fail
        + LOAD_COMPAT_ALONE
        + "compat.install()\n"
    )
    assert result.returncode != 0
    assert "pip install legacy-cgi" in result.stderr, result.stderr[-2000:]


# Spyne's Twisted transport on Twisted's current Request


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Site, Clock]]:
    clock = Clock()
    # Spyne answers through a pull producer; Twisted drives it with the global cooperator, which
    # needs a running reactor. A cooperator on a test clock drives it here.
    monkeypatch.setattr(_producer_helpers, "cooperate", Cooperator(scheduler=lambda work: clock.callLater(0, work)).cooperate)
    yield build_site(Simulator(ManualClock())), clock


def exchange(site: tuple[Site, Clock], raw_request: bytes) -> tuple[int, etree._Element]:
    """Send ``raw_request`` over an in-memory connection; the HTTP status and the SOAP body."""
    http_site, clock = site
    protocol = http_site.buildProtocol(None)
    protocol.callLater = clock.callLater  # type: ignore[attr-defined]
    transport = MemoryTransport()
    protocol.makeConnection(transport)
    protocol.dataReceived(raw_request)
    for _ in range(50):
        clock.advance(0)
    head, _, body = bytes(transport.written).partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        body = _dechunk(body)
    return status, etree.fromstring(body).find(f"{{{SOAP_ENV}}}Body")


def _dechunk(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        out, body = out + body[:size], body[size + 2:]
    return out


def soap_request(body: bytes, *, chunked: bool) -> bytes:
    headers = b"POST /sdk HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: urn:vim25/8.0.3.0\r\n"
    if chunked:
        framed = (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
        return headers + b"Transfer-Encoding: chunked\r\n\r\n" + framed
    return headers + b"Content-Length: %d\r\n\r\n" % len(body) + body


def retrieve_service_content(padding: int = 0) -> bytes:
    comment = b"<!--" + b" " * padding + b"-->" if padding else b""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>' + comment
        + b'<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>'
        b"</Body></Envelope>"
    )  # fmt: skip


def fault_type(body: etree._Element) -> str | None:
    detail = body.find(f"{{{SOAP_ENV}}}Fault/detail")
    return None if detail is None or len(detail) == 0 else etree.QName(detail[0]).localname


@pytest.mark.parametrize(
    ("chunked", "padding"),
    [(False, 0), (True, 0), (False, 150_000), (True, 150_000)],
    ids=["content-length", "chunked", "content-length-large", "chunked-large"],
)
def test_request_bodies_reach_the_protocol_whatever_their_framing(site: tuple[Site, Clock], chunked: bool, padding: int) -> None:
    """WIRE.md §1: govc sends a "chunked request body"; Spyne reads it from Twisted's
    request.content (a BytesIO, or a temporary file it memory-maps when chunked or large)."""
    status, body = exchange(site, soap_request(retrieve_service_content(padding), chunked=chunked))
    assert status == 200, etree.tostring(body)
    about = body.find(f"{vim('RetrieveServiceContentResponse')}/{vim('returnval')}/{vim('about')}")
    assert about is not None and about.findtext(vim("apiType")) == "VirtualCenter"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length-0", "chunked-empty"])
def test_empty_body_is_an_invalid_request(site: tuple[Site, Clock], chunked: bool) -> None:
    """WIRE.md §2: every error is a vim fault in the exact envelope; a POST without a body is the
    client's mistake, an InvalidRequest, however the (empty) body was framed."""
    status, body = exchange(site, soap_request(b"", chunked=chunked))
    assert (status, fault_type(body)) == (500, "InvalidRequestFault")


def test_site_answers_in_the_vim25_namespace(site: tuple[Site, Clock]) -> None:
    """WIRE.md §1: responses are <OpResponse xmlns="urn:vim25">."""
    _, body = exchange(site, soap_request(retrieve_service_content(), chunked=False))
    (response,) = body
    assert etree.QName(response).namespace == VIM25
