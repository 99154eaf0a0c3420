"""Options and error handling shared by every command: the database and config-dir
options, the acting user, and the one rule for errors (`fail`, `store_errors`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from engine.terms import Role

if TYPE_CHECKING:
    from engine.store import Actor

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

DbOpt = Annotated[str | None, typer.Option(
    "--db", envvar="LIAISON_DATABASE_URL", show_envvar=True,
    help="Database URL (default: SQLite at ./.liaison/liaison.db); "
         "postgresql+psycopg://USER@HOST:PORT/DB for PostgreSQL.")]
CONFIG_ENV = "LIAISON_CONFIG_DIR"
DEFAULT_CONFIG_DIR = Path("area_configs")


def config_dir_source(source: str) -> str:
    """Where a config folder came from, in the words a user would type."""
    return {"COMMANDLINE": "--config-dir", "ENVIRONMENT": CONFIG_ENV}.get(
        source, "the default ./area_configs")


def require_config_dir(path: Path, source: str) -> Path:
    """The config folder, or exit 2 with one line saying where it was looked for and how
    to name another. Every command finds it the same way: --config-dir, else
    $LIAISON_CONFIG_DIR, else ./area_configs."""
    if (path / "national").is_dir():
        return path
    how = config_dir_source(source)
    raise fail(f"no config folder at {path} (from {how}); give --config-dir DIR or set "
               f"{CONFIG_ENV} to a folder holding national/ and areas/")


def _config_dir(ctx: typer.Context, param: typer.CallbackParam, value: Path) -> Path:
    source = ctx.get_parameter_source(param.name or "config_dir")
    return require_config_dir(value, source.name if source is not None else "DEFAULT")


ConfigDirOpt = Annotated[Path, typer.Option(
    "--config-dir", envvar=CONFIG_ENV, show_envvar=True, callback=_config_dir,
    help="The area_configs directory (national/ and areas/); default ./area_configs.")]
AsOpt = Annotated[str | None, typer.Option("--as", help="Who is acting (default: $LIAISON_USER or "
                                           "the login name); recorded in the audit log.")]
RoleOpt = Annotated[str | None, typer.Option(
    "--role", help=f"{' | '.join(Role)} (default: $LIAISON_ROLE or {Role.force_data_team}).")]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `error: message` on stderr and return the exit to raise (2: bad input).

    The message is printed as text, never as Rich markup: it often quotes what the user
    typed or an explanation holding brackets."""
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True)
    return typer.Exit(code)


@contextmanager
def store_errors() -> Iterator[None]:
    """The CLI's one error rule: a `LiaisonError` (bad input, a config with errors, a
    missing or old store, a refusal) becomes its message and its `exit_code`. Anything
    else is a bug and keeps its traceback."""
    from engine.errors import ConfigError, LiaisonError

    try:
        yield
    except ConfigError as exc:
        raise fail(f"the configuration has errors:\n{exc}", exc.exit_code) from None
    except LiaisonError as exc:
        raise fail(str(exc), exc.exit_code) from None
    except Exception as exc:
        # The database went away mid-command: one line and exit 2, not the driver's
        # hundreds of lines of traceback. Any other exception is a bug and keeps its own.
        from sqlalchemy.exc import InterfaceError, OperationalError

        if not isinstance(exc, OperationalError | InterfaceError):
            raise
        first = (str(exc.orig or exc).strip().splitlines() or [type(exc).__name__])[0]
        raise fail(f"cannot use the database: {first}") from None


def parse_as_of(text: str | None) -> datetime:
    from engine.events import parse_timestamp

    if text is None:
        return datetime.now(UTC)
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise fail(f"--as-of {text!r} {exc}") from None


def actor(who: str | None, role: str | None) -> Actor:
    from engine.store import current_actor

    with store_errors():
        return current_actor(who, role)


Progress = Callable[[str, int, int], None]  # (file, done, total)


@contextmanager
def progress_bars(min_total: int = 10_000) -> Iterator[Progress]:
    """A progress callback drawing one bar per file on stderr, for files of at least
    `min_total` lines or rows (small files finish before a bar would help)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeRemainingColumn

    bars = Progress("[progress.description]{task.description}", BarColumn(),
                    MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=True)
    tasks: dict[str, TaskID] = {}

    def progress(path: str, done: int, total: int) -> None:
        if total < min_total:
            return
        if path not in tasks:
            if not tasks:
                bars.start()
            tasks[path] = bars.add_task(path, total=total)
        bars.update(tasks[path], completed=done, total=total)

    try:
        yield progress
    finally:
        if tasks:
            bars.stop()
