"""`vtasksim schema`, `vtasksim check` and every command's --help, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from running_server import REPO, vtasksim_command

COMMANDS = ("serve", "fixtures", "schema", "check")


def _run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(vtasksim_command(*args), capture_output=True, text=True, timeout=60, cwd=cwd)


def test_help_lists_every_command() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_complete_help(command: str) -> None:
    result = _run(command, "--help")
    assert result.returncode == 0 and result.stdout.startswith(f"usage: vtasksim {command}")
    lines = result.stdout.splitlines()
    for number, line in enumerate(lines):  # every option says what it does, beside it or below it
        if line.startswith("  -") and "  " not in line.strip():
            following = lines[number + 1].strip() if number + 1 < len(lines) else ""
            assert following and not following.startswith("-"), f"{line!r} has no help:\n{result.stdout}"


def test_serve_help_names_the_toolkit_options() -> None:
    text = _run("serve", "--help").stdout
    for option in ("--clock", "--control-token", "--trace", "--trace-bodies"):
        assert option in text


def test_schema_prints_the_fixture_schema(tmp_path: Path) -> None:
    result = _run("schema", cwd=tmp_path)
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"tasks", "timelines", "faultRules", "settings", "objects"} <= set(schema["properties"])
    assert result.stdout == (REPO / "fixtures" / "fixture.schema.json").read_text()


def test_check_says_ok_or_names_the_file_line_and_field(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("tasks:\n  - {key: task-1, descriptionId: a.b, timeline: [{after: 1s, state: running}]}\n")
    bad.write_text("tasks:\n  - key: task-1\n    descriptionId: a.b\n    progres: 5\n")
    result = _run("check", str(good), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"{good}: ok (1 tasks, 0 fault rules, 0 task type timelines)\n"
    result = _run("check", str(good), str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert f"{bad}:4: tasks[0].progres: unknown field; did you mean 'progress'?" in result.stdout.splitlines()


def test_check_the_bundled_fixtures() -> None:
    result = _run("check", *sorted(str(p) for p in (REPO / "fixtures").glob("*.yaml")))
    assert result.returncode == 0, result.stdout
    assert result.stdout.count(": ok (") == len(list((REPO / "fixtures").glob("*.yaml")))
