"""`liaison flows ...`: run the Prefect deployments from the CLI.

Prefect is imported inside the command, never at module level: importing it costs
about a second and every other `liaison` command must stay fast (a test pins that
`liaison --help` does not load it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Orchestration with Prefect: serve scheduled flows.")


@app.command("serve")
def serve(
    drop_dir: Annotated[Path | None, typer.Option(
        "--drop-dir", help="Drop folder the ingest deployment watches "
        "(default: $LIAISON_DROP_DIR, else ./drop).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1,
                                       help="Concurrent flow runs at most.")] = 2,
) -> None:
    """Serve the sweep (nightly 02:00 Europe/London) and ingest (every 15 min) deployments.

    Needs a Prefect API: start `prefect server start` and set PREFECT_API_URL. Without
    it this command fails at once instead of starting Prefect's temporary server, which
    takes 10-30 s and dies with the process, so schedules would never fire.
    """
    if not os.environ.get("PREFECT_API_URL"):
        os.environ["PREFECT_SERVER_EPHEMERAL_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "liaison")
    from engine.errors import OrchestrationError
    from flows.serve import serve_all

    try:
        serve_all(drop_dir=drop_dir, limit=limit)
    except OrchestrationError as exc:
        typer.echo(f"liaison flows serve: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
