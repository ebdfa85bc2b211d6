"""Python heap each loaded task keeps, by tracemalloc: ``python heap_probe.py BASE_FIXTURE N1 FIXTURE N2``.

The server's RSS also holds what parsing the YAML fixture allocated and freed (the allocator
keeps those pages), so RSS per task overstates what a task costs once it exists. This loads two
fixtures with the server's own loader, one after the other in a process of its own, and prints
``{"kib_per_task": ..., "peak_kib_per_task": ...}``: the difference in what each load keeps
(and in its peak while loading), divided by the difference in task count.
"""

from __future__ import annotations

import gc
import json
import sys
import tracemalloc
from pathlib import Path

from vtasksim.app.fixtures import load_fixture
from vtasksim.domain.clock import SystemClock
from vtasksim.domain.typesystem import vim_types


def _never_called(delay: float, action: object) -> None:
    raise AssertionError("loading a fixture schedules nothing")


def traced_load(fixture: Path) -> tuple[int, int]:
    """Bytes a loaded fixture keeps, and the most it held while loading."""
    gc.collect()
    tracemalloc.start()
    simulator = load_fixture(fixture, SystemClock(_never_called))
    gc.collect()
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del simulator
    return retained, peak


def main(base: Path, base_count: int, loaded: Path, loaded_count: int) -> dict[str, float]:
    vim_types()  # the type table is loaded once per process, not per task
    traced_load(base)  # imports and caches on first use are not a task's cost
    base_retained, base_peak = traced_load(base)
    retained, peak = traced_load(loaded)
    tasks = loaded_count - base_count
    return {"kib_per_task": (retained - base_retained) / 1024 / tasks, "peak_kib_per_task": (peak - base_peak) / 1024 / tasks}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))))
