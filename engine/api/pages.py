"""Rendering a dashboard page: the Jinja2 environment, what every page is given (the
signed-in principal, the navigation, the words, the illustrative-rules banner) and the
guard that sends a browser without a valid token to sign in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader

from engine.api import assets, heat
from engine.api.auth import principal_of
from engine.api.report_words import TableWords
from engine.api.roles import Principal, Role
from engine.api.service import Reader
from engine.reports import MARKS, environment, words

_ENV: Environment | None = None

ROLE_WORDS = {Role.force_data_team: "force data team", Role.cps_unit: "CPS unit",
              Role.isva_service: "ISVA service", Role.national_lead: "national lead",
              Role.auditor: "auditor"}


def nav_items(who: Principal) -> list[tuple[str, str, str]]:
    """(key, href, label) of the service navigation for the principal's role."""
    items = []
    if who.reads_cases:
        items += [("today", "/dashboard/today", "Today"), ("flags", "/dashboard/flags", "Flags")]
    if who.role is not Role.auditor:
        items += [("board", "/dashboard/board", "Stage board"),
                  ("national", "/dashboard/national", "National comparison"),
                  ("code", "/dashboard/code-compliance", "Victims' Code")]
    if who.role is Role.national_lead:
        items.append(("plan", "/dashboard/plan", "Variant impact"))
    return items


def landing(who: Principal) -> str:
    """Where signing in leads: the work queue for those who work cases."""
    return "/dashboard/today" if who.reads_cases else "/dashboard/board"


def env() -> Environment:
    global _ENV
    if _ENV is None:
        e = environment(PackageLoader("engine.api", "templates"))
        e.globals.update(asset=assets.url, nav_items=nav_items, tag_colour=_tag_colour,
                         status_words=words.status, agency=words.agency,
                         event_words=words.event,
                         mark=lambda variant: MARKS.get(variant or "", ""),
                         heat_class=heat.cell_class)
        _ENV = e
    return _ENV


def _tag_colour(status: str) -> str:
    return words.TAG_COLOURS.get(status, "grey")


def signed_in_as(reader: Reader, who: Principal) -> str:
    """`CPS unit, CPS South East`: the role and its scope, in words."""
    facts = reader.facts
    scope = (facts.area_names.get(who.area, who.area) if who.area else
             facts.cps_names.get(who.cps_area, who.cps_area) if who.cps_area else "all areas")
    return f"{ROLE_WORDS[who.role]}, {scope}"


def illustrative_names(reader: Reader, who: Principal | None,
                       areas: frozenset[str] | None = None) -> list[str]:
    """Names of the areas with example rules among those the page shows (`areas`, or
    the principal's scope; None: every area)."""
    facts = reader.facts
    if areas is None and who is not None:
        areas = reader.areas(who)
    shown = facts.illustrative if areas is None else facts.illustrative & areas
    return [facts.area_names.get(a, a) for a in sorted(shown)]


def page(request: Request, template: str, code: int = 200, *,
         who: Principal | None = None, banner_areas: frozenset[str] | None = None,
         **context: Any) -> HTMLResponse:
    reader: Reader = request.app.state.reader
    context.setdefault("active", "")
    context.setdefault("error_title", False)
    banner = illustrative_names(reader, who, banner_areas) if who is not None else []
    signed_in = signed_in_as(reader, who) if who is not None else ""
    names = reader.facts.area_names
    html = env().get_template(template).render(
        who=who, words=reader.words, signed_in=signed_in, illustrative=banner,
        table_words=TableWords(reader.facts, reader.words),
        area_name=lambda a: names.get(a, a), **context)
    return HTMLResponse(html, status_code=code)


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
        return page(request, "error.html.j2", exc.status_code, who=who, status=exc.status_code,
                    message=exc.detail, error_title=True)
