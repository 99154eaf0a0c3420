"""`liaison check`: evaluate an events file against the configs, no database (contract §9).

Exit 0 when evaluated; 1 with --fail-on when a printed instance has one of those
statuses; 2 for bad input or config, with the reason on stderr and nothing on stdout.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from engine.check import Check
from engine.cli.render import instance_line
from engine.cli.store_common import ConfigDirOpt, fail
from engine.cli.table import print_table
from engine.terms import FLAG_STATUSES, Status


def check(
    events: Annotated[
        str, typer.Option("--events", help="Events file: JSONL or CSV, '-' for stdin.")
    ],
    area: Annotated[
        str | None, typer.Option("--area", help="Only cases whose area as of --as-of is this one.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="RFC 3339 instant with offset (default: now).")
    ] = None,
    config_dir: ConfigDirOpt = Path("area_configs"),
    fmt: Annotated[str, typer.Option("--format", help="json | table")] = "table",
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 if any printed instance has one of these statuses, e.g. missed,violated.",
        ),
    ] = None,
) -> None:
    """Evaluate an events file against the national framework and area overlays."""
    from engine.check import accept_jsonl, accept_lines, write_json
    from engine.config import load_config
    from engine.errors import ConfigError, EventErrors
    from engine.event_lines import open_events, read_lines
    from engine.events import parse_timestamp

    if fmt not in ("json", "table"):
        raise fail(f"--format {fmt!r} is not allowed (allowed: json | table)")
    statuses: set[str] = set()
    if fail_on:
        statuses = {s.strip() for s in fail_on.split(",") if s.strip()}
        bad = sorted(statuses - {s.value for s in Status})
        if bad:
            raise fail(
                f"--fail-on: unknown status {bad[0]!r} "
                f"(allowed: {', '.join(s.value for s in Status)})"
            )
    if as_of is None:
        instant = datetime.now(UTC)
    else:
        try:
            instant = parse_timestamp(as_of)
        except ValueError as exc:
            raise fail(f"--as-of {as_of!r} {exc}") from None
    try:
        config = load_config(config_dir)
    except ConfigError as exc:
        raise fail(f"the configuration has errors; nothing was evaluated:\n{exc}") from None
    if area is not None and area not in config.register:
        from engine.vocabulary import did_you_mean

        raise fail(
            f"--area {area!r} is not a police force area in the register"
            f"{did_you_mean(area, config.register)}"
        )
    try:
        stream, detected = open_events(events)
    except OSError as exc:
        raise fail(f"cannot read --events {events}: {exc.strerror}") from None
    name = "stdin" if events == "-" else events
    with stream:
        try:
            if detected == "jsonl":
                accepted = accept_jsonl(stream, config.vocabulary, name)
            else:
                accepted = accept_lines(read_lines(stream, config.vocabulary, detected, name),
                                        name)
        except EventErrors as exc:
            shown = exc.problems[:20]
            more = len(exc.problems) - len(shown)
            text = "\n".join(p.render() for p in shown)
            if more:
                text += f"\n... and {more} more"
            raise fail(f"bad events; nothing was evaluated:\n{text}") from None
    run = Check(config.rules(), accepted, instant, area, config.templates)
    del accepted  # the run holds the events by case; printed chunk by chunk from here
    totals = write_json(run, sys.stdout) if fmt == "json" else _table(run)
    if statuses & {k for k, n in totals.items() if n}:
        raise typer.Exit(1)


def _table(run: Check) -> Counter[str]:
    """For people: one block per case, flags first, each flag with its explanation."""
    out = Console(highlight=False)
    flags = cases = 0
    totals: Counter[str] = Counter()
    for chunk in run.chunks():
        for case in chunk:
            cases += 1
            out.rule(f"[bold]{case.case_id}[/] · {case.area} · stage {case.stage}",
                     align="left")
            ordered = sorted(case.instances, key=lambda i: i.status not in FLAG_STATUSES)
            for inst in ordered:
                totals[inst.status.value] += 1
                flags += inst.status in FLAG_STATUSES
                instance_line(out, inst.step, inst.status.value, inst.owner, inst.due_local,
                              inst.explanation if inst.status in FLAG_STATUSES else None)
    area_instances = run.area_instances()
    if area_instances:
        out.rule("[bold]Area-level steps[/]", align="left")
        for inst in area_instances:
            totals[inst.status.value] += 1
            flags += inst.status in FLAG_STATUSES
            instance_line(out, f"{inst.area} · {inst.step}", inst.status.value, inst.owner,
                          inst.due_local,
                          inst.explanation if inst.status in FLAG_STATUSES else None)
    out.print(f"{cases} case(s) as of {run.as_of.isoformat()}; {flags} flag(s).")
    print_table(out, "Instances by status", ("status", "instances"),
                [(s.value, totals[s.value]) for s in Status]
                + [("total", sum(totals.values()))],
                whole=("status",))
    return totals
