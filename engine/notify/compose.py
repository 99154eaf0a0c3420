"""What a message says: the documented JSON payload (stored with the message and sent to
JSON webhooks), the Teams card, and the plain-text + HTML email, all built from the same
payload.

Only vocabulary fields leave the system: the pseudonymous case id, area, step id and
title, transition, due instant, severity, the engine's own explanation, and a dashboard
link. Nothing from the events' data is read here at all (the flag carries none).
docs/notify.md documents the payload.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape
from typing import Any
from urllib.parse import quote

from engine.calendar import LONDON
from engine.notify.plan import Item, Planned

SCHEMA = "liaison.notice/1"
LABELS = {"due_soon": "Due soon", "due_today": "Due today", "late": "Done late",
          "missed": "Missed", "violated": "Violated",
          "escalated_1": "Not acknowledged: escalated",
          "escalated_2": "Still not acknowledged: escalated again"}
KINDS = {"alert": "Alert", "digest": "Daily digest", "escalation": "Escalation"}


def london(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(LONDON).isoformat()


def london_text(instant: datetime | None) -> str:
    if instant is None:
        return "no due instant"
    t = instant.astimezone(LONDON)
    return f"{t:%a %d %b %Y %H:%M} {t.tzname()}"


def link(base: str, item: Item) -> str:
    f = item.flag
    if f.case_id:
        return f"{base}/cases/{quote(f.case_id, safe='')}"
    return f"{base}/flags?area={quote(f.area, safe='')}&step={quote(f.step, safe='')}"


def message_id(key: str) -> str:
    """A Message-ID fixed by the message key: a resent copy carries the same id, so the
    recipient's mail system (or a person) can tell it is the same notice."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@liaison.notify>"


def payload(p: Planned, as_of: datetime, dashboard_url: str, acked_left_out: int = 0
            ) -> dict[str, Any]:
    """The documented JSON of one message (docs/notify.md)."""
    items = [{
        "flag_id": i.flag.flag_id, "case_id": i.flag.case_id, "area": i.flag.area,
        "step": i.flag.step, "title": i.flag.title, "transition": i.transition,
        "status": i.flag.status, "due": london(i.flag.due),
        "due_text": london_text(i.flag.due), "severity": i.flag.severity,
        "explanation": i.flag.explanation, "link": link(dashboard_url, i),
    } for i in p.items]
    return {"schema": SCHEMA, "id": hashlib.sha256(p.key.encode()).hexdigest()[:32],
            "kind": p.kind, "area": p.area, "recipient": p.recipient.key,
            "team": p.recipient.team, "as_of": london(as_of),
            "acknowledged_left_out": acked_left_out, "items": items}


def subject(content: dict[str, Any]) -> str:
    n = len(content["items"])
    counts: dict[str, int] = {}
    for i in content["items"]:
        counts[LABELS[i["transition"]]] = counts.get(LABELS[i["transition"]], 0) + 1
    detail = ", ".join(f"{v} {k.lower()}" for k, v in counts.items())
    day = str(content["as_of"])[:10]
    return (f"[liaison] {KINDS[content['kind']]} {day} for {content['team']} "
            f"({content['area']}): {n} item{'s' * (n != 1)} ({detail})")


def text_body(content: dict[str, Any]) -> str:
    lines = [f"{KINDS[content['kind']]} for {content['team']} ({content['recipient']}), "
             f"as of {content['as_of']}.", ""]
    for i in content["items"]:
        lines += [f"* {LABELS[i['transition']]} [{i['severity']}] {i['title']}",
                  f"  case {i['case_id'] or '(area-level)'}, area {i['area']}, "
                  f"step {i['step']}, due {i['due_text']}",
                  f"  {i['explanation']}",
                  f"  {i['link']}", ""]
    if content["acknowledged_left_out"]:
        lines.append(f"{content['acknowledged_left_out']} acknowledged flag(s) left out.")
    lines.append("Acknowledge a flag on the dashboard once you have acted on it.")
    return "\n".join(lines) + "\n"


def html_body(content: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{escape(LABELS[i['transition']])}</td><td>{escape(i['severity'])}</td>"
        f"<td>{escape(i['case_id'] or '(area-level)')}</td><td>{escape(i['title'])}</td>"
        f"<td>{escape(i['due_text'])}</td><td>{escape(i['explanation'])}</td>"
        f"<td><a href=\"{escape(i['link'])}\">open</a></td></tr>"
        for i in content["items"])
    left = (f"<p>{content['acknowledged_left_out']} acknowledged flag(s) left out.</p>"
            if content["acknowledged_left_out"] else "")
    return ("<!doctype html><html><body>"
            f"<h1>{escape(KINDS[content['kind']])} for {escape(content['team'])}</h1>"
            f"<p>As of {escape(str(content['as_of']))}.</p>"
            "<table><thead><tr><th>what</th><th>severity</th><th>case</th><th>step</th>"
            f"<th>due</th><th>explanation</th><th>link</th></tr></thead><tbody>{rows}"
            f"</tbody></table>{left}</body></html>\n")


def email(content: dict[str, Any], key: str, sender: str, to: str, sent_at: datetime
          ) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject(content)
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(sent_at)
    msg["Message-ID"] = message_id(key)
    msg["X-Liaison-Notice"] = content["id"]
    msg.set_content(text_body(content))
    msg.add_alternative(html_body(content), subtype="html")
    return msg


def teams_card(content: dict[str, Any]) -> dict[str, Any]:
    """A Teams incoming-webhook message holding an Adaptive Card (the format both the
    Office 365 connector and the Workflows webhook accept)."""
    facts: list[dict[str, Any]] = []
    for i in content["items"]:
        facts += [
            {"type": "TextBlock", "wrap": True, "weight": "Bolder",
             "text": f"{LABELS[i['transition']]} [{i['severity']}]: {i['title']}"},
            {"type": "FactSet", "facts": [
                {"title": "Case", "value": i["case_id"] or "(area-level)"},
                {"title": "Due", "value": i["due_text"]},
                {"title": "Step", "value": i["step"]}]},
            {"type": "TextBlock", "wrap": True, "text": i["explanation"]},
            {"type": "ActionSet", "actions": [
                {"type": "Action.OpenUrl", "title": "Open", "url": i["link"]}]},
        ]
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard", "version": "1.4",
                    "body": [{"type": "TextBlock", "size": "Medium", "weight": "Bolder",
                              "wrap": True, "text": subject(content)}, *facts]}}]}
