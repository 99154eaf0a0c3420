"""The key liaison steps of the outcome report, and each case's exposure to them.

The association in engine/reports/outcomes.py compares cases whose key steps (the ISVA
referral, the needs assessment and the first regular update) were all met on time with
cases where any was late or missed. Met instances are not stored as rows, so the sweep
judges each case's exposure here when it evaluates the case, and keeps it on the case's
row; the report reads it from there. One function, used by the sweep and by migration
0008 (which computes it from the rows of a store that still held them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

KEY_STEPS = ("police_refer_to_support", "police_needs_assessment", "police_regular_update")
FIRST_GAP_ONLY = "police_regular_update"  # a recurring step: only its first gap counts
DECIDED = ("met", "late", "missed")


def exposures(instances: pl.DataFrame) -> pl.DataFrame:
    """(case, on_time, until_us) for every case with a decided key instance: whether all
    its decided key instances were met, and the last due instant among them. `instances`
    has columns case, step, status, trigger_us and due_us (integer microseconds). Of the
    recurring key step only each case's gap with the earliest trigger instant is read (the
    first of equals, in the frame's order; a gap without one is never first)."""
    import polars as pl

    key = instances.select("case", "step", "status", "trigger_us", "due_us").filter(
        pl.col("step").is_in(KEY_STEPS))
    # A gap with no trigger instant cannot be the first: as SQL's min() over trigger_at.
    first = (key.filter((pl.col("step") == FIRST_GAP_ONLY) & pl.col("trigger_us").is_not_null())
             .sort("case", "trigger_us", maintain_order=True).group_by("case").first())
    decided = pl.concat([key.filter(pl.col("step") != FIRST_GAP_ONLY), first.select(key.columns)])
    return (decided.filter(pl.col("status").is_in(DECIDED) & pl.col("due_us").is_not_null())
            .group_by("case").agg(on_time=(pl.col("status") == "met").all(),
                                  until_us=pl.col("due_us").max()))
