"""Who an area's notices reach: its single points of contact, their channels, the scrutiny
group's contact, and the area's notification settings (contract §6; docs/notify.md).

Addresses live here; secrets never do: a webhook names the environment variable (or
secrets-file key) that holds its URL.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag

from engine.model import Model, only_key

EMAIL_PATTERN = r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$"
SECRET_NAME_PATTERN = r"^[A-Z][A-Z0-9_]{2,63}$"


class EmailChannel(Model):
    """Mail to one address (sent through the SMTP server the deployment names)."""

    email: str = Field(pattern=EMAIL_PATTERN)


class WebhookTarget(Model):
    """A webhook whose URL is a secret: `secret` names an environment variable (or a key
    of the area's secrets file), never the URL itself, because webhook URLs carry keys."""

    secret: str = Field(pattern=SECRET_NAME_PATTERN)
    format: Literal["json", "teams"] = "json"


class WebhookChannel(Model):
    webhook: WebhookTarget


Channel = Annotated[
    Annotated[EmailChannel, Tag("email")] | Annotated[WebhookChannel, Tag("webhook")],
    Discriminator(lambda v: only_key(v, ("email", "webhook")),
                  custom_error_type="channel",
                  custom_error_message="a channel is one of email, webhook"),
]


class Spoc(Model):
    """A single point of contact. Without `channels`, notices go by email to `mailbox`."""

    team: str = Field(min_length=1)
    mailbox: str = Field(min_length=3)
    channels: list[Channel] | None = Field(default=None, min_length=1)


class Spocs(Model):
    police: Spoc
    cps: Spoc
    isva: Spoc
    wcu: Spoc | None = None
    probation: Spoc | None = None


class ScrutinyGroup(Model):
    name: str = Field(min_length=1)
    # Receives area-owned steps and escalations (SPOC notifications).
    contact: Spoc | None = None


class AreaNotify(Model):
    """An area's notification settings; each may only tighten the national one."""

    digest_at: str | None = Field(default=None, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    escalate_after_working_days: int | None = Field(default=None, ge=1, le=30)
    secrets_file: str | None = Field(default=None, min_length=1)
