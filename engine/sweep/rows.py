"""What a judged page writes, straight from its columns: the instance rows (every status
but `met`; no explanation, which readers build on read), each case's row (stage, next
check, contribution to the compliance counts, key-step exposure) and the counts.

Why no `met` rows: they are 88% of instances and nothing reads them one by one any more.
The reports read the compliance counts (engine/store/counts.py), the outcome report each
case's key-step exposure, and the case read judges the case again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine

from engine.keysteps import exposures
from engine.store import contributions, insert_rows, instances, keyed, recount_cases, totals
from engine.store import writing as writing_to
from engine.sweep.facts import STORED
from engine.sweep.verdicts import Verdicts, next_checks

INSTANCE_COLUMNS = ("case_id", "area", "step", "trigger_event", "trigger_at", "status", "due",
                    "satisfied_by", "owner", "severity", "version", "evaluated_as_of")
CASE_UPDATE = ("UPDATE cases SET evaluated_version = {m}, evaluated_at = {m}, "
               "evaluated_as_of = {m}, rules_key = {m}, stage = {m}, next_check = {m}, "
               "contribution = {m}, key_steps_on_time = {m}, key_steps_decided_until = {m}"
               + "".join(f", {c} = {{m}}" for c in STORED) + " WHERE case_id = {m}")


def instant(us: pl.Expr, sqlite: bool) -> pl.Expr:
    """Integer microseconds as the driver's value of a `UTCDateTime` column: SQLite's
    naive UTC text (as SQLAlchemy writes it), else an aware instant."""
    at = pl.from_epoch(us, "us")
    if sqlite:
        return at.dt.strftime("%Y-%m-%d %H:%M:%S%.6f")
    return at.dt.replace_time_zone("UTC")


def driver_value(value: datetime, sqlite: bool) -> Any:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") \
        if sqlite else value


def instance_rows(v: Verdicts, as_of: datetime, sqlite: bool) -> list[tuple[Any, ...]]:
    """The rows stored for a page: every instance that is not `met`, in
    INSTANCE_COLUMNS order, instants already driver values."""
    kept = v.instances.filter(pl.col("status") != "met")
    return kept.select(
        "case", "area", "step", "trigger_event", instant(pl.col("trigger_us"), sqlite),
        "status", instant(pl.col("due_us"), sqlite).alias("due"), "satisfied_by", "owner",
        "severity", "version", pl.lit(driver_value(as_of, sqlite)).alias("evaluated_as_of"),
    ).rows()


def store_page(eng: Engine, page: list[tuple[str, int, str]], v: Verdicts, as_of: datetime
               ) -> None:
    """Replace the page's instance rows, update its cases' rows (each (case id, event
    version read, rules key)) and their share of the compliance counts, in one
    transaction."""
    sqlite = eng.dialect.name == "sqlite"
    counted = keyed(v.instances)
    exposed = exposures(v.instances)
    cases = (pl.DataFrame(page, schema={"case": pl.String, "version": pl.Int64,
                                        "key": pl.String}, orient="row")
             .join(v.cases, on="case", how="left")
             .join(next_checks(v, as_of), on="case", how="left")
             .join(contributions(counted), on="case", how="left")
             .join(exposed, on="case", how="left")
             .join(v.facts, on="case", how="left"))
    now = driver_value(datetime.now(UTC), sqlite)
    case_rows = cases.select(
        "version", pl.lit(now).alias("at"), pl.lit(driver_value(as_of, sqlite)).alias("as_of"),
        "key", "stage", instant(pl.col("next"), sqlite),
        "contribution", "on_time", instant(pl.col("until_us"), sqlite).alias("until"),
        *STORED[:-2], instant(pl.col("withdrew_us"), sqlite).alias("withdrew_at"),
        "withdrew_stage", "case",
    ).rows()
    rows = instance_rows(v, as_of, sqlite)
    ids = [cid for cid, _v, _k in page]
    with writing_to(eng) as conn:
        recount_cases(conn, ids, totals(counted))
        conn.execute(instances.delete().where(instances.c.case_id.in_(ids)))
        insert_rows(conn, instances, INSTANCE_COLUMNS, rows, prepared=True)
        conn.exec_driver_sql(CASE_UPDATE.format(m="?" if sqlite else "%s"), case_rows)
