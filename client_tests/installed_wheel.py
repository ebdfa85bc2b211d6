"""vtasksim as a user gets it: the sdist and wheel built from this checkout, the wheel installed
into a fresh virtual environment outside the checkout.

``wheel_install`` is a session fixture (conftest.py registers it): built and installed once per
test session, used by test_packaging.py and by any test that must run something from the
installed wheel (a pytest plugin, the console script). Tests using it are marked ``packaging``;
``.ci/run`` runs them once, with the newest Python.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from running_server import REPO

BUILD_TIMEOUT = 600


@dataclass(frozen=True)
class WheelInstall:
    sdist: Path
    wheel: Path
    venv: Path

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name

    @property
    def python(self) -> Path:
        return self.bin("python")

    def env(self) -> dict[str, str]:
        """The environment to run the installed vtasksim in: nothing points into the checkout."""
        env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        return dict(env, PATH=f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", PYTHONUNBUFFERED="1")

    def run(self, *command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
        """``command`` with the venv's bin first on PATH, from ``cwd``."""
        return subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=120, env=self.env(), cwd=cwd)


def _checked(command: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=BUILD_TIMEOUT, **kwargs)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def build_and_install(work: Path) -> WheelInstall:
    """``python -m build`` (sdist, then the wheel from the sdist, as pip would from an index),
    then ``pip install`` of the wheel into ``work/venv`` with the pinned dependencies."""
    dist = work / "dist"
    _checked([sys.executable, "-m", "build", "--outdir", dist, REPO], cwd=work)
    (sdist,) = dist.glob("vtasksim-*.tar.gz")
    (wheel,) = dist.glob("vtasksim-*.whl")
    venv = work / "venv"
    _checked([sys.executable, "-m", "venv", venv], cwd=work)
    _checked([venv / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check",
              "-c", REPO / "constraints.txt", wheel], cwd=work)  # fmt: skip
    return WheelInstall(sdist, wheel, venv)


@pytest.fixture(scope="session")
def wheel_install(tmp_path_factory: pytest.TempPathFactory) -> WheelInstall:
    work = tmp_path_factory.mktemp("wheel-install")
    assert REPO not in work.parents, "the wheel's venv must lie outside the checkout"
    return build_and_install(work)
