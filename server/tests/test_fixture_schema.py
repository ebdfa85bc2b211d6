"""The fixture schema: shipped beside the fixtures as generated, named by each of them for
editors, satisfied by every fixture the project ships or shows, and refusing what the loader
refuses, with the loader's sentences."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from vtasksim.app.fixture_schema import FILE_NAME, fixture_schema, schema_text
from vtasksim.app.fixture_validation import schema_error
from vtasksim.app.fixtures import FixtureError, load_fixture_text
from vtasksim.domain.clock import ManualClock

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILES = [REPO / "fixtures" / FILE_NAME, REPO / "server" / "vtasksim" / "fixtures" / FILE_NAME]
FIXTURES = sorted((REPO / "fixtures").glob("*.yaml"))


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_the_shipped_schema_is_the_generated_one(path: Path) -> None:
    assert path.read_text() == schema_text(), f"{path} is out of date: run `make fixtures`"


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(fixture_schema())
    assert json.loads(schema_text()) == fixture_schema()


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_fixture_names_the_schema_for_editors_and_satisfies_it(path: Path) -> None:
    text = path.read_text()
    assert f"# yaml-language-server: $schema={FILE_NAME}\n" in text
    assert schema_error(yaml.compose(text)) is None


def readme_fixtures() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", (REPO / "README.md").read_text(), flags=re.S)


@pytest.mark.parametrize("text", readme_fixtures(), ids=lambda t: t.splitlines()[0])
def test_the_readmes_fixtures_satisfy_the_schema(text: str) -> None:
    if "tasks:" not in text and "faultRules:" not in text and "objects:" not in text:
        pytest.skip("not a whole fixture")
    assert schema_error(yaml.compose(text)) is None


@pytest.mark.parametrize(
    "text, where",
    [
        ("tasks:\n  - {key: t, descriptionId: d, timeline: [{after: 1s, stat: running}]}\n",
         "x.yaml:2: tasks[0].timeline[0].stat: unknown field; did you mean 'state'?"),
        ("faultRules:\n  - {method: UpdateProgres, drop: true}\n",
         "x.yaml:2: faultRules[0].method: unknown method 'UpdateProgres'; did you mean 'UpdateProgress'?"),
        ("faultRules:\n  - {drop: yes, skip: many}\n", "x.yaml:2: faultRules[0].skip: expected an integer, got 'many'"),
        ("timelines:\n  a.b: {state: running}\n", "x.yaml:2: timelines.a.b: expected a list, got a mapping"),
        ("users:\n  - {name: a, password: b, role: Admn}\n", "x.yaml:2: users[0].role: unknown role 'Admn'; did you mean 'Admin'?"),
        ("settings: {maxBodyBytes: 0}\n", "x.yaml:1: settings.maxBodyBytes: 0 is out of range; expected an integer 1 or more"),
    ],
)
def test_schema_errors_read_like_the_loaders(text: str, where: str) -> None:
    with pytest.raises(FixtureError) as error:
        load_fixture_text(text, "x.yaml", ManualClock())
    assert str(error.value).startswith(where), str(error.value)
