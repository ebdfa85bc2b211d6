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


TOKEN = "s3cret"


def yaml_block(first_line: str) -> str:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(), flags=re.S)
    return next(block for block in blocks if block.startswith(first_line))


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
    if "Authorization" not in line:  # the README's other examples serve without a token
        line = line.replace("curl -s", f"curl -s -H 'Authorization: Bearer {TOKEN}'", 1)
    command = line.replace("8989", str(readme_server.port)).replace("curl -s", "curl -s -w '\\n%{http_code}'", 1)
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30, cwd=REPO)
    assert result.returncode == 0, result.stderr
    body, _, status = result.stdout.rpartition("\n")
    assert status in ("200", "201"), result.stdout
    json.loads(body)  # every answer is JSON


def test_scenario_example_plays_as_its_comments_say(tmp_path) -> None:
    """The README's scenario.yaml, served as the README serves it, step by step on manual time."""
    from pyVim.task import WaitForTask
    from pyVmomi import vim

    from running_server import smart_connect
    from vtasksim.testing.control import Control

    fixture = tmp_path / "scenario.yaml"
    fixture.write_text(yaml_block("# scenario.yaml"))
    server = start_server(fixture, "--clock", "manual")
    try:
        control, si = Control(server.base), smart_connect(server)
        task = vim.Task("task-201", si._stub)
        seen = []
        for _ in range(7):
            control.advance("1s")
            info = task.info
            seen.append((info.state, info.progress, info.description.message if info.description else None))
        assert seen == [
            ("running", None, None), ("running", 40, None), ("running", 40, "Verifying"), ("running", 60, "Verifying"),
            ("running", 80, "Verifying"), ("running", 100, "Verifying"), ("success", 100, "Verifying"),
        ]
        assert WaitForTask(task) == "success" and task.info.result == "backup-42"
        content = si.RetrieveContent()
        info = content.taskManager.CreateTask(obj=content.rootFolder, taskTypeId="com.example.provision", initiatedBy="me", cancelable=False)
        provision = vim.Task(info.key, si._stub)
        assert provision.info.state == "running"
        control.advance("5s")
        assert provision.info.progress == 40
        control.advance("5s")
        with pytest.raises(vim.fault.NotFound):
            WaitForTask(provision)
    finally:
        server.stop()


def test_faults_example_answers_as_its_comments_say(tmp_path) -> None:
    """The README's faults.yaml: two calls through, the third fails with the rule's fault, then none."""
    from pyVmomi import vim, vmodl

    from running_server import smart_connect
    from vtasksim.testing.control import Control

    fixture = tmp_path / "faults.yaml"
    fixture.write_text(yaml_block("# faults.yaml"))
    server = start_server(fixture)
    try:
        task = vim.Task("task-101", smart_connect(server)._stub)
        task.UpdateProgress(10)
        task.UpdateProgress(20)
        with pytest.raises(vmodl.fault.InvalidArgument) as refused:
            task.UpdateProgress(30)
        assert refused.value.invalidProperty == "percentDone"
        assert refused.value.msg == "The backup appliance rejected the progress report."
        task.UpdateProgress(40)
        assert task.info.progress == 40
        rules = Control(server.base).get("faults")
        assert [(rule["matched"], rule["fired"]) for rule in rules] == [(4, 1), (0, 0), (0, 0)]
        assert rules[1]["drop"] is True and rules[2]["delay"] == 2.0
    finally:
        server.stop()


def schema_lines() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.startswith(("vtasksim check", "vtasksim schema"))]


@pytest.mark.parametrize("line", schema_lines())
def test_check_and_schema_examples_run_as_printed(line: str, tmp_path) -> None:
    import sys

    command = line.split("#", 1)[0].replace("vtasksim", f"{sys.executable} -m vtasksim", 1)
    command = command.replace("> fixture.schema.json", f"> {tmp_path / 'fixture.schema.json'}")
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    if "check" in line:
        assert result.stdout.count(": ok (") == 2
    else:
        assert json.loads((tmp_path / "fixture.schema.json").read_text())["title"] == "vtasksim fixture"
