"""Acknowledgements: a SPOC says what they did about a flag, from a fixed list of reasons
(no free text, so nothing personal can be typed into the store).

An acknowledged flag leaves digests and escalation; its status does not change, because
compliance is what the events say. `data_error` acknowledgements are counted on the board
as a data-quality figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, func, insert, select

from engine.store import flag_acks
from engine.terms import FLAG_STATUSES


class AckReason(StrEnum):
    actioned = "actioned"
    recorded_elsewhere = "recorded_elsewhere"
    data_error = "data_error"
    not_applicable = "not_applicable"


# Which instance owners each acknowledging role answers for ("their own agency's steps").
# A prohibition's owner is the source of the violating event, so a court or WCU event
# breach is the police's to acknowledge (WCUs are police-run in most areas).
AGENCY_OWNERS = {"force_data_team": frozenset({"police", "wcu", "court"}),
                 "cps_unit": frozenset({"cps"})}


def may_acknowledge(role: str, owner: str) -> bool:
    return owner in AGENCY_OWNERS.get(role, frozenset())


def is_flag(status: str) -> bool:
    return status in {str(s) for s in FLAG_STATUSES}


@dataclass(frozen=True)
class Ack:
    flag_id: str
    area: str
    case_id: str | None
    step: str
    owner: str
    reason: str
    who: str
    role: str
    at: datetime

    def as_json(self) -> dict[str, Any]:
        return {"flag_id": self.flag_id, "area": self.area, "case_id": self.case_id,
                "step": self.step, "owner": self.owner, "reason": self.reason,
                "by": self.who, "role": self.role, "at": self.at.isoformat()}


def acked_ids(conn: Connection, areas: Sequence[str]) -> set[str]:
    q = select(flag_acks.c.flag_id).where(flag_acks.c.area.in_(list(areas)))
    return set(conn.execute(q).scalars())


def existing(conn: Connection, flag_id: str) -> Ack | None:
    r = conn.execute(select(flag_acks).where(flag_acks.c.flag_id == flag_id)).first()
    return None if r is None else Ack(r.flag_id, r.area, r.case_id, r.step, r.owner, r.reason,
                                      r.who, r.role, r.at)


def store(conn: Connection, ack: Ack) -> None:
    conn.execute(insert(flag_acks).values(
        flag_id=ack.flag_id, area=ack.area, case_id=ack.case_id, step=ack.step,
        owner=ack.owner, reason=ack.reason, who=ack.who, role=ack.role, at=ack.at))


def data_errors(conn: Connection, areas: Sequence[str] | None) -> dict[str, int]:
    """Area -> flags acknowledged as `data_error` (the board's data-quality count)."""
    q = (select(flag_acks.c.area, func.count()).where(flag_acks.c.reason == "data_error")
         .group_by(flag_acks.c.area))
    if areas is not None:
        q = q.where(flag_acks.c.area.in_(list(areas)))
    return {a: int(n) for a, n in conn.execute(q)}
