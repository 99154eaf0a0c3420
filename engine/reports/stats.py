"""Order statistics for ageing and stage-to-stage times.

Percentiles use linear interpolation between closest ranks (the "inclusive" method of
`statistics.quantiles`, numpy's default), so the median of an even count is the mean of
the middle two and p90 of a single value is that value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0 ≤ q ≤ 100) of `values`, None when empty."""
    if not 0 <= q <= 100:
        raise ValueError(f"a percentile is between 0 and 100, got {q}")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    below = math.floor(position)
    above = math.ceil(position)
    fraction = position - below
    return ordered[below] + (ordered[above] - ordered[below]) * fraction


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 50)
