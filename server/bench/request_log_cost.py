"""What the request log and the fault-rule check cost a vim call, in microseconds (no trace file).

    .venv/bin/python server/bench/request_log_cost.py

Times what the site adds to every call: building a RequestRecord and adding it to the log (with
and without a subscriber), and the fault-rule check of Call.target when there are no rules and
when one rule matches nothing. Compare with the server CPU per call of `make bench`.
"""

from __future__ import annotations

import time
import timeit

from vtasksim.app.request_log import RequestLog, RequestRecord
from vtasksim.domain.scenarios.fault_rules import FaultRule, FaultRules
from vtasksim.domain.vmodl import MoRef

TASK = MoRef("Task", "task-1")
N = 200_000


def per_call(statement, number: int = N) -> float:
    return min(timeit.repeat(statement, number=number, repeat=5)) / number * 1e6


def main() -> None:
    log = RequestLog()

    def record() -> None:
        arrived, started = time.time(), time.perf_counter()
        log.add(RequestRecord(log.next_id(), arrived, "bob", "UpdateProgress", TASK, None, None,
                              (time.perf_counter() - started) * 1000.0, 200))

    print(f"request record, no listener:  {per_call(record):.2f} µs")
    log.subscribe(lambda r: None)
    print(f"request record, one listener: {per_call(record):.2f} µs")
    empty = FaultRules()
    print(f"fault rules, none:            {per_call(lambda: empty.rules and empty.check('UpdateProgress', TASK, 'bob')):.3f} µs")
    one = FaultRules()
    one.add(FaultRule(method="CancelTask", drop=True))
    print(f"fault rules, one not matching: {per_call(lambda: one.rules and one.check('UpdateProgress', TASK, 'bob')):.3f} µs")


if __name__ == "__main__":
    main()
