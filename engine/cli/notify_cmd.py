"""`liaison notify`: tell the SPOCs, without Prefect.

- `liaison notify --dry-run [--area A] [--as-of T]` prints what would be sent (writes nothing);
- `liaison notify send [--area A] [--as-of T]` records and sends, retrying what is due;
- `liaison notify log` shows deliveries and every attempt's outcome.

Exit codes: 0 done; 1 some delivery failed for good (`send`); 2 bad input or config.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:
    from engine.notify.run import Notifier, Outcome

app = typer.Typer(add_completion=False, invoke_without_command=True,
                  help="SPOC notifications: digests, alerts and escalations.")
AreaOpt = Annotated[list[str] | None, typer.Option(
    "--area", help="Only this area (repeatable; default: every area with instances).")]
AsOfOpt = Annotated[str | None, typer.Option(
    "--as-of", help="The instant the flags are judged at (ISO 8601 with offset; "
                    "default now). It decides which digests are due.")]


def _notifier(config_dir: Path, area: list[str] | None) -> Notifier:
    from engine.config import load_config
    from engine.notify.run import Notifier

    with store_errors():
        n = Notifier.load(load_config(config_dir))
    for a in area or []:
        if a not in n.cs.register:
            from engine.vocabulary import did_you_mean

            raise fail(f"--area {a!r} is not a police force area in the register"
                       f"{did_you_mean(a, n.cs.register)}")
    return n


def _print_plan(o: Outcome) -> None:
    from engine.notify.compose import subject, text_body
    from engine.notify.outbox import channel_name

    for p, content in o.messages:
        channels = ", ".join(channel_name(c) for c in p.recipient.channels)
        out.print(f"=== {p.kind} to {p.recipient.key} via {channels}", markup=False)
        out.print(f"Subject: {subject(content)}", markup=False)
        out.print(text_body(content), markup=False)
    kinds = {k: sum(p.kind == k for p, _ in o.messages) for k in ("alert", "digest",
                                                                  "escalation")}
    items = sum(len(p.items) for p, _ in o.messages)
    out.print(f"{len(o.messages)} message(s) ({kinds['alert']} alert, {kinds['digest']} "
              f"digest, {kinds['escalation']} escalation) with {items} item(s); "
              f"{len(o.baseline)} earlier flag(s) taken as already known; "
              f"{len(o.unroutable)} item(s) with no recipient", markup=False)


@app.callback()
def notify(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be sent.")] = False,
    area: AreaOpt = None, as_of: AsOfOpt = None, db: DbOpt = None,
    config_dir: ConfigDirOpt = Path("area_configs"),
) -> None:
    """Plan SPOC notices from the last sweep: --dry-run prints them; `send` sends."""
    if ctx.invoked_subcommand is not None:
        if dry_run:
            raise fail("--dry-run goes without a subcommand: `liaison notify --dry-run`")
        return
    if not dry_run:
        raise fail("say what to do: `liaison notify --dry-run`, `liaison notify send` or "
                   "`liaison notify log` (see `liaison notify --help`)")
    from engine.notify.run import preview

    n = _notifier(config_dir, area)
    instant = parse_as_of(as_of)
    with store_errors():
        o = preview(db, n, instant, area)
    _print_plan(o)


@app.command("send")
def send(
    area: AreaOpt = None, as_of: AsOfOpt = None, db: DbOpt = None,
    config_dir: ConfigDirOpt = Path("area_configs"), who: AsOpt = None, role: RoleOpt = None,
) -> None:
    """Record what is due and send it; retries earlier deliveries whose time has come."""
    from engine.notify.run import send as run_send

    n = _notifier(config_dir, area)
    instant = parse_as_of(as_of)
    with store_errors():
        o = run_send(db, n, instant, actor(who, role), area)
    items = sum(len(p.items) for p, _ in o.messages)
    tally = ", ".join(f"{k} {v}" for k, v in sorted(o.deliveries.items())) or "none due"
    out.print(f"{len(o.messages)} new message(s) with {items} item(s); "
              f"{len(o.baseline)} earlier flag(s) taken as already known; "
              f"deliveries: {tally}", markup=False)
    if o.unroutable:
        err.print(f"warning: {len(o.unroutable)} item(s) have no recipient "
                  "(see `liaison config validate`)", markup=False)
    if o.deliveries.get("failed"):
        raise typer.Exit(1)


@app.command("log")
def log(
    area: AreaOpt = None, db: DbOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100000)] = 200,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """Deliveries, newest first, with every attempt's outcome."""
    from engine.notify.outbox import log as read_log
    from engine.store import checked_engine, reading

    if fmt not in ("table", "json"):
        raise fail(f"--format {fmt!r} is not allowed (allowed: table | json)")
    with store_errors():
        with reading(checked_engine(db)) as conn:
            rows = read_log(conn, area, limit)
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=1) + "\n")
        return
    for r in rows:
        out.print(f"{r['created_at']}  {r['kind']:<10} {r['recipient']:<28} {r['channel']}  "
                  f"{r['state']}  [{', '.join(r['attempts']) or 'not yet tried'}]"
                  f"{'  ' + r['message_id'] if r['message_id'] else ''}"
                  f"{'  (' + r['last_error'] + ')' if r['last_error'] else ''}", markup=False)
    out.print(f"{len(rows)} deliver{'ies' if len(rows) != 1 else 'y'}", markup=False)
