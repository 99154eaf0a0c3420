"""The rules in force, compiled once and kept on disk for the next process.

Why: building them parses and validates every YAML file of the configuration and judges
each overlay against the national floor, a quarter of a second to a second and more on a
loaded machine, paid again by every process that sweeps. After a few new events that is
most of what an incremental sweep costs. The rules depend only on the bytes of the
config files, the deployed versions, today's date (an overlay without `effective_from`
starts today; a derogation expires) and the code, so they are kept under a key hashing
all of these: a changed file, deployment, day or code gives a new key and a rebuild.

Why this is safe to trust:
- the file is JSON read back through the rules' own pydantic models (no pickle: a cache
  file can never run code), and it records its key, which must match;
- only a regular file owned by this user and writable by no one else, in a directory
  likewise, is read; it is written to a private temporary file and renamed into place,
  so a reader never sees half of one;
- a file that cannot be read, parsed or validated is ignored and rebuilt; the only cost
  of a bad cache is the time it was meant to save.

The file also holds England and Wales bank holidays for the years events may fall in, so
a process judging with cached rules need not import the `holidays` package's country
tables either (engine/calendar.py); the package's version is part of the key.

Where: `$LIAISON_CACHE_DIR`, else `$XDG_CACHE_HOME/liaison`, else `~/.cache/liaison`.
`LIAISON_CACHE_DIR=` (empty) turns the cache off.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import stat
import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path

import pydantic
import structlog
from pydantic import BaseModel, ValidationError

import engine
from engine.calendar import adopt_bank_holidays, bank_holiday_table
from engine.rules import Rules, TemplateHistory
from engine.spec import StageRule, Template

log = structlog.get_logger(__name__)

ENV = "LIAISON_CACHE_DIR"
FORMAT = 1
KEEP = 16  # cache files kept (one per key); the oldest beyond these are removed
MAX_BYTES = 64 << 20  # a larger file is not a cache this code wrote
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


def cache_dir() -> Path | None:
    """Where cache files go (None: turned off)."""
    configured = os.environ.get(ENV)
    if configured is not None:
        return Path(configured) if configured else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "liaison"


@cache
def code_version() -> str:
    """A hash of the engine's source, the library that reads the file back and the one
    that knows the bank holidays: new code may build other rules from the same files."""
    h = hashlib.sha256(f"{sys.version}|{pydantic.VERSION}".encode())
    root = Path(engine.__file__).parent
    spec = importlib.util.find_spec("holidays")  # found, not imported (that is slow)
    places = list(spec.submodule_search_locations or []) if spec else []
    for path in [*(Path(p) / "version.py" for p in places), *sorted(root.rglob("*.py"))]:
        body = path.read_bytes()
        h.update(f"\0{path}\0{len(body)}\0".encode())
        h.update(body)
    return h.hexdigest()


def config_files(config_dir: Path) -> list[Path]:
    """Every file the configuration is loaded from (engine.config.load_config)."""
    national = config_dir / "national"
    files = sorted(p for p in national.iterdir() if p.is_file()) if national.is_dir() else []
    return files + sorted((config_dir / "areas").glob("*.yaml"))


def rules_key(config_dir: Path, today: date, deployed: Sequence[str]) -> str:
    """The key of the rules built from `config_dir` on `today` with `deployed` (each
    deployed version as text holding every field the rules are built from)."""
    h = hashlib.sha256(f"{FORMAT}|{code_version()}|{config_dir}|{today.isoformat()}".encode())
    for path in config_files(config_dir):
        body = path.read_bytes()
        h.update(f"\0file\0{path.relative_to(config_dir).as_posix()}\0{len(body)}\0".encode())
        h.update(body)
    for text in deployed:
        h.update(f"\0deployed\0{len(text)}\0".encode())
        h.update(text.encode("utf-8"))
    return h.hexdigest()


def _safe(st: os.stat_result) -> bool:
    """Owned by this user and writable by no one else."""
    return st.st_uid == os.geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _file(key: str) -> Path | None:
    where = cache_dir()
    return None if where is None else where / f"rules-{key}.json"


def load(key: str) -> tuple[Rules, dict[str, str], dict[str, str]] | None:
    """(rules, stale, skipped) cached under `key`, or None (no usable file)."""
    path = _file(key)
    if path is None:
        return None
    try:
        if not _safe(path.parent.stat()):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with open(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode) or not _safe(st) or st.st_size > MAX_BYTES:
                return None
            body = fh.read(MAX_BYTES + 1)
        cached = CachedRules.model_validate_json(body)
        if cached.format != FORMAT or cached.key != key:
            return None
        history = [TemplateHistory([cached.templates[i] for i in refs])
                   for refs in cached.histories.values()]
        rules = Rules(cached.stages, dict(zip(cached.histories, history, strict=True)),
                      TemplateHistory([cached.templates[cached.national]]))
        adopt_bank_holidays(cached.bank_holidays)
        return rules, cached.stale, cached.skipped
    except (OSError, ValueError, IndexError, ValidationError) as exc:
        log.info("rules cache file ignored", file=str(path), reason=type(exc).__name__)
        return None


def save(key: str, rules: Rules, stale: dict[str, str], skipped: dict[str, str]) -> None:
    """Keep `rules` under `key` (silently not, where the directory cannot be written)."""
    path = _file(key)
    if path is None:
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
    body = CachedRules(format=FORMAT, key=key, templates=templates, stages=rules.stages,
                       national=national, histories=histories, stale=stale, skipped=skipped,
                       bank_holidays={y: sorted(days) for y, days in
                                      bank_holiday_table(HOLIDAY_YEARS).items()}
                       ).model_dump_json()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _safe(path.parent.stat()):
            return
        fd, tmp = tempfile.mkstemp(prefix=".rules-", suffix=".tmp", dir=path.parent)
        try:
            with open(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _prune(path.parent)
    except OSError as exc:
        log.info("rules cache not written", dir=str(path.parent), reason=str(exc))


def _prune(where: Path) -> None:
    """Keep the newest KEEP cache files (a new key a day, and one per config change)."""
    found = []
    for p in where.glob("rules-*.json"):
        try:
            found.append((p.stat().st_mtime_ns, p))
        except OSError:
            continue
    for _mtime, p in sorted(found, reverse=True)[KEEP:]:
        p.unlink(missing_ok=True)
