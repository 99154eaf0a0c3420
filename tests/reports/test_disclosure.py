"""Disclosure control, Wilson intervals and percentiles: the arithmetic under every report."""

import pytest

from engine.reports import disclosure
from engine.reports.stats import median, percentile
from engine.reports.wilson import Interval, wilson


@pytest.mark.parametrize(("n", "shown"), [(0, 0), (1, "<5"), (2, "<5"), (4, "<5"), (5, 5),
                                          (120, 120)])
def test_counts_from_one_to_four_are_shown_as_less_than_five(n, shown):
    assert disclosure.count(n) == shown


def test_counts_are_shown_whole_when_suppression_does_not_apply():
    assert disclosure.count(3, suppress=False) == 3


def test_a_rate_built_on_a_small_numerator_or_denominator_is_withheld():
    assert disclosure.rate(3, 40) is None  # 3 met of 40
    assert disclosure.rate(4, 4) is None  # 4 of 4
    assert disclosure.rate(0, 3) is None  # nothing met, but only 3 due
    assert disclosure.rate(0, 12) == 0.0  # zero is not disclosive
    assert disclosure.rate(30, 40) == 0.75
    assert disclosure.rate(3, 40, suppress=False) == 0.075
    assert disclosure.rate(0, 0) is None  # nothing due: no rate at all


def test_the_interval_is_withheld_exactly_when_the_rate_is():
    assert disclosure.interval(3, 40) is None
    assert disclosure.interval(30, 40) == wilson(30, 40)


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (5, 10, 0.2366, 0.7634),  # textbook values
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
    (81, 263, 0.2553, 0.3662),  # Newcombe (1998), example (a)
])
def test_wilson_intervals_match_published_values(k, n, low, high):
    assert wilson(k, n).to_json() == [low, high]


def test_wilson_refuses_impossible_counts():
    with pytest.raises(ValueError, match="at least one trial"):
        wilson(0, 0)
    with pytest.raises(ValueError, match="between 0 and 3"):
        wilson(4, 3)
    assert isinstance(wilson(1, 1), Interval)


def test_percentiles_interpolate_between_closest_ranks():
    assert median([]) is None
    assert median([7]) == 7
    assert median([1, 3]) == 2
    assert median([5, 1, 3]) == 3
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == pytest.approx(9.1)
    assert percentile([4], 90) == 4
    with pytest.raises(ValueError):
        percentile([1], 101)
