"""What loading a fixture leaves behind: its tasks, not its YAML (app/fixtures.py, fixture_validation.py)."""

from __future__ import annotations

import gc
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from yaml.nodes import Node, ScalarNode, SequenceNode

from vtasksim.app.fixture_stream import compose_outline, has_fast_parser
from vtasksim.app.fixtures import FixtureError, load_fixture_text
from vtasksim.domain.clock import ManualClock

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from fixture_files import write_fixture  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "fixtures" / "default.yaml"


def _yaml_nodes() -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, Node))


def test_a_loaded_fixture_keeps_none_of_its_yaml_nodes(tmp_path: Path) -> None:
    """PyYAML's constructor remembers every node it constructed: a loader that kept one would keep
    every scalar of every fixture it read (and their marks), ~5 KiB a task."""
    text = write_fixture(tmp_path / "fixture.yaml", 50).read_text()
    load_fixture_text(text, "warm-up", ManualClock())  # first-use caches
    before = _yaml_nodes()
    simulator = load_fixture_text(text, "fixture.yaml", ManualClock())
    assert len(simulator.task_history) == 50
    assert _yaml_nodes() - before < 10


# The tasks, composed one at a time (app/fixture_stream.py)


def _same(a: Node, b: Node) -> bool:
    if type(a) is not type(b) or a.tag != b.tag or (a.start_mark.line, a.start_mark.column) != (b.start_mark.line, b.start_mark.column):
        return False
    if isinstance(a, ScalarNode):
        return (a.value, a.style) == (b.value, b.style)
    if isinstance(a, SequenceNode):
        return len(a.value) == len(b.value) and all(_same(x, y) for x, y in zip(a.value, b.value))
    return len(a.value) == len(b.value) and all(_same(k, l) and _same(v, w) for (k, v), (l, w) in zip(a.value, b.value))


@pytest.mark.parametrize("fast", [pytest.param(True, id="libyaml"), pytest.param(False, id="PyYAML")])
def test_the_outline_and_its_tasks_are_the_nodes_yaml_composes(fast: bool) -> None:
    if fast and not has_fast_parser():
        pytest.skip("PyYAML without libyaml")
    text = DEFAULT.read_text()
    items: list[Node] = []
    outline, streamed = compose_outline(text, lambda index, node: items.append(node), fast)
    assert streamed and len(items) > 3
    tasks = next(value for key, value in outline.value if key.value == "tasks")
    assert tasks.value == []
    tasks.value = items
    assert _same(outline, yaml.compose(text, Loader=yaml.CSafeLoader if fast else yaml.SafeLoader))


def test_a_tasks_nodes_are_let_go_before_the_next_is_composed(tmp_path: Path) -> None:
    text = write_fixture(tmp_path / "fixture.yaml", 40).read_text()
    live: list[int] = []
    compose_outline(text, lambda index, node: live.append(_yaml_nodes()) if index in (1, 39) else None)
    assert live[1] - live[0] < 10, f"YAML nodes alive at the 2nd task: {live[0]}, at the 40th: {live[1]}"


def test_an_anchored_tasks_list_is_composed_whole_and_loads_the_same() -> None:
    text = "tasks: &all\n  - {key: task-1, descriptionId: a.b}\n  - {key: task-2, descriptionId: a.b, parentTaskKey: task-1}\n"
    outline, streamed = compose_outline(text, lambda index, node: pytest.fail("streamed an anchored list"))
    assert not streamed
    simulator = load_fixture_text(text, "x.yaml", ManualClock())
    assert len(simulator.task_history) == 2


def _error(text: str) -> str:
    with pytest.raises(FixtureError) as caught:
        load_fixture_text(textwrap.dedent(text), "x.yaml", ManualClock())
    return str(caught.value)


def test_the_first_schema_error_by_line_wins_across_tasks_and_sections() -> None:
    tasks = textwrap.dedent("""\
        tasks:
          - {key: task-1, descriptionId: a.b}
          - {key: task-2, descriptionId: a.b, state: runing}
          - {key: task-3, descriptionId: a.b, progres: 5}
        """)
    assert _error(tasks + "settings: {cancelDelay: -1}\n").startswith("x.yaml:3: tasks[1].state: unknown state 'runing'")
    assert _error("settings: {cancelDelay: -1}\n" + tasks).startswith("x.yaml:1: settings.cancelDelay")
    assert _error(tasks.replace("state: runing", "state: running")).startswith("x.yaml:4: tasks[2].progres: unknown field")


def test_schema_errors_come_before_reader_errors_and_task_keys_after_objects() -> None:
    text = textwrap.dedent("""\
        tasks:
          - {{key: task-1, descriptionId: a.b, parentTaskKey: nowhere}}
          - {{key: task-1, descriptionId: a.b}}
        objects:
          - {{type: VirtualMachine, value: vm-1, name: web}}
          - {{type: VirtualMachine, value: {second}, name: web}}
        """)
    assert _error(text.format(second="vm-1") + "users: [{name: 1}]\n").startswith("x.yaml:7: users[0]")  # the schema's first
    objects_error = _error(text.format(second="vm-1"))
    assert objects_error.startswith("x.yaml:6: objects[1]: duplicate object"), objects_error  # before any task key
    keys_error = _error(text.format(second="vm-2"))
    assert keys_error.startswith("x.yaml:3: tasks[1].key: duplicate task key 'task-1' (first at line 2)"), keys_error


def test_a_task_may_name_a_later_task_and_a_bad_yaml_line_is_still_named() -> None:
    simulator = load_fixture_text(
        "tasks:\n  - {key: child, descriptionId: a.b, parentTaskKey: root}\n  - {key: root, descriptionId: a.b}\n",
        "x.yaml", ManualClock(),
    )  # fmt: skip
    assert {task.info.key: task.info.parentTaskKey for task in simulator.task_history.tasks()} == {"child": "root", "root": None}
    assert _error("tasks:\n  - {key: a, descriptionId: a.b}\n  - {key: b, descriptionId: [a.b}\n").startswith("x.yaml:3: invalid YAML")
