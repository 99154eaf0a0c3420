"""The FastAPI application: the read API under /api and the dashboard under /dashboard.

`create_app()` loads the configuration once and checks the store's schema, so a
misconfigured server fails at start, not on the first request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from engine.api import plans
from engine.api.acks import AckBody, acknowledge
from engine.api.auth import principal_of
from engine.api.headers import SecurityHeaders
from engine.api.refusals import RefusalLog
from engine.api.roles import Principal
from engine.api.service import FLAG_LIMIT, FLAG_PAGE, MAX_OFFSET, FlagFilter, Reader
from engine.errors import LiaisonError
from engine.terms import Owner, Severity, Status

QUARTER = r"^\d{4}-?Q[1-4]$"
NAME = plans.NAME


def reader(request: Request) -> Reader:
    """The app's read service (scope rules and audit)."""
    r: Reader = request.app.state.reader
    return r


# Module level, not inside create_app: FastAPI resolves these annotations by name.
Caller = Annotated[Principal, Depends(principal_of)]
Service = Annotated[Reader, Depends(reader)]


async def _liaison_error(request: Request, exc: Exception) -> JSONResponse:
    """The error tree's HTTP status (engine/errors.py). A client's own mistake (4xx) is
    explained; a server-side one (5xx) is not, since its text can name files or rows."""
    status = exc.http_status if isinstance(exc, LiaisonError) else 500
    detail = str(exc) if status < 500 else "the server could not answer; see its log"
    return JSONResponse({"detail": detail}, status_code=status)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """On the way down, write the refusal counts of the minute in progress."""
    yield
    app.state.refusals.flush()


def create_app(db_url: str | None = None, config_dir: Path = Path("area_configs")) -> FastAPI:
    from engine.reports import facts_for
    from engine.store import checked_engine

    app = FastAPI(title="liaison", version="1", docs_url="/docs", redoc_url=None,
                  lifespan=_lifespan,
                  description="Read API of the liaison engine: cases, flags, the stage board "
                              "and the national comparison, under contract §8 access rules.")
    engine = checked_engine(db_url)
    app.state.engine = engine
    app.state.reader = Reader(engine, facts_for(config_dir))
    app.state.config_dir = config_dir
    app.state.refusals = RefusalLog(engine)
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(LiaisonError, _liaison_error)

    @app.get("/api/cases/{case_id}", tags=["cases"],
             summary="One case: events, step instances and explanations (case-level, audited)")
    def get_case(case_id: str, request: Request, who: Caller, svc: Service) -> dict[str, Any]:
        return svc.case(request, who, case_id)

    @app.get("/api/flags", tags=["cases"],
             summary="Flagged instances in the token's scope, a page at a time (case-level, "
                     "audited)")
    def get_flags(request: Request, who: Caller, svc: Service,
                  area: str | None = None, step: str | None = None,
                  status: Status | None = None, owner: Owner | None = None,
                  severity: Severity | None = None,
                  limit: Annotated[int, Query(ge=1, le=FLAG_LIMIT)] = FLAG_PAGE,
                  after: Annotated[str | None, Query(max_length=512, description=(
                      "The `next` cursor of the previous page."))] = None,
                  offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict[str, Any]:
        # enums: a misspelt status, owner or severity is a 422 naming the allowed values
        f = FlagFilter(area, step, status and status.value, owner and owner.value,
                       severity and severity.value)
        page = svc.flags(request, who, f, limit, after, offset)
        return {"filters": f.as_dict(), "count": len(page.rows), "limit": limit,
                "offset": offset, "more": page.more, "next": page.next, "flags": page.rows}

    @app.post("/api/flags/{flag_id}/ack", tags=["cases"], status_code=201,
              summary="Acknowledge a flag with a reason from a fixed list (audited)")
    def post_ack(flag_id: str, body: AckBody, request: Request, who: Caller,
                 svc: Service) -> dict[str, Any]:
        return acknowledge(svc.engine, request, who, svc.areas(who), flag_id, body.reason)

    @app.get("/api/board", tags=["aggregates"],
             summary="Stage board for the token's scope (suppressed for national leads)")
    def get_board(request: Request, who: Caller, svc: Service) -> dict[str, Any]:
        return svc.board(request, who).data

    @app.get("/api/reports/national", tags=["aggregates"],
             summary="National variant comparison, from the snapshot the sweep writes "
                     "(disclosure-controlled; ETag; states its as-of)")
    def get_national(request: Request, who: Caller, svc: Service) -> Response:
        snap = svc.national_snapshot(request, who)
        headers = {"ETag": snap.etag, "Cache-Control": "private, no-cache",
                   "X-Liaison-As-Of": snap.as_of.isoformat()}
        if snap.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(snap.data_json, media_type="application/json", headers=headers)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness, with no database or token: also the load benchmark's floor."""
        return {"status": "ok"}

    @app.get("/api/reports/code-compliance", tags=["aggregates"],
             summary="Victims' Code compliance per area, right and body for a quarter "
                     "(disclosure control, audited)")
    def get_code_compliance(
            request: Request, who: Caller, svc: Service,
            quarter: Annotated[str | None, Query(pattern=QUARTER)] = None,
            area: Annotated[str | None, Query(pattern=NAME)] = None,
            cps_area: Annotated[str | None, Query(pattern=NAME)] = None) -> dict[str, Any]:
        return plans.code_compliance(svc, request, who, quarter, area, cps_area).data

    @app.post("/api/plans", tags=["aggregates"], openapi_extra=plans.OPENAPI_BODY,
              summary="A variant impact or a draft framework's plan, aggregates only "
                      "(national leads; size-limited, audited)")
    async def post_plan(request: Request, who: Caller, svc: Service) -> dict[str, Any]:
        body = await plans.read_body(request)  # the size is checked before reading
        report = await run_in_threadpool(plans.run_plan, svc, request, who, body,
                                         request.app.state.config_dir)
        return report.data

    @app.get("/api/audit", tags=["audit"], summary="The latest audit entries (auditors)")
    def get_audit(request: Request, who: Caller, svc: Service,
                  limit: Annotated[int, Query(ge=1, le=5000)] = 200) -> dict[str, Any]:
        return {"entries": svc.audit_entries(request, who, limit)}

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/dashboard/board")

    from engine.api import assets, plan_pages
    from engine.api.dashboard import router

    app.include_router(router)
    app.include_router(plan_pages.router)
    app.include_router(assets.router)
    # Pages and answers go compressed to clients that ask: the national page's heat map
    # and its table are half a megabyte of markup but a thirtieth of that on the wire.
    # Safe against BREACH-style guessing: no page body holds a secret (the token
    # travels in an HttpOnly cookie) and what a page echoes from its URL is checked
    # against fixed lists first.
    from starlette.middleware.gzip import GZipMiddleware

    app.add_middleware(GZipMiddleware, minimum_size=1024)
    return app
