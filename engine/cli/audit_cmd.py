"""`liaison audit`: check the audit log's hash chain, and ask who read a case.

- `liaison audit verify` exits 0 when the chain is whole (and prints its last id and
  hash, to note elsewhere), 1 naming the first entry that does not fit;
- `liaison audit who-read CASE_ID` lists every read that showed the case (itself an
  audited read of the log).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from engine.cli.store_common import AsOpt, DbOpt, RoleOpt, actor, fail, out, store_errors

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="The audit log: verify its hash chain; who read a case.")


@app.command("verify")
def verify(db: DbOpt = None) -> None:
    """Walk the hash chain; exit 1 naming the first broken entry."""
    from engine.store import checked_engine, reading
    from engine.store import verify_audit_chain as walk

    with store_errors():
        with reading(checked_engine(db)) as conn:
            verdict = walk(conn)
    if not verdict.intact:
        raise fail(f"audit log broken: {verdict.problem}", code=1)
    out.print(f"audit log intact: {verdict.entries} entries; last entry {verdict.last_id}, "
              f"hash {verdict.last_hash}")


@app.command("who-read")
def who_read(case_id: Annotated[str, typer.Argument(help="The case id.")], db: DbOpt = None,
             as_json: Annotated[bool, typer.Option("--json", help="JSON lines.")] = False,
             who: AsOpt = None, role: RoleOpt = None) -> None:
    """Who saw a case, when, and how (case read, flags page, scrutiny sample, export)."""
    from engine.calendar import LONDON
    from engine.store import checked_engine, record, writing
    from engine.store import who_read as reads_of

    with store_errors():
        by = actor(who, role)
        with writing(checked_engine(db)) as conn:
            reads = reads_of(conn, case_id)
            record(conn, by.who, by.role, "audit.who_read", {"case_id": case_id,
                                                             "reads": len(reads)})
    if as_json:
        for r in reads:
            out.print(json.dumps(r.to_json()), markup=False)
        return
    if not reads:
        out.print(f"no audited read showed {case_id}", markup=False)
    for r in reads:
        out.print(f"{r.at.astimezone(LONDON):%Y-%m-%d %H:%M:%S %Z}  {r.who} ({r.role})  "
                  f"{r.how}  [entry {r.entry}, {r.action}]", markup=False)
