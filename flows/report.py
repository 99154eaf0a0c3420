"""`national_report_flow`: the national variant comparison, as files and an artifact.

The report itself is the engine's (`engine.reports.national.build_national`): how each
area's rules differ from the national floor and how each performs against its own, under
disclosure control. The flow builds it from the store as it stands after the last sweep,
writes it as JSON, CSV and HTML into the reports folder, and publishes a markdown
artifact with the smaller tables and the paths of the files.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from engine.config import load_config
from engine.logging import configure_logging
from engine.reports import (
    Quarter,
    Report,
    Table,
    build_national,
    cell,
    facts_from,
    store_national,
    write_report,
)
from engine.store import checked_engine
from flows import settings

REPORT_KEY = "national-report"
MAX_ROWS = 30
MAX_COLUMNS = 12


def period_as_of(period: str | None, now: datetime | None = None) -> datetime | None:
    """The instant a period is reported as of: the last moment of a quarter (`2026Q1`),
    or now for a quarter still running; None (the latest sweep) for `latest` or None."""
    if period is None or period.strip().lower() == "latest":
        return None
    quarter = Quarter.parse(period)
    now = now or datetime.now(UTC)
    return min(quarter.end - timedelta(microseconds=1), now)


@task(retries=1, retry_delay_seconds=5)
def build_national_task(db_url: str, config_dir: str, as_of: datetime | None) -> Report:
    """Build the national comparison (validated configs + the store)."""
    facts = facts_from(load_config(Path(config_dir)))
    return build_national(checked_engine(db_url), facts, as_of)


def _markdown_table(table: Table) -> list[str]:
    head = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "---|" * len(table.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.rows]
    return [f"### {table.title}", "", head, rule, *body, ""]


def report_markdown(report: Report, files: list[Path]) -> str:
    """The artifact: title, as-of, notes, each table small enough to read in the UI, and
    where the full report was written."""
    lines = [f"# {report.title}", "",
             f"As of {report.data.get('as_of', '')}.", ""]
    lines += [f"- {note}" for note in report.notes]
    lines.append("")
    for table in report.tables:
        if len(table.rows) <= MAX_ROWS and len(table.columns) <= MAX_COLUMNS:
            lines += _markdown_table(table)
        else:
            lines += [f"### {table.title}", "",
                      f"{len(table.rows)} rows × {len(table.columns)} columns: see "
                      f"`{table.name}` in the CSV files below.", ""]
    lines += ["## Files", ""] + [f"- `{path}`" for path in files]
    return "\n".join(lines) + "\n"


@flow(name="national-report")
def national_report_flow(period: str | None = None, out_dir: str | None = None,
                         db_url: str | None = None,
                         config_dir: str | None = None) -> dict[str, Any]:
    """Build the national comparison for `period` (a quarter such as `2026Q1`, or
    `latest`), write it under `out_dir/national-<period>/` and publish it."""
    configure_logging()
    logger = get_run_logger()
    as_of = period_as_of(period)
    label = (period or "latest").strip().lower()
    report = build_national_task(settings.database_url(db_url),
                                 str(settings.config_dir(config_dir)), as_of)
    if as_of is None:  # the latest figures: what the API serves national leads
        store_national(checked_engine(settings.database_url(db_url)), report, "report flow")
    target = settings.reports_dir(out_dir) / f"national-{label}"
    files = write_report(report, target, stem="national")
    create_markdown_artifact(key=REPORT_KEY, markdown=report_markdown(report, files),
                             description=f"National variant comparison ({label})")
    logger.info("national report for %s written to %s (%d files)", label, target, len(files))
    return {"period": label, "as_of": report.data.get("as_of"),
            "files": [str(p) for p in files],
            "tables": {t.name: len(t.rows) for t in report.tables}}
