"""Durations as people write them in fixtures and control-API calls: ``2s``, ``500ms``, ``1.5m``, ``1h``, or a number of seconds."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(value: object) -> float:
    """Seconds; ValueError with a message fit for a person when ``value`` is no duration."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 2s or 500ms, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    else:
        raise ValueError(f"expected a duration such as 2s, 500ms, 1m or a number of seconds, got {value!r}")
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(f"a duration must be 0 or more seconds, got {value!r}")
    return seconds
