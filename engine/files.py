"""Files that hold case data are readable by their owner only (mode 0600).

The store, rejects files, mapped events, exports and reports name cases and what
happened to the people in them. The process umask (often 022) would make every one of
them readable by every account on the machine, so they are opened through here instead
of `Path.open`. An existing file is narrowed to 0600 too: rewriting a report must not
leave it as readable as the old one was.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

PRIVATE = 0o600


def private_open(path: str | Path, *, newline: str | None = None,
                 encoding: str = "utf-8") -> IO[str]:
    """Open `path` for writing text (truncated or created) with mode 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
    try:
        os.fchmod(fd, PRIVATE)
    except OSError:  # not the owner of an existing file: keep what its owner chose
        pass
    return open(fd, "w", encoding=encoding, newline=newline)


def private_write(path: str | Path, text: str) -> None:
    """Write `text` to `path` (UTF-8) with mode 0600."""
    with private_open(path) as fh:
        fh.write(text)


def create_private(path: str | Path) -> None:
    """Create an empty file with mode 0600 unless it exists (a SQLite database before
    SQLite opens it; its -wal and -shm files take the same mode from it)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    except FileExistsError:
        pass
