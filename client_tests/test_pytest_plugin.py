"""The pytest plugin and vtasksim.testing.server(), used exactly as the README shows: its test
files written out as printed, beside the README's scenario as backup.yaml, and run by pytest in
a directory of their own (the plugin found through its pytest11 entry point)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from running_server import REPO

README = REPO / "README.md"


def readme_test_files() -> dict[str, str]:
    """The README's ``py`` blocks, by the file name their first line gives."""
    blocks = re.findall(r"```py\n(.*?)```", README.read_text(), flags=re.S)
    return {block.splitlines()[0].removeprefix("# ").strip(): block for block in blocks if block.startswith("# test_")}


def write_user_project(where: Path) -> Path:
    scenario = re.search(r"```yaml\n# scenario.yaml\n(.*?)```", README.read_text(), flags=re.S)
    assert scenario is not None
    (where / "backup.yaml").write_text(scenario.group(1))
    for name, code in readme_test_files().items():
        (where / name).write_text(code)
    return where


def run_pytest(python: str | Path, project: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning", str(project)],
        capture_output=True, text=True, timeout=300, cwd=project, env=env,
    )  # fmt: skip


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def test_the_readme_shows_a_pytest_file_and_a_unittest_file() -> None:
    assert set(readme_test_files()) == {"test_backup.py", "test_with_unittest.py"}


def test_readme_examples_pass_with_the_plugin(tmp_path: Path) -> None:
    project = write_user_project(tmp_path)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = run_pytest(sys.executable, project, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b5 passed\b", result.stdout), result.stdout


def test_a_broken_example_fails(tmp_path: Path) -> None:
    """The plugin's tests can fail: a wrong expectation about the fixture is caught."""
    project = write_user_project(tmp_path)
    backup = project / "test_backup.py"
    backup.write_text(backup.read_text().replace("info.progress == 40", "info.progress == 41"))
    result = run_pytest(sys.executable, project)
    assert result.returncode == 1 and re.search(r"\b1 failed, 4 passed\b", result.stdout), result.stdout


def test_a_marker_naming_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "test_missing.py").write_text(
        "import pytest\n\n@pytest.mark.vtasksim(fixture='nope.yaml')\ndef test_x(vtasksim):\n    pass\n"
    )
    result = run_pytest(sys.executable, tmp_path)
    assert result.returncode != 0 and "no file" in result.stdout + result.stderr


PORT_RECORDER = '''\
import os


def test_records_its_server(vtasksim):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(os.path.join(os.environ["VTASKSIM_PORTS"], worker), "w") as out:
        out.write(str(vtasksim.port))
    assert vtasksim.control.health()["status"] == "ok"
'''


def test_one_server_per_xdist_worker(tmp_path: Path) -> None:
    """Under pytest-xdist each worker is a session of its own, with a server of its own."""
    pytest.importorskip("xdist", reason="pytest-xdist is not installed")
    project = write_user_project(_mkdir(tmp_path / "project"))
    (project / "test_ports.py").write_text(PORT_RECORDER)
    ports = tmp_path / "ports"
    ports.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["VTASKSIM_PORTS"] = str(ports)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "each", str(project)],
        capture_output=True, text=True, timeout=300, cwd=project, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b12 passed\b", result.stdout), result.stdout  # the README's 5 and this one, on each worker
    recorded = {path.name: path.read_text() for path in ports.iterdir()}
    assert set(recorded) == {"gw0", "gw1"} and len(set(recorded.values())) == 2, recorded
