"""``make soak`` in small: the soak driver runs its mixed traffic against a real server and judges it."""

from __future__ import annotations

import subprocess
import sys

from running_server import REPO


def test_a_short_soak_passes_with_no_unexpected_fault() -> None:
    """Every call of the soak's task lives (create, run, progress, describe, read, end three ways)
    succeeds from 16 connections at once; the report gives latency percentiles and memory."""
    done = subprocess.run(
        [sys.executable, str(REPO / "server/bench/soak.py"), "--seconds", "3", "--connections", "16", "--max-growth", "10"],
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "unexpected faults: 0" in done.stdout
    assert "p99" in done.stdout and "server RSS MiB" in done.stdout
    requests = int(done.stdout.split("requests ", 1)[1].split(",", 1)[0])
    assert requests > 100, done.stdout
