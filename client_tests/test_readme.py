"""The README's examples work as printed, against `make run`'s server (fixtures/default.yaml).

Each ```python block runs in a fresh interpreter against a fresh server on the default fixture;
only the port changes, from 8989 to the free one the server picked.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from running_server import REPO, start_server

README = REPO / "README.md"
DEFAULT_FIXTURE = REPO / "fixtures" / "default.yaml"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_starts_with_make_run_and_make_test() -> None:
    commands = re.search(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    assert commands is not None
    assert [line.split()[:2] for line in commands.group(1).splitlines()[:2]] == [["make", "run"], ["make", "test"]]


#: What each example's comments promise it prints, line by line (prefixes).
PROMISED_OUTPUT = {
    "CreateContainerView": ["esx-01.lab.local 192.0.2.42", "['com.vmware.vtasksim.backup.run']"],
    "SmartConnect": ["100", "running True", "canceled: The task was canceled by a user.", "success backup-42"],
    "zeep.Client": ["The operation is not allowed in the current state"],
}


@pytest.mark.parametrize("block", python_blocks(), ids=lambda block: next(k for k in PROMISED_OUTPUT if k in block))
def test_python_example_runs_as_printed(block: str) -> None:
    server = start_server(DEFAULT_FIXTURE)
    try:
        code = block.replace("8989", str(server.port))
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    promised = next(lines for key, lines in PROMISED_OUTPUT.items() if key in block)
    printed = result.stdout.splitlines()
    assert len(printed) == len(promised), result.stdout
    for line, prefix in zip(printed, promised):
        assert line.startswith(prefix), result.stdout


def test_default_fixture_is_what_make_run_serves() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert "FIXTURE ?= fixtures/default.yaml" in makefile
    assert "PORT ?= 8989" in makefile
    assert Path(DEFAULT_FIXTURE).is_file()
