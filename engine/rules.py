"""What the evaluator judges by: each area's templates over time, and the stage rules.

Built from the YAML configs (`engine.config`) or from deployed versions (the store); the
evaluator only ever sees this shape, so both sources judge cases the same way (contract §7).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime

from engine.spec import StageRule, Template

# The national framework is in force from the beginning of (case) time.
BEGINNING = datetime(1900, 1, 1, tzinfo=UTC)


class TemplateHistory:
    """The templates of one area over time, oldest first (contract §7).

    The first is the national framework alone (from BEGINNING); each later one is a
    deployed or configured version from its `effective_from`.
    """

    __slots__ = ("templates", "_starts", "__weakref__")

    def __init__(self, templates: list[Template]):
        self.templates = sorted(templates, key=lambda t: t.effective_from)
        self._starts = [t.effective_from for t in self.templates]

    def at(self, instant: datetime) -> Template:
        """The template in force at `instant` (an `effective_from` equal to it counts)."""
        i = bisect_right(self._starts, instant) - 1
        return self.templates[max(i, 0)]

    @property
    def latest(self) -> Template:
        return self.templates[-1]


class Rules:
    """Everything the evaluator needs: stage rules and each area's template history.

    Built from the YAML configs (`engine.config`) or from deployed versions (the store).
    """

    __slots__ = ("stages", "_histories", "_fallback")

    def __init__(
        self,
        stages: tuple[StageRule, ...],
        histories: dict[str, TemplateHistory],
        fallback: TemplateHistory,
    ):
        self.stages = stages
        self._histories = histories
        self._fallback = fallback

    def history(self, area: str) -> TemplateHistory:
        """The area's history; an area with no overlay gets the national framework alone."""
        return self._histories.get(area, self._fallback)

    @property
    def areas(self) -> tuple[str, ...]:
        """The areas with a history of their own (the rest use the national framework)."""
        return tuple(sorted(self._histories))

    @property
    def fallback(self) -> TemplateHistory:
        """The national framework alone: the history of an area with no overlay."""
        return self._fallback
