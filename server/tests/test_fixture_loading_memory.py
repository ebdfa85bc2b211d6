"""What loading a fixture leaves behind: its tasks, not its YAML (app/fixtures.py, fixture_validation.py)."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from yaml.nodes import Node

from vtasksim.app.fixtures import load_fixture_text
from vtasksim.domain.clock import ManualClock

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from fixture_files import write_fixture  # noqa: E402


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
