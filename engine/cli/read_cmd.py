"""`liaison flags`, `liaison case CASE_ID`, `liaison board`: reading the store.
Case-level reads are written to the audit log."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
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
from engine.cli.table import print_table

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
    "--as-of", help="Ageing up to this instant (default: the latest sweep's as-of).")]


def _allowed(values: object) -> str:
    return " | ".join(str(v) for v in values)  # type: ignore[attr-defined]


def flags(
    area: AreasOpt = None, owner: OwnerOpt = None, status: StatusOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json | csv")] = "table",
    db: DbOpt = None, who: AsOpt = None, role: RoleOpt = None,
    config_dir: ConfigDirOpt = Path("area_configs"),
) -> None:
    """Flagged step instances from the last sweep."""
    from engine.store import flags as read_flags
    from engine.terms import FLAG_STATUSES, Owner

    if fmt not in ("table", "json", "csv"):
        raise fail(f"--format {fmt!r} is not allowed (allowed: table | json | csv)")
    if area:
        from engine.config.national import load_national

        _check_areas(area, load_national(config_dir / "national").register)
    if owner is not None and owner not in {o.value for o in Owner}:
        raise fail(f"--owner {owner!r} is not allowed (allowed: {_allowed(Owner)})")
    for s in status or []:
        if s not in {x.value for x in FLAG_STATUSES}:  # `flags` lists flags: met is not one
            raise fail(f"--status {s!r} is not a flag status (allowed: "
                       f"{_allowed(FLAG_STATUSES)})")
    with store_errors():
        rows = read_flags(db, actor(who, role), area, owner, status, config_dir)
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=1) + "\n")
    elif fmt == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=list(FLAG_COLUMNS), extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    else:
        # A column the filters fixed to one value is left out to save width.
        shown = [c for c in ("case", "area", "step", "status", "due", "owner", "severity")
                 if not (c == "area" and area and len(area) == 1) and not (c == "owner" and owner)]
        cells = [{"case": r["case_id"] or "(area)", "area": r["area"], "step": r["step"],
                  "status": r["status"], "due": (r["due"] or "-")[:16].replace("T", " "),
                  "owner": r["owner"], "severity": r["severity"]} for r in rows]
        print_table(out, f"{len(rows)} flags", shown,
                                      [[c[k] for k in shown] for c in cells],
                                      whole=("case", "status", "due"))


def case(
    case_id: Annotated[str, typer.Argument(help="The case id (agency reference).")],
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    db: DbOpt = None, who: AsOpt = None, role: RoleOpt = None,
    config_dir: ConfigDirOpt = Path("area_configs"),
) -> None:
    """A case's timeline and every instance with its explanation (the case judged again
    as of the last sweep, by the rules of the store and the config directory)."""
    from engine.store import case_detail

    if fmt not in ("table", "json"):
        raise fail(f"--format {fmt!r} is not allowed (allowed: table | json)")
    with store_errors():
        detail = case_detail(db, case_id, actor(who, role), config_dir)
    if detail is None:
        raise fail(f"no case {case_id!r} in the store")
    if fmt == "json":
        sys.stdout.write(json.dumps(detail, indent=1) + "\n")
        return
    _print_case(detail)


def _print_case(d: dict[str, Any]) -> None:
    swept = d["evaluated_as_of"]
    out.print(f"[bold]{d['case_id']}[/] ({d['area']}): stage {d['stage']}; "
              + (f"evaluated as of {swept}" if swept else "not yet swept"))
    print_table(out, "timeline", ("at", "event", "type", "source", "data"),
        [(e["at"][:16].replace("T", " "), e["event_id"], e["type"], e["source"],
          json.dumps(e["data"]) if e["data"] else "") for e in d["events"]],
        whole=("at", "event"))
    out.print(Text("instances", style="italic"))
    for i in d["instances"]:
        instance_line(out, i["step"], i["status"], i["owner"], i["due"], i["explanation"])


def board(
    area: AreaOpt = None, cps_area: CpsAreaOpt = None, as_of: BoardAsOfOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    db: DbOpt = None, config_dir: ConfigDirOpt = Path("area_configs"),
) -> None:
    """The stage board (the one `liaison report board`, the API and the dashboard show):
    open cases per stage in process order, working days in their current stage, and
    missed and due-soon instances by owner and area."""
    from engine.reports import build_board, facts_for
    from engine.store import checked_engine
    from engine.vocabulary import did_you_mean

    if area and cps_area:
        raise fail("give --area or --cps-area, not both")
    if fmt not in ("table", "json"):
        raise fail(f"--format {fmt!r} is not allowed (allowed: table | json)")
    with store_errors():
        facts = facts_for(config_dir)
    areas: list[str] | None = None
    label = "all areas"
    if area:
        _check_areas([area], facts.area_names)
        areas, label = [area], facts.area_names[area]
    elif cps_area:
        if cps_area not in facts.cps_names:
            raise fail(f"--cps-area {cps_area!r} is not a CPS Area"
                       f"{did_you_mean(cps_area, facts.cps_names)}")
        areas = sorted(a for a, cps in facts.cps_of.items() if cps_area in cps)
        label = facts.cps_names[cps_area]
    with store_errors():
        report = build_board(checked_engine(db), facts, areas,
                             parse_as_of(as_of) if as_of else None, scope_label=label)
    if fmt == "json":
        sys.stdout.write(json.dumps(report.data, indent=1) + "\n")
        return
    _print_board(report.data, facts.stages)


def _print_board(data: dict[str, Any], stages: Sequence[Any]) -> None:
    """Stages down the side in process order, under their labels: a board of ten stages
    across would not fit 80 columns."""
    totals = {s.id: sum(row[s.id] for row in data["by_area"].values()) for s in stages}
    ageing = data["ageing"]
    rows = [(s.name, totals[s.id], *((ageing[s.id]["median_wd"], ageing[s.id]["p90_wd"])
                                      if s.id in ageing else (None, None)))
            for s in stages]
    out.print(f"[bold]Stage board: {data['scope']}[/] as of {data['as_of']}")
    print_table(out, None, ("stage", "cases", "median WD in stage", "p90 WD"),
                                  rows, whole=("stage",))
    overdue = [(r["area"], r["owner"], r["missed"], r["due_soon"])
               for r in data["overdue_by_owner"]]
    print_table(out, "Missed and due soon, by area and owner",
                                  ("area", "owner", "missed", "due soon"),
                                  sorted(overdue), whole=("area",))


def _check_areas(areas: list[str], register: Mapping[str, object]) -> None:
    """A misspelt area is bad input (exit 2), not an empty answer."""
    from engine.vocabulary import did_you_mean

    for a in areas:
        if a not in register:
            raise fail(f"--area {a!r} is not a police force area in the register"
                       f"{did_you_mean(a, register)}")
