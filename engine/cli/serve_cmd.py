"""`liaison serve` (the read API and dashboard) and `liaison token create|revoke`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.cli.store_common import AsOpt, ConfigDirOpt, DbOpt, actor, err, fail, out, store_errors
from engine.terms import Role

token_app = typer.Typer(no_args_is_help=True, help="Bearer tokens for the API and dashboard.")

ROLES = " | ".join(Role)


def serve(host: Annotated[str, typer.Option("--host", help="Interface to listen on.")]
          = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
          db: DbOpt = None, config_dir: ConfigDirOpt = Path("area_configs")) -> None:
    """Serve the read API (/api, /openapi.json) and the dashboard (/dashboard)."""
    import uvicorn

    from engine.api.app import create_app

    with store_errors():
        app = create_app(db, config_dir)
    err.print(f"dashboard at http://{host}:{port}/dashboard · API schema at "
              f"http://{host}:{port}/openapi.json")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@token_app.command("create")
def create(role: Annotated[str, typer.Option("--role", help=ROLES)],
           area: Annotated[str | None, typer.Option("--area", help="Police force area (for "
                                                    "force_data_team, isva_service).")] = None,
           cps_area: Annotated[str | None, typer.Option("--cps-area", help="CPS Area (for "
                                                        "cps_unit).")] = None,
           db: DbOpt = None, config_dir: ConfigDirOpt = Path("area_configs"),
           who: AsOpt = None) -> None:
    """Issue a token. Only its hash is stored: the token is printed once, alone on the
    last line."""
    from engine.api.roles import ScopeError
    from engine.api.tokens import create_token
    from engine.config import load_config
    from engine.store import checked_engine, record, writing
    from engine.terms import Role

    try:
        r = Role(role)
    except ValueError:
        raise fail(f"unknown role {role!r}; allowed: {ROLES}") from None
    with store_errors():
        config = load_config(config_dir)
        if area is not None and area not in config.register:
            raise fail(f"unknown area {area!r}: not in the register")
        if cps_area is not None and cps_area not in config.cps_areas:
            raise fail(f"unknown CPS Area {cps_area!r}; allowed: "
                       f"{', '.join(sorted(config.cps_areas))}")
        engine = checked_engine(db)
        by = actor(who, "auditor" if r is Role.auditor else None)
        try:
            issued = create_token(engine, r, area, cps_area, created_by=by.who)
        except ScopeError as exc:
            raise fail(str(exc)) from None
        with writing(engine) as conn:
            record(conn, by.who, by.role, "token.create",
                   {"token": issued.principal.name, "role": str(r), "area": area,
                    "cps_area": cps_area})
    out.print(f"{issued.principal.name} for {r} ({issued.principal.scope}); "
              "shown once, store it now:")
    out.print(issued.token, markup=False)


@token_app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="The token's public id (the part "
                                                   "after lia_).")],
           db: DbOpt = None, who: AsOpt = None) -> None:
    """Revoke a token by its public id."""
    from engine.api.tokens import revoke_token
    from engine.store import checked_engine, record, writing

    with store_errors():
        engine = checked_engine(db)
        if not revoke_token(engine, token_id):
            raise fail(f"no live token {token_id!r}")
        by = actor(who, None)
        with writing(engine) as conn:
            record(conn, by.who, by.role, "token.revoke", {"token": f"token:{token_id}"})
    out.print(f"revoked token:{token_id}")
