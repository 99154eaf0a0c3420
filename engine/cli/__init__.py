"""The `liaison` command line (Typer). Prefect is never imported on this path."""
