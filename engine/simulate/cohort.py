"""A whole synthetic cohort: its cases, its areas' meetings, and the ground truth.

Each case draws from its own `random.Random` seeded by (seed, case index), so a case is
the same whatever else is generated, and the files are byte-identical for one seed.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from random import Random

from engine.config import ConfigSet
from engine.simulate.calibration import Calibration, prefix_of
from engine.simulate.draft import DAY, CaseDraft
from engine.simulate.failures import FailureRates
from engine.simulate.liaison import Liaison
from engine.simulate.scrutiny import AreaDraft, meetings
from engine.simulate.story import Story
from engine.simulate.view import History
from engine.simulate.withdrawal import cut, maybe_withdraw

# The instant at which a default cohort's truth holds: fixed, so that no wall clock
# enters the files.
DEFAULT_AS_OF = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class CohortSpec:
    """What to generate: areas, number of cases, seed, years of reports before `as_of`."""

    areas: tuple[str, ...]
    cases: int
    seed: int
    years: float = 3.0
    as_of: datetime = DEFAULT_AS_OF
    calibration: Calibration = field(default_factory=Calibration)
    rates: FailureRates = field(default_factory=FailureRates)


class Generator:
    """Draws cases one at a time (`case(index)`) and the areas' meetings."""

    def __init__(self, spec: CohortSpec, config: ConfigSet):
        if not spec.areas:
            raise ValueError("a cohort needs at least one area")
        unknown = [a for a in spec.areas if a not in config.register]
        if unknown:
            raise ValueError(f"not police force areas in the register: {', '.join(unknown)}")
        self.spec = spec
        self.as_of = int(spec.as_of.timestamp())
        start = self.start = self.as_of - int(spec.years * 365.25 * DAY)
        self.story = Story(spec.calibration, spec.areas, start, self.as_of, self.as_of)
        self.liaison = Liaison(config.stages, config.vocabulary, spec.rates, self.as_of)
        self.stages = config.stages
        rules = config.rules()
        self.histories = {a: History(rules.history(a)) for a in spec.areas}

    def case(self, index: int) -> CaseDraft:
        return maybe_withdraw(self.spec.calibration, self.stages, (self.spec.seed << 32) | index,
                              self._draw(index, None), lambda tw: self._draw(index, tw),
                              self.as_of)

    def _draw(self, index: int, withdraw_at: int | None) -> CaseDraft:
        """The case from its own seed; cut at a later withdrawal when one is given."""
        rng = Random((self.spec.seed << 32) | index)
        draft = self.story.draw(rng, index)
        if withdraw_at is not None:
            cut(draft, withdraw_at)
        self.liaison.apply(rng, draft, self.histories[draft.area])
        self._transfer(rng, draft)
        return draft

    def _transfer(self, rng: Random, draft: CaseDraft) -> None:
        """Moves a share of cases to another area of the cohort after their last event.

        After the last event, so that every instance the story opened stays judged by the
        template of the area it was opened in (contract §7) and the truth holds unchanged; the
        case's area becomes the new one (contract §3)."""
        others = [a for a in self.spec.areas if a != draft.area]
        if not others or rng.random() >= self.spec.calibration.transferred:
            return
        last = max(ev.ts for ev in draft.events)
        ts = last + 3600
        if ts >= self.as_of:
            return
        draft.add(ts, "case.transferred", "police", {"to_area": rng.choice(others)})

    def areas(self) -> list[AreaDraft]:
        out = []
        for area in self.spec.areas:
            rng = Random((self.spec.seed << 32) ^ (zlib.crc32(area.encode()) << 1) ^ 1)
            out.append(meetings(rng, area, self.histories[area], self.spec.rates, self.start,
                                self.as_of))
        return out

    @property
    def unintended(self) -> int:
        """Prohibition breaches the generator did not choose (should be 0)."""
        return self.liaison.unintended


def area_event_id(area: str, k: int) -> str:
    return f"{prefix_of(area)}-SG-{k + 1:04d}"


def resolve_areas(text: str, config: ConfigSet) -> tuple[str, ...]:
    """`all` (the 43 forces), `overlays` (the areas with an overlay) or a comma list."""
    if text.strip() == "all":
        return tuple(sorted(config.register))
    if text.strip() == "overlays":
        return tuple(sorted(config.overlay_files))
    areas = tuple(a.strip() for a in text.split(",") if a.strip())
    return tuple(dict.fromkeys(areas))


def overlay_areas(config: ConfigSet) -> Sequence[str]:
    return sorted(config.overlay_files)
