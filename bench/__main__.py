"""`make bench`: every benchmark in turn, each in its own process (as recorded in
docs/benchmarks.md). The national cohort is made once and cached under bench/.cache/."""

from __future__ import annotations

import subprocess
import sys

RUNS = [
    ["bench.evaluate"],
    ["bench.batch"],
    ["bench.cohort"],
    ["bench.ingest"],
    ["bench.sweep"],
    ["bench.reports"],
    ["bench.export"],
    ["bench.mapping"],
    ["bench.flows"],
    ["bench.dashboard"],
    ["bench.api"],
    ["bench.plan"],
]


def main() -> int:
    for args in RUNS:
        print(f"\n=== python -m {' '.join(args)}", flush=True)
        code = subprocess.call([sys.executable, "-m", *args])
        if code != 0:
            print(f"{args[0]} exited {code}", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
