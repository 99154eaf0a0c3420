"""Root Typer app: each command group lives in its own module and is registered here.

Nothing on this path imports Prefect (a test pins it): `liaison flows` imports the flows
inside its command.
"""

from typing import Annotated

import typer

from engine.cli.audit_cmd import app as audit_app
from engine.cli.check_cmd import check
from engine.cli.config_cmd import app as config_app
from engine.cli.export_cmd import export
from engine.cli.flows_cmd import app as flows_app
from engine.cli.help import PlainHelpGroup
from engine.cli.map_cmd import map_extracts
from engine.cli.notify_cmd import app as notify_app
from engine.cli.report_cmd import app as report_app
from engine.cli.serve_cmd import serve, token_app
from engine.cli.simulate_cmd import simulate
from engine.cli.store_cmd import register as register_store
from engine.cli.store_cmd import register_config

app = typer.Typer(
    cls=PlainHelpGroup,
    no_args_is_help=True,
    add_completion=False,
    help="liaison: the CPS/NPCC minimum standards for RASSO victim liaison, checkable.",
)
app.add_typer(config_app, name="config")  # validate, show, diff, compare, schema
register_config(config_app)  # config history
app.command("check")(check)
app.command("simulate")(simulate)
app.command("map", short_help="Map source-system extracts to events.")(map_extracts)
register_store(app)  # db, ingest, sweep, plan, deploy, flags, case, board
app.add_typer(report_app, name="report")
app.command("export")(export)
app.command("serve")(serve)
app.add_typer(token_app, name="token")
app.add_typer(flows_app, name="flows")
app.add_typer(notify_app, name="notify")
app.add_typer(audit_app, name="audit")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"liaison {version('liaison')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            typer.echo("liaison (not installed)")
        raise typer.Exit(0)


@app.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, metavar="",
        help="Print the version of liaison and exit.")] = False) -> None:
    """liaison: the CPS/NPCC minimum standards for RASSO victim liaison, checkable."""


def main() -> None:
    from engine.logging import configure_logging

    configure_logging("WARNING")  # to stderr, never stdout; LIAISON_LOG_LEVEL turns it up
    app()
