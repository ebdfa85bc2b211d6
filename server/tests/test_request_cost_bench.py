"""server/bench/request_cost.py runs and measures every step of the request side (a smoke test, never a timing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REQUEST_COST = Path(__file__).resolve().parents[1] / "bench" / "request_cost.py"


def test_the_request_side_bench_measures_each_step() -> None:
    done = subprocess.run([sys.executable, str(REQUEST_COST), "--calls", "3", "--repeat", "1"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    steps = [line.rsplit(None, 2)[0] for line in done.stdout.splitlines()]
    assert "read Fetch, a body sent again" in steps and "decode PropertyFilterSpec, body sent again" in steps
    assert all(line.endswith("µs") for line in done.stdout.splitlines()) and len(steps) == 14, done.stdout
