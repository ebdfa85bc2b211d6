"""``vtasksim schema`` and ``vtasksim check``: the fixture format for editors, and a fixture
checked without serving it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SCHEMA_HELP = """\
Print the fixture format as a JSON Schema (draft 2020-12). Editors with a YAML language server
validate and complete fixtures with it: save it beside your fixtures and start each with
  # yaml-language-server: $schema=fixture.schema.json
"""

CHECK_HELP = """\
Check fixture files as 'vtasksim serve' would load them, without serving: the schema first
(structure, types, enums), then everything the loader checks (references to declared objects,
fault fields by the vim type table, times in order …). Prints FILE: ok, or FILE:LINE: FIELD:
what is wrong. Exit status 0 when every file is fine, 1 otherwise.
"""


def add_schema_commands(commands: argparse._SubParsersAction) -> None:
    schema = commands.add_parser("schema", help="print the fixture format as a JSON Schema", description=SCHEMA_HELP,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    schema.set_defaults(run=_schema)
    check = commands.add_parser("check", help="check fixture files without serving them", description=CHECK_HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    check.add_argument("fixtures", nargs="+", type=Path, metavar="FIXTURE", help="a YAML fixture file")
    check.set_defaults(run=_check)


def _schema(args: argparse.Namespace) -> int:
    from vtasksim.app.fixture_schema import schema_text

    sys.stdout.write(schema_text())
    return 0


def _check(args: argparse.Namespace) -> int:
    from vtasksim.app.fixtures import FixtureError, load_fixture_document
    from vtasksim.domain.clock import ManualClock
    from vtasksim.domain.task import Task

    failed = 0
    for path in args.fixtures:
        try:
            fixture = load_fixture_document(path, ManualClock())
        except FixtureError as error:
            print(error)
            failed += 1
            continue
        simulator = fixture.simulator
        tasks = sum(1 for obj in simulator.registry if isinstance(obj, Task))
        print(f"{path}: ok ({tasks} tasks, {len(simulator.fault_rules.rules)} fault rules, "
              f"{len(simulator.task_type_timelines)} task type timelines)")  # fmt: skip
    return 1 if failed else 0
