"""The Mantel-Haenszel rate ratio over strata, with its 95% interval.

Why stratify: areas differ both in how often they meet liaison steps on time and in how
many complainants withdraw, for reasons of their own (case mix, court backlogs). Pooling
them would mix those differences into the estimate; the Mantel-Haenszel estimator
compares like with like inside each area and then combines. The variance of its log is
Greenland and Robins' (1985), which holds with many sparse strata as well as few large
ones. The result is an association, not a cause: who gets a timely referral is not
chosen at random.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from engine.reports.wilson import Z95


@dataclass(frozen=True, slots=True)
class Stratum:
    """One stratum's 2×2 counts: withdrew of those exposed (key steps on time), of those
    not exposed."""

    exposed_events: int
    exposed: int
    unexposed_events: int
    unexposed: int


@dataclass(frozen=True, slots=True)
class RateRatio:
    estimate: float
    low: float
    high: float


def mantel_haenszel(strata: Sequence[Stratum], z: float = Z95) -> RateRatio | None:
    """The pooled risk ratio exposed ÷ unexposed, or None when it is undefined (no events
    in one arm, or no stratum holding both arms)."""
    num = den = var_num = 0.0
    for s in strata:
        n = s.exposed + s.unexposed
        if s.exposed == 0 or s.unexposed == 0:
            continue  # a stratum with one arm only says nothing about the ratio
        a, c, n1, n0 = s.exposed_events, s.unexposed_events, s.exposed, s.unexposed
        num += a * n0 / n
        den += c * n1 / n
        var_num += (n1 * n0 * (a + c) - a * c * n) / (n * n)
    if num == 0 or den == 0:
        return None
    rr = num / den
    se = math.sqrt(var_num / (num * den))
    return RateRatio(rr, math.exp(math.log(rr) - z * se), math.exp(math.log(rr) + z * se))
