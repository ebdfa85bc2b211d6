"""Spyne 2.14 on today's Twisted and Python: every fix in one place.

Each fix names the breakage it mends; ``server/tests/test_compat.py`` has, for each, a test that
fails the day the fix is no longer needed, so that it can be deleted.
"""

from __future__ import annotations

import sys
from importlib import resources


def install() -> None:
    """Apply every fix; idempotent, and harmless before or after Spyne is imported."""
    _provide_twisted_python_constants()
    _no_full_collection_per_request()


def twisted_has_python_constants() -> bool:
    """Twisted moved ``twisted.python.constants`` out to the ``constantly`` package (Twisted 16.5)
    and later removed the module; Spyne's Twisted transport still imports it."""
    return resources.files("twisted.python").joinpath("constants.py").is_file()


def _provide_twisted_python_constants() -> None:
    # Fix 1: ``spyne.server.twisted`` (through ``spyne.util._twisted_ws``) does
    # ``from twisted.python.constants import Flags, FlagConstant``; ``constantly`` is the same
    # code under its new name, and Twisted itself depends on it.
    if "twisted.python.constants" in sys.modules or twisted_has_python_constants():
        return
    import constantly

    sys.modules["twisted.python.constants"] = constantly


def spyne_collects_garbage_per_request() -> bool:
    """Spyne's MethodContext.close() runs gc.collect() at most every MIN_GC_INTERVAL seconds."""
    import inspect

    from spyne import context

    return "gc.collect()" in inspect.getsource(context.MethodContext.close)


def _no_full_collection_per_request() -> None:
    # Fix 2: a full collection at the end of a request stalls every client for as long as it
    # takes (90 ms with 20,000 tasks); Python's own generational collector is enough.
    from spyne import const

    const.MIN_GC_INTERVAL = float("inf")
