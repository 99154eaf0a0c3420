"""Root Typer app: each command group lives in its own module and is registered here."""

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="liaison: RASSO victim-liaison standards, checkable.")
from engine.cli.flows_cmd import app as _flows_app  # noqa: E402,I001  (no Prefect import)

app.add_typer(_flows_app, name="flows")
from engine.cli.check_cmd import check as _check  # noqa: E402

app.command("check")(_check)
from engine.cli.config_cmd import app as _config_app  # noqa: E402

app.add_typer(_config_app, name="config")

from engine.cli.store_cmd import register as _register_store, register_config  # noqa: E402

_register_store(app)  # db, ingest, sweep, plan, deploy, flags, case, board
register_config(_config_app)  # config history
from engine.cli.report_cmd import app as _report_app  # noqa: E402
from engine.cli.serve_cmd import serve as _serve, token_app as _token_app  # noqa: E402
from engine.cli.export_cmd import export as _export  # noqa: E402

app.add_typer(_report_app, name="report")
app.add_typer(_token_app, name="token")
app.command("serve")(_serve)
app.command("export")(_export)
from engine.cli.simulate_cmd import simulate as _simulate  # noqa: E402

app.command("simulate")(_simulate)


def main() -> None:
    from engine.logging import configure_logging

    configure_logging("WARNING")  # to stderr, never stdout; LIAISON_LOG_LEVEL turns it up
    app()
