"""Notification checks for `liaison config validate`: the national notify file, areas
that loosen the escalation delay (errors), and owners whose notices would reach nobody
(warnings, one per area)."""

from __future__ import annotations

from pathlib import Path

from engine.config.build import ConfigSet
from engine.config.loader import read
from engine.errors import ConfigProblem
from engine.notify.routing import unroutable
from engine.notify.settings import area_problems, load_national_notify
from engine.spec import Owner


def area_owners(cs: ConfigSet, area: str) -> set[str]:
    """Every owner an instance of `area` can have; a prohibition's owner is the source of
    the violating event, so it stands for every source in the vocabulary."""
    tpl = cs.templates.get(area, cs.national)
    owners = {str(s.owner) for s in tpl.steps}
    if Owner.source in owners:
        owners = (owners - {Owner.source.value}) | set(cs.vocabulary.sources)
    return owners


def notify_problems(cs: ConfigSet) -> list[ConfigProblem]:
    national, problems = load_national_notify(cs.config_dir / "national")
    for area, built in sorted(cs.built.items()):
        if built.overlay is None:
            continue
        doc = read(Path(built.file))
        problems += area_problems(national, built.overlay, doc)
        lost = unroutable(area_owners(cs, area), area, built.overlay, national.national_contact)
        if lost:
            problems.append(doc.problem(
                ("spocs",),
                f"notices for owner{'s' * (len(lost) > 1)} {', '.join(lost)} reach nobody: "
                "no SPOC along the fallback chain (docs/config.md, Notifications)",
                "add the SPOC, a scrutiny_group.contact, or a national_contact in "
                "national/notify.yaml", at="key", severity="warning"))
    return problems
