"""Deployed config versions (contract §7) and the rules they add up to.

Which rules the sweep and `plan` use, per area:
- an area with none deployed: the overlay file in the config directory
  (`area_configs/areas/`), as `liaison check` uses it, or the national framework alone
  when there is no file;
- an area with deployed versions: the national framework from the beginning, the overlay
  file from its `effective_from` if that comes before the first deployed version (it is
  what judged those instances until then), then each deployed version from its own
  `effective_from`. So a first deployment taking effect later than the file never
  rewrites the verdicts the file gave (contract §7).

A deployed version is rebuilt from its YAML against the national framework in the config
directory. When that fails (the framework changed: a new version, a new floor), the
version's stored template is used, so the verdicts it gave stay what was deployed, and
the area is named as no longer meeting the floor until a new version is deployed. A
version that can be rebuilt neither way (deployed before templates were stored) has its
area skipped by the sweep and named; no area stops the others.

Each area's rules key (which decides what the incremental sweep re-evaluates) hashes its
templates' versions and the evaluator's SEMANTICS_VERSION, so an upgrade that changes
what the evaluator decides re-evaluates every case on its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from engine.errors import ConfigError
from engine.evaluate.semantics import SEMANTICS_VERSION
from engine.rules import Rules, TemplateHistory
from engine.spec import Template
from engine.store import rules_cache
from engine.store.db import reading
from engine.store.schema import checked_engine
from engine.store.tables import config_versions


@dataclass(frozen=True)
class Version:
    """One deployed version of an area's overlay."""

    id: int
    area: str
    framework_version: str
    effective_from: datetime
    content_hash: str
    yaml: str
    deployed_by: str
    role: str
    deployed_at: datetime
    template: str | None = None  # the resolved template as JSON (None before 0004)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def versions(conn: Connection, area: str | None = None) -> list[Version]:
    """Deployed versions, oldest `effective_from` first."""
    q = select(config_versions).order_by(config_versions.c.area, config_versions.c.effective_from)
    if area is not None:
        q = q.where(config_versions.c.area == area)
    return [Version(**dict(r._mapping)) for r in conn.execute(q)]


def history(db_url: str | None, area: str) -> list[Version]:
    """The area's deployed versions (for `liaison config history`)."""
    with reading(checked_engine(db_url)) as conn:
        return versions(conn, area)


def load_config_set(config_dir: Path, today: date | None = None) -> Any:
    """The validated configuration (raises engine.errors.ConfigError)."""
    from engine.config import load_config

    return load_config(config_dir, today=today)


def template_from_version(config_set: Any, v: Version, today: date | None = None) -> Template:
    """Rebuild a deployed version's template from its stored YAML, in force from the
    recorded `effective_from` (which `deploy --effective-from` may have set)."""
    return candidate_template(config_set, v.yaml, f"{v.area}.yaml (deployed v{v.id})",
                              v.effective_from, today)


def candidate_template(config_set: Any, text: str, file: str,
                       effective_from: datetime | None = None,
                       today: date | None = None) -> Template:
    """Resolve overlay text (ConfigError on any error), optionally from another instant."""
    from engine.config import build_template

    tpl: Template = build_template(config_set, text, file, today=today)
    if effective_from is not None and effective_from != tpl.effective_from:
        tpl = tpl.model_copy(update={"effective_from": effective_from})
    return tpl


@dataclass(frozen=True)
class StoreRules:
    """The rules in force, plus a key per area that changes whenever the area's
    templates change (a case judged under another key needs re-evaluating)."""

    rules: Rules
    keys: dict[str, str]
    national_key: str
    areas_with_templates: frozenset[str]
    # Areas whose deployed versions no longer meet the national framework: why. Their
    # stored templates are used (`stale`), or, when there is none, the area is skipped.
    stale: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def key(self, area: str) -> str:
        return self.keys.get(area, self.national_key)


def _key(templates: Sequence[Template]) -> str:
    text = "|".join([SEMANTICS_VERSION] + [f"{t.version}@{t.effective_from.isoformat()}"
                                          for t in templates])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _rebuilt(config_set: Any, v: Version, today: date | None
             ) -> tuple[Template | None, str | None]:
    """The version's template and, when it no longer builds against the national
    framework in force, why (the first error)."""
    try:
        return template_from_version(config_set, v, today), None
    except ConfigError as exc:
        why = f"deployed version {v.id} (framework {v.framework_version}) no longer " \
              f"validates: {str(exc).splitlines()[0] if str(exc) else 'configuration error'}"
    if v.template is None:
        return None, why
    return Template.model_validate_json(v.template), why


def build_rules(config_set: Any, deployed: list[Version],
                extra: dict[str, list[Template]] | None = None,
                today: date | None = None) -> StoreRules:
    """Rules from the national framework, each area's deployed versions (or its overlay
    file when nothing is deployed), and optional `extra` templates per area (a
    candidate being planned); `today` is the day overlays are judged on (default: now)."""
    national: Template = config_set.national
    by_area: dict[str, list[Template]] = {}
    stale: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for v in deployed:
        tpl, why = _rebuilt(config_set, v, today)
        if why is not None:
            (stale if tpl is not None else skipped).setdefault(v.area, why)
        if tpl is not None:
            by_area.setdefault(v.area, []).append(tpl)
    for area in skipped:
        by_area.pop(area, None)
        stale.pop(area, None)
    histories: dict[str, TemplateHistory] = {}
    areas = (set(by_area) | set(config_set.templates) | set(extra or {})) - set(skipped)
    for area in areas:
        if area in by_area:
            deployed_here = by_area[area]
            first = min(t.effective_from for t in deployed_here)
            file_tpl = config_set.templates.get(area)
            before = [file_tpl] if file_tpl is not None and file_tpl.effective_from < first else []
            templates = [national, *before, *deployed_here]
        else:
            templates = list(config_set.history(area).templates)
        templates += (extra or {}).get(area, [])
        histories[area] = TemplateHistory(templates)
    rules = Rules(config_set.stages, histories, TemplateHistory([national]))
    return store_rules(rules, stale, skipped)


def store_rules(rules: Rules, stale: dict[str, str], skipped: dict[str, str]) -> StoreRules:
    """The rules with each area's key (computed here, never cached: the key follows the
    evaluator's SEMANTICS_VERSION in this process)."""
    keys = {a: _key(rules.history(a).templates) for a in rules.areas}
    return StoreRules(rules, keys, _key(rules.fallback.templates), frozenset(keys), stale,
                      skipped)


@lru_cache(maxsize=4)
def _cached(db_url: str | None, config_dir: str, latest: int | None, count: int,
            files: tuple[tuple[str, int, int], ...]) -> StoreRules:
    with reading(checked_engine(db_url)) as conn:
        deployed = versions(conn)
    return compiled_rules(Path(config_dir), deployed)


def compiled_rules(config_dir: Path, deployed: list[Version]) -> StoreRules:
    """`build_rules` of the configuration and `deployed`, from the on-disk cache when an
    earlier process built the same (engine/store/rules_cache.py), else built and kept."""
    today = date.today()
    key = rules_cache.rules_key(config_dir, today, [_as_text(v) for v in deployed])
    hit = rules_cache.load(key)
    if hit is not None:
        return store_rules(*hit)
    built = build_rules(load_config_set(config_dir, today), deployed, today=today)
    rules_cache.save(key, built.rules, built.stale, built.skipped)
    return built


def _as_text(v: Version) -> str:
    """Every field of a deployed version that the rules are built from."""
    return "\0".join([str(v.id), v.area, v.framework_version, v.effective_from.isoformat(),
                      v.yaml, "" if v.template is None else "T" + v.template])


def _fingerprint(config_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and mtime of every config file: a national or overlay change in a
    long-running process (a served flow) must rebuild the rules, not reuse old ones."""
    out = []
    for path in sorted(config_dir.glob("*/*.yaml")):
        st = path.stat()
        out.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(out)


def rules_in_force(db_url: str | None, config_dir: Path = Path("area_configs")) -> StoreRules:
    """The rules in force now (cached per process until a new version is deployed or a
    config file changes)."""
    with reading(checked_engine(db_url)) as conn:
        latest, count = conn.execute(select(func.max(config_versions.c.id),
                                            func.count())).one()
    return _cached(db_url, str(config_dir.resolve()), latest, count, _fingerprint(config_dir))
