"""What each role may read, as one service used by both the JSON API and the dashboard,
so a page can never show what the API would refuse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException, Request
from sqlalchemy import Engine, select

from engine.api import keyset
from engine.api.acks import acknowledged
from engine.api.auth import audit, refuse
from engine.api.queue import AT, CASE_KEY
from engine.api.roles import Principal, isva_related, matchers
from engine.notify.flags import flag_id_of
from engine.reports import (
    Facts,
    Report,
    Snapshot,
    Words,
    build_board,
    build_national,
    national_snapshot,
)
from engine.rules import Rules
from engine.store import (
    audit_log,
    case_timeline,
    cases,
    flag_query,
    flags_json,
    instances,
    reading,
    rules_for,
)
from engine.terms import FLAG_STATUSES, Owner, Role, Severity

FLAG_PAGE = 100  # the default page of flags; the caller pages on with `after`
FLAG_LIMIT = 500  # the largest page
# Rows skipped at most: a larger offset was a 500 from the driver (past BIGINT), and a
# deep offset costs the database a scan of every row before it; page on with `after`.
MAX_OFFSET = 10_000


@dataclass(frozen=True)
class FlagPage:
    rows: list[dict[str, Any]]
    more: bool
    next: str | None  # the cursor of the next page


def _flag_key(cursor: str) -> list[Any]:
    """The sort key in a flags cursor: [instant, case key, id]; else a 400."""
    key = keyset.decode(cursor, [str, str, int])
    try:
        instant = datetime.fromisoformat(str(key[0]))
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise HTTPException(400, "the page link (parameter `after`) is damaged: go back to "
                                 "the first page")
    return [instant.astimezone(UTC), key[1], key[2]]


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

    def rules(self) -> Rules:
        """The rules cases are judged by again on read (cached until a deployment or a
        config file changes them)."""
        return rules_for(self.engine, self.facts.config_dir)

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
            found = case_timeline(conn, case_id, self.rules(), steps, types)
        assert found is not None
        audit(self.engine, principal, "api.case.read", {"case_id": case_id, "area": area})
        return found

    def flags(self, request: Request, principal: Principal, f: FlagFilter,
              limit: int = FLAG_PAGE, after: str | None = None, offset: int = 0) -> FlagPage:
        """Flagged instances in scope, oldest first (by due, else trigger, instant), one
        page of `limit` rows after the cursor `after` (keyset: a row added meanwhile never
        shifts a page), skipping `offset` rows first when asked."""
        allowed = self._case_reader(request, principal)
        if f.area is not None and f.area not in allowed:
            raise refuse(self.engine, request, principal, 404, "area outside the token's scope",
                         area=f.area)
        areas = sorted({f.area} if f.area else allowed)
        steps = None
        if principal.role is Role.isva_service:
            steps = set().union(*(self.visible_steps(principal, a) or () for a in areas))
        q = (flag_query(areas, [f.status] if f.status else None, f.owner, f.step, f.severity,
                        steps).order_by(None).add_columns(AT.label("at"), CASE_KEY.label("ckey")))
        if after:
            q = q.where(keyset.after([AT, CASE_KEY, instances.c.id], _flag_key(after),
                                     [False, False, False]))
        q = q.order_by(AT, CASE_KEY, instances.c.id).limit(limit + 1).offset(offset)
        rules = self.rules()
        with reading(self.engine) as conn:
            rows = conn.execute(q).all()
            more, rows = len(rows) > limit, rows[:limit]
            shown = flags_json(conn, rows, rules)
        acked = acknowledged(self.engine, areas)
        out = [{"flag_id": (fid := flag_id_of(r)), **j, "acknowledged": acked.get(fid)}
               for r, j in zip(rows, shown, strict=True)]
        last = rows[-1] if more else None
        cursor = None if last is None else keyset.encode(
            [last.at.astimezone(UTC).isoformat(), last.ckey, int(last.id)])
        # Compact: the page's case ids as one string, enough for `liaison audit who-read`.
        audit(self.engine, principal, "api.flags.read",
              {"filters": f.as_dict(), "after": after is not None, "offset": offset,
               "rows": len(out), "cases": " ".join(sorted({r["case_id"] for r in out
                                                           if r["case_id"]}))})
        return FlagPage(out, more, cursor)

    # --- aggregates ------------------------------------------------------------------------

    def board(self, request: Request, principal: Principal) -> Report:
        if principal.role is Role.auditor:
            raise refuse(self.engine, request, principal, 403, "auditors read the audit log")
        areas = self.areas(principal)
        label = ("all areas" if areas is None else
                 self.facts.cps_names.get(principal.cps_area or "", principal.scope))
        return build_board(self.engine, self.facts, areas,
                           suppress=principal.role is Role.national_lead, scope_label=label)

    def national_snapshot(self, request: Request, principal: Principal) -> Snapshot:
        """The stored national comparison (suppressed; written by the sweep and the
        report flow), for every role but the auditor."""
        if principal.role is Role.auditor:
            raise refuse(self.engine, request, principal, 403, "auditors read the audit log")
        return national_snapshot(self.engine, self.facts)

    def national(self, request: Request, principal: Principal, fresh: bool = False) -> Report:
        """The comparison as a report: the snapshot's, or built now from the store
        (`fresh`: the dashboard's, whose heat map links to the flags of this moment)."""
        if not fresh:
            return self.national_snapshot(request, principal).report()
        if principal.role is Role.auditor:
            raise refuse(self.engine, request, principal, 403, "auditors read the audit log")
        return build_national(self.engine, self.facts, heat_map=False)

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
