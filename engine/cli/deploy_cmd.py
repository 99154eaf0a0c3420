"""`liaison plan AREA`, `liaison deploy AREA`, `liaison history AREA` (contract §7)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

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
    store_errors,
)
from engine.cli.table import print_table

AreaArg = Annotated[str, typer.Argument(help="The area id, e.g. avon-and-somerset.")]
OverlayOpt = Annotated[Path | None, typer.Option(
    "--overlay", help="The overlay file (default: CONFIG_DIR/areas/AREA.yaml).")]
EffectiveOpt = Annotated[str | None, typer.Option(
    "--effective-from", help="YYYY-MM-DD: in force from 00:00 Europe/London that day "
    "(default: the overlay's effective_from).")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Evaluate open cases as of this "
                                             "RFC 3339 instant (default: now).")]
LIST_LIMIT = 50


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"--effective-from {text!r} is not a date YYYY-MM-DD") from None


def _show_plan(p: Any, limit: int = LIST_LIMIT) -> None:
    out.print(f"Plan for {p.area}: {p.file} as version {p.version}, in force from "
              f"{p.effective_from.date().isoformat()} (00:00 Europe/London)")
    out.print(f"{p.open_cases} open cases evaluated as of {p.as_of.isoformat()}: "
              f"{len(p.changes)} instances in {p.changed_cases} cases would change status; "
              f"{len(p.new_flags)} new flags")
    if not p.changes:
        return
    print_table(out, None, ("case", "step", "trigger event", "now", "then", "new flag"),
        [(c.case_id, c.step, c.trigger_event, c.before or "(none)", c.after or "(none)",
          "yes" if c.new_flag else "") for c in p.changes[:limit]],
        whole=("case", "trigger event", "now", "then"))
    if len(p.changes) > limit:
        out.print(f"... and {len(p.changes) - limit} more (--limit to show more)")


def plan(area: AreaArg, db: DbOpt = None, config_dir: ConfigDirOpt = Path("area_configs"),
         overlay: OverlayOpt = None, effective_from: EffectiveOpt = None, as_of: AsOfOpt = None,
         limit: Annotated[int, typer.Option("--limit", help="Changes to list.")] = LIST_LIMIT,
         ) -> None:
    """Show what deploying the area's overlay would change on its open cases: instances
    whose status would change and new flags, counted and listed."""
    from engine.deploy import plan as make_plan

    with store_errors():
        p = make_plan(db, area, config_dir, overlay, _date(effective_from), parse_as_of(as_of))
    _show_plan(p, limit)


def has_terminal() -> bool:
    """Whether a person can answer the confirmation (stdin is a terminal)."""
    return sys.stdin.isatty()


def deploy(area: AreaArg, db: DbOpt = None, config_dir: ConfigDirOpt = Path("area_configs"),
           overlay: OverlayOpt = None, effective_from: EffectiveOpt = None,
           as_of: AsOfOpt = None,
           yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
           who: AsOpt = None, role: RoleOpt = None) -> None:
    """Validate the area's overlay (refusing on any error), show the plan, ask, then record
    it as a new version with an audit entry. Verdicts already stored are not touched."""
    from engine.deploy import deploy as do_deploy
    from engine.deploy import plan as make_plan

    if not yes and not has_terminal():
        raise fail("deploy asks for confirmation and there is no terminal to ask on; "
                   "pass --yes to deploy without asking")
    acting = actor(who, role)
    with store_errors():
        p = make_plan(db, area, config_dir, overlay, _date(effective_from), parse_as_of(as_of))
    _show_plan(p)
    if not yes and not typer.confirm(f"Deploy {p.file} for {area}?", default=False, err=True):
        err.print("not deployed")
        raise typer.Exit(1)  # nothing deployed: a script must not read this as success
    with store_errors():
        done = do_deploy(db, area, acting, config_dir, overlay, planned=p)
    from engine.calendar import local_date

    out.print(f"deployed {area} version {done.version_id} ({p.version}), in force from "
              f"{local_date(p.effective_from).isoformat()}; run `liaison sweep` to apply it")


def history(area: AreaArg, db: DbOpt = None,
            fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table") -> None:
    """The area's deployed config versions, oldest first."""
    import json

    from engine.store import history as versions_of

    with store_errors():
        rows = versions_of(db, area)
    if fmt == "json":
        out.print_json(json.dumps([{
            "id": v.id, "area": v.area, "framework_version": v.framework_version,
            "effective_from": v.effective_from.isoformat(), "content_hash": v.content_hash,
            "deployed_by": v.deployed_by, "role": v.role,
            "deployed_at": v.deployed_at.isoformat()} for v in rows]))
        return
    if fmt != "table":
        raise fail(f"--format {fmt!r} is not allowed (allowed: table | json)")
    if not rows:
        out.print(f"{area}: no version deployed; the sweep uses the overlay file in the "
                  "config directory (or the national framework alone)")
        return
    from engine.calendar import LONDON, local_date

    print_table(out, f"{area}: deployed versions",
        ("version", "framework", "in force from", "hash", "deployed by", "role", "deployed at"),
        [(v.id, v.framework_version, local_date(v.effective_from).isoformat(),
          v.content_hash[:8], v.deployed_by, v.role,
          v.deployed_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M"))
         for v in rows],
        whole=("version", "in force from", "hash", "deployed at"))
