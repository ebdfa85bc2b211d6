"""External programs the tests drive (govc, vcsim): found, or the test is skipped, naming them.

The project passes its own tests without them. When they are installed, a test finds one through
the environment variable of its upper-case name (``GOVC=/path/to/govc``), else on ``PATH``.
"""

from __future__ import annotations

import os
import shutil

import pytest


def tool_path(name: str) -> str | None:
    """The program ``name``: ``$NAME`` if set (it must then be an executable file), else ``PATH``."""
    variable = name.upper()
    configured = os.environ.get(variable)
    if configured:
        if not (os.path.isfile(configured) and os.access(configured, os.X_OK)):
            pytest.fail(f"{variable}={configured} is not an executable file")
        return configured
    return shutil.which(name)


def find_tool(name: str) -> str:
    """The path of ``name``, or skip the calling test saying how to provide it."""
    path = tool_path(name)
    if path is None:
        pytest.skip(f"{name} not found: set {name.upper()}=/path/to/{name} or put it on PATH")
    return path
