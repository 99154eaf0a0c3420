"""Pseudonymous case ids: a keyed hash of the source's reference.

Why HMAC-SHA-256 with a per-deployment key, and not a plain hash: crime numbers and URNs
are short and guessable (`44/12345/25` has a few million candidates), so a plain hash is
reversed by hashing every candidate. With a secret key nobody without it can go from an
id back to a reference, or from a reference to an id. The key is read from the
environment (`LIAISON_PSEUDONYM_KEY`, the key itself or `file:PATH` naming a key file
readable by its owner only) and never from YAML, so it is not committed with mappings.

The same reference under the same key always gives the same id, so a police extract
and a CPS extract that both carry the crime number meet on one case.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from engine.errors import LiaisonError

ENV = "LIAISON_PSEUDONYM_KEY"
MIN_KEY_BYTES = 32
ID_HEX = 20  # 80 bits: no collision in any plausible number of cases


class PseudonymKeyError(LiaisonError):
    """No usable pseudonymisation key: say which and how to provide one."""


@dataclass(frozen=True)
class Pseudonymiser:
    """Keyed ids for references and rows. `repr` never shows the key."""

    key: bytes

    def __repr__(self) -> str:
        return "Pseudonymiser(<key withheld>)"

    def case_id(self, reference: str, prefix: str) -> str:
        """prefix + 20 hex digits of HMAC-SHA-256(key, "case" | normalised reference)."""
        mac = hmac.new(self.key, b"case\x1f" + normalise(reference).encode("utf-8"),
                       hashlib.sha256)
        return prefix + mac.hexdigest()[:ID_HEX]

    def digest(self, parts: list[str]) -> str:
        """A keyed digest of several parts (event ids of pseudonymised rows)."""
        return hmac.new(self.key, "\x1f".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()


def normalise(reference: str) -> str:
    """Case and spacing differences between systems never split one case: upper case,
    inner runs of whitespace as one space, none at the ends."""
    return " ".join(reference.split()).upper()


def plain_digest(parts: list[str]) -> str:
    """An unkeyed digest (event ids of mappings that keep references in the clear)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def load_key(environ: dict[str, str] | None = None) -> Pseudonymiser:
    """The deployment's key from LIAISON_PSEUDONYM_KEY, or PseudonymKeyError saying what to do."""
    env = os.environ if environ is None else environ
    value = env.get(ENV, "")
    if not value:
        raise PseudonymKeyError(
            f"{ENV} is not set: pseudonymised case ids need the deployment's key (the key "
            f"itself, at least {MIN_KEY_BYTES} characters, or file:PATH naming a key file)")
    if value.startswith("file:"):
        key = _read_key_file(Path(value[5:]))
    else:
        key = value.encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(
            f"{ENV}: the key is shorter than {MIN_KEY_BYTES} bytes; make one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`")
    return Pseudonymiser(key)


def _read_key_file(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise PseudonymKeyError(f"{ENV}: the key file cannot be read: {exc.strerror}"
                                ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PseudonymKeyError(f"{ENV}: the key file can be read by others than its "
                                "owner; run chmod 600 on it")
    return data.strip()
