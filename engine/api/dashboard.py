"""The dashboard: server-rendered GOV.UK pages over the same service as the API (no
script, no front-end build at install time). Sign-in puts the bearer token in an
HttpOnly, SameSite=Strict cookie.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from engine.api import queue
from engine.api.acks import ACK_ROLES, acknowledge
from engine.api.auth import COOKIE, refuse
from engine.api.pages import guarded, landing, page
from engine.api.report_cache import cache_of
from engine.api.roles import Principal
from engine.api.service import Reader
from engine.api.tokens import authenticate
from engine.notify.acks import AckReason
from engine.reports import words
from engine.terms import Owner

router = APIRouter(prefix="/dashboard", include_in_schema=False)


@router.get("/login")
def login_form(request: Request) -> Response:
    return page(request, "login.html.j2", error=None)


@router.post("/login")
async def login(request: Request) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    engine = request.app.state.engine
    who = authenticate(engine, token) if token else None
    if who is None:
        refuse(engine, request, None, 401, "sign-in with an unknown or revoked token")
        error = "Enter your token" if not token else "That token is not valid"
        return page(request, "login.html.j2", 401, error=error, error_title=True)
    response = RedirectResponse(landing(who), status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
    return response


@router.get("/logout")
def logout() -> Response:
    response = RedirectResponse("/dashboard/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("")
def home(request: Request) -> Response:
    return guarded(request, lambda who, svc: RedirectResponse(landing(who), status_code=303))


def _filters(svc: Reader, statuses: tuple[str, ...], area: str | None, owner: str | None,
             step: str | None, status: str | None) -> queue.Filters:
    """The URL's filters, each checked against what it may be (else a 400 naming it)."""
    f = queue.Filters(area or None, owner or None, step or None, status or None)
    allowed = {"owner": [o.value for o in Owner], "step": svc.facts.step_order(),
               "status": list(statuses)}
    for name, values in allowed.items():
        value = getattr(f, name)
        if value is not None and value not in values:
            raise HTTPException(400, f"unknown {name} {value!r}: choose one from the list")
    return f


def _listing(request: Request, kind: str, template: str, active: str, area: str | None,
             owner: str | None, step: str | None, status: str | None,
             after: str | None) -> Response:
    statuses = queue.OPEN if kind == "queue" else queue.FLAGGED

    def render(who: Principal, svc: Reader) -> Response:
        f = _filters(svc, statuses, area, owner, step, status)
        # A heat-map cell's link, from someone who may not read that area's cases.
        if kind == "flags" and f.area and f.step and (
                not who.reads_cases or f.area not in (svc.areas(who) or ())):
            return _flag_counts(request, who, svc, f.area, f.step)
        listed = queue.read_for(svc, request, who, f, after, kind)
        base = f"/dashboard/{'today' if kind == 'queue' else 'flags'}"
        query = f.as_dict()
        next_url = (f"{base}?{urlencode({**query, 'after': listed.next_cursor})}"
                    if listed.next_cursor else None)
        first_url = f"{base}?{urlencode(query)}" if after else None
        areas = sorted(svc.areas(who) or ())
        choices = {"area": [(a, svc.facts.area_names.get(a, a)) for a in areas],
                   "owner": [(o, words.agency(o)) for o in
                             sorted((o.value for o in Owner), key=words.agency_rank)],
                   "step": [(s, svc.words.step(s)) for s in svc.facts.step_order()],
                   "status": [(s, words.status(s)) for s in statuses]}
        here = f"{base}?{urlencode({**query, **({'after': after} if after else {})})}"
        return page(request, template, who=who, active=active, listed=listed, filters=f,
                    choices=choices, next_url=next_url, first_url=first_url,
                    ack_reasons=ack_reasons(who) if kind == "flags" else [], here=here,
                    banner_areas=frozenset({f.area}) if f.area else None)

    return guarded(request, render)


@router.get("/today")
def today(request: Request, area: str | None = None, owner: str | None = None,
          step: str | None = None, status: str | None = None,
          after: str | None = None) -> Response:
    return _listing(request, "queue", "today.html.j2", "today", area, owner, step, status,
                    after)


@router.get("/flags")
def flags(request: Request, area: str | None = None, owner: str | None = None,
          step: str | None = None, status: str | None = None,
          after: str | None = None) -> Response:
    return _listing(request, "flags", "flags.html.j2", "flags", area, owner, step, status,
                    after)


def _flag_counts(request: Request, who: Principal, svc: Reader, area: str,
                 step: str) -> Response:
    """The flags behind a heat-map cell for a caller who may not read that area's
    cases (a national lead, another area's staff): the cell's row of the national
    comparison, as that publication protected it, never the cases."""
    if area not in svc.facts.area_names or step not in svc.facts.step_order():
        raise HTTPException(404, "not found")
    report = cache_of(request.app.state).get(
        svc.engine, ("national", who.role), lambda: svc.national(request, who, fresh=True))
    row = next((r for r in report.data["compliance"]
                if r["area"] == area and r["step"] == step), None)
    rows = [] if row is None else [(k, row[k]) for k in ("due", "met", "late", "missed",
                                                          "violated") if k in row]
    return page(request, "flag_counts.html.j2", who=who, active="national", rows=rows,
                area=area, step=step, banner_areas=frozenset({area}))


def ack_reasons(who: Principal) -> list[str]:
    """The reasons offered by the acknowledge button; none for roles that may not."""
    return [str(r) for r in AckReason] if who.role in ACK_ROLES else []


@router.post("/flags/{flag_id}/ack")
async def ack(request: Request, flag_id: str) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    reason = (form.get("reason") or [""])[0]
    back = (form.get("back") or [""])[0]
    # Only back to a flags list of this dashboard, never to an address from elsewhere.
    if not (back == "/dashboard/flags" or back.startswith("/dashboard/flags?")):
        back = "/dashboard/flags"

    def render(who: Principal, svc: Reader) -> Response:
        if reason not in {str(r) for r in AckReason}:
            return page(request, "error.html.j2", 422, who=who, status=422, active="flags",
                        message=f"the reason must be one of: {', '.join(ack_reasons(who))}",
                        error_title=True)
        acknowledge(svc.engine, request, who, svc.areas(who), flag_id, AckReason(reason))
        return RedirectResponse(back, status_code=303)

    return guarded(request, render)


@router.get("/board")
def board(request: Request) -> Response:
    def render(who: Principal, svc: Reader) -> Response:
        key = ("board", who.role, who.area, who.cps_area)
        report = cache_of(request.app.state).get(svc.engine, key,
                                                 lambda: svc.board(request, who))
        return page(request, "board.html.j2", who=who, report=report, active="board")

    return guarded(request, render)


@router.get("/national")
def national(request: Request) -> Response:
    def render(who: Principal, svc: Reader) -> Response:
        report = cache_of(request.app.state).get(
            svc.engine, ("national", who.role),
            lambda: svc.national(request, who, fresh=True))
        matrix = {(r["area"], r["step"]): r for r in report.data["compliance"]}
        return page(request, "national.html.j2", who=who, report=report, active="national",
                    matrix=matrix, banner_areas=frozenset(svc.facts.area_names))

    return guarded(request, render)


@router.get("/cases/{case_id}")
def case(request: Request, case_id: str) -> Response:
    def render(who: Principal, svc: Reader) -> Response:
        found: dict[str, Any] = svc.case(request, who, case_id)
        from engine.api.journey import journey_view

        view = journey_view(found, svc.words, svc.facts)
        return page(request, "case.html.j2", who=who, case=found, view=view, active="today",
                    banner_areas=frozenset({found["area"]}))

    return guarded(request, render)
