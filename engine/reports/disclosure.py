"""Disclosure control for aggregates (contract §8).

Aggregates that leave the area (national comparison, the national lead's API views)
must not let a reader single out a handful of cases: counts from 1 to 4 are shown as
`<5`, and any rate whose numerator or denominator is such a count is withheld, because
the rate and the other figure would give the small count back.
"""

from __future__ import annotations

from engine.reports.wilson import Interval, wilson

SUPPRESSED = "<5"
LOW, HIGH = 1, 4

Shown = int | str


def is_small(count: int) -> bool:
    """True for a count that must not be shown (1 to 4; zero is not disclosive)."""
    return LOW <= count <= HIGH


def count(n: int, suppress: bool = True) -> Shown:
    """`n`, or `<5` when it is from 1 to 4 and suppression applies."""
    return SUPPRESSED if suppress and is_small(n) else n


def rate(numerator: int, denominator: int, suppress: bool = True) -> float | None:
    """numerator ÷ denominator, or None when undefined (no denominator) or when either
    count is small and suppression applies."""
    if denominator == 0:
        return None
    if suppress and (is_small(numerator) or is_small(denominator)):
        return None
    return numerator / denominator


def interval(numerator: int, denominator: int, suppress: bool = True) -> Interval | None:
    """The Wilson 95% interval of the rate, withheld exactly when the rate is."""
    if rate(numerator, denominator, suppress) is None:
        return None
    return wilson(numerator, denominator)
