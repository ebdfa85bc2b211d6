"""docs/fixtures.md documents every field the fixture loader accepts, and its examples load.

When this fails after adding a field to the fixture schema (app/fixture_schema.py): document the field in docs/fixtures.md,
in its section's table (TEAM.md: whoever adds a fixture field documents it there).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vtasksim.app.fixture_schema import fixture_schema
from vtasksim.app.fixtures import load_fixture_text
from vtasksim.domain.clock import ManualClock

DOC = Path(__file__).resolve().parents[2] / "docs" / "fixtures.md"
TEXT = DOC.read_text("utf-8")

def _fields(schema: dict) -> tuple[str, ...]:
    return tuple(schema.get("properties", {}))


# The fields the loader accepts are the fixture schema's (app/fixture_schema.py): the loader checks
# every fixture against it first.
SCHEMA = fixture_schema()
DEFINITIONS = SCHEMA["$defs"]
FIELDS = {
    "top level": _fields(SCHEMA),
    "settings": _fields(SCHEMA["properties"]["settings"]),
    "objects": _fields(DEFINITIONS["object"]),
    "tasks": tuple(name for name in _fields(DEFINITIONS["task"]) if name != "task"),  # the MoRef comes from key
    "users": _fields(DEFINITIONS["user"]),
    "extensions": _fields(DEFINITIONS["extension"]),
    "timeline steps": _fields(DEFINITIONS["step"]),
    "faultRules": _fields(DEFINITIONS["faultRule"]),
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
