"""The bench runs: a tiny round of ``make bench`` against vtasksim alone (a smoke test, never a timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench.py"


def test_a_tiny_bench_round_measures_every_throughput_scenario(tmp_path: Path) -> None:
    report_file = tmp_path / "bench.json"
    command = [
        sys.executable, str(BENCH), "--no-vcsim", "--loadgen", "python", "--connections", "2", "--rounds", "1",
        "--duration", "0.2", "--warmup", "0", "--cancel-tasks", "20", "--wakeups", "2", "--memory-tasks", "50",
        "--fixture-tasks", "0", "--startups", "0", "--crossing-calls", "50", "--json", str(report_file),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(report_file.read_text())
    rows = {row["scenario"]: row for row in report["throughput"]}
    assert set(rows) == {
        "UpdateProgress", "Fetch(Task.info)", "RetrievePropertiesEx(Task.info)", "SetTaskState", "CreateTask", "CancelTask", "Login",
    }  # fmt: skip
    for row in rows.values():
        assert row["vtasksim"]["requests_per_second"] > 0 and row["vtasksim"]["errors"] == 0, row
        assert "vcsim" not in row
    assert report["wakeup"][0]["vtasksim"]["wakeups"] == 2 * 2
    assert report["memory_per_task"]["vtasksim"]["steps"][0]["tasks"] == 50
    crossing = report["crossing"]
    assert crossing["answer_xml_bytes"] > 0 and crossing["taskinfo_pickled_bytes"] > 0
    assert crossing["answer_round_trip"]["wall_us"] > 0 and crossing["answer_round_trip"]["answerer_cpu_us"] >= 0
