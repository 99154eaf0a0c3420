"""`liaison flags`, `liaison case CASE_ID`, `liaison board`: reading the store.
Case-level reads are written to the audit log."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Column, Table
from rich.text import Text

from engine.cli.render import instance_line
from engine.cli.store_common import (
    AsOpt,
    ConfigDirOpt,
    DbOpt,
    RoleOpt,
    actor,
    fail,
    out,
    parse_as_of,
    store_errors,
)

FLAG_COLUMNS = ("case_id", "area", "step", "status", "due", "owner", "severity",
                "trigger_event", "satisfied_by", "version", "explanation")


AreasOpt = Annotated[list[str] | None, typer.Option("--area", help="Only this area (repeatable).")]
OwnerOpt = Annotated[str | None, typer.Option(
    "--owner", help="police | cps | wcu | isva | probation | area | source")]
StatusOpt = Annotated[list[str] | None, typer.Option(
    "--status", help="late | missed | due_soon | violated (repeatable; default: all four).")]
AreaOpt = Annotated[str | None, typer.Option("--area", help="One police force area.")]
CpsAreaOpt = Annotated[str | None, typer.Option("--cps-area", help="The forces of one CPS Area.")]
BoardAsOfOpt = Annotated[str | None, typer.Option(
    "--as-of", help="Ageing up to this instant (default: now).")]


def _allowed(values: object) -> str:
    return " | ".join(str(v) for v in values)  # type: ignore[attr-defined]


def flags(
    area: AreasOpt = None, owner: OwnerOpt = None, status: StatusOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json | csv")] = "table",
    db: DbOpt = None, who: AsOpt = None, role: RoleOpt = None,
    config_dir: ConfigDirOpt = Path("area_configs"),
) -> None:
    """Flagged step instances from the last sweep."""
    from engine.store.reads import flags as read_flags
    from engine.terms import Owner, Status

    if fmt not in ("table", "json", "csv"):
        raise fail(f"--format {fmt!r} is not allowed (allowed: table | json | csv)")
    if area:
        from engine.config.national import load_national

        _check_areas(area, load_national(config_dir / "national").register)
    if owner is not None and owner not in {o.value for o in Owner}:
        raise fail(f"--owner {owner!r} is not allowed (allowed: {_allowed(Owner)})")
    for s in status or []:
        if s not in {x.value for x in Status}:
            raise fail(f"--status {s!r} is not allowed (allowed: {_allowed(Status)})")
    with store_errors():
        rows = read_flags(db, actor(who, role), area, owner, status)
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=1) + "\n")
    elif fmt == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=list(FLAG_COLUMNS), extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    else:
        # Ids, steps and dues are never cut (they are copied into `liaison case`); a
        # column the filters fixed to one value is left out to save width.
        shown = [c for c in ("case", "area", "step", "status", "due", "owner", "severity")
                 if not (c == "area" and area and len(area) == 1) and not (c == "owner" and owner)]
        table = Table(*(Column(c, no_wrap=c in ("case", "step", "status", "due")) for c in shown),
                      title=f"{len(rows)} flags", box=box.SIMPLE_HEAD)
        for r in rows:
            cells = {"case": r["case_id"] or "(area)", "area": r["area"], "step": r["step"],
                     "status": r["status"], "due": (r["due"] or "-")[:16].replace("T", " "),
                     "owner": r["owner"], "severity": r["severity"]}
            table.add_row(*(cells[c] for c in shown))
        out.print(table)


def case(
    case_id: Annotated[str, typer.Argument(help="The case id (agency reference).")],
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    db: DbOpt = None, who: AsOpt = None, role: RoleOpt = None,
) -> None:
    """A case's timeline and every instance with its explanation (as of the last sweep)."""
    from engine.store.reads import case_detail

    if fmt not in ("table", "json"):
        raise fail(f"--format {fmt!r} is not allowed (allowed: table | json)")
    with store_errors():
        detail = case_detail(db, case_id, actor(who, role))
    if detail is None:
        raise fail(f"no case {case_id!r} in the store")
    if fmt == "json":
        sys.stdout.write(json.dumps(detail, indent=1) + "\n")
        return
    _print_case(detail)


def _print_case(d: dict[str, Any]) -> None:
    out.print(f"[bold]{d['case_id']}[/] ({d['area']}): stage {d['stage'] or 'not yet swept'}; "
              f"evaluated as of {d['evaluated_as_of'] or '-'}")
    timeline = Table("at", "event", "type", "source", "area", "data", title="timeline")
    for e in d["events"]:
        timeline.add_row(e["at"][:16].replace("T", " "), e["event_id"], e["type"], e["source"],
                         e["area"], Text(json.dumps(e["data"])) if e["data"] else "")
    out.print(timeline)
    out.print(Text("instances", style="italic"), justify="center")
    for i in d["instances"]:
        instance_line(out, i["step"], i["status"], i["owner"], i["due"], i["explanation"])


def board(
    area: AreaOpt = None, cps_area: CpsAreaOpt = None, as_of: BoardAsOfOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    db: DbOpt = None, config_dir: ConfigDirOpt = Path("area_configs"),
) -> None:
    """Cases per stage with ageing (working days since the case's first event) and
    overdue counts (cases with a missed step, and missed steps)."""
    from dataclasses import asdict

    from engine.config.national import load_national
    from engine.store.reads import board as read_board
    from engine.vocabulary import did_you_mean

    if area and cps_area:
        raise fail("give --area or --cps-area, not both")
    national = load_national(config_dir / "national")
    areas: list[str] | None = None
    if area:
        _check_areas([area], national.register)
        areas = [area]
    elif cps_area:
        if cps_area not in national.cps_areas:
            raise fail(f"--cps-area {cps_area!r} is not a CPS Area"
                       f"{did_you_mean(cps_area, national.cps_areas)}")
        areas = sorted(a for a, info in national.register.items() if cps_area in info.cps_areas)
    with store_errors():
        rows = read_board(db, areas, parse_as_of(as_of))
    if fmt == "json":
        sys.stdout.write(json.dumps([asdict(r) for r in rows], indent=1) + "\n")
        return
    if fmt != "table":
        raise fail(f"--format {fmt!r} is not allowed (allowed: table | json)")
    table = Table("area", "stage", "cases", "median age (WD)", "max age (WD)", "overdue cases",
                  "overdue steps", title="stage board")
    for r in rows:
        table.add_row(r.area, r.stage, str(r.cases), f"{r.median_age_wd:g}", str(r.max_age_wd),
                      str(r.overdue_cases), str(r.overdue_steps))
    out.print(table)


def _check_areas(areas: list[str], register: Mapping[str, object]) -> None:
    """A misspelt area is bad input (exit 2), not an empty answer."""
    from engine.vocabulary import did_you_mean

    for a in areas:
        if a not in register:
            raise fail(f"--area {a!r} is not a police force area in the register"
                       f"{did_you_mean(a, register)}")
