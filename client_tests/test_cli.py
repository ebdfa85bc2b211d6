"""`vtasksim serve` as a user runs it: the ready line, --port 0, clean stops, fixture errors."""

from __future__ import annotations

import os
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from running_server import REPO, start_server, vtasksim_command

EMPTY = REPO / "fixtures" / "empty.yaml"


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO / "server"), PYTHONUNBUFFERED="1")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signals_stop_the_server_cleanly(stop_signal: signal.Signals) -> None:
    """"SIGTERM and SIGINT stop it cleanly": exit status 0, no traceback."""
    server = start_server(EMPTY)
    server.process.send_signal(stop_signal)
    assert server.process.wait(timeout=10) == 0
    server.stop()  # collects the last lines it printed
    assert not any("Traceback" in line for line in server.output), "\n".join(server.output)


def test_port_0_picks_a_free_port_and_says_which() -> None:
    """"--port 0 picks a free port"; the ready line names the URL the server answers on."""
    first, second = start_server(EMPTY), start_server(EMPTY)
    try:
        assert first.port != second.port and 0 not in (first.port, second.port)
        assert first.url == f"http://127.0.0.1:{first.port}/sdk"
        with urllib.request.urlopen(f"{first.url}/vimServiceVersions.xml", timeout=10) as answer:
            assert b"urn:vim25" in answer.read()
    finally:
        first.stop(), second.stop()


def test_a_fixture_error_stops_the_server_before_it_listens(tmp_path: Path) -> None:
    """A fixture error "stops the server at start with a message naming the file, line and field"."""
    fixture = tmp_path / "broken.yaml"
    fixture.write_text("tasks:\n  - key: task-1\n    descriptionId: x\n    state: runing\n")
    result = subprocess.run(
        vtasksim_command("serve", "--port", "0", "--fixtures", str(fixture)),
        capture_output=True, text=True, timeout=60, env=_env(), cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 2
    assert "listening" not in result.stdout
    assert f"{fixture}:4: tasks[0].state: unknown state 'runing'" in result.stderr


def test_a_missing_fixture_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    result = subprocess.run(
        vtasksim_command("serve", "--port", "0", "--fixtures", str(missing)),
        capture_output=True, text=True, timeout=60, env=_env(), cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 2
    assert str(missing) in result.stderr


def test_access_log_is_off_unless_asked() -> None:
    quiet, chatty = start_server(EMPTY), start_server(EMPTY, "--access-log")
    try:
        for server in (quiet, chatty):
            urllib.request.urlopen(f"{server.url}/vimServiceVersions.xml", timeout=10).read()
    finally:
        quiet.stop(), chatty.stop()
    assert not any("vimServiceVersions.xml" in line for line in quiet.output)
    assert any('"GET /sdk/vimServiceVersions.xml HTTP/1.1" 200' in line for line in chatty.output)


def test_tls_with_a_given_certificate(tmp_path: Path) -> None:
    """`--cert/--key`: the server presents the certificate it was given, and a client that trusts
    it (verification on) connects."""
    import ssl

    from vtasksim.app.tls import self_signed_pem

    cert_pem, key_pem = self_signed_pem("127.0.0.1")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_bytes(cert_pem)
    key.write_bytes(key_pem)
    server = start_server(EMPTY, "--cert", str(cert), "--key", str(key))
    try:
        assert server.url.startswith("https://")
        context = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(f"{server.url}/vimServiceVersions.xml", timeout=10, context=context) as answer:
            assert b"urn:vim25" in answer.read()
    finally:
        server.stop()
