"""Disclosure control, Wilson intervals and percentiles: the arithmetic under every report."""

import pytest

from engine.reports import disclosure
from engine.reports.disclosure import MARK
from engine.reports.recovery import determined
from engine.reports.stats import median, percentile
from engine.reports.wilson import Interval, wilson


def _row(*values: int) -> disclosure.Publication:
    """One line: cells a, b, c... and their published total."""
    pub = disclosure.Publication()
    keys = [pub.count(chr(ord("a") + i), v) for i, v in enumerate(values)]
    pub.count("total", sum(values))
    pub.total("total", keys)
    return pub


@pytest.mark.parametrize(("n", "shown"), [(0, 0), (1, MARK), (2, MARK), (4, MARK), (5, 5),
                                          (120, 120)])
def test_counts_from_one_to_four_are_withheld(n, shown):
    pub = disclosure.Publication()
    pub.count("n", n)
    assert pub.protect()["n"] == shown
    assert pub.protect(suppress=False)["n"] == n


def test_a_line_with_one_small_cell_loses_its_smallest_other_cell_too():
    shown = _row(3, 40, 12, 0).protect()
    assert [shown[k] for k in "abcd"] + [shown["total"]] == [MARK, 40, MARK, 0, 55]
    assert shown.primary == {"a"} and shown.hidden == {"a", "c"}


def test_two_small_cells_that_must_both_be_one_are_protected_by_a_third():
    # 1 + 1 = 57 - 55: with the two hidden, a reader knows each is 1 (counts are >= 1).
    shown = _row(1, 1, 55, 6).protect()
    assert shown.hidden == {"a", "b", "d"}


def test_a_chain_of_sums_across_tables_does_not_recover_a_cell():
    # Two tables split the same 60 things: by step (a, b, c) and by owner (x, y).
    pub = disclosure.Publication()
    for k, v in {"a": 2, "b": 30, "c": 28, "x": 40, "y": 20}.items():
        pub.count(k, v)
    pub.balance(["a", "b", "c"], ["x", "y"])
    shown = pub.protect()
    assert shown.hidden == {"a", "y"}  # the smallest other cell, whichever table it is in
    assert determined(pub.relations, shown.hidden) == []


def test_a_cell_on_a_bridge_between_two_protected_blocks_is_found_and_covered():
    # A 4 x 4 table with row and column totals. Two 2 x 2 blocks of small cells are each
    # safe (two hidden cells in every line), but the small cell (1, 2) joining them has
    # three hidden cells in its row and column and is still fixed by the equations.
    values = [[2, 3, 40, 50], [3, 2, 4, 60], [70, 80, 2, 3], [90, 60, 3, 2]]
    pub = disclosure.Publication()
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            pub.count((i, j), v)
    for i in range(4):
        pub.count(("row", i), sum(values[i]))
        pub.total(("row", i), [(i, j) for j in range(4)])
    for j in range(4):
        pub.count(("col", j), sum(values[i][j] for i in range(4)))
        pub.total(("col", j), [(i, j) for i in range(4)])
    primary = {(i, j) for i in range(4) for j in range(4) if values[i][j] <= 4}
    assert determined(pub.relations, primary) == [(1, 2)]
    shown = pub.protect()
    assert shown.primary == primary and len(shown.hidden) > len(primary)
    assert determined(pub.relations, shown.hidden) == []


def test_relations_must_hold_and_a_figure_is_registered_once():
    pub = disclosure.Publication()
    pub.count("a", 3)
    with pytest.raises(ValueError, match="registered as 3 and 4"):
        pub.count("a", 4)
    with pytest.raises(KeyError, match="'b'"):
        pub.total("a", ["b"])
    pub.count("b", 2)
    with pytest.raises(ValueError, match="does not hold"):
        pub.total("a", ["b"])


def test_a_rate_built_on_a_hidden_count_is_withheld():
    pub = disclosure.Publication()
    for k, v in {"met3": 3, "due40": 40, "met0": 0, "due12": 12, "met30": 30, "due0": 0}.items():
        pub.count(k, v)
    shown = pub.protect()
    assert shown.rate("met3", "due40") is None  # 3 met of 40
    assert shown.rate("met0", "due12") == 0.0  # zero is not disclosive
    assert shown.rate("met30", "due40") == 0.75
    assert shown.rate("met0", "due0") is None  # nothing due: no rate at all
    assert pub.protect(suppress=False).rate("met3", "due40") == 0.075
    assert shown.interval("met3", "due40") is None
    assert shown.interval("met30", "due40") == wilson(30, 40)


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
