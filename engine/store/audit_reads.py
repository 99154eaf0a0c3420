"""`who-read`: every audited read that showed a case, from the audit log alone.

A case is shown by a case read (API or CLI), by a page of flags that listed it, by a
scrutiny pack that sampled it, and by an export of its area (or of every area). List
reads record their case ids compactly (one space-separated string), so this answers for
them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Text, cast, or_, select

from engine.store.tables import audit_log, cases

CASE_READS = ("api.case.read", "case.read")
LIST_READS = ("api.flags.read", "report.scrutiny", "flags.read")
AREA_READS = ("export",)


@dataclass(frozen=True)
class Read:
    entry: int
    at: datetime
    who: str
    role: str
    action: str
    how: str

    def to_json(self) -> dict[str, Any]:
        return {"entry": self.entry, "at": self.at.isoformat(), "who": self.who,
                "role": self.role, "action": self.action, "how": self.how}


def listed_cases(detail: dict[str, Any]) -> set[str]:
    """The case ids a list read showed (a space-separated string, or an older list)."""
    value = detail.get("cases")
    if isinstance(value, str):
        return set(value.split())
    if isinstance(value, list):
        return {str(v) for v in value}
    return set()


def _how(action: str, detail: dict[str, Any], case_id: str, area: str | None) -> str | None:
    if action in CASE_READS:
        return "read the case" if detail.get("case_id") == case_id else None
    if action in LIST_READS:
        if case_id not in listed_cases(detail):
            return None
        return ("sampled it in a scrutiny pack" if action == "report.scrutiny"
                else "listed it among flags")
    if action in AREA_READS and (detail.get("area") in (None, area)):
        return f"exported {'every area' if detail.get('area') is None else area}"
    return None


def who_read(conn: Connection, case_id: str) -> list[Read]:
    """Every read that showed `case_id`, oldest first."""
    area = conn.execute(select(cases.c.area).where(cases.c.case_id == case_id)).scalar()
    pattern = "%" + case_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    q = (select(audit_log)
         .where(or_(audit_log.c.action.in_(AREA_READS),
                    audit_log.c.action.in_((*CASE_READS, *LIST_READS))
                    & cast(audit_log.c.detail, Text).like(pattern, escape="\\")))
         .order_by(audit_log.c.id))
    out = []
    for r in conn.execute(q):
        how = _how(r.action, r.detail if isinstance(r.detail, dict) else {}, case_id, area)
        if how:
            out.append(Read(r.id, r.at, r.who, r.role, r.action, how))
    return out
