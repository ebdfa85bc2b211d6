"""The bundled fixtures from the command line: ``serve`` with no ``--fixtures``, ``vtasksim
fixtures`` (list, show, copy), ``--version`` and ``python -m vtasksim``.

Run from an empty directory, as a user would: nothing is read relative to the working directory.
(client_tests/test_packaging.py does the same from an installed wheel.)
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from running_server import REPO, start_server, vtasksim_command
from vtasksim import __version__

TOP_FIXTURES = REPO / "fixtures"


def vtasksim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO / "server"))
    return subprocess.run(vtasksim_command(*args), capture_output=True, text=True, timeout=60, env=env, cwd=cwd)


def test_serve_without_fixtures_serves_the_bundled_default(tmp_path: Path, connect) -> None:
    """README: `vtasksim serve` serves the default fixture (task-102: running, cancelable)."""
    from pyVmomi import vim

    server = start_server(None, cwd=tmp_path)
    try:
        si = connect(server)
        info = vim.Task("task-102", si._stub).info
        assert (info.state, info.cancelable) == ("running", True)
    finally:
        server.stop()


def test_fixtures_lists_every_bundled_fixture_with_what_it_holds(tmp_path: Path) -> None:
    result = vtasksim("fixtures", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0]: line.split(None, 1)[1] for line in result.stdout.splitlines()}
    assert sorted(listed) == sorted(path.stem for path in TOP_FIXTURES.glob("*.yaml"))
    assert listed["default"].startswith("vtasksim's default fixture")
    assert vtasksim("fixtures", "list", cwd=tmp_path).stdout == result.stdout


def test_fixtures_show_prints_the_fixture(tmp_path: Path) -> None:
    result = vtasksim("fixtures", "show", "default", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (TOP_FIXTURES / "default.yaml").read_text("utf-8")


def test_fixtures_copy_writes_a_file_to_start_from_and_keeps_existing_ones(tmp_path: Path) -> None:
    copied = vtasksim("fixtures", "copy", "default", "my.yaml", cwd=tmp_path)
    assert copied.returncode == 0, copied.stderr
    assert (tmp_path / "my.yaml").read_bytes() == (TOP_FIXTURES / "default.yaml").read_bytes()
    assert "vtasksim serve --fixtures my.yaml" in copied.stdout

    (tmp_path / "my.yaml").write_text("# mine\n")
    refused = vtasksim("fixtures", "copy", "default", "my.yaml", cwd=tmp_path)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert (tmp_path / "my.yaml").read_text() == "# mine\n", "an existing file is not overwritten"
    forced = vtasksim("fixtures", "copy", "default", "my.yaml", "--force", cwd=tmp_path)
    assert forced.returncode == 0 and (tmp_path / "my.yaml").read_bytes() == (TOP_FIXTURES / "default.yaml").read_bytes()

    into_folder = vtasksim("fixtures", "copy", "empty", cwd=tmp_path)
    assert into_folder.returncode == 0 and (tmp_path / "empty.yaml").read_bytes() == (TOP_FIXTURES / "empty.yaml").read_bytes()


@pytest.mark.parametrize("action", ["show", "copy"])
def test_an_unknown_fixture_is_named_with_the_bundled_ones(tmp_path: Path, action: str) -> None:
    result = vtasksim("fixtures", action, "nope", cwd=tmp_path)
    assert result.returncode == 2
    assert "no bundled fixture 'nope'; bundled: default" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_version_from_the_script_and_from_python_m(tmp_path: Path) -> None:
    result = vtasksim("--version", cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, f"vtasksim {__version__}")
