"""Root Typer app: each command group lives in its own module and is registered here."""

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="liaison: RASSO victim-liaison standards, checkable.")


def main() -> None:
    app()
