"""docs/fixtures.md documents every field the fixture loader accepts, and its examples load.

When this fails after adding a field to app/fixtures.py: document the field in docs/fixtures.md,
in its section's table (TEAM.md: whoever adds a fixture field documents it there).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vtasksim.app import fixture_faults, fixture_timelines, fixtures
from vtasksim.app.fixtures import load_fixture_text
from vtasksim.domain.clock import ManualClock

DOC = Path(__file__).resolve().parents[2] / "docs" / "fixtures.md"
TEXT = DOC.read_text("utf-8")

FIELDS = {
    "top level": fixtures._TOP_LEVEL,
    "settings": fixtures._SETTINGS,
    "objects": fixtures._OBJECT_FIELDS,
    "tasks": tuple(name for name in fixtures._TASK if name != "task"),  # the MoRef comes from key
    "users": fixtures._USER,
    "extensions": fixtures._EXTENSION,
    "timeline steps": fixture_timelines._STEP,
    "faultRules": fixture_faults._RULE,
}


@pytest.mark.parametrize("section", FIELDS)
def test_every_field_the_loader_accepts_is_documented(section: str) -> None:
    missing = [name for name in FIELDS[section] if f"`{name}" not in TEXT]
    assert not missing, f"{section} fields missing from docs/fixtures.md: {', '.join(missing)}"


def test_the_examples_load_together() -> None:
    """The top-level examples (objects, tasks, extensions …) make one fixture the server accepts."""
    blocks = re.findall(r"```yaml\n(.*?)```", TEXT, flags=re.S)
    top_level = [block for block in blocks if re.match(r"^[a-z]+:", block)]
    assert len(top_level) >= 3, "docs/fixtures.md lost its examples"
    simulator = load_fixture_text("".join(top_level), str(DOC), ManualClock())
    assert simulator is not None
