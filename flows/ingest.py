"""`ingest_flow`: ingest the event files force systems leave in a drop folder.

The flow claims files (see `flows.dropfolder`), ingests each in its own task with
retries through the engine's `ingest_paths`, and files it under processed/ (with its
rejects file beside it when lines were rejected) or failed/ (when it could not be read).
A file that fails for any other reason (the database is down) stays in processing/ for
the next run to resume, and the run ends Failed so that monitoring notices. The served
deployment never runs twice at once; if a run started by hand resumes the same claimed
file alongside, whichever finishes second reports it as `taken` (its events were
duplicates by then: ingestion is idempotent by event_id).
Files of one area are ingested in name order, one after another, because the first of
two conflicting bodies for an event id wins and that must not depend on thread timing;
different areas run side by side.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.client.schemas.objects import State, TaskRun
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import allow_failure

from engine.ingest import InputError, ingest_paths
from engine.logging import bound_contextvars, configure_logging
from flows import settings
from flows.dropfolder import FAILED, PROCESSED, Claim, DropFolder
from flows.runners import thread_runner

PENDING = "pending"  # not ingested for a reason other than the file: resumed next run
TAKEN = "taken"  # another run (started by hand alongside) finished the file first
INGEST_TABLE_KEY = "ingest-files"
INGEST_SUMMARY_KEY = "ingest-summary"
COLUMNS = ("file", "area", "outcome", "lines", "accepted", "duplicate", "rejected",
           "resumed", "rejects_file", "error")


def _unreadable(error: object) -> bool:
    """The file itself is bad (missing, not UTF-8): retrying cannot help."""
    return isinstance(error, InputError | UnicodeDecodeError)


def _worth_retrying(task: Any, task_run: TaskRun, state: State[Any]) -> bool:
    """Retry database and I/O hiccups; an unreadable file stays unreadable."""
    return not _unreadable(state.data if isinstance(state.data, BaseException) else None)


@task(retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=_worth_retrying,
      task_run_name="ingest {claim.name}")
def ingest_file(db_url: str, claim: Claim, drop_dir: str, actor: str,
                config_dir: str) -> dict[str, Any]:
    """Ingest one claimed file and move it to processed/; a row for the artifact."""
    if not Path(claim.path).is_file():
        return _row(claim, TAKEN, "", error="finished by another run")
    with bound_contextvars(area=claim.area, file=claim.name):
        report = ingest_paths(db_url, [claim.path], actor=actor, config_dir=Path(config_dir))
        [done] = report.files
        companions = (done.rejects_path,) if done.rejects_path else ()
        final = DropFolder(drop_dir).finish(claim, PROCESSED, companions)
    rejects = (str(Path(final).with_name(Path(final).name + ".rejects.jsonl"))
               if done.rejects_path else "")
    return _row(claim, PROCESSED, final, lines=done.lines, accepted=done.accepted,
                duplicate=done.duplicate, rejected=done.rejected,
                resumed=done.resumed_batches, rejects_file=rejects)


def _row(claim: Claim, outcome: str, final: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"file": claim.name, "area": claim.area, "outcome": outcome,
                           "lines": 0, "accepted": 0, "duplicate": 0, "rejected": 0,
                           "resumed": 0, "rejects_file": "", "error": ""}
    row.update(values)
    row["final_path"] = final
    return row


def _summary_markdown(drop_dir: str, rows: list[dict[str, Any]], totals: dict[str, int]) -> str:
    lines = [f"# Ingest of `{drop_dir}`", "",
             f"{totals['files']} file(s): {totals['processed']} processed, "
             f"{totals['failed']} failed, {totals['pending']} pending; "
             f"{totals['accepted']} events accepted, "
             f"{totals['duplicate']} duplicate, {totals['rejected']} rejected.", ""]
    for row in rows:
        if row["outcome"] in (FAILED, PENDING):
            lines.append(f"- **{row['outcome']}** `{row['file']}`: {row['error']}")
        elif row["rejected"]:
            lines.append(f"- `{row['file']}`: {row['rejected']} line(s) rejected, "
                         f"see `{row['rejects_file']}`")
    return "\n".join(lines) + "\n"


@flow(name="ingest", task_runner=thread_runner(),
      log_prints=False)
def ingest_flow(drop_dir: str, db_url: str | None = None, actor: str = "ingest-flow",
                config_dir: str | None = None) -> dict[str, int]:
    """Ingest every file waiting in `drop_dir` (and resume any an earlier run left in
    processing/); publish a table of counts and rejects per file; return the totals."""
    configure_logging()
    logger = get_run_logger()
    url = settings.database_url(db_url)
    configs = str(settings.config_dir(config_dir))
    folder = DropFolder(drop_dir)
    claims = folder.claim_all()
    resumed = sum(c.resumed for c in claims)
    logger.info("%d file(s) to ingest from %s (%d resumed from an interrupted run)",
                len(claims), folder.root, resumed)

    futures: list[tuple[Claim, PrefectFuture[dict[str, Any]]]] = []
    last_in_area: dict[str, PrefectFuture[dict[str, Any]]] = {}
    for claim in claims:
        before = last_in_area.get(claim.area)
        future = ingest_file.submit(url, claim, str(folder.root), actor, configs,
                                    wait_for=[allow_failure(before)] if before else None,
                                    return_state=False)
        last_in_area[claim.area] = future
        futures.append((claim, future))

    rows: list[dict[str, Any]] = []
    for claim, future in futures:
        future.wait()
        if future.state.is_completed():
            rows.append(future.result())
            continue
        error = future.result(raise_on_failure=False)
        message = (str(error) if isinstance(error, BaseException)
                   else future.state.message or "ingest failed")
        if not Path(claim.path).exists():
            rows.append(_row(claim, TAKEN, "", error=f"finished by another run ({message})"))
        elif _unreadable(error):
            final = folder.finish(claim, FAILED, (claim.path + ".rejects.jsonl",))
            logger.error("%s moved to failed/: %s", claim.name, message)
            rows.append(_row(claim, FAILED, final, error=message))
        else:  # the store, not the file: leave it claimed for the next run to resume
            logger.error("%s left in processing/ for the next run: %s", claim.name, message)
            rows.append(_row(claim, PENDING, claim.path, error=message))

    totals = {"files": len(rows),
              "processed": sum(r["outcome"] == PROCESSED for r in rows),
              "failed": sum(r["outcome"] == FAILED for r in rows),
              "pending": sum(r["outcome"] == PENDING for r in rows),
              "taken": sum(r["outcome"] == TAKEN for r in rows),
              "resumed": resumed}
    for column in ("lines", "accepted", "duplicate", "rejected"):
        totals[column] = sum(int(r[column]) for r in rows)
    create_table_artifact(key=INGEST_TABLE_KEY,
                          table=[{c: r[c] for c in COLUMNS} for r in rows],
                          description=f"Files ingested from {folder.root}")
    create_markdown_artifact(key=INGEST_SUMMARY_KEY,
                             markdown=_summary_markdown(str(folder.root), rows, totals),
                             description="Ingest summary")
    if totals["pending"]:
        # Fail the run so that monitoring sees it; the files wait in processing/.
        raise RuntimeError(f"{totals['pending']} file(s) could not be ingested and stay in "
                           f"{folder.root / 'processing'} for the next run")
    return totals
