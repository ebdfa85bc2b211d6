"""Merge ``pip freeze`` outputs of several Pythons into one constraints.txt (``make constraints``).

    python merge_constraints.py --supported 3.13 3.12 3.11 -- 3.11.txt 3.13.txt > constraints.txt

Each file is named after the Python it was frozen on (``3.12.txt``). A package pinned to the same
version everywhere it is installed gets one plain line (pip ignores a constraint on a package
nothing asks for, so a pin needed only on 3.13, such as legacy-cgi, is harmless on 3.11); one
whose versions differ gets a line per Python with a ``python_version`` marker.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, tuple[str, str]]:
    """canonical name -> (name as frozen, version); the project itself and unpinned lines left out."""
    pins = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line.strip())
        if match and canonical(match.group(1)) != "vtasksim":
            pins[canonical(match.group(1))] = (match.group(1), match.group(2))
    return pins


def merge(frozen: dict[str, dict[str, tuple[str, str]]]) -> list[str]:
    versions_of: dict[str, dict[str, str]] = defaultdict(dict)  # package -> python -> version
    names: dict[str, str] = {}
    for python, pins in frozen.items():
        for key, (name, version) in pins.items():
            versions_of[key][python] = version
            names.setdefault(key, name)
    lines = []
    for key in sorted(versions_of):
        by_python = versions_of[key]
        if len(set(by_python.values())) == 1:
            lines.append(f"{names[key]}=={next(iter(by_python.values()))}")
        else:
            lines.extend(f'{names[key]}=={version}; python_version == "{python}"' for python, version in sorted(by_python.items()))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--supported", nargs="+", default=[], help="the Python versions the file must serve")
    parser.add_argument("freezes", nargs="+", type=Path, help="pip freeze outputs, named <python version>.txt")
    args = parser.parse_args(argv)
    frozen = {path.stem: read_pins(path) for path in args.freezes}
    for missing in sorted(set(args.supported) - set(frozen)):
        print(f"warning: no Python {missing} was found: constraints.txt is not checked on it", file=sys.stderr)
    print("\n".join(merge(frozen)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
