"""`liaison db upgrade`, `liaison ingest`, `liaison sweep`: filling the store and keeping
its verdicts current. Registered on the root app by `register`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.cli.store_common import (
    AsOpt,
    ConfigDirOpt,
    DbOpt,
    RoleOpt,
    actor,
    err,
    fail,
    out,
    parse_as_of,
    progress_bars,
    store_errors,
)
from engine.files import private_open

db_app = typer.Typer(no_args_is_help=True, help="The store's schema.")
PROGRESS_FROM_LINES = 10_000


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """Create the schema, or upgrade it to this version of liaison."""
    from engine.store import describe, engine_for, upgrade

    with store_errors():
        before, after = upgrade(db)
        where = describe(engine_for(db))
    if before == after:
        out.print(f"{where}: schema already at revision {after}")
    else:
        out.print(f"{where}: schema upgraded from {before or 'nothing'} to revision {after}")


@db_app.command("current")
def db_current(db: DbOpt = None) -> None:
    """Show the schema revision of the database and the one this liaison needs."""
    from engine.store import current_revision, describe, engine_for, head_revision

    with store_errors():
        cur = current_revision(db)
        out.print(f"{describe(engine_for(db))}: at {cur or 'no schema'}; "
                  f"this liaison needs {head_revision()}")
    if cur != head_revision():
        raise typer.Exit(2)


def ingest(
    files: Annotated[list[str], typer.Argument(help="JSONL or CSV files; '-' for stdin.")],
    db: DbOpt = None,
    config_dir: ConfigDirOpt = Path("area_configs"),
    who: AsOpt = None,
    role: RoleOpt = None,
    batch_lines: Annotated[int, typer.Option("--batch-lines", min=1,
                                             help="Lines per transaction.")] = 5000,
    mapping: Annotated[str | None, typer.Option(
        "--mapping", help="Map source-system extracts with this mapping first (their events "
                          "are written to <file>.events.jsonl and ingested).")] = None,
) -> None:
    """Validate, deduplicate and store events. Rejected lines go to <file>.rejects.jsonl
    and to the database. Exit 0: nothing rejected; 1: some lines rejected; 2: an input
    could not be read (or the schema is missing)."""
    who_ = actor(who, role)
    mapped_rejects = 0
    if mapping is not None:
        files, mapped_rejects = _map_first(mapping, files, config_dir, db, who_.who)
    from engine.ingest import ingest_paths

    with progress_bars(PROGRESS_FROM_LINES) as progress, store_errors():
        report = ingest_paths(db, files, actor=who_.who, config_dir=config_dir,
                              batch_lines=batch_lines, progress=progress)
    for f in report.files:
        line = (f"{f.path}: {f.lines} lines: {f.accepted} accepted, {f.duplicate} duplicate, "
                f"{f.rejected} rejected")
        if f.resumed_batches:
            line += f" ({f.resumed_batches} batches already stored by an earlier run)"
        out.print(line)
        if f.rejects_path:
            out.print(f"  rejected lines and reasons: {f.rejects_path}")
    if len(report.files) > 1:
        out.print(f"total: {report.lines} lines: {report.accepted} accepted, "
                  f"{report.duplicate} duplicate, {report.rejected} rejected")
    if report.rejected or mapped_rejects:
        raise typer.Exit(1)


def _map_first(mapping: str, files: list[str], config_dir: Path, db: str | None,
               who: str) -> tuple[list[str], int]:
    """Map each extract to `<file>.events.jsonl` (the events ingest then reads), its
    rejected rows stored as ingest stores rejected lines; returns those files and the
    number of rows the mapping rejected."""
    from engine.cli.map_cmd import load_mapper, print_reports, run_mapping
    from engine.mapping.stored import store_row_rejects

    mapper = load_mapper(mapping, config_dir)
    if "-" in files:
        raise fail("--mapping reads extract files, not standard input")
    outputs, rejected = [], 0
    for f in files:
        target = Path(f + ".events.jsonl")
        with private_open(target, newline="\n") as fh:
            reports = run_mapping(mapper, [f], fh)
        print_reports(reports)
        with store_errors():
            rejected += sum(store_row_rejects(db, f, r.rejects_path, who) for r in reports)
        outputs.append(str(target))
    return outputs, rejected


AreasOpt = Annotated[list[str] | None, typer.Option("--area", help="Only this area (repeatable).")]
AsOfOpt = Annotated[str | None, typer.Option(
    "--as-of", help="RFC 3339 instant with offset (default: now).")]
FullOpt = Annotated[bool, typer.Option(
    "--full", help="Re-evaluate every case, not only those that need it.")]
WorkersOpt = Annotated[int, typer.Option(
    "--workers", min=1, help="Processes to spread partitions over.")]


def sweep(
    area: AreasOpt = None, as_of: AsOfOpt = None, full: FullOpt = False, workers: WorkersOpt = 1,
    db: DbOpt = None,
    config_dir: ConfigDirOpt = Path("area_configs"),
) -> None:
    """Evaluate cases from the store with the config versions in force and store their
    instances and flags. Incremental unless --full."""
    from engine.sweep import run_sweep

    instant = parse_as_of(as_of)
    with store_errors():
        _known_areas(area, config_dir)
        report = run_sweep(db, instant, area, full, workers, config_dir)
        from engine.reports import refresh_national

        refresh_national(db, config_dir, "sweep")  # what the API serves national leads
    out.print(f"swept as of {report.as_of.isoformat()} ({'full' if full else 'incremental'}, "
              f"{len(report.partitions)} partitions, {workers} worker{'s' * (workers > 1)}): "
              f"{report.cases_evaluated} cases evaluated, {report.instances} instances, "
              f"{report.flags} flags, {report.area_instances} area-level instances "
              f"in {report.seconds:.1f} s")
    for name, why in report.stale:
        err.print(f"warning: {name}: below the national floor, judged by its deployed "
                  f"template until a new version is deployed: {why}")
    for name, why in report.skipped:
        err.print(f"warning: {name}: skipped, its verdicts are not current: {why}")


def _known_areas(areas: list[str] | None, config_dir: Path) -> None:
    if not areas:
        return
    from engine.config.national import load_national
    from engine.vocabulary import did_you_mean

    register = load_national(config_dir / "national").register
    for a in areas:
        if a not in register:
            raise fail(f"--area {a!r} is not a police force area in the register"
                       f"{did_you_mean(a, register)}")


def register(app: typer.Typer) -> None:
    """Add the store's commands to the root app."""
    from engine.cli import deploy_cmd, plan_cmd, read_cmd

    app.add_typer(db_app, name="db")
    app.command("ingest", short_help="Validate, deduplicate and store events.")(ingest)
    app.command("sweep", short_help="Evaluate stored cases and store instances and flags.")(sweep)
    app.command("plan", short_help="What an overlay, a draft framework or another area's "
                "variant would change.")(plan_cmd.plan)
    app.command("deploy", short_help="Deploy an area's overlay as a new version.")(
        deploy_cmd.deploy)
    app.command("flags", short_help="Flagged step instances from the last sweep.")(read_cmd.flags)
    app.command("case", short_help="A case's timeline and instances (audited).")(read_cmd.case)
    app.command("board", short_help="Cases per stage with ageing and overdue counts.")(
        read_cmd.board)


def register_config(config_app: typer.Typer) -> None:
    """Add `history` to the `liaison config` group."""
    from engine.cli import deploy_cmd

    config_app.command("history", short_help="An area's deployed config versions.")(
        deploy_cmd.history)
