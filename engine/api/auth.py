"""Authentication and the audit trail of the API and dashboard.

A request carries its token as `Authorization: Bearer <token>` (API clients) or in the
`liaison_token` cookie set by the dashboard's sign-in form (browsers). No token or a bad
one is a 401; a token whose role may not make the request is a 403; a case outside the
token's area is a 404, so its existence is not disclosed. Every refusal and every
case-level read is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from sqlalchemy import Engine

from engine.api.refusals import RefusalLog
from engine.api.roles import Principal
from engine.api.tokens import authenticate
from engine.store import record, writing

COOKIE = "liaison_token"
ANONYMOUS = "anonymous"


def audit(engine: Engine, principal: Principal | None, action: str,
          detail: dict[str, Any]) -> None:
    """Append one audit entry in its own transaction."""
    who = principal.name if principal else ANONYMOUS
    role = str(principal.role) if principal else "none"
    with writing(engine) as conn:
        record(conn, who, role, action, detail)


def refuse(engine: Engine, request: Request, principal: Principal | None, status: int,
           reason: str, **detail: Any) -> HTTPException:
    """Audit the refusal (bounded, and aggregated per client and minute: see
    engine/api/refusals.py) and return the HTTP error to raise."""
    log = getattr(request.app.state, "refusals", None)
    if log is None:
        log = request.app.state.refusals = RefusalLog(engine)
    client = (principal.name if principal else
              f"addr:{request.client.host if request.client else 'unknown'}")
    log.refused(client, principal.name if principal else ANONYMOUS,
                str(principal.role) if principal else "none", request.method,
                request.url.path, status, reason, detail)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    message = {401: "a valid bearer token is required", 403: "this token's role may not "
               "read this", 404: "not found", 409: "already done"}.get(status, "refused")
    return HTTPException(status_code=status, detail=message, headers=headers)


def presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else ""
    return request.cookies.get(COOKIE)


def principal_of(request: Request) -> Principal:
    """The caller, or a (audited) 401."""
    engine: Engine = request.app.state.engine
    token = presented_token(request)
    principal = authenticate(engine, token) if token else None
    if principal is None:
        raise refuse(engine, request, None, 401,
                     "no token" if token is None else "unknown or revoked token")
    return principal
