"""docs/fixtures.md documents every field the fixture loader accepts, and its examples load.

When this fails after adding a field to the fixture format (app/fixture_schema.py): document the
field in docs/fixtures.md, in its section's table (whoever adds a fixture field documents it there).
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
#: What the document writes as code (`name`, `{fault: …, localizedMessage}` …): field names appear there.
CODE = " ".join(re.findall(r"`([^`]*)`", TEXT))

#: The fixture's structure, from the JSON Schema the loader checks first: its sections, and the
#: fields of each kind of entry (``task`` only to say a task's MoRef comes from ``key``).
SCHEMA = fixture_schema()
FIELDS = {"top level": tuple(SCHEMA["properties"])} | {
    name: tuple(field for field in definition["properties"] if (name, field) != ("task", "task"))
    for name, definition in SCHEMA["$defs"].items()
    if definition.get("properties")
}


@pytest.mark.parametrize("section", FIELDS)
def test_every_field_the_loader_accepts_is_documented(section: str) -> None:
    missing = [name for name in FIELDS[section] if not re.search(rf"\b{re.escape(name)}\b", CODE)]
    assert not missing, f"{section} fields missing from docs/fixtures.md: {', '.join(missing)}"


def test_the_examples_load_together() -> None:
    """The top-level examples (objects, tasks, extensions …) make one fixture the server accepts."""
    blocks = re.findall(r"```yaml\n(.*?)```", TEXT, flags=re.S)
    top_level = [block for block in blocks if re.match(r"^[a-z]+:", block)]
    assert len(top_level) >= 3, "docs/fixtures.md lost its examples"
    simulator = load_fixture_text("".join(top_level), str(DOC), ManualClock())
    assert simulator is not None
