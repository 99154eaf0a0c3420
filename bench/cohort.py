"""The national synthetic cohort the benchmarks share: 200,000 cases over the 43 forces.

`national_cohort()` returns the directory holding events.jsonl, truth.jsonl and
manifest.json, generating it on first use and caching it under bench/.cache/ (keyed by
size, seed and a fingerprint of the generator and the configs, so a change to either
makes a fresh one). Run as a script it times the generation against a floor measured in
the same run: writing the same number of pre-formatted lines.

    .venv/bin/python -m bench.cohort [--cases 200000] [--seed 1] [--refresh] [--flags]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
NATIONAL_CASES = 200_000
NATIONAL_SEED = 1


def fingerprint() -> str:
    """A hash of the generator's code and the configs: a cached cohort is reused only
    while both are unchanged."""
    h = hashlib.sha256()
    files = sorted((ROOT / "engine" / "simulate").glob("*.py")) + sorted(
        (ROOT / "area_configs").rglob("*.yaml"))
    for f in files:
        h.update(f.relative_to(ROOT).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def national_cohort(cases: int = NATIONAL_CASES, seed: int = NATIONAL_SEED,
                    refresh: bool = False, workers: int | None = None) -> Path:
    """The cached cohort directory (generated when missing or stale)."""
    out = CACHE / f"national-{cases}-{seed}-{fingerprint()}"
    if (out / "manifest.json").is_file() and not refresh:
        return out
    generate(out, cases, seed, workers)
    return out


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the forked workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def generate(out: Path, cases: int, seed: int, workers: int | None = None) -> float:
    """Writes the cohort into `out` (via a temporary sibling of this process's own, so an
    interrupted run never leaves a half cohort that looks complete, and two benchmarks
    asking at once do not trip over each other); returns the seconds taken."""
    from engine.config import load_config
    from engine.simulate import CohortSpec, resolve_areas, write_cohort

    config = load_config(ROOT / "area_configs")
    tmp = out.with_name(f"{out.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    started = time.perf_counter()
    spec = CohortSpec(resolve_areas("all", config), cases, seed)
    write_cohort(spec, config, tmp, workers=workers or min(os.cpu_count() or 1, 4))
    seconds = time.perf_counter() - started
    if (out / "manifest.json").is_file():  # another process finished first: same bytes
        shutil.rmtree(tmp)
        return seconds
    shutil.rmtree(out, ignore_errors=True)
    try:
        tmp.rename(out)
    except OSError:  # lost a race to an identical cohort
        shutil.rmtree(tmp, ignore_errors=True)
    return seconds


def floor(lines: int, path: Path) -> float:
    """Seconds to format and write `lines` event lines that need no generating."""
    started = time.perf_counter()
    data = json.dumps({"topic": "update", "channel": "phone"})
    with open(path, "w", encoding="utf-8") as fh:
        block = []
        for i in range(lines):
            block.append(f'{{"event_id": "XX-26-{i:06d}-0001", "case_id": "XX-26-{i:06d}", '
                         f'"area": "kent", "type": "complainant.informed", '
                         f'"at": "2026-03-06T16:40:00+00:00", "source": "police", '
                         f'"data": {data}}}\n')
            if len(block) == 50_000:
                fh.write("".join(block))
                block.clear()
        fh.write("".join(block))
    return time.perf_counter() - started


def flags(out: Path) -> Counter[str]:
    """Every instance's status as the evaluator sees the cohort at its `as_of`."""
    from datetime import datetime

    from engine.config import load_config
    from engine.evaluate import evaluate_area, evaluate_case
    from engine.events import Event, parse_event

    config = load_config(ROOT / "area_configs")
    rules = config.rules()
    manifest = json.loads((out / "manifest.json").read_text())
    as_of = datetime.fromisoformat(manifest["as_of"])
    statuses: Counter[str] = Counter()
    area_events: list[Event] = []
    case: list[Event] = []
    with open(out / "events.jsonl", encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            ev = parse_event(json.loads(line), config.vocabulary, n)
            if ev.case_id is None:
                area_events.append(ev)
                continue
            if case and case[0].case_id != ev.case_id:
                statuses.update(i.status.value for i in evaluate_case(rules, case, as_of).instances)
                case = []
            case.append(ev)
    if case:
        statuses.update(i.status.value for i in evaluate_case(rules, case, as_of).instances)
    for area in manifest["areas"]:
        if area in config.overlay_files:
            statuses.update(i.status.value for i in evaluate_area(rules, area, area_events, as_of))
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=NATIONAL_CASES)
    parser.add_argument("--seed", type=int, default=NATIONAL_SEED)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--refresh", action="store_true", help="regenerate even if cached")
    parser.add_argument("--flags", action="store_true",
                        help="also evaluate every case and print instances by status")
    args = parser.parse_args()
    out = CACHE / f"national-{args.cases}-{args.seed}-{fingerprint()}"
    cached = (out / "manifest.json").is_file() and not args.refresh
    if cached:
        print(f"cached: {out}")
    else:
        cpu = cpu_seconds()
        seconds = generate(out, args.cases, args.seed, args.workers)
        cpu = cpu_seconds() - cpu
        manifest = json.loads((out / "manifest.json").read_text())
        base_cpu = cpu_seconds()
        base = floor(manifest["events"], CACHE / "floor.jsonl")
        base_cpu = cpu_seconds() - base_cpu
        (CACHE / "floor.jsonl").unlink()
        print(f"cases: {manifest['cases']:,}  events: {manifest['events']:,}  "
              f"areas: {len(manifest['areas'])}  as_of: {manifest['as_of']}")
        print(f"floor (format and write the same number of lines): {base:.1f} s wall, "
              f"{base_cpu:.1f} s CPU")
        print(f"generate: {seconds:.1f} s wall ({manifest['cases'] / seconds:,.0f} cases/s), "
              f"{cpu:.1f} s CPU over all workers")
        print(f"ratio generate / floor: {seconds / base:.1f}x wall, {cpu / base_cpu:.1f}x CPU; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    manifest = json.loads((out / "manifest.json").read_text())
    truth = Counter(json.loads(line)["failure"]
                    for line in open(out / "truth.jsonl", encoding="utf-8"))
    print(f"cohort: {manifest['cases']:,} cases, {manifest['events']:,} events; injected: "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(truth.items())))
    if args.flags:
        started = time.perf_counter()
        statuses = flags(out)
        print(f"evaluated in {time.perf_counter() - started:.0f} s; instances by status: "
              + ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items())))
    print(out)


if __name__ == "__main__":
    main()
