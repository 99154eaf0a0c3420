"""The drop folder: where force systems leave event files for `ingest_flow`.

Layout (all inside the drop folder, so every move is a rename on one filesystem):

    drop/
      avon-and-somerset/2026-03-10.jsonl     a per-area subfolder, or
      dorset-2026-03-10.csv                  an area-named file at the top
      processing/...                         claimed by a run, not finished yet
      processed/...                          ingested (a rejects file beside it, if any)
      failed/...                             could not be read or ingested

A file's journey is claim (drop -> processing/) then finish (processing/ -> processed/
or failed/), each an atomic link-then-unlink that never overwrites: two runs racing for
one file cannot both claim it, and a name already taken gets a `~2`, `~3` suffix rather
than replacing an earlier file. A run that dies leaves its claims in processing/, and the
next run resumes them first; re-ingesting a file that was half done is harmless because
ingestion is idempotent by event_id. Writers should create files under a name starting
with `.` or ending in `.part`/`.tmp` and rename them when complete: those are ignored.

Plain filesystem code, no Prefect: the flow decides when, this module decides how.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path

PROCESSING = "processing"
PROCESSED = "processed"
FAILED = "failed"
RESERVED = frozenset({PROCESSING, PROCESSED, FAILED})
EVENT_SUFFIXES = (".jsonl", ".ndjson", ".csv")
IGNORED_SUFFIXES = (".part", ".tmp")
# Area ids are lowercase words joined by hyphens; a file name may add a date after it.
_AREA_PREFIX = re.compile(r"^[a-z]+(?:-[a-z]+)*")


@dataclass(frozen=True, slots=True)
class Claim:
    """A file this run owns: `path` is where it lies under processing/, `name` is its
    path relative to the drop folder as it was dropped (e.g. `dorset/a.jsonl`)."""

    path: str
    name: str
    area: str
    resumed: bool


def area_of(name: str) -> str:
    """The area a dropped file belongs to: its subfolder, else its name's area prefix.

    Only a label for grouping and reporting: each event carries its own area, which the
    engine validates."""
    parts = Path(name).parts
    if len(parts) > 1:
        return parts[0]
    match = _AREA_PREFIX.match(Path(name).name)
    return match.group(0) if match else Path(name).stem


def _is_event_file(path: Path) -> bool:
    name = path.name
    return (path.is_file() and not name.startswith(".")
            and not name.endswith(IGNORED_SUFFIXES)
            and name.lower().endswith(EVENT_SUFFIXES)
            and ".rejects." not in name)


def _free_name(directory: Path, name: str) -> Path:
    """`directory/name`, or `name~2`, `name~3`... before the suffix if taken."""
    candidate = directory / name
    base, dot, ext = name.partition(".")
    n = 2
    while candidate.exists() or candidate.is_symlink():
        candidate = directory / f"{base}~{n}{dot}{ext}"
        n += 1
    return candidate


def move_exclusive(src: Path, directory: Path, name: str | None = None) -> Path | None:
    """Move `src` into `directory` without ever replacing a file there.

    Hard link then unlink: the link fails if the target exists (so nothing is
    overwritten), and only one of two racing movers can unlink the source; the loser
    removes its link and gets None. A crash between the two steps leaves the file in
    both places, which costs a harmless re-ingest, never a loss.
    """
    directory.mkdir(parents=True, exist_ok=True)
    while True:
        target = _free_name(directory, name or src.name)
        try:
            os.link(src, target)
        except FileExistsError:
            continue  # taken between the check and the link: pick the next name
        except FileNotFoundError:
            return None
        except OSError as exc:  # a filesystem without hard links
            if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK):
                raise
            if not src.exists():
                return None
            os.rename(src, target)
            return target
        try:
            os.unlink(src)
        except FileNotFoundError:
            os.unlink(target)
            return None
        return target


class DropFolder:
    """The drop folder at `root` and its processing/, processed/ and failed/ folders."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    def _relative(self, path: Path, base: Path) -> str:
        return path.relative_to(base).as_posix()

    def leftovers(self) -> list[Claim]:
        """Files left in processing/ by a run that did not finish, oldest name first."""
        base = self.root / PROCESSING
        if not base.is_dir():
            return []
        found = sorted(p for p in base.rglob("*") if _is_event_file(p))
        return [Claim(str(p), self._relative(p, base), area_of(self._relative(p, base)), True)
                for p in found]

    def new_files(self) -> list[Path]:
        """Event files waiting in the drop folder: at the top or one area folder down."""
        if not self.root.is_dir():
            raise FileNotFoundError(f"drop folder {self.root} does not exist")
        found: list[Path] = []
        for entry in sorted(self.root.iterdir()):
            if entry.is_dir() and entry.name not in RESERVED and not entry.name.startswith("."):
                found.extend(sorted(p for p in entry.iterdir() if _is_event_file(p)))
            elif _is_event_file(entry):
                found.append(entry)
        return found

    def claim(self, path: Path) -> Claim | None:
        """Move one new file into processing/; None if another run took it first."""
        name = self._relative(path, self.root)
        target_dir = (self.root / PROCESSING / name).parent
        moved = move_exclusive(path, target_dir)
        if moved is None:
            return None
        claimed = self._relative(moved, self.root / PROCESSING)
        return Claim(str(moved), claimed, area_of(name), False)

    def claim_all(self) -> list[Claim]:
        """Every file this run should ingest: leftovers first, then new files."""
        claims = self.leftovers()
        for path in self.new_files():
            claim = self.claim(path)
            if claim is not None:
                claims.append(claim)
        return claims

    def finish(self, claim: Claim, outcome: str, companions: tuple[str, ...] = ()) -> str:
        """Move a claimed file to processed/ or failed/, with companion files (its
        rejects file) renamed to follow it if its name had to change. Returns the
        file's final path."""
        if outcome not in (PROCESSED, FAILED):
            raise ValueError(f"outcome must be {PROCESSED!r} or {FAILED!r}, not {outcome!r}")
        src = Path(claim.path)
        target_dir = (self.root / outcome / claim.name).parent
        final = move_exclusive(src, target_dir)
        if final is None:
            raise FileNotFoundError(f"{src} vanished before it could be moved to {outcome}/")
        for companion in companions:
            extra = Path(companion)
            if not extra.exists():
                continue
            new_name = (final.name + extra.name[len(src.name):]
                        if extra.name.startswith(src.name) else extra.name)
            move_exclusive(extra, target_dir, new_name)
        return str(final)
