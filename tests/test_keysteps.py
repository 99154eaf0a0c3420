"""The outcome report's exposure to the key liaison steps (engine/keysteps.py)."""

from __future__ import annotations

import polars as pl

from engine.keysteps import exposures


def _frame(rows: list[tuple[str, str, str, int | None, int | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"case": pl.String, "step": pl.String,
                                      "status": pl.String, "trigger_us": pl.Int64,
                                      "due_us": pl.Int64}, orient="row")


def test_only_the_first_gap_of_the_regular_update_counts() -> None:
    got = exposures(_frame([
        ("a", "police_refer_to_support", "met", 10, 100),
        ("a", "police_regular_update", "met", 20, 200),
        ("a", "police_regular_update", "missed", 30, 300),  # a later gap: not read
        ("b", "police_needs_assessment", "late", 10, 50),
        ("b", "police_regular_update", "met", 5, 400),
        ("c", "police_refer_to_support", "due", 10, 90),  # undecided: no exposure
    ]))
    assert sorted(got.rows()) == [("a", True, 200), ("b", False, 400)]


def test_a_gap_without_a_trigger_instant_is_never_the_first() -> None:
    got = exposures(_frame([
        ("a", "police_regular_update", "missed", None, 150),
        ("a", "police_regular_update", "met", 20, 200),
    ]))
    assert got.rows() == [("a", True, 200)]
