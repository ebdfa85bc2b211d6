"""The pytest plugin as a user gets it: ``pip install 'vtasksim[pytest]'`` from the wheel, into a
virtual environment outside the checkout, and the README's test files run there by pytest, the
plugin found through the wheel's pytest11 entry point (installed_wheel.py builds the wheel once)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from installed_wheel import WheelInstall
from running_server import REPO
from test_pytest_plugin import write_user_project

pytestmark = pytest.mark.packaging


@pytest.fixture(scope="module")
def with_plugin_extra(wheel_install: WheelInstall) -> WheelInstall:
    """The wheel's ``pytest`` extra (pytest and pyVmomi), pinned as the project pins them."""
    result = subprocess.run(
        [str(wheel_install.bin("pip")), "install", "--quiet", "--disable-pip-version-check",
         "-c", str(REPO / "constraints.txt"), f"{wheel_install.wheel}[pytest]"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return wheel_install


def test_the_plugin_comes_from_the_wheel(with_plugin_extra: WheelInstall, tmp_path: Path) -> None:
    result = with_plugin_extra.run(with_plugin_extra.python, "-c", "import vtasksim.testing.pytest_plugin as p; print(p.__file__)", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_relative_to(with_plugin_extra.venv)


def test_readme_examples_pass_from_the_wheel(with_plugin_extra: WheelInstall, tmp_path: Path) -> None:
    project = write_user_project(tmp_path)
    result = with_plugin_extra.run(with_plugin_extra.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", project, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b5 passed\b", result.stdout), result.stdout
