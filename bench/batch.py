"""Batch evaluator throughput (issue 14 goal: at least 20,000 cases/s per core), on the
same synthetic cases as bench.evaluate, against floors measured in the same run:

- the plain floor of bench.evaluate (sort and iterate the same events in Python);
- the per-case engine (`evaluate_case`) on the same cases.

Polars' thread count is set before it is imported (`--threads`, default 1: one core).
The batch figure is end to end from `Event` objects, and split into building the frame
(per-event Python, which a columnar read from the store avoids) and judging it. Each is
given in wall time and in CPU time of this process: with one polars thread, CPU time is
one core's work, which a shared machine does not inflate (the load average is printed).

    .venv/bin/python -m bench.batch [--cases 100000] [--chunk 20000] [--threads 1]
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from datetime import UTC, datetime
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=20_000, help="cases per batch call")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reference", type=int, default=10_000,
                        help="cases judged by evaluate_case for the comparison")
    args = parser.parse_args()
    os.environ["POLARS_MAX_THREADS"] = str(args.threads)

    from bench.evaluate import cohort, read_floor
    from engine.batch import evaluate_batch
    from engine.batch.evaluate import build_frame, evaluate_frame
    from engine.config import load_config
    from engine.evaluate import evaluate_case

    rules = load_config(Path("area_configs")).rules()
    cases = cohort(args.cases)
    as_of = datetime(2027, 6, 1, tzinfo=UTC)
    n_events = sum(len(c) for c in cases)
    gc.collect()

    floor = read_floor(cases)

    chunks = [[e for c in cases[i:i + args.chunk] for e in c]
              for i in range(0, len(cases), args.chunk)]
    evaluate_batch(rules, chunks[0][:2000], as_of)  # warm up: compile templates, tables
    load = os.getloadavg()[0]
    framing = judging = framing_cpu = judging_cpu = 0.0
    instances = 0
    for chunk in chunks:
        t, c = time.perf_counter(), time.process_time()
        built = build_frame(rules, chunk, as_of)
        t1, c1 = time.perf_counter(), time.process_time()
        instances += evaluate_frame(rules, built, as_of).instances.height
        t2, c2 = time.perf_counter(), time.process_time()
        framing, framing_cpu = framing + t1 - t, framing_cpu + c1 - c
        judging, judging_cpu = judging + t2 - t1, judging_cpu + c2 - c1
    batch, batch_cpu = framing + judging, framing_cpu + judging_cpu

    ref_cases = cases[: args.reference]
    t = time.perf_counter()
    for case in ref_cases:
        evaluate_case(rules, case, as_of)
    per_case = (time.perf_counter() - t) / max(len(ref_cases), 1) * len(cases)

    n = len(cases)
    print(f"cases: {n:,}  events: {n_events:,}  instances: {instances:,}  "
          f"polars threads: {args.threads}  cases per call: {args.chunk:,}  "
          f"load average: {load:.1f} on {os.cpu_count()} cores")
    print(f"floor (sort + iterate the same events): {floor:.2f} s  ({n / floor:,.0f} cases/s)")
    if ref_cases:
        print(f"evaluate_case (on {len(ref_cases):,} cases, scaled): {per_case:.2f} s  "
              f"({n / per_case:,.0f} cases/s)")
    print(f"evaluate_batch end to end: {batch:.2f} s wall ({n / batch:,.0f} cases/s), "
          f"{batch_cpu:.2f} s CPU ({n / batch_cpu:,.0f} cases/s per core)")
    print(f"  Event objects -> frame: {framing:.2f} s wall, {framing_cpu:.2f} s CPU "
          f"({n / framing_cpu:,.0f} cases/s per core)")
    print(f"  judging the frame:      {judging:.2f} s wall ({n / judging:,.0f} cases/s), "
          f"{judging_cpu:.2f} s CPU ({n / judging_cpu:,.0f} cases/s per core, "
          f"{instances / judging_cpu:,.0f} instances/s)")
    print(f"ratio batch / floor: {batch / floor:.1f}x")
    if ref_cases:
        print(f"per-case / batch: {per_case / batch:.1f}x end to end, "
              f"{per_case / judging:.1f}x judging a built frame")


if __name__ == "__main__":
    main()
