"""README, "Security": loopback by default, unguessable sessions, passwords never compared in
variable time nor written anywhere, the control API's token, TLS 1.2 and newer only."""

from __future__ import annotations

import hmac
import json
import socket
import ssl
import subprocess
import uuid
from pathlib import Path
from unittest import mock

import pytest

import soap
from running_server import REPO, vtasksim_command

USERS = "users:\n  - {name: alice, password: %s, role: Admin}\n  - {name: bob, password: 'päss wörd', role: Admin}\n"


def test_serves_loopback_only_unless_told(start) -> None:
    """``--host`` defaults to 127.0.0.1: a mock vCenter is not for the network to reach."""
    server = start("tasks: []\n")
    assert server.host == "127.0.0.1"
    help_text = subprocess.run(vtasksim_command("serve", "--help"), capture_output=True, text=True, cwd=REPO).stdout
    assert "default 127.0.0.1" in help_text


def test_session_keys_are_long_random_and_distinct(start) -> None:
    """A session key is 160 random bits (secrets), so no client can guess another's cookie."""
    server = start("tasks: []\n")
    keys = [soap.login(server.url).cookie.split("=", 1)[1].strip('"') for _ in range(40)]
    assert len(set(keys)) == len(keys)
    assert all(len(key) == 40 and int(key, 16) >= 0 for key in keys), keys[:3]
    prefixes = {key[:4] for key in keys}
    assert len(prefixes) > 30, "keys share their beginnings: they are not random"


def test_login_compares_passwords_in_constant_time_even_for_unknown_users() -> None:
    """hmac.compare_digest decides every login, whether the user exists or not, and non-ASCII
    passwords work."""
    from vtasksim.app.fixtures import load_fixture_text
    from vtasksim.domain.clock import ManualClock
    from vtasksim.domain.faults import InvalidLogin

    manager = load_fixture_text(USERS % "s3cret", "u.yaml", ManualClock()).session_manager

    with mock.patch("vtasksim.domain.session_manager.hmac.compare_digest", wraps=hmac.compare_digest) as compare:
        assert manager.login("alice", "s3cret").info.userName == "alice"
        assert manager.login("bob", "päss wörd").info.userName == "bob"
        for user, password in (("alice", "wrong"), ("nobody", "s3cret"), ("alice", "")):
            with pytest.raises(InvalidLogin):
                manager.login(user, password)
    assert compare.call_count == 5


def test_passwords_and_session_keys_are_never_logged(start, tmp_path: Path) -> None:
    """With every log on (DEBUG, access log, trace with bodies), a password, right or wrong, is
    found in none of them, nor in the control API's request log; nor is the session key another
    client asked about with SessionIsActive."""
    secret, wrong = f"pw-{uuid.uuid4().hex}", f"bad-{uuid.uuid4().hex}"
    trace = tmp_path / "trace.jsonl"
    server = start(USERS % secret, "--log-level", "DEBUG", "--access-log", "--trace", str(trace), "--trace-bodies")
    client = soap.login(server.url, "alice", secret)
    refused = soap.Client(server.url).call("Login", "SessionManager", "SessionManager", f"<userName>alice</userName><password>{wrong}</password>")
    assert refused.fault.type == "InvalidLogin"
    other_key = soap.login(server.url, "alice", secret).cookie.split("=", 1)[1].strip('"')
    active = client.call("SessionIsActive", "SessionManager", "SessionManager", f"<sessionID>{other_key}</sessionID><userName>alice</userName>")
    assert active.status == 200, active.text
    requests = soap.request(server.base + "/_vtasksim/requests", "GET")
    assert requests.status == 200, requests.text
    server.stop()
    logged = "\n".join(server.output) + trace.read_text() + requests.text
    assert "Login" in trace.read_text() and "(hidden)" in trace.read_text(), "the trace recorded no Login body"
    for found in (secret, wrong, other_key):
        assert found not in logged, f"{found} was logged"


def test_control_api_is_off_the_vim_path_and_can_require_a_token(start) -> None:
    """The control API lives under /_vtasksim/, never /sdk; with --control-token it answers 401
    without ``Authorization: Bearer <token>``."""
    server = start("tasks: []\n", "--control-token", "t0ken")
    assert soap.request(server.base + "/_vtasksim/requests", "GET").status == 401
    wrong = soap.request(server.base + "/_vtasksim/requests", "GET", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401
    right = soap.request(server.base + "/_vtasksim/requests", "GET", headers={"Authorization": "Bearer t0ken"})
    assert right.status == 200 and isinstance(json.loads(right.body), (list, dict))
    under_sdk = soap.request(server.url + "/_vtasksim/requests", "GET", headers={"Authorization": "Bearer t0ken"})
    assert under_sdk.status == 404


def _handshake(port: int, version: ssl.TLSVersion) -> str:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    context.minimum_version = context.maximum_version = version
    if version < ssl.TLSVersion.TLSv1_2:
        context.set_ciphers("ALL:@SECLEVEL=0")  # let the client offer what old servers took
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw) as tls:
            return tls.version() or ""


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")
def test_tls_speaks_1_2_and_1_3_only(start) -> None:
    """--tls: TLS 1.2 and 1.3 handshake; TLS 1.0 and 1.1 are refused by the server."""
    server = start("tasks: []\n", "--tls")
    assert _handshake(server.port, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
    assert _handshake(server.port, ssl.TLSVersion.TLSv1_3) == "TLSv1.3"
    for old in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
        try:
            _handshake(server.port, old)
        except ssl.SSLError as error:
            if "NO_PROTOCOLS_AVAILABLE" in str(error):
                pytest.skip(f"this Python's OpenSSL cannot even offer {old.name}")
            assert "ALERT_PROTOCOL_VERSION" in str(error), f"not the server's refusal: {error}"
        except ValueError:
            pytest.skip(f"this Python's OpenSSL cannot even offer {old.name}")
        else:
            raise AssertionError(f"the server accepted {old.name}")
