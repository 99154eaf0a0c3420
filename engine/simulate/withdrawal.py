"""A later withdrawal whose chance depends on on-time liaison: a known effect to find.

With `Calibration.liaison_withdrawal_ratio` set, a case whose needs assessment and ISVA
referral were both done on time (no failure injected in either) withdraws 45 to 120 days
after the report with probability `later_withdrawal × ratio`; otherwise with probability
`later_withdrawal`. The outcome association's rate ratio should then find `ratio`.

The decision needs the liaison layer's verdicts, which come after the story; so a case
that withdraws is drawn again from the same seed, cut at the withdrawal, and its liaison
added again. The needs assessment and the referral are the first steps the liaison layer
draws for (both triggered by the report, before any cut), so they come out the same the
second time, and the ground truth stays exact for the cut case.
"""

from __future__ import annotations

from collections.abc import Callable
from random import Random

from engine.simulate.calibration import Calibration
from engine.simulate.draft import DAY, CaseDraft
from engine.simulate.view import matches
from engine.spec import StageRule

KEY_STEPS = frozenset({"police_needs_assessment", "police_refer_to_support"})
WINDOW_DAYS = (45.0, 120.0)


def on_time(draft: CaseDraft) -> bool:
    """No failure was injected in the key steps."""
    return not any(f.step in KEY_STEPS for f in draft.failures)


def _closed_before(draft: CaseDraft, stages: tuple[StageRule, ...], t: float) -> bool:
    closing = [m for rule in stages if rule.closed for m in rule.set_by]
    return any(e.ts < t and any(matches(m, e.type, e.data) for m in closing)
               for e in draft.events)


def cut(draft: CaseDraft, tw: int) -> None:
    """End the story at the withdrawal: nothing the agencies drew for later happens."""
    draft.events = [e for e in draft.events if e.ts < tw]
    draft.pauses = [(p, r if r is not None and r < tw else None) for p, r in draft.pauses
                    if p < tw]
    draft.add(tw, "complainant.withdrew", "police")
    draft.reindex()


def maybe_withdraw(cal: Calibration, stages: tuple[StageRule, ...], seed: int,
                   draft: CaseDraft, redraw: Callable[[int], CaseDraft], as_of: int
                   ) -> CaseDraft:
    """The case, or the same case drawn again ending in a later withdrawal. `redraw(tw)`
    draws the case from its own seed, cut at `tw`, with its liaison added."""
    ratio = cal.liaison_withdrawal_ratio
    if ratio is None:
        return draft
    rng = Random(f"later-withdrawal-{seed}")  # its own stream (a string seed is hashed)
    chance = min(1.0, cal.later_withdrawal * (ratio if on_time(draft) else 1.0))
    if rng.random() >= chance:
        return draft
    report = min(e.ts for e in draft.events if e.type == "case.reported")
    tw = int(report + rng.uniform(*WINDOW_DAYS) * DAY)
    tw -= tw % 60
    if tw >= as_of or _closed_before(draft, stages, tw):
        return draft
    return redraw(tw)
