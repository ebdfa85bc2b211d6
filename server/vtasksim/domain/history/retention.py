"""How long history keeps what has finished: vCenter's ``task.maxAge`` / ``event.maxAge`` and a count bound.

vCenter deletes tasks and events older than ``maxAge`` days from its database (when
``maxAgeEnabled``). The simulator does the same, and also keeps at most ``limit`` completed
tasks (and events), so that a server creating a million tasks stays within bounded memory. A
fixture's history counts from when the server started: a fixture written last year still
shows its tasks for ``maxAge`` days.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_AGE_DAYS = 30
DEFAULT_LIMIT = 100_000


@dataclass(slots=True)
class Retention:
    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    max_age_enabled: bool = True
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        if self.max_age_days < 0:
            raise ValueError("max_age_days must not be negative")
        if self.limit < 0:
            raise ValueError("limit must not be negative")
