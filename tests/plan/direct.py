"""Counts taken straight from the events file, for the plan tests to compare against.

Deliberately naive: one pass over the JSON lines, the first informing event of the right
topic at or after each trigger, and the deadline computed from the trigger alone.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any


def _cases(events_file: Path) -> list[list[dict[str, Any]]]:
    by_case: dict[str, list[dict[str, Any]]] = {}
    for line in events_file.read_text(encoding="utf-8").splitlines():
        e = json.loads(line)
        if e.get("case_id"):
            by_case.setdefault(str(e["case_id"]), []).append(e)
    return list(by_case.values())


def gaps(events_file: Path, trigger: str, satisfies: Callable[[dict[str, Any]], bool]
         ) -> list[tuple[str, datetime, datetime | None]]:
    """(area, trigger instant, first satisfying instant at or after it or None)."""
    out = []
    for evs in _cases(events_file):
        for t in evs:
            if t["type"] != trigger:
                continue
            at = datetime.fromisoformat(str(t["at"]))
            done = sorted(datetime.fromisoformat(str(e["at"])) for e in evs
                          if satisfies(e) and datetime.fromisoformat(str(e["at"])) >= at)
            out.append((str(t["area"]), at, done[0] if done else None))
    return out


def informed_gaps(events_file: Path, trigger: str, topic: str
                  ) -> list[tuple[str, datetime, datetime | None]]:
    """Gaps from each `trigger` to the complainant being informed on `topic`."""
    return gaps(events_file, trigger, lambda e: e["type"] == "complainant.informed"
                and e["data"].get("topic") == topic)


def outcome_counts(gaps: list[tuple[str, datetime, datetime | None]],
                   due: Callable[[str, datetime], datetime], as_of: datetime
                   ) -> Counter[tuple[str, str]]:
    """(area, met | late | missed | open) per trigger, judged against `due(area, at)`."""
    out: Counter[tuple[str, str]] = Counter()
    for area, at, told in gaps:
        d = due(area, at)
        if told is not None and told <= as_of:
            out[(area, "met" if told <= d else "late")] += 1
        else:
            out[(area, "missed" if d < as_of else "open")] += 1
    return out
