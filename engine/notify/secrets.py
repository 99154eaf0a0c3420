"""Secrets by name: the environment first, then the area's secrets file.

A secrets file holds `NAME=value` lines (blank lines and `#` comments ignored). It is
refused when group- or world-readable, because it holds SMTP passwords and webhook keys.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from engine.errors import LiaisonError


class SecretError(LiaisonError):
    """A secret that cannot be read, or a secrets file that is not private."""


def read_secrets_file(path: Path) -> dict[str, str]:
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise SecretError(f"{path}: cannot read the secrets file ({exc.strerror})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretError(f"{path}: the secrets file is readable by others "
                          f"(mode {stat.S_IMODE(mode):o}); run chmod 600 {path}")
    out: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise SecretError(f"{path}:{n}: expected NAME=value")  # the value is not echoed
        out[name.strip()] = value.strip()
    return out


def lookup(name: str, secrets_file: str | None = None) -> str | None:
    """The secret `name`, or None when neither the environment nor the file has it."""
    value = os.environ.get(name)
    if value:
        return value
    if secrets_file:
        return read_secrets_file(Path(secrets_file)).get(name) or None
    return None
