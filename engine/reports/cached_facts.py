"""The facts the reports need, kept on disk for the next process (engine/config_cache.py
says where, under what key, and why a file can be trusted).

Why: after every `liaison sweep` the national snapshot is rebuilt, and its facts came
from loading and validating the whole configuration again: after a few new events that
was the largest fixed cost of the command. The facts depend only on what the
configuration's key covers (the files' bytes, today, the code).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel

from engine import config_cache as cache
from engine.config import load_config
from engine.reports.facts import Facts, facts_from
from engine.spec import StageRule, Template

KIND = "facts"
FORMAT = 1


class CachedFacts(BaseModel):
    """A `Facts` as JSON (all but `config_dir`, which is the caller's)."""

    format: int
    key: str
    stages: tuple[StageRule, ...]
    area_names: dict[str, str]
    cps_of: dict[str, tuple[str, ...]]
    cps_names: dict[str, str]
    national: Template
    templates: dict[str, Template]
    variants: dict[str, dict[str, str | None]]
    scrutiny_groups: dict[str, str]
    illustrative: list[str]


def facts_for(config_dir: Path) -> Facts:
    """`facts_from(load_config(config_dir))`, read back when an earlier process built the
    same (ConfigError, as load_config raises it, when the configuration has errors: only
    facts of a valid configuration are kept)."""
    today = date.today()
    key = cache.config_key(f"{KIND}/{FORMAT}", config_dir, today)
    body = cache.read(KIND, key)
    if body is not None:
        try:
            with cache.collector_paused():
                c = CachedFacts.model_validate_json(body)
            if c.format == FORMAT and c.key == key:
                return Facts(stages=c.stages, area_names=c.area_names, cps_of=c.cps_of,
                             cps_names=c.cps_names, national=c.national, templates=c.templates,
                             variants=c.variants, scrutiny_groups=c.scrutiny_groups,
                             illustrative=frozenset(c.illustrative), config_dir=config_dir)
        except Exception as exc:  # noqa: BLE001 - whatever a spoiled file raises, rebuild
            cache.ignored(KIND, key, exc)
    facts = facts_from(load_config(config_dir, today=today))
    if cache.cache_dir() is not None:
        cache.write(KIND, key, CachedFacts(
            format=FORMAT, key=key, stages=facts.stages, area_names=facts.area_names,
            cps_of=facts.cps_of, cps_names=facts.cps_names, national=facts.national,
            templates=facts.templates, variants=facts.variants,
            scrutiny_groups=facts.scrutiny_groups, illustrative=sorted(facts.illustrative),
        ).model_dump_json())
    return facts
