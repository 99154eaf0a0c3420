"""`liaison export --format xes|ocel`: the event log with step instances, for
process-mining tools."""

from __future__ import annotations

import sys
from enum import StrEnum
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
    store_errors,
)
from engine.files import private_open


class Format(StrEnum):
    xes = "xes"
    ocel = "ocel"


def export(fmt: Annotated[Format, typer.Option("--format", help="xes (IEEE 1849) or ocel "
                                               "(OCEL 2.0 JSON).")],
           output: Annotated[Path | None, typer.Option("--out", "-o", help="File to write "
                                                       "(default: stdout).")] = None,
           area: Annotated[str | None, typer.Option("--area", help="Only this area's cases "
                                                    "and area-level events.")] = None,
           db: DbOpt = None, config_dir: ConfigDirOpt = Path("area_configs"),
           who: AsOpt = None, role: RoleOpt = None) -> None:
    """Write the stored event log, with each case's step instances, as XES or OCEL 2.0.
    Every case's events leave the store, so the export is audited as a case-level read."""
    from engine.export import read_traces, write_ocel, write_xes
    from engine.ingest import load_event_vocabulary
    from engine.store import checked_engine, record, writing

    if area is not None:
        from engine.vocabulary import did_you_mean

        known = load_event_vocabulary(config_dir).areas
        if area not in known:  # a misspelt area is bad input, not an empty log
            raise fail(f"--area {area!r} is not a police force area in the register"
                       f"{did_you_mean(area, known)}")
    with store_errors():
        by = actor(who, role)
        engine = checked_engine(db)
        stream = private_open(output) if output else sys.stdout
        try:
            if fmt is Format.xes:
                count = write_xes(stream, read_traces(engine, area, config_dir=config_dir))
            else:
                count = write_ocel(stream, read_traces(engine, area, config_dir=config_dir),
                                   load_event_vocabulary(config_dir))
        finally:
            if output:
                stream.close()
        with writing(engine) as conn:
            record(conn, by.who, by.role, "export", {"format": str(fmt), "area": area,
                                                     "events": count,
                                                     "file": str(output) if output else "-"})
    if output:
        err.print(f"wrote {count} events to {output}")
