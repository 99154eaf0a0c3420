"""What is compiled from the configuration, kept on disk for the next process.

Why: loading the configuration parses and validates every YAML file and judges each
overlay against the national floor, a quarter of a second to a second and more on a
loaded machine, paid again by every process (a sweep, the national snapshot after it).
What is built from it depends only on the bytes of the config files, today's date (an
overlay without `effective_from` starts today; a derogation expires), the code, and
whatever else a caller adds to the key (the deployed versions, for the rules in force):
a change to any of them gives a new key, so a new file, never a stale one.

Why a file is safe to trust:
- its content is JSON that the caller reads back through its own pydantic models (no
  pickle: a cache file can never run code), and it records its key, which must match;
- only a regular file owned by this user and writable by no one else, in a directory
  likewise, is read; it is written to a private temporary file and renamed into place,
  so a reader never sees half of one;
- a file that cannot be read, parsed or validated is ignored and rebuilt; the only cost
  of a bad cache is the time it was meant to save.

Where: `$LIAISON_CACHE_DIR`, else `$XDG_CACHE_HOME/liaison`, else `~/.cache/liaison`.
`LIAISON_CACHE_DIR=` (empty) turns the cache off.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.util
import os
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path

import pydantic
import structlog

import engine

log = structlog.get_logger(__name__)

ENV = "LIAISON_CACHE_DIR"
KEEP = 16  # files kept per kind (one per key); the oldest beyond these are removed
MAX_BYTES = 64 << 20  # a larger file is not a cache this code wrote


def cache_dir() -> Path | None:
    """Where cache files go (None: turned off)."""
    configured = os.environ.get(ENV)
    if configured is not None:
        return Path(configured) if configured else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "liaison"
    try:
        return Path.home() / ".cache" / "liaison"
    except RuntimeError:  # no home directory (a service account): no cache, no error
        return None


@cache
def code_version() -> str:
    """A hash of the engine's source, the library that reads the files back and the one
    that knows the bank holidays: new code may build something else from the same files."""
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


def config_key(kind: str, config_dir: Path, today: date, extra: Sequence[str] = ()) -> str:
    """The key of what `kind` builds from `config_dir` on `today`, with `extra` (text the
    caller's result also depends on)."""
    h = hashlib.sha256(f"{kind}|{code_version()}|{config_dir}|{today.isoformat()}".encode())
    for path in config_files(config_dir):
        body = path.read_bytes()
        h.update(f"\0file\0{path.relative_to(config_dir).as_posix()}\0{len(body)}\0".encode())
        h.update(body)
    for text in extra:
        h.update(f"\0extra\0{len(text)}\0".encode())
        h.update(text.encode("utf-8"))
    return h.hexdigest()


def _safe(st: os.stat_result) -> bool:
    """Owned by this user and writable by no one else (never, where ownership cannot be
    told: the cache is then neither read nor written)."""
    euid = getattr(os, "geteuid", None)
    return euid is not None and st.st_uid == euid() \
        and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def cache_file(kind: str, key: str) -> Path | None:
    where = cache_dir()
    return None if where is None else where / f"{kind}-{key}.json"


def read(kind: str, key: str) -> bytes | None:
    """The bytes kept under `key`, when there is a file this user can trust."""
    path = cache_file(kind, key)
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
            return fh.read(MAX_BYTES + 1)
    except OSError as exc:
        log.info("cache file not read", file=str(path), reason=type(exc).__name__)
        return None


def write(kind: str, key: str, body: str) -> None:
    """Keep `body` under `key` (silently not, where the directory cannot be written)."""
    path = cache_file(kind, key)
    if path is None:
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _safe(path.parent.stat()):
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}-", suffix=".tmp", dir=path.parent)
        try:
            with open(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _prune(path.parent, kind)
    except OSError as exc:
        log.info("cache file not written", dir=str(path.parent), reason=str(exc))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Read a file back with the cyclic garbage collector paused: every object made from
    it stays alive, yet each few hundred of them would start a collection that walks the
    process's whole heap (a sweep process has polars and SQLAlchemy loaded). Reading the
    rules took about 40 ms that way and 4 ms without."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def ignored(kind: str, key: str, exc: Exception) -> None:
    """Say (at info) that a file was there but could not be used: it will be rebuilt."""
    log.info("cache file ignored", file=str(cache_file(kind, key)), reason=type(exc).__name__)


def _prune(where: Path, kind: str) -> None:
    """Keep the newest KEEP files of `kind` (a new key a day, and one per config change)."""
    found = []
    for p in where.glob(f"{kind}-*.json"):
        try:
            found.append((p.stat().st_mtime_ns, p))
        except OSError:
            continue
    for _mtime, p in sorted(found, reverse=True)[KEEP:]:
        p.unlink(missing_ok=True)
