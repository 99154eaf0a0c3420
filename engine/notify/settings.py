"""Notification settings: national defaults in `national/notify.yaml`, tightened by an
area's `notify:` block in its overlay.

The national file is optional (a deployment without it gets the defaults below and no
national contact). Secrets never live here: the SMTP server and webhook URLs are named by
environment variables or keys of a secrets file (see `engine.notify.secrets`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from pathlib import Path

from pydantic import Field, ValidationError

from engine.config.loader import Document, read, to_plain
from engine.config.problems import from_validation
from engine.contacts import EMAIL_PATTERN, Spoc
from engine.errors import ConfigProblem
from engine.model import Model
from engine.spec import Overlay

NOTIFY_FILE = "notify.yaml"


class Retry(Model):
    """Backoff for a channel that is down: attempt n waits first * 2**(n-1), capped."""

    attempts: int = Field(default=8, ge=1, le=50)
    first_seconds: int = Field(default=60, ge=1, le=3600)
    max_seconds: int = Field(default=3600, ge=1, le=86400)


class NationalNotify(Model):
    digest_at: str = Field(default="08:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    escalate_after_working_days: int = Field(default=3, ge=1, le=30)
    dashboard_url: str = Field(default="http://127.0.0.1:8000/dashboard",
                               pattern=r"^https?://[^\s\"'<>]+$")
    sender: str = Field(default="liaison@localhost.example", pattern=EMAIL_PATTERN)
    smtp_secret: str = Field(default="LIAISON_SMTP_URL", pattern=r"^[A-Z][A-Z0-9_]{2,63}$")
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    retry: Retry = Field(default_factory=Retry)
    national_contact: Spoc | None = None


@dataclass(frozen=True)
class AreaSettings:
    """What one area's notifier uses: national values, tightened by the overlay."""

    digest_at: time
    escalate_after_working_days: int
    secrets_file: str | None


def _clock(text: str) -> time:
    hh, mm = text.split(":")
    return time(int(hh), int(mm))


def load_national_notify(national_dir: Path) -> tuple[NationalNotify, list[ConfigProblem]]:
    """The national settings and any problems (a missing file means the defaults)."""
    path = national_dir / NOTIFY_FILE
    if not path.exists():
        return NationalNotify(), []
    doc = read(path)
    problems = list(doc.problems)
    if doc.data is None and not problems:
        return NationalNotify(), []
    try:
        return NationalNotify.model_validate(to_plain(doc.data)), problems
    except ValidationError as e:
        problems += from_validation(e, NationalNotify, lambda loc: (doc, ()))
        return NationalNotify(), problems


def area_settings(national: NationalNotify, overlay: Overlay | None) -> AreaSettings:
    """The area's effective settings. The digest time is the area's own choice; the
    escalation delay may only be shortened (a longer one is refused by `area_problems`
    and ignored here: the national value wins)."""
    n = overlay.notify if overlay is not None else None
    digest = national.digest_at
    escalate = national.escalate_after_working_days
    if n is not None and n.digest_at is not None:
        digest = n.digest_at
    if n is not None and n.escalate_after_working_days is not None:
        escalate = min(escalate, n.escalate_after_working_days)
    return AreaSettings(_clock(digest), escalate, n.secrets_file if n is not None else None)


def area_problems(national: NationalNotify, overlay: Overlay, doc: Document
                  ) -> list[ConfigProblem]:
    """Errors for an area's notify block that loosens the national escalation."""
    n = overlay.notify
    out: list[ConfigProblem] = []
    if n is None:
        return out
    if n.escalate_after_working_days is not None and (
            n.escalate_after_working_days > national.escalate_after_working_days):
        out.append(doc.problem(
            ("notify", "escalate_after_working_days"),
            f"{n.escalate_after_working_days} working days is later than the national "
            f"{national.escalate_after_working_days}; an area may only escalate sooner",
            f"1..{national.escalate_after_working_days}"))
    return out
