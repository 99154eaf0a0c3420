"""The dashboard: server-rendered pages over the same service as the API (no front-end
build, no script). Sign-in puts the bearer token in an HttpOnly, SameSite=Strict cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader

from engine.api.acks import ACK_ROLES, acknowledge
from engine.api.auth import COOKIE, principal_of, refuse
from engine.api.roles import Principal
from engine.api.service import FILTER_CHOICES, FLAG_LIMIT, FlagFilter, Reader
from engine.api.tokens import authenticate
from engine.notify.acks import AckReason
from engine.reports.output import environment

router = APIRouter(prefix="/dashboard", include_in_schema=False)
_ENV: Environment | None = None


def env() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = environment(PackageLoader("engine.api", "templates"))
    return _ENV


def page(template: str, code: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(env().get_template(template).render(**context), status_code=code)


def guarded(request: Request, render: Callable[[Principal, Reader], Response]) -> Response:
    """Run `render` for the signed-in caller: no valid token sends the browser to sign
    in; a refusal is shown as a page with its status (already audited)."""
    try:
        who = principal_of(request)
    except HTTPException:
        return RedirectResponse("/dashboard/login", status_code=303)
    try:
        return render(who, request.app.state.reader)
    except HTTPException as exc:
        return page("error.html.j2", exc.status_code, who=who, status=exc.status_code, active="",
                    message=exc.detail)


@router.get("/login")
def login_form() -> HTMLResponse:
    return page("login.html.j2", who=None, error=None, active="")


@router.post("/login")
async def login(request: Request) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    engine = request.app.state.engine
    who = authenticate(engine, token) if token else None
    if who is None:
        refuse(engine, request, None, 401, "sign-in with an unknown or revoked token")
        return page("login.html.j2", 401, who=None, error="That token is not valid.", active="")
    response = RedirectResponse("/dashboard/board", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
    return response


@router.get("/logout")
def logout() -> Response:
    response = RedirectResponse("/dashboard/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("")
def home() -> Response:
    return RedirectResponse("/dashboard/board", status_code=303)


@router.get("/board")
def board(request: Request) -> Response:
    return guarded(request, lambda who, svc: page(
        "report_page.html.j2", who=who, report=svc.board(request, who), active="board"))


@router.get("/national")
def national(request: Request) -> Response:
    return guarded(request, lambda who, svc: page(
        "report_page.html.j2", who=who, report=svc.national(request, who), active="national"))


@router.get("/flags")
def flags(request: Request, area: str | None = None, step: str | None = None,
          status: str | None = None, owner: str | None = None,
          severity: str | None = None) -> Response:
    f = FlagFilter(area or None, step or None, status or None, owner or None, severity or None)

    def render(who: Principal, svc: Reader) -> Response:
        rows = svc.flags(request, who, f)
        areas = sorted(svc.areas(who) or ())
        return page("flags.html.j2", who=who, rows=rows, filters=f, active="flags",
                    limit=FLAG_LIMIT, ack_reasons=ack_reasons(who),
                    choices={**FILTER_CHOICES, "area": areas,
                             "step": svc.facts.step_order()})

    return guarded(request, render)


def ack_reasons(who: Principal) -> list[str]:
    """The reasons offered by the acknowledge button; none for roles that may not."""
    return [str(r) for r in AckReason] if who.role in ACK_ROLES else []


@router.post("/flags/{flag_id}/ack")
async def ack(request: Request, flag_id: str) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    reason = (form.get("reason") or [""])[0]

    def render(who: Principal, svc: Reader) -> Response:
        if reason not in {str(r) for r in AckReason}:
            return page("error.html.j2", 422, who=who, status=422, active="flags",
                        message=f"the reason must be one of: {', '.join(ack_reasons(who))}")
        acknowledge(svc.engine, request, who, svc.areas(who), flag_id, AckReason(reason))
        return RedirectResponse("/dashboard/flags", status_code=303)

    return guarded(request, render)


@router.get("/cases/{case_id}")
def case(request: Request, case_id: str) -> Response:
    return guarded(request, lambda who, svc: page(
        "case.html.j2", who=who, case=svc.case(request, who, case_id), active="flags"))
