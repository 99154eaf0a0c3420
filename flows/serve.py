"""Serve the scheduled deployments: `python -m flows.serve` or `liaison flows serve`.

One long-running process polls the Prefect API and runs each scheduled flow in its own
subprocess:

- `sweep/nightly`: `sweep_flow` at 02:00 Europe/London every night (a cron schedule
  with a time zone, so it stays at 02:00 local across the clock changes);
- `ingest/drop-folder`: `ingest_flow` every 15 minutes over the drop folder, never two
  at once (a slow run must finish before the next claims files);
- `notify/spocs`: `notify_flow` every 15 minutes (an incremental sweep, then alerts and
  any digest due) and at each distinct area digest time on weekdays, never two at once
  (the delivery log expects one sender).

Runs load the flows by module path (`flows.sweep.sweep_flow`), not by file: a task sent
to a Dask worker is then found there by import, like the engine it calls.

Stopping the process leaves the schedules active (`pause_on_shutdown=False`): a
restart of the service should not silently stop the nightly sweep.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any

from prefect import serve
from prefect.schedules import Cron, Interval
from prefect.settings import PREFECT_API_URL
from prefect.types.entrypoint import EntrypointType

from engine.errors import OrchestrationError
from flows import settings
from flows.ingest import ingest_flow
from flows.notify import notify_flow
from flows.sweep import sweep_flow

TIMEZONE = "Europe/London"
SWEEP_CRON = "0 2 * * *"
INGEST_EVERY = timedelta(minutes=15)
NOTIFY_EVERY = timedelta(minutes=15)


def digest_times(config_dir: Path | str | None = None) -> list[str]:
    """Every distinct digest time (HH:MM, London) among the national and area settings."""
    from engine.config import load_config
    from engine.notify.run import Notifier
    from engine.notify.settings import area_settings

    n = Notifier.load(load_config(settings.config_dir(config_dir)))
    times = {n.national.digest_at}
    for built in n.cs.built.values():
        times.add(area_settings(n.national, built.overlay).digest_at.strftime("%H:%M"))
    return sorted(times)


def deployments(drop_dir: Path | str | None = None) -> list[Any]:
    """The deployments `serve_all` serves (built, not yet registered)."""
    folder = str(settings.drop_dir(drop_dir))
    Path(folder).mkdir(parents=True, exist_ok=True)
    return [
        sweep_flow.to_deployment(
            name="nightly", schedule=Cron(SWEEP_CRON, timezone=TIMEZONE),
            description="Evaluate every area's cases and store their flags, nightly.",
            entrypoint_type=EntrypointType.MODULE_PATH,
            tags=["liaison", "sweep"]),
        ingest_flow.to_deployment(
            name="drop-folder", schedule=Interval(INGEST_EVERY),
            parameters={"drop_dir": folder}, concurrency_limit=1,
            description=f"Ingest event files dropped into {folder}.",
            entrypoint_type=EntrypointType.MODULE_PATH,
            tags=["liaison", "ingest"]),
        notify_flow.to_deployment(
            name="spocs",
            schedules=[Interval(NOTIFY_EVERY), *(
                Cron(f"{int(t[3:])} {int(t[:2])} * * 1-5", timezone=TIMEZONE)
                for t in digest_times())],
            concurrency_limit=1,
            description="Sweep what changed, then send SPOC alerts, digests and escalations.",
            entrypoint_type=EntrypointType.MODULE_PATH,
            tags=["liaison", "notify"]),
    ]


NO_API = ("no Prefect API to serve against. Start one with `prefect server start` and set "
          "PREFECT_API_URL=http://127.0.0.1:4200/api")


def serve_all(drop_dir: Path | str | None = None, limit: int = 2) -> None:
    """Register the deployments with the Prefect API and run them until stopped.

    Refuses (OrchestrationError) without a configured API rather than serving against a
    temporary server that dies with this process and takes the schedules with it."""
    if not PREFECT_API_URL.value():
        raise OrchestrationError(NO_API)
    serve(*deployments(drop_dir), limit=limit, pause_on_shutdown=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.serve", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drop-dir", default=None,
                        help="drop folder for the ingest deployment (default: "
                             f"${settings.DROP_DIR_ENV}, else ./drop)")
    parser.add_argument("--limit", type=int, default=2, help="concurrent flow runs at most")
    args = parser.parse_args(argv)
    try:
        serve_all(drop_dir=args.drop_dir, limit=args.limit)
    except OrchestrationError as exc:
        parser.exit(exc.exit_code, f"python -m flows.serve: {exc}\n")


if __name__ == "__main__":
    main()
