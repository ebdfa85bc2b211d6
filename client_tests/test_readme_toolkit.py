"""The README's toolkit examples run as printed: its curl commands against a server started as
the README starts it (only the port changes, from 8989 to a free one)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from running_server import REPO, start_server

README = REPO / "README.md"
DEFAULT_FIXTURE = REPO / "fixtures" / "default.yaml"


def curl_lines() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.startswith("curl ") and "/_vtasksim/" in line]


def serve_line() -> list[str]:
    """The README's ``vtasksim serve …`` line for the control API, as arguments."""
    line = next(l for l in README.read_text().splitlines() if l.startswith("vtasksim serve --clock manual"))
    return line.split()[2:]


@pytest.fixture(scope="module")
def readme_server(tmp_path_factory):
    args = serve_line()
    trace = tmp_path_factory.mktemp("trace") / "calls.jsonl"
    args[args.index("--trace") + 1] = str(trace)
    server = start_server(DEFAULT_FIXTURE, *args)
    yield server
    server.stop()


def test_the_readme_shows_curl_examples() -> None:
    assert len(curl_lines()) >= 8


@pytest.mark.parametrize("line", curl_lines())
def test_curl_example_runs_as_printed(readme_server, line: str) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl not found on PATH")
    command = line.replace("8989", str(readme_server.port)).replace("curl -s", "curl -s -w '\\n%{http_code}'", 1)
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30, cwd=REPO)
    assert result.returncode == 0, result.stderr
    body, _, status = result.stdout.rpartition("\n")
    assert status == "200", result.stdout
    json.loads(body)  # every answer is JSON
