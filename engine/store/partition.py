"""Which cases belong to a partition of the sweep: an area, or one hash bucket of it.

The one spelling of that query: the sweep, its Prefect flow and the national plan all
slice the cases the same way, so a partition's flags before and after a sweep are the
same set of cases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_
from sqlalchemy.dialects import sqlite

from engine.store.tables import cases

__all__ = ["in_partition", "partition_sql"]


def in_partition(area: str, bucket: int = 0, buckets: int = 1) -> ColumnElement[bool]:
    """The cases of `area`, or of bucket `bucket` of `buckets` within it
    (`cases.bucket % buckets`: crc32 of the case id, stable across processes)."""
    if buckets <= 1:
        return cases.c.area == area
    return and_(cases.c.area == area, cases.c.bucket % buckets == bucket)


def partition_sql(area: str, bucket: int = 0, buckets: int = 1) -> tuple[str, list[Any]]:
    """`in_partition` as SQL text with `?` placeholders and its parameters, for readers
    that bypass SQLAlchemy (the columnar ADBC reader): compiled from the one expression
    above, so the two can never slice differently."""
    compiled = in_partition(area, bucket, buckets).compile(dialect=sqlite.dialect())
    return str(compiled), [compiled.params[name] for name in compiled.positiontup or ()]
