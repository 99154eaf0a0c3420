"""Who is told: an instance's owner maps to a recipient in its area (docs/config.md,
"Notifications: routing").

An owner without a SPOC of its own falls back along a fixed chain, so a notice is never
dropped because an area did not name, say, a probation SPOC: the fallback is a person
who can pass it on. The scrutiny group's contact receives area-owned steps and
escalations; the national contact (when configured) is the last resort for those.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.contacts import EmailChannel, Spoc, WebhookChannel
from engine.spec import Overlay

AnyChannel = EmailChannel | WebhookChannel

# Owner (or, for a prohibition, the violating event's source) -> contacts tried in order.
FALLBACK: dict[str, tuple[str, ...]] = {
    "police": ("police",),
    "cps": ("cps",),
    "isva": ("isva",),
    "wcu": ("wcu", "police"),          # witness care units are police-run in most areas
    "probation": ("probation", "police"),
    "court": ("wcu", "police"),        # a court event's breach goes to witness care
    "area": ("scrutiny", "national"),
}
ESCALATION = ("scrutiny", "national")


@dataclass(frozen=True)
class Recipient:
    """One contact and its channels. `key` is stable (`<area>/<contact>` or `national`)
    and names the recipient in the delivery log."""

    key: str
    contact: str
    team: str
    channels: tuple[AnyChannel, ...]


def channels_of(spoc: Spoc) -> tuple[AnyChannel, ...]:
    """The SPOC's channels; by default one email to its mailbox."""
    if spoc.channels:
        return tuple(spoc.channels)
    return (EmailChannel(email=spoc.mailbox),)


def contact(area: str, name: str, overlay: Overlay | None, national: Spoc | None
            ) -> Recipient | None:
    """The named contact of `area`, or None when it is not configured."""
    spoc: Spoc | None
    if name == "national":
        return None if national is None else Recipient("national", "national", national.team,
                                                        channels_of(national))
    if overlay is None:
        return None
    if name == "scrutiny":
        spoc = overlay.scrutiny_group.contact
    else:
        spoc = getattr(overlay.spocs, name, None)
    if spoc is None:
        return None
    return Recipient(f"{area}/{name}", name, spoc.team, channels_of(spoc))


def route(owner: str, area: str, overlay: Overlay | None, national: Spoc | None
          ) -> Recipient | None:
    """The recipient for an instance owned by `owner` in `area` (None: unroutable)."""
    for name in FALLBACK.get(owner, (owner,)):
        found = contact(area, name, overlay, national)
        if found is not None:
            return found
    return None


def escalation_route(level: int, area: str, overlay: Overlay | None, national: Spoc | None
                     ) -> Recipient | None:
    """Escalation level 1 goes to the first configured of (scrutiny group contact,
    national contact), level 2 to the next one after it; None when there is none."""
    found = [r for r in (contact(area, n, overlay, national) for n in ESCALATION)
             if r is not None]
    return found[level - 1] if 0 < level <= len(found) else None


def unroutable(owners: Iterable[str], area: str, overlay: Overlay | None,
               national: Spoc | None) -> list[str]:
    """The owners among `owners` whose notices would reach nobody in `area`."""
    return sorted({o for o in owners if route(o, area, overlay, national) is None})
