"""Which flags a sweep of one partition raised: the partition's flags before and after.

The engine's sweep replaces a case's instances wholesale and reports counts; the
orchestration layer wants to tell owners what is new since the last run. A flag is
identified by its case, step, trigger event and status, so an instance that moves from
`due_soon` to `missed` counts as a new `missed` flag. Reads only.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from sqlalchemy import select, union_all

from engine.store import cases, checked_engine, in_partition, instances, reading
from engine.sweep import Partition
from engine.terms import FLAG_STATUSES


class FlagKey(NamedTuple):
    case_id: str | None
    step: str
    trigger_event: str | None
    status: str
    area: str
    owner: str


def partition_flags(db_url: str, partition: Partition) -> set[FlagKey]:
    """Every stored flag of the partition's cases (and, for its first bucket, of the
    area's area-level steps): the same slice `sweep_partition` rewrites."""
    columns = (instances.c.case_id, instances.c.step, instances.c.trigger_event,
               instances.c.status, instances.c.area, instances.c.owner)
    case_level = (select(*columns)
                  .join(cases, cases.c.case_id == instances.c.case_id)
                  .where(in_partition(partition.area, partition.bucket, partition.buckets),
                         instances.c.status.in_(FLAG_STATUSES)))
    query = case_level
    if partition.bucket == 0:
        area_level = select(*columns).where(instances.c.case_id.is_(None),
                                            instances.c.area == partition.area,
                                            instances.c.status.in_(FLAG_STATUSES))
        query = union_all(case_level, area_level)  # type: ignore[assignment]
    with reading(checked_engine(db_url)) as conn:
        return {FlagKey(*row) for row in conn.execute(query)}


def count_by_area_owner(flags: set[FlagKey]) -> Counter[tuple[str, str, str]]:
    """(area, owner, status) -> how many."""
    return Counter((f.area, f.owner, f.status) for f in flags)
