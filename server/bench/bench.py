"""``make bench``: vtasksim side by side with govmomi's vcsim, in the same run, on the same machine.

Both servers run at once; each scenario is driven at each connection count against one and
then the other (the order alternates from round to round), with the same request bytes, the
same load generator (wrk when installed, else the bench's own), the same tasks made the same
way (CreateTask of ``com.vmware.govmomi.simulator.test`` on the root folder, SetTaskState
running). Absolute numbers move with the machine and whatever else runs on it; the ratio of the
two servers in the same run is what this measures. Medians over the rounds are printed.

Then: WaitForUpdatesEx wake-up (change → waiters' answers), memory per task created by
CreateTask (at 10,000 and 100,000 tasks, each server fresh), start-up to listening on the
default fixture, and what loading tasks from a YAML fixture costs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drive import Run, drive, find_wrk  # noqa: E402
from fixture_files import write_fixture  # noqa: E402
from fixture_memory import DEFAULT_FIXTURE, median, print_fixture_memory, run_fixture_memory, startup_seconds  # noqa: E402
from memory import measure_memory  # noqa: E402
from scenarios import SCENARIOS, Client, Scenario, Session, create_tasks, open_session, request_bytes  # noqa: E402
from server_process import REPO, ServerProcess, start_server, start_vcsim  # noqa: E402
from wakeup import measure_wakeup  # noqa: E402
from crossing import measure as measure_crossing, report as print_crossing  # noqa: E402

RUNNING_TASKS = 8  # the tasks the calls go round-robin over, as in the measurements
SERVERS = ("vtasksim", "vcsim")


@dataclass
class Cell:
    """One scenario at one connection count: each server's runs, one per round."""

    scenario: str
    connections: int
    runs: dict[str, list[Run]] = field(default_factory=lambda: {name: [] for name in SERVERS})


def find_vcsim(choice: str | None) -> Path | None:
    """--vcsim, else $VCSIM, else ../shared/tools/vcsim beside the checkout, else PATH."""
    for candidate in (choice, os.environ.get("VCSIM"), REPO.parent / "shared" / "tools" / "vcsim", shutil.which("vcsim")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def run_cells(servers: dict[str, ServerProcess], sessions: dict[str, Session], args: argparse.Namespace, wrk: str | None) -> list[Cell]:
    scenarios = [s for s in SCENARIOS if not args.only or s.name.split("(")[0] in args.only]
    cells = {(s.name, c): Cell(s.name, c) for s in scenarios for c in args.connections}
    for round_number in range(args.rounds):
        order = list(servers) if round_number % 2 == 0 else list(reversed(servers))
        for scenario in scenarios:
            for connections in args.connections:
                for name in order:
                    run = _run_one(servers[name], sessions[name], scenario, connections, args, wrk)
                    cells[scenario.name, connections].runs[name].append(run)
                    _progress(round_number, scenario, connections, name, run)
    return list(cells.values())


def _run_one(server: ServerProcess, session: Session, scenario: Scenario, connections: int, args: argparse.Namespace, wrk: str | None) -> Run:
    if scenario.per_task_once:
        client = Client(session.address, session.cookie)
        try:
            fresh = create_tasks(client, args.cancel_tasks)
        finally:
            client.close()
        return drive(server, request_bytes(scenario, session, fresh), scenario.expected, connections, args.duration, len(fresh), wrk)
    requests = request_bytes(scenario, session)
    if args.warmup > 0:
        drive(server, requests, scenario.expected, connections, args.warmup, None, wrk)
    return drive(server, requests, scenario.expected, connections, args.duration, None, wrk)


def _progress(round_number: int, scenario: Scenario, connections: int, name: str, run: Run) -> None:
    print(
        f"  round {round_number + 1} {scenario.name:<32} ×{connections:<3} {name:<9}{run.rate:>9,.0f} req/s"
        f"{run.server_us_per_request():>7.0f} µs/req{' errors: ' + str(run.errors) if run.errors else ''}",
        file=sys.stderr, flush=True,
    )  # fmt: skip


def summarize(cell: Cell) -> dict[str, object]:
    row: dict[str, object] = {"scenario": cell.scenario, "connections": cell.connections}
    for name, runs in cell.runs.items():
        if not runs:
            continue
        row[name] = {
            "rounds": len(runs),
            "requests_per_second": statistics.median(r.rate for r in runs),
            "p50_ms": statistics.median(r.p50_ms for r in runs),
            "p99_ms": statistics.median(r.p99_ms for r in runs),
            "server_cpu_us_per_request": statistics.median(r.server_us_per_request() for r in runs),
            "loadgen_cpu_percent": statistics.median(r.loadgen_percent() for r in runs),
            "others_cpu_percent": statistics.median(r.others_cpu_s / r.seconds * 100 for r in runs),
            "errors": sum(r.errors for r in runs),
            "first_error": next((r.first_error for r in runs if r.first_error), None),
            "runs": [asdict(r) for r in runs],
        }
    ours, theirs = row.get("vtasksim"), row.get("vcsim")
    if isinstance(ours, dict) and isinstance(theirs, dict):
        row["throughput_ratio"] = ours["requests_per_second"] / max(theirs["requests_per_second"], 1e-9)
        row["cpu_ratio"] = ours["server_cpu_us_per_request"] / max(theirs["server_cpu_us_per_request"], 1e-9)
        row["p99_ratio"] = ours["p99_ms"] / max(theirs["p99_ms"], 1e-9)
    return row


def print_table(rows: Sequence[dict], loadgen: str) -> None:
    header = (
        f"{'scenario':<33}{'conns':>5} │{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'µs/req':>8} │"
        f"{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'µs/req':>8} │{'req/s':>7}{'CPU':>6}{'p99':>6} │{'loadgen':>8}"
    )
    print(f"{'':<38} │{'vtasksim':^32} │{'vcsim':^32} │{'vtasksim / vcsim':^19} │")
    print(header)
    print("─" * len(header))
    for row in rows:
        line = f"{row['scenario']:<33}{row['connections']:>5} │"
        for name in SERVERS:
            numbers = row.get(name)
            if isinstance(numbers, dict):
                line += (
                    f"{numbers['requests_per_second']:>8,.0f}{numbers['p50_ms']:>8.2f}{numbers['p99_ms']:>8.2f}"
                    f"{numbers['server_cpu_us_per_request']:>8.0f} │"
                )
            else:
                line += f"{'—':>32} │"
        if "throughput_ratio" in row:
            line += f"{row['throughput_ratio']:>7.2f}{row['cpu_ratio']:>6.2f}{row['p99_ratio']:>6.2f} │"
        else:
            line += f"{'':>19} │"
        worst = max(row[name]["loadgen_cpu_percent"] for name in SERVERS if isinstance(row.get(name), dict))
        print(line + f"{worst:>9.0f}%")
    print(
        "µs/req: the server's CPU time (user+system, all its threads) per request. Ratios: req/s ≥ 1 and CPU, p99 ≤ 1 favour\n"
        f"vtasksim. loadgen: the load generator's own CPU as % of one core (the higher of its two runs; {loadgen}, but the\n"
        "bench's own for CancelTask, which must send each request once): far below 100%, it was not the bottleneck."
    )
    for row in rows:
        for name in SERVERS:
            numbers = row.get(name)
            if isinstance(numbers, dict) and numbers["errors"]:
                print(f"  {name} {row['scenario']} ×{row['connections']}: {numbers['errors']} errors; first: {numbers['first_error']}")


def run_wakeups(servers: dict[str, ServerProcess], args: argparse.Namespace) -> list[dict]:
    rows = []
    for waiters in args.connections:
        row: dict[str, object] = {"waiters": waiters}
        for name in servers:
            result = measure_wakeup(servers[name], waiters, args.wakeups)
            latencies = sorted(result.latencies_ms)
            row[name] = {
                "p50_ms": _percentile(latencies, 0.5), "p99_ms": _percentile(latencies, 0.99),
                "change_p50_ms": _percentile(sorted(result.change_ms), 0.5), "wakeups": len(latencies),
                "server_cpu_us_per_change": result.server_cpu_s / max(result.changes, 1) * 1e6, "errors": result.errors,
                "changes": result.changes, "stalled": result.stalled,
            }  # fmt: skip
        rows.append(row)
    return rows


def _percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return float("nan")
    return values[max(0, min(len(values) - 1, round(fraction * len(values)) - 1))]


def print_wakeups(rows: Sequence[dict]) -> None:
    print(f"\nWaitForUpdatesEx wake-up: UpdateProgress sent → each waiter's whole answer read ({rows[0].get('vtasksim', {}).get('wakeups', 0)} wake-ups per row for vtasksim)")
    print(f"{'waiters':>8} │{'vtasksim p50 ms':>16}{'p99 ms':>9}{'µs/change':>10} │{'vcsim p50 ms':>13}{'p99 ms':>9}{'µs/change':>10}")
    for row in rows:
        line = f"{row['waiters']:>8} │"
        for name, width in (("vtasksim", 16), ("vcsim", 13)):
            numbers = row.get(name)
            line += (
                f"{numbers['p50_ms']:>{width}.3f}{numbers['p99_ms']:>9.3f}{numbers['server_cpu_us_per_change']:>10.0f} │"
                if numbers else f"{'—':>{width + 19}} │"
            )
        print(line)
    for row in rows:
        for name in SERVERS:
            numbers = row.get(name)
            if numbers and numbers["stalled"]:
                print(
                    f"  {name} × {row['waiters']}: the change waited for the other waits to time out (≥ 0.5 s);"
                    f" stopped after {numbers['changes']} changes"
                )


def run_memory(vcsim: Path | None, workdir: Path, args: argparse.Namespace) -> dict[str, dict]:
    results: dict[str, dict] = {}
    starts = {"vtasksim": lambda: start_server(write_fixture(workdir / "memory.yaml", 0))}
    if vcsim is not None:
        starts["vcsim"] = lambda: start_vcsim(vcsim)
    for name, start in starts.items():
        server = start()
        try:
            results[name] = asdict(measure_memory(server, args.memory_tasks))
        finally:
            server.stop()
    return results


def print_memory(results: dict[str, dict]) -> None:
    print("\nMemory per task: RSS growth / tasks created by CreateTask (4 connections, fresh server, after 200 unmeasured)")
    print(f"{'server':<10}{'tasks':>9}{'RSS KiB':>10}{'KiB/task':>10}{'tasks/s':>9}{'µs/task':>9}")
    for name, result in results.items():
        for step in result["steps"]:
            print(
                f"{name:<10}{step['tasks']:>9,}{step['rss_kib']:>10,}{step['kib_per_task']:>10.2f}"
                f"{step['tasks_per_second']:>9,.0f}{step['server_cpu_us_per_task']:>9.0f}"
            )
        if result["errors"]:
            print(f"  {name}: {result['errors']} errors; first: {result['first_error']}")


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    names = sorted({s.name.split("(")[0] for s in SCENARIOS})
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few minutes: 1 round of 1 s runs, 10,000 tasks for memory, fewer wake-ups")
    parser.add_argument("--duration", type=float, default=3.0, help="measured seconds per run (default 3)")
    parser.add_argument("--warmup", type=float, default=0.5, help="unmeasured seconds before each run (default 0.5)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are printed (default 3)")
    parser.add_argument("--connections", type=_int_list, default=[1, 8, 64], help="connection counts (default 1,8,64)")
    parser.add_argument("--only", type=lambda text: text.split(","), help=f"comma-separated scenarios among {', '.join(names)}")
    parser.add_argument("--vcsim", help="vcsim executable (default: $VCSIM, ../shared/tools/vcsim, PATH)")
    parser.add_argument("--no-vcsim", action="store_true", help="measure vtasksim alone")
    parser.add_argument("--loadgen", choices=("auto", "python"), default="auto", help="auto: wrk when installed (default); python: the bench's own")
    parser.add_argument("--cancel-tasks", type=int, default=6000, help="fresh tasks each CancelTask run cancels (default 6000)")
    parser.add_argument("--wakeups", type=int, default=100, help="changes per WaitForUpdatesEx row (default 100)")
    parser.add_argument("--memory-tasks", type=_int_list, default=[10_000, 100_000], help="task counts to read RSS at (default 10000,100000); 0 skips")
    parser.add_argument("--fixture-tasks", type=int, default=5_000, help="tasks added to a YAML fixture to measure loading; 0 skips (default 5000)")
    parser.add_argument("--startups", type=int, default=3, help="start-ups on the default fixture to time; 0 skips (default 3)")
    parser.add_argument("--workers", type=int, default=0, help="serve vtasksim with --workers N in the throughput and wake-up rows (default 0: one process)")
    parser.add_argument("--crossing-calls", type=int, default=20_000, help="repetitions measuring what a multi-process mode would cross; 0 skips (default 20000)")
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup, args.rounds = 1.0, 0.3, 1
        args.cancel_tasks, args.wakeups = min(args.cancel_tasks, 2000), min(args.wakeups, 30)
        args.memory_tasks = [count for count in args.memory_tasks if count <= 10_000] or [10_000]
        args.fixture_tasks = min(args.fixture_tasks, 1_000)
        args.crossing_calls = min(args.crossing_calls, 5_000)
    if args.memory_tasks == [0]:
        args.memory_tasks = []
    if args.only and set(args.only) - set(names) - {"WaitForUpdatesEx"}:
        parser.error(f"--only takes {', '.join(names)}, WaitForUpdatesEx")
    return args


def _int_list(text: str) -> list[int]:
    values = sorted(int(part) for part in text.split(",") if part.strip())
    if not values or min(values) < 0:
        raise argparse.ArgumentTypeError("a comma-separated list of counts, e.g. 1,8,64")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    wrk = find_wrk(args.loadgen)
    loadgen = "wrk" if wrk else "loadgen"
    vcsim = None if args.no_vcsim else find_vcsim(args.vcsim)
    print(
        f"vtasksim bench: {args.rounds} round(s) of {args.duration:g} s runs after {args.warmup:g} s warm-up; load generator:"
        f" {_describe(wrk)}; Python {platform.python_version()}; {os.cpu_count()} CPUs"
        + (f"; vtasksim --workers {args.workers} (CPU: the owner's and its workers')" if args.workers else ""),
        flush=True,
    )
    if args.no_vcsim:
        print("vcsim: not measured (--no-vcsim)", flush=True)
    elif vcsim is None:
        print("vcsim: not found (--vcsim PATH, $VCSIM, ../shared/tools/vcsim or PATH): measuring vtasksim alone, no ratios", flush=True)
    else:
        print(f"vcsim: found ({vcsim.name}), measured side by side", flush=True)
    report: dict[str, object] = {"settings": _settings(args, wrk, vcsim)}
    with tempfile.TemporaryDirectory(prefix="vtasksim-bench-") as directory:
        workdir = Path(directory)
        workers = ["--workers", str(args.workers)] if args.workers else []
        servers = {"vtasksim": start_server(write_fixture(workdir / "bench.yaml", 0), extra=workers)}
        if vcsim is not None:
            servers["vcsim"] = start_vcsim(vcsim)
        try:
            sessions = {name: open_session((s.host, s.port), RUNNING_TASKS) for name, s in servers.items()}
            print(", ".join(f"{name} pid {s.pid}" for name, s in servers.items()), file=sys.stderr, flush=True)
            print("", flush=True)
            rows = [summarize(cell) for cell in run_cells(servers, sessions, args, wrk)]
            print()
            print_table(rows, loadgen)
            report["throughput"] = rows
            if not args.only or "WaitForUpdatesEx" in args.only:
                wakeups = run_wakeups(servers, args)
                print_wakeups(wakeups)
                report["wakeup"] = wakeups
        finally:
            for server in servers.values():
                server.stop()
        if args.memory_tasks:
            memory = run_memory(vcsim, workdir, args)
            print_memory(memory)
            report["memory_per_task"] = memory
        if args.startups > 0:
            startups = startup_seconds(DEFAULT_FIXTURE, args.startups)
            print(f"\nStart-up to listening on fixtures/default.yaml: {median(startups):.2f} s (median of {len(startups)})")
            report["startup_default_fixture_s"] = startups
        if args.fixture_tasks > 0:
            print(flush=True)
            fixture = run_fixture_memory(workdir, args.fixture_tasks)
            print_fixture_memory(fixture)
            report["fixture_loading"] = asdict(fixture)
    if args.crossing_calls > 0:
        print(flush=True)
        crossing = measure_crossing(args.crossing_calls)
        print_crossing(crossing)
        report["crossing"] = crossing
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if _failed(report) else 0


def _failed(report: dict) -> bool:
    for row in report.get("throughput", []):
        if any(isinstance(row.get(name), dict) and row[name]["errors"] for name in SERVERS):
            return True
    return any(result["errors"] for result in report.get("memory_per_task", {}).values())


def _describe(wrk: str | None) -> str:
    if wrk is None:
        return "the bench's own (wrk not installed)"
    done = subprocess.run([wrk, "-v"], capture_output=True, text=True)
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else "wrk"


def _settings(args: argparse.Namespace, wrk: str | None, vcsim: Path | None) -> dict[str, object]:
    return {
        "duration_s": args.duration, "warmup_s": args.warmup, "rounds": args.rounds, "connections": args.connections,
        "loadgen": "wrk" if wrk else "python", "vcsim": vcsim is not None, "cancel_tasks": args.cancel_tasks,
        "python": platform.python_version(), "cpus": os.cpu_count(), "workers": args.workers,
    }  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
