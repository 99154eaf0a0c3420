"""Acknowledging a flag (`POST /api/flags/{id}/ack` and the dashboard's button).

Rules: force and CPS unit tokens acknowledge their own area's flags of their own
agency's steps (engine.notify.acks.AGENCY_OWNERS); every other role gets 403; a flag
outside the token's areas, or no such flag, is 404 (the API does not confirm that another
area's flag exists). The reason is one of a fixed list, with no free text. Every
acknowledgement and every refusal is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, select

from engine.api.auth import refuse
from engine.api.roles import Principal
from engine.notify import acks
from engine.notify.flags import flag_id_of
from engine.store import VERDICT_COLUMNS, instances, reading, record, writing
from engine.terms import FLAG_STATUSES, Role

ACK_ROLES = frozenset({Role.force_data_team, Role.cps_unit})


class AckBody(BaseModel):
    """The request body: a reason from the fixed list, and nothing else."""

    model_config = ConfigDict(extra="forbid")
    reason: acks.AckReason


def _refuse(engine: Engine, request: Request, who: Principal, status: int, reason: str,
            flag_id: str) -> HTTPException:
    refuse(engine, request, who, status, reason, flag_id=flag_id)  # bounded in the audit
    detail = {403: "this token's role may not acknowledge this flag", 404: "not found",
              409: "this flag is already acknowledged"}[status]
    return HTTPException(status_code=status, detail=detail)


def find_flag(engine: Engine, areas: frozenset[str], flag_id: str) -> Any:
    """The flagged instance with this id in `areas`, or None."""
    if not areas:
        return None
    q = select(*VERDICT_COLUMNS).where(instances.c.area.in_(sorted(areas)),
                                instances.c.status.in_(sorted(FLAG_STATUSES)))
    with reading(engine) as conn:
        for r in conn.execute(q):
            if flag_id_of(r) == flag_id:
                return r
    return None


def acknowledge(engine: Engine, request: Request, who: Principal,
                areas: frozenset[str] | None, flag_id: str, reason: acks.AckReason
                ) -> dict[str, Any]:
    if who.role not in ACK_ROLES:
        raise _refuse(engine, request, who, 403, f"role {who.role} may not acknowledge",
                      flag_id)
    row = find_flag(engine, areas or frozenset(), flag_id)
    if row is None:
        raise _refuse(engine, request, who, 404, "no such flag in the token's scope", flag_id)
    if not acks.may_acknowledge(str(who.role), row.owner):
        raise _refuse(engine, request, who, 403,
                      f"owner {row.owner} is not the {who.role}'s agency", flag_id)
    ack = acks.Ack(flag_id, row.area, row.case_id, row.step, row.owner, str(reason),
                   who.name, str(who.role), datetime.now(UTC))
    with writing(engine) as conn:
        duplicate = acks.existing(conn, flag_id) is not None
        if not duplicate:
            acks.store(conn, ack)
            record(conn, who.name, str(who.role), "flag.ack",
                   {"flag_id": flag_id, "area": row.area, "case_id": row.case_id,
                    "step": row.step, "reason": str(reason)})
    if duplicate:  # refused outside the write transaction (the refusal is audited too)
        raise _refuse(engine, request, who, 409, "already acknowledged", flag_id)
    return ack.as_json()


def acknowledged(engine: Engine, areas: list[str]) -> dict[str, str]:
    """flag_id -> reason, for the flags view."""
    from engine.store import flag_acks

    with reading(engine) as conn:
        rows = conn.execute(select(flag_acks.c.flag_id, flag_acks.c.reason)
                            .where(flag_acks.c.area.in_(areas))).all()
    return {r.flag_id: r.reason for r in rows}
