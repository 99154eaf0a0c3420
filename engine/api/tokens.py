"""Bearer tokens: issued once, stored only as a hash, mapped to a role and scope.

A token is `lia_<id>_<secret>`: the id is public (it names the holder in the audit log
and lets a token be found without scanning), the secret is 256 random bits. Only the
SHA-256 of the whole token is stored: with that much entropy a slow password hash adds
nothing, and a stolen table gives no usable token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from engine.api.roles import Principal, check_scope
from engine.store import api_tokens
from engine.terms import Role

PREFIX = "lia"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """The new token (shown once) and what it stands for."""

    token: str
    principal: Principal


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _token_id(token: str) -> str | None:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


def create_token(engine: Engine, role: Role, area: str | None = None,
                 cps_area: str | None = None, created_by: str = "cli",
                 now: datetime | None = None) -> IssuedToken:
    """Issue a token for `role` (scope checked first) and store its hash."""
    check_scope(role, area, cps_area)
    token_id = secrets.token_hex(6)
    token = f"{PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
    with engine.begin() as conn:
        conn.execute(insert(api_tokens).values(
            token_id=token_id, token_hash=digest(token), role=str(role), area=area,
            cps_area=cps_area, created_by=created_by,
            created_at=now or datetime.now(UTC)))
    return IssuedToken(token, Principal(f"token:{token_id}", role, area, cps_area))


def authenticate(engine: Engine, token: str) -> Principal | None:
    """The principal a presented token stands for, or None (unknown, revoked, malformed)."""
    token_id = _token_id(token)
    if token_id is None:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.token_id == token_id)).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.token_hash, digest(token)):
        return None
    return Principal(f"token:{token_id}", Role(row.role), row.area, row.cps_area)


def revoke_token(engine: Engine, token_id: str, now: datetime | None = None) -> bool:
    """Revoke by public id; True when a live token was revoked."""
    with engine.begin() as conn:
        result = conn.execute(update(api_tokens)
                              .where(api_tokens.c.token_id == token_id,
                                     api_tokens.c.revoked_at.is_(None))
                              .values(revoked_at=now or datetime.now(UTC)))
    return result.rowcount == 1
