"""The fixtures vtasksim carries inside its package, and ``vtasksim fixtures`` to look at them.

They are package data (``vtasksim/fixtures/*.yaml``), found with importlib.resources, so an
installed wheel serves its default fixture from any directory. In a checkout they are copies of
the top-level ``fixtures/`` (the canonical files: edit those, then ``make fixtures``); a test
fails when the two differ.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

DEFAULT = "default"
SUFFIX = ".yaml"


def bundled_fixtures() -> dict[str, Traversable]:
    """Every bundled fixture by name (its file name without ``.yaml``), sorted."""
    folder = resources.files("vtasksim") / "fixtures"
    found = (entry for entry in folder.iterdir() if entry.name.endswith(SUFFIX) and entry.is_file())
    return {entry.name.removesuffix(SUFFIX): entry for entry in sorted(found, key=lambda entry: entry.name)}


class UnknownFixture(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no bundled fixture {name!r}; bundled: {', '.join(bundled_fixtures())}")


def bundled_fixture(name: str) -> Traversable:
    try:
        return bundled_fixtures()[name.removesuffix(SUFFIX)]
    except KeyError:
        raise UnknownFixture(name) from None


def source_name(name: str) -> str:
    """How errors name a bundled fixture (``source:line: field: …``)."""
    return f"<bundled fixture {name}{SUFFIX}>"


def summary(text: str) -> str:
    """A fixture's first comment line, which says what it holds."""
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    return first.lstrip("#").strip() if first.startswith("#") else ""


# vtasksim fixtures …

EPILOG = """\
examples:
  vtasksim fixtures                          list the bundled fixtures
  vtasksim fixtures show default             print one
  vtasksim fixtures copy default my.yaml     copy one to start your own from
  vtasksim serve --fixtures my.yaml          serve it
"""


def add_fixtures_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "fixtures", help="list, print or copy the fixtures bundled with vtasksim",
        description="The fixtures bundled with vtasksim: 'serve' without --fixtures serves 'default'.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.set_defaults(run=_list, fixtures_command="list")
    actions = parser.add_subparsers(dest="fixtures_command", metavar="{list,show,copy}")
    actions.add_parser("list", help="name and describe every bundled fixture (the default)").set_defaults(run=_list)
    show = actions.add_parser("show", help="print a bundled fixture's YAML")
    show.add_argument("name", help="a bundled fixture's name, e.g. default")
    show.set_defaults(run=_show)
    copy = actions.add_parser("copy", help="copy a bundled fixture to a file, to edit and serve with --fixtures")
    copy.add_argument("name", help="a bundled fixture's name, e.g. default")
    copy.add_argument("destination", nargs="?", type=Path, help="file or directory to write (default ./NAME.yaml)")
    copy.add_argument("--force", action="store_true", help="overwrite the destination if it exists")
    copy.set_defaults(run=_copy)


def _list(args: argparse.Namespace) -> int:
    fixtures = bundled_fixtures()
    width = max(map(len, fixtures), default=0)
    for name, entry in fixtures.items():
        print(f"{name:<{width}}  {summary(entry.read_text('utf-8'))}".rstrip())
    return 0


def _show(args: argparse.Namespace) -> int:
    try:
        sys.stdout.write(bundled_fixture(args.name).read_text("utf-8"))
    except UnknownFixture as error:
        print(f"vtasksim: {error}", file=sys.stderr)
        return 2
    return 0


def _copy(args: argparse.Namespace) -> int:
    try:
        entry = bundled_fixture(args.name)
    except UnknownFixture as error:
        print(f"vtasksim: {error}", file=sys.stderr)
        return 2
    destination: Path = args.destination or Path(entry.name)
    if destination.is_dir():
        destination = destination / entry.name
    if destination.exists() and not args.force:
        print(f"vtasksim: {destination} exists; --force overwrites it", file=sys.stderr)
        return 2
    destination.write_bytes(entry.read_bytes())
    print(f"wrote {destination}; serve it with: vtasksim serve --fixtures {destination}")
    return 0
