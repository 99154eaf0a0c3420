"""The work queue ("Today") and the flags list: instances in a token's scope, in
sections, a page at a time (keyset), with counts per section and owner agency.

"Today" is the London day of the latest sweep's as-of: the verdicts on the page are
true of that instant, so the queue and the statuses it shows always agree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import HTTPException
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select

from engine.api import keyset
from engine.api.acks import acknowledged
from engine.calendar import LONDON, calendar_for, end_of_day, local_date, start_of_day
from engine.notify.flags import flag_id_of
from engine.reports import source, when, words
from engine.rules import Rules
from engine.store import VERDICT_COLUMNS, explain_rows, instances, reading, rules_for
from engine.terms import FAILED_STATUSES, FLAG_STATUSES

PAGE = 50
OPEN = ("due", "due_soon", "late", "missed", "violated")
FLAGGED = tuple(str(s) for s in FLAG_STATUSES)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    where: ColumnElement[bool]


@dataclass(frozen=True)
class Filters:
    """The list's filters, from the URL; None means any."""

    area: str | None = None
    owner: str | None = None
    step: str | None = None
    status: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


@dataclass
class Page:
    as_of: datetime
    sections: list[Section]
    rows: list[dict[str, Any]]
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (section, owner)
    next_cursor: str | None = None
    owners: list[str] = field(default_factory=list)

    def total(self, section: str) -> int:
        """Everything in a section, over all pages."""
        return sum(n for (key, _owner), n in self.counts.items() if key == section)


_c = instances.c
AT = func.coalesce(_c.due, _c.trigger_at, _c.evaluated_as_of)  # the row's sort instant
RANK = case(*((_c.owner == o, i) for i, o in enumerate(words.AGENCY_ORDER)),
            else_=len(words.AGENCY_ORDER))
CASE_KEY = func.coalesce(_c.case_id, "")


def queue_sections(as_of: datetime) -> list[Section]:
    """Due today and due soon; gone wrong since the start of the last working day before
    today; the rest of what is open or flagged."""
    today = local_date(as_of)
    calendar = calendar_for()
    last = today - timedelta(days=1)
    while not calendar.is_working_day(last):
        last -= timedelta(days=1)
    today_end, since = end_of_day(today), start_of_day(last)
    due_now = or_(_c.status == "due_soon", and_(_c.status == "due", AT <= today_end))
    wrong = _c.status.in_(FAILED_STATUSES)
    return [
        Section("today", "Due today and due soon", due_now),
        Section("recent", f"Late, missed or violated since {last:%A} {last.day} {last:%B}",
                and_(wrong, AT >= since)),
        Section("rest", "Everything else open or flagged",
                or_(and_(_c.status == "due", AT > today_end), and_(wrong, AT < since))),
    ]


FLAG_SECTIONS = [Section("flags", "Flagged instances, latest due first",
                         _c.status.in_(FLAGGED))]
# (name, descending) of each list's sort key: the queue groups by agency, then soonest
# first; the flags list shows the latest first. Names are the selected labels below.
QUEUE_ORDER = (("rank", False), ("at", False), ("ckey", False), ("id", False))
FLAG_ORDER = (("at", True), ("ckey", False), ("id", False))
KEY_EXPRS: dict[str, ColumnElement[Any]] = {"rank": RANK, "at": AT, "ckey": CASE_KEY,
                                            "id": _c.id}
KEY_KINDS: dict[str, type] = {"rank": int, "at": str, "ckey": str, "id": int}
DAMAGED = "the page link (parameter `after`) is damaged: go back to the first page"


def one_line(status: str, due: str | None, trigger_at: str | None) -> str:
    """The row's reason in a line; the explanation behind it has the rest."""
    return {"due_soon": f"Due {when(due)}, soon", "due": f"Due {when(due)}",
            "missed": f"Not done by {when(due)}", "late": f"Done after {when(due)}",
            "violated": f"Broken on {when(trigger_at or due)}"}.get(status, words.status(status))


def _local(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(LONDON).isoformat()


def _cursor_key(sections: int, order: tuple[tuple[str, bool], ...], cursor: str
                ) -> tuple[int, list[Any]]:
    """(section index, sort key) from a page link; a damaged link is a 400."""
    key = keyset.decode(cursor, [int, *(KEY_KINDS[name] for name, _ in order)])
    values: list[Any] = []
    for (name, _desc), value in zip(order, key[1:], strict=True):
        if name == "at":
            try:
                instant = datetime.fromisoformat(str(value))
            except ValueError:
                raise HTTPException(400, DAMAGED) from None
            if instant.tzinfo is None:
                raise HTTPException(400, DAMAGED)
            values.append(instant.astimezone(UTC))
        else:
            values.append(value)
    index = int(key[0])
    if not 0 <= index < sections:
        raise HTTPException(400, DAMAGED)
    return index, values


def read_page(engine: Any, scope: Select[Any], *, kind: str, cursor: str | None,
              limit: int = PAGE, rules: Rules | None = None) -> Page:
    """One page of `scope` (a select of instances already limited to the caller's
    scope and filters). `kind` is "queue" or "flags". The page's explanations are built
    on read with `rules` (default: those of ./area_configs and the store's deployments)."""
    rules = rules if rules is not None else rules_for(engine)
    with reading(engine) as conn:
        as_of = source.latest_as_of(conn) or datetime.now(UTC)
        sections = queue_sections(as_of) if kind == "queue" else FLAG_SECTIONS
        order = QUEUE_ORDER if kind == "queue" else FLAG_ORDER
        exprs = [KEY_EXPRS[name] for name, _ in order]
        start, key = (0, None) if not cursor else _cursor_key(len(sections), order, cursor)
        picked: list[tuple[int, Any]] = []
        # Sort the keys only, then read the page's rows by id: sorting whole rows costs
        # the database several times more.
        keys_only = scope.with_only_columns(_c.id, RANK.label("rank"), AT.label("at"),
                                            CASE_KEY.label("ckey"))
        for index in range(start, len(sections)):
            q = keys_only.where(sections[index].where)
            if key is not None and index == start:
                q = q.where(keyset.after(exprs, key, [d for _, d in order]))
            q = q.order_by(*(KEY_EXPRS[n].desc() if d else KEY_EXPRS[n] for n, d in order))
            q = q.limit(limit + 1 - len(picked))
            picked += [(index, r) for r in conn.execute(q)]
            if len(picked) > limit:
                break
        ids = [r.id for _, r in picked[:limit]]
        full = {r.id: r for r in conn.execute(select(*VERDICT_COLUMNS).where(_c.id.in_(ids)))}
        rows = [full[r.id] for _, r in picked[:limit]]
        explained = dict(zip([r.id for r in rows], explain_rows(conn, rows, rules),
                             strict=True))
        labels = case(*((s.where, s.key) for s in sections), else_="")
        counted = conn.execute(
            scope.with_only_columns(labels, _c.owner, func.count())
            .group_by(labels, _c.owner)).all()
    more = len(picked) > limit
    picked = picked[:limit]
    page = Page(as_of, sections, [_row(sections[i].key, full[r.id], explained[r.id])
                                  for i, r in picked])
    for key_, owner, n in counted:
        if key_:
            page.counts[(key_, owner)] += n
    page.owners = sorted({o for _, o in page.counts}, key=words.agency_rank)
    if more:
        i, last = picked[-1]
        values: list[str | int] = [i]
        for name, _ in order:
            v = getattr(last, name)
            values.append(v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v)
        page.next_cursor = keyset.encode(values)
    return page


def _row(section: str, r: Any, explanation: str) -> dict[str, Any]:
    due, trigger_at = _local(r.due), _local(r.trigger_at)
    return {"section": section, "flag_id": flag_id_of(r), "case_id": r.case_id,
            "area": r.area, "step": r.step,
            "status": r.status, "owner": r.owner, "severity": r.severity, "due": due,
            "trigger_at": trigger_at, "explanation": explanation,
            "reason": one_line(r.status, due, trigger_at)}


def scoped(areas: list[str], f: Filters, visible_steps: set[str] | None,
           statuses: tuple[str, ...] = OPEN) -> Select[Any]:
    """The instances the caller may see, narrowed by the filters."""
    q = select(instances).where(_c.area.in_(areas),
                                _c.status.in_([f.status] if f.status else statuses))
    for column, value in (("owner", f.owner), ("step", f.step)):
        if value:
            q = q.where(_c[column] == value)
    if visible_steps is not None:
        q = q.where(_c.step.in_(sorted(visible_steps)))
    return q


def read_for(reader: Any, request: Any, principal: Any, f: Filters, cursor: str | None,
             kind: str) -> Page:
    """A page of the queue or the flags for the principal: refused (and audited) as the
    API's flags read is; the read itself is audited with the cases it showed."""
    from engine.api.auth import audit, refuse
    from engine.api.roles import Role

    allowed = reader._case_reader(request, principal)
    if f.area is not None and f.area not in allowed:
        raise refuse(reader.engine, request, principal, 404, "area outside the token's scope",
                     area=f.area)
    areas = sorted({f.area} if f.area else allowed)
    visible: set[str] | None = None
    if principal.role is Role.isva_service:
        visible = set().union(*(reader.visible_steps(principal, a) or () for a in areas))
    statuses = OPEN if kind == "queue" else FLAGGED
    page = read_page(reader.engine, scoped(areas, f, visible, statuses), kind=kind,
                     cursor=cursor, rules=reader.rules())
    acked = acknowledged(reader.engine, areas)
    for row in page.rows:
        row["acknowledged"] = acked.get(row["flag_id"])
    audit(reader.engine, principal, f"dashboard.{kind}.read",
          {"path": request.url.path, "filters": f.as_dict(), "areas": areas,
           "instances": len(page.rows),
           "cases": sorted({r["case_id"] for r in page.rows if r["case_id"]})})
    return page
