"""Plans and the Victims' Code view over HTTP, for the API and the dashboard alike.

A plan is for national leads only. What it returns is aggregates only (no case id ever:
the most affected cases stay with the CLI's auditor), under the published tables'
disclosure control, and every run is audited with what was asked. Its input is
size-limited: a draft framework of at most MAX_DRAFT_BYTES, at most MAX_LIST names in a
list, and a request body refused before it is read when it declares more than
MAX_BODY_BYTES (or declares nothing).
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from engine.api.auth import audit, refuse
from engine.api.roles import Principal, Role
from engine.api.service import Reader
from engine.errors import ConfigError
from engine.reports import Report

MAX_DRAFT_BYTES = 256 * 1024
MAX_BODY_BYTES = MAX_DRAFT_BYTES + 16 * 1024
MAX_LIST = 50
NAME = r"^[a-z][a-z0-9_-]{0,63}$"


class PlanBody(BaseModel):
    """One plan: `area` under `under` (another area or "national"), or a draft national
    `framework_yaml` (optionally for some `areas`); `steps` narrows what is replayed."""

    model_config = ConfigDict(extra="forbid")

    area: str | None = Field(default=None, pattern=NAME)
    under: str | None = Field(default=None, pattern=NAME)
    framework_yaml: str | None = Field(default=None, max_length=MAX_DRAFT_BYTES)
    areas: list[str] | None = Field(default=None, max_length=MAX_LIST)
    steps: list[str] | None = Field(default=None, max_length=MAX_LIST)
    as_of: datetime | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> PlanBody:
        if (self.framework_yaml is None) == (self.under is None):
            raise ValueError("give either under (with area) or framework_yaml")
        if self.under is not None and self.area is None:
            raise ValueError("under needs the area whose cases are replayed")
        if self.as_of is not None and self.as_of.tzinfo is None:
            raise ValueError("as_of needs a UTC offset")
        for name in (*(self.areas or ()), *(self.steps or ())):
            if len(name) > 64:
                raise ValueError("names are at most 64 characters")
        return self


OPENAPI_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": PlanBody.model_json_schema()}}}}


async def read_body(request: Request) -> PlanBody:
    """The request's plan, its size checked before anything is read (the server frames
    the body by its Content-Length, so nothing past the declared size arrives)."""
    declared = request.headers.get("content-length")
    if declared is None:
        raise HTTPException(411, "a plan request must declare its Content-Length")
    if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
        raise HTTPException(413, f"a plan request is at most {MAX_BODY_BYTES} bytes")
    raw = await request.body()
    try:
        return PlanBody.model_validate_json(raw)
    except ValidationError as exc:
        raise HTTPException(422, [{"loc": list(e["loc"]), "msg": e["msg"]}
                                  for e in exc.errors()]) from None


def _relative(file: str, config_dir: Path) -> str:
    """A config file as the caller knows it, never the server's own path."""
    try:
        return Path(file).resolve().relative_to(config_dir.resolve()).as_posix()
    except ValueError:
        return Path(file).name


def run_plan(svc: Reader, request: Request, who: Principal, body: PlanBody,
             config_dir: Path) -> Report:
    """Make the plan (refused unless the caller is a national lead) and audit it."""
    from engine.plan import framework_plan, variant_plan
    from engine.plan.report import build_plan_report

    if who.role is not Role.national_lead:
        raise refuse(svc.engine, request, who, 403, "plans are for national leads")
    url = svc.engine.url.render_as_string(hide_password=False)
    steps = tuple(body.steps) if body.steps else None
    asked: dict[str, Any] = {"area": body.area, "under": body.under, "areas": body.areas,
                             "steps": body.steps,
                             "as_of": body.as_of.isoformat() if body.as_of else None}
    if body.framework_yaml is not None:
        text = body.framework_yaml
        asked["framework_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        with tempfile.TemporaryDirectory(prefix="liaison-plan-") as tmp:
            (Path(tmp) / "framework.yaml").write_text(text, encoding="utf-8")
            try:
                result = framework_plan(url, Path(tmp), config_dir, body.areas, body.as_of,
                                        workers=2, steps=steps)
            except ConfigError as exc:
                raise HTTPException(422, [p.render().replace(tmp + "/", "")
                                          for p in exc.problems]) from None
    else:
        assert body.area is not None and body.under is not None
        result = variant_plan(url, body.area, body.under, config_dir, steps, body.as_of)
    report = build_plan_report(result, suppress=True, with_cases=False)
    for b in report.data["below_floor"]:
        b["file"] = _relative(b["file"], config_dir)
    audit(svc.engine, who, "api.plan", {**asked, "path": request.url.path,
                                        "kind": result.scenario.kind,
                                        "steps_replayed": list(result.steps),
                                        "cases": sum(result.tally.cases.values())})
    return report


def code_compliance(svc: Reader, request: Request, who: Principal, quarter: str | None,
                    area: str | None, cps_area: str | None) -> Report:
    """The Victims' Code view for the caller's scope (every area for a national lead),
    always under disclosure control: it is a published table."""
    from engine.reports import Quarter, build_code_compliance
    from engine.reports.source import latest_as_of
    from engine.store import reading

    if who.role is Role.auditor:
        raise refuse(svc.engine, request, who, 403, "auditors read the audit log")
    facts = svc.facts
    scope = svc.areas(who)
    if area is not None and cps_area is not None:
        raise HTTPException(422, "give area or cps_area, not both")
    if area is not None:
        wanted: frozenset[str] | None = frozenset({area})
        label = facts.area_names.get(area, area)
    elif cps_area is not None:
        if cps_area not in facts.cps_names:
            raise HTTPException(422, "unknown cps_area")
        wanted, label = frozenset(facts.areas_of_cps(cps_area)), facts.cps_names[cps_area]
    else:
        wanted, label = scope, "all areas" if scope is None else ", ".join(
            facts.area_names.get(a, a) for a in sorted(scope))
    if wanted is not None and (not wanted <= set(facts.area_names)
                               or (scope is not None and not wanted <= scope)):
        raise refuse(svc.engine, request, who, 404, "area outside the token's scope",
                     area=area, cps_area=cps_area)
    if quarter is None:
        with reading(svc.engine) as conn:
            latest = latest_as_of(conn)
        q = Quarter.containing(latest) if latest else Quarter(2026, 1)
    else:
        q = Quarter.parse(quarter)
    audit(svc.engine, who, "api.report.code_compliance",
          {"quarter": str(q), "area": area, "cps_area": cps_area, "path": request.url.path})
    return build_code_compliance(svc.engine, facts, q, None if wanted is None else sorted(wanted),
                                 label)
