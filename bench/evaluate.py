"""Evaluator throughput: N synthetic cases of about 25 events each, from memory.

Prints cases/s on one core and the ratio to a floor measured in the same run: a plain
loop that only iterates over the same events (touching each event's type and time).

    .venv/bin/python -m bench.evaluate [--cases 100000]
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from engine.config import load_config
from engine.evaluate import evaluate_case
from engine.events import Event

AREAS = ["avon-and-somerset", "greater-manchester", "south-wales", "west-yorkshire", "kent"]

# (offset in days, type, data): the path of a case that reaches trial, ~25 events.
PATH: list[tuple[float, str, dict[str, object]]] = [
    (0, "case.reported", {"offence": "rape", "complainant_age": "adult"}),
    (0.2, "complainant.needs_assessed", {}),
    (
        0.3,
        "complainant.preferences_recorded",
        {"channel": "phone", "unsafe_channels": ["letter"], "update_interval_days": 21},
    ),
    (0.4, "consent.recorded", {"scope": "share_with_isva", "granted": True}),
    (0.5, "isva.referral_made", {}),
    (1, "police.suspect_arrested", {}),
    (1.2, "complainant.informed", {"topic": "arrest", "channel": "phone"}),
    (1.5, "police.suspect_interviewed", {}),
    (1.7, "complainant.informed", {"topic": "interview", "channel": "phone"}),
    (2, "police.suspect_released", {"status": "bail"}),
    (2.3, "complainant.informed", {"topic": "release", "channel": "phone"}),
    (20, "complainant.informed", {"topic": "update", "channel": "phone"}),
    (30, "police.early_advice_requested", {}),
    (40, "complainant.informed", {"topic": "update", "channel": "phone"}),
    (45, "cps.early_advice_given", {}),
    (60, "complainant.informed", {"topic": "update", "channel": "phone"}),
    (70, "police.file_submitted", {}),
    (75, "complainant.informed", {"topic": "update", "channel": "phone"}),
    (90, "cps.charging_decision", {"outcome": "charge"}),
    (90.5, "complainant.informed", {"topic": "charge_decision", "channel": "phone"}),
    (90.6, "isva.notified", {"topic": "charge_decision"}),
    (100, "court.hearing_listed", {"hearing": "first_appearance"}),
    (100.5, "complainant.informed", {"topic": "hearing", "channel": "phone"}),
    (130, "court.plea", {"plea": "not_guilty"}),
    (135, "cps.pre_trial_meeting_offered", {}),
]


def cohort(n: int, seed: int = 1) -> list[list[Event]]:
    rng = random.Random(seed)
    start = datetime(2026, 4, 1, 9, tzinfo=UTC)
    cases = []
    for i in range(n):
        t0 = start + timedelta(minutes=(7 * i) % (300 * 24 * 60))  # reports over 300 days
        area = AREAS[i % len(AREAS)]
        case_id = f"BN-{i:07d}"
        events = []
        for j, (offset, etype, data) in enumerate(PATH):
            at = t0 + timedelta(days=offset * rng.uniform(0.8, 1.6))
            source = etype.split(".")[0]
            source = {
                "case": "police",
                "complainant": "police",
                "consent": "police",
                "isva": "isva",
            }.get(source, source)
            events.append(
                Event(
                    f"{case_id}-{j:02d}",
                    case_id,
                    area,
                    etype,
                    at,
                    source,
                    dict(data),
                    at.timestamp(),
                )
            )
        rng.shuffle(events)  # arrival order is not evaluation order
        cases.append(events)
    return cases


def read_floor(cases: list[list[Event]]) -> float:
    """Seconds to sort and touch every event of every case: the floor both evaluator
    benchmarks divide by (what any evaluator must at least do)."""
    t = time.perf_counter()
    touched = 0
    for case in cases:
        for e in sorted(case, key=lambda e: (e.ts, e.event_id)):
            touched += e.ts <= 0 or len(e.type)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()
    rules = load_config(Path("area_configs")).rules()
    cases = cohort(args.cases)
    as_of = datetime(2027, 6, 1, tzinfo=UTC)
    events = sum(len(c) for c in cases)
    gc.collect()

    floor = read_floor(cases)

    t = time.perf_counter()
    instances = 0
    for case in cases:
        instances += len(evaluate_case(rules, case, as_of).instances)
    elapsed = time.perf_counter() - t

    print(f"cases: {len(cases):,}  events: {events:,}  instances: {instances:,}")
    rate = len(cases) / floor
    print(f"floor (sort + iterate the same events): {floor:.2f} s  ({rate:,.0f} cases/s)")
    print(
        f"evaluate_case: {elapsed:.2f} s  ({len(cases) / elapsed:,.0f} cases/s, "
        f"{instances / elapsed:,.0f} instances/s)"
    )
    print(f"ratio evaluate / floor: {elapsed / floor:.1f}x")


if __name__ == "__main__":
    main()
