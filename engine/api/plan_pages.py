"""Dashboard pages for national leads: a one-step variant impact with its delta heat map,
and the Victims' Code compliance view. They call the same service as the API
(engine.api.plans), so a page shows exactly what POST /api/plans and
GET /api/reports/code-compliance would return, under the same role rules and audit."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from engine.api import plans
from engine.api.auth import refuse
from engine.api.pages import guarded, page
from engine.api.roles import Principal, Role
from engine.api.service import Reader
from engine.errors import LiaisonError
from engine.plan.scenario import NATIONAL
from engine.reports import Quarter

router = APIRouter(prefix="/dashboard", include_in_schema=False)


@router.get("/plan")
def plan(request: Request, area: str | None = None, under: str | None = None,
         step: str | None = None) -> Response:
    def render(who: Principal, svc: Reader) -> Response:
        if who.role is not Role.national_lead:
            raise refuse(svc.engine, request, who, 403, "plans are for national leads")
        facts = svc.facts
        areas = sorted(facts.area_names)
        steps = facts.step_order()
        chosen = {"area": area or "", "under": under or "", "step": step or ""}
        for name, value, allowed in (("area", area, areas), ("under", under, [*areas, NATIONAL]),
                                     ("step", step, steps)):
            if value and value not in allowed:
                raise HTTPException(400, f"unknown {name} {value!r}: choose one from the list")
        report = None
        if area and under and step:
            body = plans.PlanBody(area=area, under=under, steps=[step])
            try:
                report = plans.run_plan(svc, request, who, body, request.app.state.config_dir)
            except LiaisonError as exc:
                raise HTTPException(exc.http_status, str(exc)) from None
        choices = {"area": [(a, facts.area_names[a]) for a in areas],
                   "under": [(NATIONAL, "The national framework alone"),
                             *((a, facts.area_names[a]) for a in areas)],
                   "step": [(s, svc.words.step(s)) for s in steps]}
        return page(request, "plan_page.html.j2", who=who, active="plan", report=report,
                    chosen=chosen, choices=choices,
                    banner_areas=frozenset(a for a in (area, under) if a in facts.area_names))

    return guarded(request, render)


@router.get("/code-compliance")
def code_compliance(request: Request, quarter: str | None = None) -> Response:
    def render(who: Principal, svc: Reader) -> Response:
        if quarter:
            try:
                Quarter.parse(quarter)
            except ValueError as exc:
                raise HTTPException(400, str(exc)) from None
        report = plans.code_compliance(svc, request, who, quarter or None, None, None)
        return page(request, "code_compliance_page.html.j2", who=who, active="code",
                    report=report, quarter=report.data["quarter"])

    return guarded(request, render)
