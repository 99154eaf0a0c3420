"""One notifier run: read the flags, plan, record, deliver.

`preview` plans without writing (`liaison notify --dry-run`); `send` records the plan and
then delivers every pending delivery whose time has come, including retries of earlier
runs. The evaluation instant (`as_of`) decides what is due; the wall clock (`now`)
stamps the log and times the backoff.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from engine.calendar import calendar_for
from engine.config.build import ConfigSet
from engine.errors import ConfigError
from engine.notify import compose, outbox
from engine.notify.acks import acked_ids
from engine.notify.channels import (
    PermanentFailure,
    TemporaryFailure,
    parse_smtp_url,
    post_webhook,
    send_email,
)
from engine.notify.escalation import escalate
from engine.notify.flags import Flag, flag_id_of
from engine.notify.plan import AreaContext, Item, Planned, plan
from engine.notify.routing import escalation_route, route
from engine.notify.secrets import SecretError, lookup
from engine.notify.settings import NationalNotify, area_settings, load_national_notify
from engine.spec import DeadlineStep, Unit
from engine.store import (
    VERDICT_COLUMNS,
    Actor,
    checked_engine,
    events,
    explain_rows,
    instances,
    reading,
    rules_for,
    writing,
)
from engine.terms import FLAG_STATUSES

CANDIDATES = FLAG_STATUSES
LOOKAHEAD = timedelta(days=10)  # `due` instances further out cannot be due soon yet


@dataclass
class Notifier:
    """The configuration a run needs, loaded once."""

    cs: ConfigSet
    national: NationalNotify

    @classmethod
    def load(cls, cs: ConfigSet) -> Notifier:
        national, problems = load_national_notify(cs.config_dir / "national")
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise ConfigError(errors)
        return cls(cs, national)

    def overlay(self, area: str) -> Any:
        built = self.cs.built.get(area)
        return built.overlay if built is not None else None

    def context(self, area: str, started: bool) -> AreaContext:
        tpl = self.cs.templates.get(area, self.cs.national)
        return AreaContext(area_settings(self.national, self.overlay(area)),
                           calendar_for(tpl.extra_non_working_days), started)

    def secrets_file(self, area: str) -> str | None:
        return area_settings(self.national, self.overlay(area)).secrets_file


@dataclass
class Outcome:
    messages: list[tuple[Planned, dict[str, Any]]] = field(default_factory=list)
    baseline: list[Item] = field(default_factory=list)
    unroutable: list[Item] = field(default_factory=list)
    deliveries: Counter[str] = field(default_factory=Counter)


def read_flags(conn: Connection, n: Notifier, areas: Sequence[str], as_of: datetime
               ) -> tuple[list[Flag], dict[str, Any]]:
    """The candidate flags, their explanations still empty, and each one's stored row by
    flag id: only those a message carries are explained (`_explained`)."""
    q = (select(*VERDICT_COLUMNS, events.c.at.label("satisfied_at"))
         .outerjoin(events, events.c.event_id == instances.c.satisfied_by)
         .where(instances.c.area.in_(list(areas)),
                or_(instances.c.status.in_(CANDIDATES),
                    and_(instances.c.status == "due", instances.c.due <= as_of + LOOKAHEAD))))
    steps: dict[str, dict[str, Any]] = {}
    out = []
    rows: dict[str, Any] = {}
    for r in conn.execute(q):
        if r.area not in steps:
            tpl = n.cs.templates.get(r.area, n.cs.national)
            steps[r.area] = {s.id: s for s in tpl.steps}
        step = steps[r.area].get(r.step)
        title = step.title if step is not None else r.step
        hours = isinstance(step, DeadlineStep) and step.deadline.unit is Unit.hours
        changed = {"violated": r.trigger_at, "late": r.satisfied_at}.get(r.status) or r.due \
            or r.trigger_at or as_of
        flag = Flag(flag_id_of(r), r.area, r.case_id, r.step, title, r.status, r.owner,
                    r.severity, r.due, "", changed, hours)
        out.append(flag)
        rows[flag.flag_id] = r
    return out, rows


def _explained(conn: Connection, n: Notifier, messages: Sequence[Planned],
               rows: dict[str, Any]) -> list[Planned]:
    """The messages with each item's explanation built on read (one events query for
    all of them): a run may read thousands of flags but tells of a few."""
    ids = sorted({i.flag.flag_id for m in messages for i in m.items})
    texts = dict(zip(ids, explain_rows(conn, [rows[f] for f in ids],
                                       rules_for(conn.engine, n.cs.config_dir)), strict=True))
    return [replace(m, items=tuple(replace(i, flag=replace(
        i.flag, explanation=texts[i.flag.flag_id])) for i in m.items)) for m in messages]


def all_areas(conn: Connection) -> list[str]:
    return sorted(conn.execute(select(instances.c.area).distinct()).scalars())


def _plan(conn: Connection, n: Notifier, as_of: datetime, areas: Sequence[str]) -> Outcome:
    flags, rows = read_flags(conn, n, areas, as_of)
    begun = outbox.started(conn)
    ctx = {a: n.context(a, a in begun) for a in areas}
    sent = outbox.notified(conn, areas)
    acks = acked_ids(conn, areas)
    existing = outbox.message_keys(conn, areas) | outbox.message_keys(conn, ["national"])
    contact = n.national.national_contact
    p = plan(flags, as_of=as_of, areas=ctx,
             router=lambda owner, area: route(owner, area, n.overlay(area), contact),
             notified=set(sent), acked=acks, existing=existing)
    noticed = outbox.told(conn, areas)
    escalations = escalate(
        [(f, noticed[f.flag_id]) for f in flags if f.flag_id in noticed], as_of=as_of,
        areas=ctx, router=lambda level, area: escalation_route(level, area, n.overlay(area),
                                                               contact),
        notified=set(sent), acked=acks, existing=existing)
    out = Outcome(baseline=p.baseline, unroutable=p.unroutable)
    for m in _explained(conn, n, [*p.messages, *escalations], rows):
        left = p.acked_left_out.get(m.recipient.key, 0) if m.kind == "digest" else 0
        out.messages.append((m, compose.payload(m, as_of, n.national.dashboard_url, left)))
    return out


def preview(db_url: str | None, n: Notifier, as_of: datetime,
            areas: Sequence[str] | None = None) -> Outcome:
    """What `send` would record now (nothing is written)."""
    with reading(checked_engine(db_url)) as conn:
        return _plan(conn, n, as_of, list(areas) if areas else all_areas(conn))


def send(db_url: str | None, n: Notifier, as_of: datetime, actor: Actor,
         areas: Sequence[str] | None = None, now: datetime | None = None) -> Outcome:
    """Plan and record, then deliver whatever is due (this run's and earlier retries)."""
    now = now or datetime.now(UTC)
    eng = checked_engine(db_url)
    with writing(eng) as conn:
        chosen = list(areas) if areas else all_areas(conn)
        out = _plan(conn, n, as_of, chosen)
        outbox.record(conn, out.messages, out.baseline, chosen, as_of, now, actor.who,
                      actor.role)
    out.deliveries = deliver(db_url, n, actor, areas, now)
    return out


def deliver(db_url: str | None, n: Notifier, actor: Actor,
            areas: Sequence[str] | None = None, now: datetime | None = None) -> Counter[str]:
    """Attempt every pending delivery whose time has come; one outcome per attempt."""
    now = now or datetime.now(UTC)
    eng = checked_engine(db_url)
    counts: Counter[str] = Counter()
    with writing(eng) as conn:
        counts["interrupted"] = outbox.recover_interrupted(conn, now)
        due = outbox.due_deliveries(conn, now, areas)
    for d in due:
        with writing(eng) as conn:
            attempt_id = outbox.begin_attempt(conn, d, now)
        outcome, detail, mid = _attempt(n, d, now)
        with writing(eng) as conn:
            final = outbox.finish_attempt(conn, d, attempt_id, outcome, detail, mid, now,
                                          n.national.retry, actor.who, actor.role)
        counts[final] += 1
    return +counts


def _attempt(n: Notifier, d: outbox.Due, now: datetime) -> tuple[str, str, str | None]:
    """One try over the wire: (outcome, detail, message id)."""
    kind, _, rest = d.channel.partition(":")
    timeout = n.national.timeout_seconds
    try:
        secrets_file = n.secrets_file(d.area)
        if kind == "email":
            url = lookup(n.national.smtp_secret, secrets_file)
            if url is None:
                raise TemporaryFailure(f"no SMTP server: set {n.national.smtp_secret}")
            msg = compose.email(d.content, d.message_key, n.national.sender, rest, now)
            reply = send_email(parse_smtp_url(url), msg, timeout)
            return "sent", reply, str(msg["Message-ID"])
        fmt, _, secret = rest.partition(":")
        hook = lookup(secret, secrets_file)
        if hook is None:
            raise TemporaryFailure(f"webhook URL secret {secret} is not set")
        body = compose.teams_card(d.content) if fmt == "teams" else d.content
        reply = post_webhook(hook, body, d.content["id"], timeout)
        return "sent", reply, d.content["id"]
    except TemporaryFailure as exc:
        return "retry", str(exc), None
    except (PermanentFailure, SecretError, ValueError) as exc:
        return "failed", str(exc), None


def as_files(out: Outcome, directory: Path) -> list[Path]:
    """Write each planned message as .txt, .html and .json (the demo's local sink)."""
    import json

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for p, content in out.messages:
        stem = p.key.replace(":", "_").replace("/", "_")
        for ext, text in (("txt", compose.text_body(content)),
                          ("html", compose.html_body(content)),
                          ("json", json.dumps(content, indent=2) + "\n")):
            path = directory / f"{stem}.{ext}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
