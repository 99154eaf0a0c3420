"""What each role may read, as one service used by both the JSON API and the dashboard,
so a page can never show what the API would refuse."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import Engine, select

from engine.api.acks import acknowledged
from engine.api.auth import audit, refuse
from engine.api.roles import Principal, isva_related, matchers
from engine.notify.flags import flag_id_of
from engine.reports.board import build_board
from engine.reports.facts import Facts
from engine.reports.model import Report
from engine.reports.national import build_national
from engine.reports.words import Words
from engine.store.db import reading
from engine.store.reads import case_timeline, flag_json, flag_query
from engine.store.tables import audit_log, cases
from engine.terms import FLAG_STATUSES, Owner, Role, Severity

FLAG_LIMIT = 1000  # a page of flags; the caller pages on with `offset`


@dataclass(frozen=True)
class FlagFilter:
    """The flags view's filters; None means any."""

    area: str | None = None
    step: str | None = None
    status: str | None = None
    owner: str | None = None
    severity: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


class Reader:
    def __init__(self, engine: Engine, facts: Facts):
        self.engine = engine
        self.facts = facts
        self.words = Words(facts)

    # --- scope -------------------------------------------------------------------------

    def areas(self, principal: Principal) -> frozenset[str] | None:
        return principal.areas(self.facts.cps_of)

    def visible_steps(self, principal: Principal, area: str) -> frozenset[str] | None:
        """An ISVA service sees its area's ISVA-related steps only; others see all."""
        if principal.role is not Role.isva_service:
            return None
        return frozenset(s.id for s in self.facts.template(area).steps if isva_related(s))

    def _case_reader(self, request: Request, principal: Principal) -> frozenset[str]:
        if not principal.reads_cases:
            raise refuse(self.engine, request, principal, 403,
                         f"role {principal.role} reads aggregates only"
                         if principal.role is Role.national_lead
                         else f"role {principal.role} reads no case data")
        return self.areas(principal) or frozenset()

    # --- case-level reads ----------------------------------------------------------------

    def case(self, request: Request, principal: Principal, case_id: str) -> dict[str, Any]:
        allowed = self._case_reader(request, principal)
        with reading(self.engine) as conn:
            area = conn.execute(select(cases.c.area).where(cases.c.case_id == case_id)).scalar()
        if area is None or area not in allowed:
            # Another area's case is as invisible as a case that does not exist.
            raise refuse(self.engine, request, principal, 404,
                         "no such case" if area is None else "case outside the token's scope",
                         case_id=case_id)
        steps = self.visible_steps(principal, area)
        types = frozenset() if steps is None else frozenset(
            m.type for s in self.facts.template(area).steps if s.id in steps
            for m in matchers(s))
        with reading(self.engine) as conn:
            found = case_timeline(conn, case_id, steps, types)
        assert found is not None
        audit(self.engine, principal, "api.case.read", {"case_id": case_id, "area": area,
                                                        "path": request.url.path})
        return found

    def flags(self, request: Request, principal: Principal, f: FlagFilter,
              limit: int = FLAG_LIMIT, offset: int = 0) -> list[dict[str, Any]]:
        """Flagged instances in scope, oldest due first, one page of `limit` rows."""
        allowed = self._case_reader(request, principal)
        if f.area is not None and f.area not in allowed:
            raise refuse(self.engine, request, principal, 404, "area outside the token's scope",
                         area=f.area)
        areas = sorted({f.area} if f.area else allowed)
        steps = None
        if principal.role is Role.isva_service:
            steps = set().union(*(self.visible_steps(principal, a) or () for a in areas))
        q = flag_query(areas, [f.status] if f.status else None, f.owner, f.step, f.severity,
                       steps).limit(limit).offset(offset)
        with reading(self.engine) as conn:
            rows = conn.execute(q).all()
        acked = acknowledged(self.engine, areas)
        out = [{"flag_id": (fid := flag_id_of(r)), **flag_json(r), "acknowledged": acked.get(fid)}
               for r in rows]
        audit(self.engine, principal, "api.flags.read",
              {"path": request.url.path, "filters": f.as_dict(), "areas": areas,
               "offset": offset,
               "instances": len(out), "cases": sorted({r["case_id"] for r in out
                                                        if r["case_id"]})})
        return out

    # --- aggregates ------------------------------------------------------------------------

    def board(self, request: Request, principal: Principal) -> Report:
        if principal.role is Role.auditor:
            raise refuse(self.engine, request, principal, 403, "auditors read the audit log")
        areas = self.areas(principal)
        label = ("all areas" if areas is None else
                 self.facts.cps_names.get(principal.cps_area or "", principal.scope))
        return build_board(self.engine, self.facts, areas,
                           suppress=principal.role is Role.national_lead, scope_label=label)

    def national(self, request: Request, principal: Principal,
                 cell_link: Callable[[str, str], str] | None = None) -> Report:
        if principal.role is Role.auditor:
            raise refuse(self.engine, request, principal, 403, "auditors read the audit log")
        return build_national(self.engine, self.facts, cell_link=cell_link)

    def audit_entries(self, request: Request, principal: Principal,
                      limit: int = 200) -> list[dict[str, Any]]:
        if principal.role is not Role.auditor:
            raise refuse(self.engine, request, principal, 403, "only auditors read the audit log")
        with reading(self.engine) as conn:
            rows = conn.execute(select(audit_log).order_by(audit_log.c.id.desc())
                                .limit(limit)).all()
        audit(self.engine, principal, "api.audit.read", {"entries": len(rows)})
        return [{"id": r.id, "at": r.at.isoformat(), "who": r.who, "role": r.role,
                 "action": r.action, "detail": r.detail} for r in rows]


# A stored prohibition's owner is the violating event's source, never `source` itself.
FILTER_CHOICES = {"status": sorted(str(s) for s in FLAG_STATUSES),
                  "severity": [str(s) for s in Severity],
                  "owner": [str(o) for o in Owner if o is not Owner.source]}
