"""`notify_flow`: tell the SPOCs what the last cycle found.

Each run brings the flags up to date with an incremental sweep (only cases with new
events, or whose next status change has come), then plans, records and delivers through
`engine.notify.run`, so alerts (violations, hour deadlines) go out within one
ingest-and-sweep cycle. Digests go out at the first run at or after each area's digest
time on a working day; `flows.serve` also schedules a run at each digest time. Every
decision is the engine's; the same run from the CLI is `liaison notify send`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from engine.config import load_config
from engine.logging import configure_logging
from engine.notify.run import Notifier, deliver, send
from engine.store import Actor
from engine.sweep import run_sweep
from flows import settings

NOTIFY_SUMMARY_KEY = "notify-summary"


@task(retries=2, retry_delay_seconds=[2, 10], task_run_name="sweep before notifying")
def sweep_task(db_url: str, as_of: datetime, config_dir: str) -> int:
    configure_logging()
    return run_sweep(db_url, as_of=as_of, config_dir=Path(config_dir)).flags


@task(task_run_name="plan, record and send")
def send_task(db_url: str, as_of: datetime, config_dir: str, who: str,
              areas: list[str] | None) -> dict[str, Any]:
    """Not retried by Prefect: the delivery log retries each channel itself, and a
    re-run of this task would only find the work already recorded."""
    configure_logging()
    n = Notifier.load(load_config(Path(config_dir)))
    out = send(db_url, n, as_of, Actor(who, "force_data_team"), areas)
    return {"messages": [{"kind": p.kind, "recipient": p.recipient.key,
                          "items": len(p.items)} for p, _ in out.messages],
            "baseline": len(out.baseline), "unroutable": len(out.unroutable),
            "deliveries": dict(out.deliveries)}


@task(task_run_name="retry due deliveries")
def retry_task(db_url: str, config_dir: str, who: str) -> dict[str, int]:
    n = Notifier.load(load_config(Path(config_dir)))
    return dict(deliver(db_url, n, Actor(who, "force_data_team")))


def _summary(as_of: datetime, result: dict[str, Any]) -> str:
    lines = [f"# Notifications as of {as_of.isoformat()}", "",
             f"- messages recorded: {len(result['messages'])}",
             f"- earlier flags taken as already known: {result['baseline']}",
             f"- items with no recipient: {result['unroutable']}",
             "- deliveries: " + (", ".join(f"{k} {v}" for k, v in
                                          sorted(result["deliveries"].items())) or "none"), ""]
    if result["messages"]:
        lines += ["| kind | recipient | items |", "|---|---|---|"]
        lines += [f"| {m['kind']} | {m['recipient']} | {m['items']} |"
                  for m in result["messages"]]
    return "\n".join(lines) + "\n"


@flow(name="notify")
def notify_flow(as_of: datetime | None = None, areas: list[str] | None = None,
                db_url: str | None = None, config_dir: str | None = None,
                sweep_first: bool = True, who: str = "notify-flow") -> dict[str, Any]:
    """Sweep what changed (unless `sweep_first` is off), then send the alerts, digests and
    escalations due as of `as_of` (default now); publish a summary; return the counts."""
    configure_logging()
    logger = get_run_logger()
    when = settings.as_of(as_of)
    url = settings.database_url(db_url)
    configs = str(settings.config_dir(config_dir))
    if sweep_first:
        sweep_task(url, when, configs)
    result: dict[str, Any] = send_task(url, when, configs, who, areas)
    create_markdown_artifact(key=NOTIFY_SUMMARY_KEY, markdown=_summary(when, result),
                             description="SPOC notifications")
    logger.info("notify: %d message(s) recorded; deliveries %s", len(result["messages"]),
                result["deliveries"])
    return result
