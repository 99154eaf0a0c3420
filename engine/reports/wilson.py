"""Wilson score intervals for proportions.

Why Wilson and not the normal approximation: areas with few instances of a step have
rates near 0 or 1, where the normal interval leaves [0, 1] and collapses to a point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# The two-sided 95% quantile of the standard normal distribution.
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Interval:
    """A closed interval [low, high] within [0, 1]."""

    low: float
    high: float

    def to_json(self) -> list[float]:
        return [round(self.low, 4), round(self.high, 4)]


def wilson(successes: int, trials: int, z: float = Z95) -> Interval:
    """The Wilson score interval for `successes` out of `trials` (trials > 0)."""
    if trials <= 0:
        raise ValueError("a Wilson interval needs at least one trial")
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be between 0 and {trials}, got {successes}")
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return Interval(max(0.0, centre - half), min(1.0, centre + half))
