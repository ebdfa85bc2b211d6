"""``pip install`` of the wheel gives a server that serves everything from anywhere.

The sdist and wheel are built from this checkout (installed_wheel.py); the wheel goes into a
fresh venv outside the checkout, and ``vtasksim serve --port 0`` runs from an empty temporary
directory with nothing pointing back at the checkout. pyVmomi then does what its users do:
SmartConnect, CreateTask, WaitForTask.
"""

from __future__ import annotations

import sys
import tarfile
import threading
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Iterator

import pytest

from installed_wheel import WheelInstall
from running_server import REPO, RunningServer, smart_connect, start_command

pytestmark = pytest.mark.packaging

RUN_TIME_FILES = (
    "vtasksim/wire/wsdl/vimService.wsdl",
    "vtasksim/wire/wsdl/vim.wsdl",
    "vtasksim/wire/wsdl/vim-messages.xsd",
    "vtasksim/wire/wsdl/vim-types.xsd",
    "vtasksim/domain/vim_types.json",
    "vtasksim/fixtures/default.yaml",
)


@pytest.fixture(scope="module")
def installed_server(wheel_install: WheelInstall, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """``vtasksim serve --port 0`` of the installed wheel, from an empty directory."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    server = start_command([str(wheel_install.bin("vtasksim")), "serve", "--port", "0"], cwd=elsewhere, env=wheel_install.env())
    yield server
    assert server.stop() == 0, "\n".join(server.output)
    assert list(elsewhere.iterdir()) == [], "the server wrote nothing into its working directory"


def test_the_wheel_and_the_sdist_carry_every_run_time_file(wheel_install: WheelInstall) -> None:
    wheel_names = set(zipfile.ZipFile(wheel_install.wheel).namelist())
    assert set(RUN_TIME_FILES) <= wheel_names, sorted(set(RUN_TIME_FILES) - wheel_names)
    with tarfile.open(wheel_install.sdist) as sdist:
        sdist_names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {f"server/{name}" for name in RUN_TIME_FILES} <= sdist_names


def test_twine_check_passes(wheel_install: WheelInstall, tmp_path: Path) -> None:
    """The metadata (README as long description, license, classifiers) is what PyPI accepts."""
    result = wheel_install.run(sys.executable, "-m", "twine", "check", "--strict", wheel_install.sdist, wheel_install.wheel, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_the_installed_package_is_the_wheel_not_the_checkout(wheel_install: WheelInstall, tmp_path: Path) -> None:
    result = wheel_install.run(wheel_install.python, "-c", "import vtasksim; print(vtasksim.__file__)", cwd=tmp_path)
    location = Path(result.stdout.strip())
    assert wheel_install.venv in location.parents and REPO not in location.parents, result.stdout + result.stderr


def test_version_from_the_console_script_and_python_m(wheel_install: WheelInstall, tmp_path: Path) -> None:
    from vtasksim import __version__

    for command in ([wheel_install.bin("vtasksim")], [wheel_install.python, "-m", "vtasksim"]):
        result = wheel_install.run(*command, "--version", cwd=tmp_path)
        assert (result.returncode, result.stdout.strip()) == (0, f"vtasksim {__version__}"), result.stderr


def test_the_installed_fixtures_command_copies_the_default_fixture(wheel_install: WheelInstall, tmp_path: Path) -> None:
    result = wheel_install.run("vtasksim", "fixtures", "copy", "default", "start.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "start.yaml").read_bytes() == (REPO / "fixtures" / "default.yaml").read_bytes()


def test_the_installed_server_serves_the_wsdl(installed_server: RunningServer) -> None:
    """Issue 6: an installed wheel answered GET /sdk/vimService.wsdl with 404."""
    with urllib.request.urlopen(f"{installed_server.url}/vimService.wsdl", timeout=10) as answer:
        assert answer.status == 200
        wsdl = answer.read()
    assert f'location="{installed_server.url}"'.encode() in wsdl, "soap:address is the URL the client used"
    with urllib.request.urlopen(f"{installed_server.url}/vim-types.xsd", timeout=10) as answer:
        assert answer.read() == (REPO / "wsdl" / "vim-types.xsd").read_bytes()


def test_pyvmomi_creates_a_task_and_waits_for_it_on_the_installed_server(installed_server: RunningServer) -> None:
    """SmartConnect -> CreateTask -> WaitForTask, against the bundled default fixture."""
    from pyVim.connect import Disconnect
    from pyVim.task import WaitForTask
    from pyVmomi import vim

    si = smart_connect(installed_server)
    try:
        content = si.RetrieveContent()
        assert vim.Task("task-102", si._stub).info.state == "running", "the bundled default fixture is served"
        info = content.taskManager.CreateTask(obj=content.rootFolder, taskTypeId="com.example.backup", initiatedBy="me", cancelable=True)
        task = vim.Task(info.key, si._stub)
        task.SetTaskState("running")
        waited: dict[str, object] = {}
        waiter = threading.Thread(target=lambda: waited.setdefault("state", WaitForTask(task)))
        waiter.start()
        time.sleep(0.3)  # WaitForTask is waiting on the property collector by now
        assert waiter.is_alive(), "WaitForTask returned before the task completed"
        task.SetTaskState("success", result="backup-42")
        waiter.join(timeout=30)
        assert waited.get("state") == "success"
        assert task.info.result == "backup-42"
    finally:
        Disconnect(si)
