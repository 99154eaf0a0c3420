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


def informed_gaps(events_file: Path, trigger: str, topic: str
                  ) -> list[tuple[str, datetime, datetime | None]]:
    """(area, trigger instant, first informing instant at or after it or None)."""
    by_case: dict[str, list[dict[str, object]]] = {}
    for line in events_file.read_text(encoding="utf-8").splitlines():
        e = json.loads(line)
        if e.get("case_id"):
            by_case.setdefault(str(e["case_id"]), []).append(e)
    out = []
    for evs in by_case.values():
        for t in evs:
            if t["type"] != trigger:
                continue
            at = datetime.fromisoformat(str(t["at"]))
            told = sorted(datetime.fromisoformat(str(e["at"])) for e in evs
                          if e["type"] == "complainant.informed"
                          and e["data"].get("topic") == topic  # type: ignore[union-attr]
                          and datetime.fromisoformat(str(e["at"])) >= at)
            out.append((str(t["area"]), at, told[0] if told else None))
    return out


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
