"""The rules in force, compiled once and kept on disk for the next process
(engine/config_cache.py says where, under what key, and why a file can be trusted).

Why: building them parses and validates every YAML file of the configuration and judges
each overlay against the national floor, which after a few new events was most of what
an incremental sweep cost. Their key adds the deployed versions to the configuration's.

The file also holds England and Wales bank holidays for the years events may fall in, so
a process judging with cached rules need not import the `holidays` package's country
tables either (engine/calendar.py); the package's version is part of the key.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from engine import config_cache as cache
from engine.calendar import adopt_bank_holidays, bank_holiday_table
from engine.rules import Rules, TemplateHistory
from engine.spec import StageRule, Template

KIND = "rules"
FORMAT = 1
HOLIDAY_YEARS = range(1990, 2100)  # the years an event may fall in (contract §3)


class CachedRules(BaseModel):
    """The file's content: each distinct template once, areas naming theirs by index (the
    national framework is shared by every area, and compiled once per object)."""

    format: int
    key: str
    templates: list[Template]
    stages: tuple[StageRule, ...]
    national: int
    histories: dict[str, list[int]]
    stale: dict[str, str]
    skipped: dict[str, str]
    bank_holidays: dict[int, list[date]]


def rules_key(config_dir: Path, today: date, deployed: Sequence[str]) -> str:
    """The key of the rules built from `config_dir` on `today` with `deployed` (each
    deployed version as text holding every field the rules are built from)."""
    return cache.config_key(f"{KIND}/{FORMAT}", config_dir, today, deployed)


def load(key: str) -> tuple[Rules, dict[str, str], dict[str, str]] | None:
    """(rules, stale, skipped) cached under `key`, or None (no usable file)."""
    body = cache.read(KIND, key)
    if body is None:
        return None
    try:
        with cache.collector_paused():
            cached = CachedRules.model_validate_json(body)
        if cached.format != FORMAT or cached.key != key:
            return None
        history = [TemplateHistory([cached.templates[i] for i in refs])
                   for refs in cached.histories.values()]
        rules = Rules(cached.stages, dict(zip(cached.histories, history, strict=True)),
                      TemplateHistory([cached.templates[cached.national]]))
    except Exception as exc:  # noqa: BLE001 - whatever a spoiled file raises, rebuild
        cache.ignored(KIND, key, exc)
        return None
    adopt_bank_holidays(cached.bank_holidays)
    return rules, cached.stale, cached.skipped


def save(key: str, rules: Rules, stale: dict[str, str], skipped: dict[str, str]) -> None:
    """Keep `rules` under `key` (silently not, where the directory cannot be written)."""
    if cache.cache_dir() is None:
        return
    index: dict[int, int] = {}
    templates: list[Template] = []

    def ref(t: Template) -> int:
        if id(t) not in index:
            index[id(t)] = len(templates)
            templates.append(t)
        return index[id(t)]

    national = ref(rules.fallback.latest)
    histories = {a: [ref(t) for t in rules.history(a).templates] for a in rules.areas}
    cache.write(KIND, key, CachedRules(
        format=FORMAT, key=key, templates=templates, stages=rules.stages, national=national,
        histories=histories, stale=stale, skipped=skipped,
        bank_holidays={y: sorted(days) for y, days in bank_holiday_table(HOLIDAY_YEARS).items()},
    ).model_dump_json())
