"""The transports: SMTP through the standard library, webhooks through httpx.

Why not a notification library such as apprise: the delivery log needs each attempt's
own outcome (delivered, worth retrying, or refused for good) and the server's reply,
a Message-ID we choose so that a resend is recognisably the same notice, and the exact
JSON we document; apprise reduces a send to True/False and writes its own payloads.
`smtplib`/`email` are in the standard library, and httpx is already a dependency of the
API's tests and of Prefect.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx


class TemporaryFailure(Exception):
    """Worth retrying later: refused connection, timeout, 4xx SMTP reply, HTTP 5xx/429."""


class PermanentFailure(Exception):
    """Retrying will not help: 5xx SMTP reply, HTTP 4xx (other than 408/429), bad URL."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool = False        # smtps: TLS from the first byte
    starttls: bool = False   # smtp://...?starttls=1
    user: str | None = None
    password: str | None = None

    def describe(self) -> str:
        return f"{'smtps' if self.tls else 'smtp'}://{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpServer:
    """`smtp://host:port`, `smtp://host:port?starttls=1`, `smtps://user:password@host:port`."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("the SMTP URL must look like smtp://host:port or "
                         "smtps://user:password@host:port")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise ValueError("the SMTP URL has a bad port") from None
    starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes")
    return SmtpServer(parts.hostname, port, parts.scheme == "smtps", starttls,
                      unquote(parts.username) if parts.username else None,
                      unquote(parts.password) if parts.password else None)


def send_email(server: SmtpServer, msg: EmailMessage, timeout: float) -> str:
    """Send one message; returns a short note for the log. Raises TemporaryFailure or
    PermanentFailure."""
    try:
        cls = smtplib.SMTP_SSL if server.tls else smtplib.SMTP
        smtp = cls(server.host, server.port, timeout=timeout)
        try:
            if server.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if server.user:
                smtp.login(server.user, server.password or "")
            smtp.send_message(msg)  # raises unless every recipient and the data were taken
        except BaseException:
            smtp.close()
            raise
        # The server has the message: a failing QUIT must not read as "not sent" (that
        # would send a needless second copy), so its outcome is ignored.
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
        return f"accepted by {server.describe()}"
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [c for c, _ in exc.recipients.values()]
        detail = "; ".join(f"{c} {m.decode('utf-8', 'replace')}"
                           for c, m in exc.recipients.values())
        raise (TemporaryFailure if all(400 <= c < 500 for c in codes) else PermanentFailure)(
            f"recipient refused: {detail}") from None
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        kind = TemporaryFailure if 400 <= exc.smtp_code < 500 else PermanentFailure
        raise kind(f"SMTP {exc.smtp_code} {text}") from None
    except TimeoutError:
        raise TemporaryFailure(f"timed out after {timeout:g} s talking to "
                               f"{server.describe()}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise TemporaryFailure(f"{server.describe()}: {type(exc).__name__}: {exc}") from None


def post_webhook(url: str, body: dict[str, Any], notice_id: str, timeout: float) -> str:
    """POST the JSON body; returns a short reply summary. The `Idempotency-Key` header
    carries the notice id, so a receiver can drop a resent copy."""
    try:
        resp = httpx.post(url, json=body, timeout=timeout,
                          headers={"Idempotency-Key": notice_id,
                                   "User-Agent": "liaison-notify/1"})
    except httpx.TimeoutException:
        raise TemporaryFailure(f"webhook timed out after {timeout:g} s") from None
    except httpx.InvalidURL:
        raise PermanentFailure("the webhook URL is not a valid URL") from None
    except httpx.HTTPError as exc:
        raise TemporaryFailure(f"webhook: {type(exc).__name__}") from None
    code = resp.status_code
    if 200 <= code < 300:
        return f"HTTP {code}"
    if code >= 500 or code in (408, 429):
        raise TemporaryFailure(f"webhook answered HTTP {code}")
    raise PermanentFailure(f"webhook answered HTTP {code}")
