"""Deploying an area's overlay as a version (contract §7): plan, deploy, history.

`plan` evaluates the area's open cases twice, with the rules in force and with the
candidate added, and lists the instances whose status would change and the new flags.
`deploy` refuses a config with errors, records the version and an audit entry in one
transaction, and never touches stored verdicts: instances are judged by the template in
force at their trigger, so those triggered before the new `effective_from` keep theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import or_, select, update

from engine.calendar import local_date, start_of_day
from engine.errors import Refused
from engine.store import (
    Actor,
    Version,
    build_rules,
    candidate_template,
    cases,
    checked_engine,
    config_versions,
    content_hash,
    deployed_versions,
    events,
    load_config_set,
    reading,
    record,
    writing,
)
from engine.sweep import PAGE_CASES, events_of
from engine.terms import FLAG_STATUSES
from engine.vocabulary import did_you_mean

log = structlog.get_logger(__name__)


class DeployRefused(Refused):
    """The candidate cannot be deployed (config errors are raised as ConfigError)."""


@dataclass(frozen=True)
class VerdictChange:
    """One instance whose verdict differs with the candidate (None: absent on that side)."""

    case_id: str
    step: str
    trigger_event: str | None
    before: str | None
    after: str | None

    @property
    def new_flag(self) -> bool:
        return self.after in FLAG_STATUSES and self.before not in FLAG_STATUSES


@dataclass(frozen=True)
class Plan:
    area: str
    file: str
    effective_from: datetime
    content_hash: str
    framework_version: str
    version: str
    as_of: datetime
    open_cases: int
    changes: tuple[VerdictChange, ...]
    template: str = ""  # the candidate's resolved template, JSON: stored with the version

    @property
    def new_flags(self) -> tuple[VerdictChange, ...]:
        return tuple(c for c in self.changes if c.new_flag)

    @property
    def changed_cases(self) -> int:
        return len({c.case_id for c in self.changes})


@dataclass(frozen=True)
class Deployed:
    version_id: int
    plan: Plan


def overlay_path(config_dir: Path, area: str) -> Path:
    return config_dir / "areas" / f"{area}.yaml"


def plan(db_url: str | None, area: str, config_dir: Path = Path("area_configs"),
         overlay: Path | None = None, effective_from: date | None = None,
         as_of: datetime | None = None) -> Plan:
    """What deploying the overlay would change on the area's open cases as of `as_of`
    (default now). Raises ConfigError when the candidate has errors and DeployRefused
    when its `effective_from` does not come after the latest deployed version."""
    eng = checked_engine(db_url)
    as_of = as_of or datetime.now(UTC)
    path = overlay or overlay_path(config_dir, area)
    config_set = load_config_set(config_dir)
    if area not in config_set.register:
        raise DeployRefused(f"{area!r} is not a police force area in the register"
                            f"{did_you_mean(area, config_set.register)}")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DeployRefused(f"{path}: cannot be read ({exc.strerror}); an area is deployed from "
                            f"its overlay file (give --overlay for another path)") from exc
    start = start_of_day(effective_from) if effective_from else None
    candidate = candidate_template(config_set, text, str(path), start)
    if candidate.area != area:
        raise DeployRefused(f"{path} is the overlay of {candidate.area!r}, not {area!r}")
    with reading(eng) as conn:
        deployed = deployed_versions(conn)
    _check_order(area, candidate.effective_from, [v for v in deployed if v.area == area])
    before = build_rules(config_set, deployed)
    after = build_rules(config_set, deployed, extra={area: [candidate]})
    closed = [s.id for s in config_set.stages if s.closed]
    changes: list[VerdictChange] = []
    n_open = 0
    for page in _open_cases(eng, area, closed):
        evs = events_of(eng, page)
        for cid in page:
            in_force = [e for e in evs.get(cid, []) if e.at <= as_of]
            if not in_force:
                continue
            n_open += 1
            changes.extend(_compare(cid, before.rules, after.rules, in_force, as_of))
    return Plan(area, str(path), candidate.effective_from, content_hash(text),
                candidate.framework_version, candidate.version, as_of, n_open, tuple(changes),
                candidate.model_dump_json())


def _check_order(area: str, start: datetime, earlier: list[Version]) -> None:
    if earlier and start <= earlier[-1].effective_from:
        last = earlier[-1]
        raise DeployRefused(
            f"{area}: version {last.id} already takes effect from "
            f"{local_date(last.effective_from).isoformat()}; a new version must take effect after "
            f"it (give --effective-from), so that earlier verdicts are never rewritten")


def _open_cases(eng: Any, area: str, closed: list[str]) -> Iterator[list[str]]:
    last = ""
    while True:
        with reading(eng) as conn:
            page = list(conn.execute(
                select(cases.c.case_id).where(
                    cases.c.area == area, cases.c.case_id > last,
                    or_(cases.c.stage.is_(None), cases.c.stage.not_in(closed)))
                .order_by(cases.c.case_id).limit(PAGE_CASES)).scalars())
        if not page:
            return
        yield page
        last = page[-1]


def _compare(case_id: str, before: Any, after: Any, evs: list[Any], as_of: datetime
             ) -> list[VerdictChange]:
    """The case's instances whose verdict differs (the plan's shared replay)."""
    from engine.plan.replay import replay_case

    return [VerdictChange(case_id, v.step, v.trigger_event, v.before, v.after)
            for v in replay_case(before, after, evs, as_of) if v.changed]


def deploy(db_url: str | None, area: str, actor: Actor, config_dir: Path = Path("area_configs"),
           overlay: Path | None = None, effective_from: date | None = None,
           as_of: datetime | None = None, planned: Plan | None = None) -> Deployed:
    """Record the candidate as a new version of the area, with its audit entry, in one
    transaction. `planned` is the plan already shown to the user (else one is made)."""
    p = planned or plan(db_url, area, config_dir, overlay, effective_from, as_of)
    text = Path(p.file).read_text(encoding="utf-8")
    if content_hash(text) != p.content_hash:
        raise DeployRefused(f"{p.file} changed since the plan was made; plan again")
    eng = checked_engine(db_url)
    with writing(eng) as conn:
        _check_order(area, p.effective_from, deployed_versions(conn, area))
        vid = conn.execute(config_versions.insert().values(
            area=area, framework_version=p.framework_version, effective_from=p.effective_from,
            content_hash=p.content_hash, yaml=text, deployed_by=actor.who, role=actor.role,
            deployed_at=datetime.now(UTC), template=p.template or None,
        ).returning(config_versions.c.id)).scalar_one()
        # Cases that ever had an event in the area are judged partly by its templates:
        # mark them for the next incremental sweep (their stored verdicts stay as they are).
        conn.execute(update(cases).where(cases.c.case_id.in_(
            select(events.c.case_id).where(events.c.area == area, events.c.case_id.is_not(None))
        )).values(rules_key=None))
        record(conn, actor.who, actor.role, "config.deploy", {
            "area": area, "version_id": vid, "effective_from": p.effective_from.isoformat(),
            "content_hash": p.content_hash, "framework_version": p.framework_version,
            "file": p.file, "open_cases": p.open_cases, "changes": len(p.changes),
            "new_flags": len(p.new_flags)})
    log.info("deployed", area=area, version_id=vid, effective_from=p.effective_from.isoformat())
    return Deployed(vid, p)
