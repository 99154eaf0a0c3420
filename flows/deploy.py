"""`deploy_flow`: validate an area's overlay, publish the plan, then deploy it.

Each stage is the engine's: `validate_paths` (every problem in the overlay and the
national framework it extends), `engine.deploy.plan` (what the new version would change
on the area's open cases) and `engine.deploy.deploy` (a new version plus its audit entry,
refused if the file changed since the plan). The flow refuses on any error: the plan
artifact says why and the run ends Failed, with nothing deployed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from engine.config import collect
from engine.deploy import Plan, deploy, overlay_path, plan
from engine.errors import ConfigError, ConfigProblem, LiaisonError
from engine.logging import bound_contextvars, configure_logging
from engine.store import current_actor
from flows import settings

PLAN_LIST_LIMIT = 50


def plan_key(area: str) -> str:
    """The artifact key of an area's deploy plan (letters, digits and dashes only)."""
    return f"deploy-plan-{area}"


def candidate_path(config_dir: str, area: str, overlay: str | None) -> Path:
    """The overlay to deploy: the given file, else CONFIG_DIR/areas/AREA.yaml."""
    return Path(overlay).resolve() if overlay else overlay_path(Path(config_dir), area)


@task
def validate_overlay(config_dir: str, area: str, overlay: str | None) -> list[str]:
    """Every problem of the overlay and of the national framework it extends: raise on
    any error, return the warnings."""
    path = candidate_path(config_dir, area, overlay)
    if not path.is_file():
        raise ConfigError([ConfigProblem(str(path), None, None, "",
                                         f"no overlay for area {area!r}",
                                         f"a file {path.name} in {path.parent}")])
    _, problems = collect(Path(config_dir), overlay_paths=[path])
    if any(p.severity == "error" for p in problems):
        raise ConfigError(problems)
    return [p.render() for p in problems]


@task
def plan_deploy(db_url: str, area: str, config_dir: str, overlay: str | None,
                effective_from: date | None) -> Plan:
    with bound_contextvars(area=area):
        return plan(db_url, area, Path(config_dir), candidate_path(config_dir, area, overlay),
                    effective_from=effective_from)


@task
def apply_deploy(db_url: str, area: str, config_dir: str, planned: Plan, who: str | None,
                 role: str | None) -> int:
    with bound_contextvars(area=area):
        done = deploy(db_url, area, current_actor(who, role), Path(config_dir),
                      Path(planned.file), planned=planned)
    return done.version_id


def plan_markdown(area: str, p: Plan, warnings: list[str]) -> str:
    lines = [f"# Deploy plan for {area}", "",
             f"- file: `{p.file}` (version {p.version}, framework {p.framework_version})",
             f"- in force from {p.effective_from.isoformat()}",
             f"- open cases evaluated as of {p.as_of.isoformat()}: {p.open_cases}",
             f"- instances changing status: {len(p.changes)} in {p.changed_cases} case(s)",
             f"- new flags: {len(p.new_flags)}", ""]
    if warnings:
        lines += ["## Warnings", ""] + [f"- {w}" for w in warnings] + [""]
    if p.changes:
        lines += ["| case | step | trigger event | now | with this version | new flag |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {c.case_id} | {c.step} | {c.trigger_event or '-'} | "
                  f"{c.before or '(none)'} | {c.after or '(none)'} | "
                  f"{'yes' if c.new_flag else ''} |" for c in p.changes[:PLAN_LIST_LIMIT]]
        if len(p.changes) > PLAN_LIST_LIMIT:
            lines.append(f"\n... and {len(p.changes) - PLAN_LIST_LIMIT} more.")
    return "\n".join(lines) + "\n"


def refusal_markdown(area: str, error: Exception) -> str:
    problems = error.problems if isinstance(error, ConfigError) else []
    errors = [p.render() for p in problems if p.severity == "error"] or [str(error)]
    return "\n".join([f"# Deploy of {area} refused", "", "Nothing was deployed.", "",
                      *[f"- {e}" for e in errors]]) + "\n"


@flow(name="deploy")
def deploy_flow(area: str, effective_from: date | None = None, overlay: str | None = None,
                db_url: str | None = None, config_dir: str | None = None,
                who: str | None = None, role: str | None = None) -> dict[str, Any]:
    """Validate `area`'s overlay (`overlay`, else CONFIG_DIR/areas/AREA.yaml), publish
    the plan, deploy it from `effective_from` (default: the overlay's own). Raises,
    deploying nothing, on any error."""
    configure_logging()
    logger = get_run_logger()
    url = settings.database_url(db_url)
    configs = str(settings.config_dir(config_dir))
    try:
        warnings = validate_overlay(configs, area, overlay)
        planned = plan_deploy(url, area, configs, overlay, effective_from)
    except LiaisonError as exc:
        create_markdown_artifact(key=plan_key(area), markdown=refusal_markdown(area, exc),
                                 description=f"Deploy of {area} refused")
        logger.error("deploy of %s refused: %s", area, exc)
        raise
    create_markdown_artifact(key=plan_key(area), markdown=plan_markdown(area, planned, warnings),
                             description=f"Deploy plan for {area}")
    version_id = apply_deploy(url, area, configs, planned, who, role)
    logger.info("deployed %s as version %d from %s", area, version_id,
                planned.effective_from.isoformat())
    return {"area": area, "version_id": version_id,
            "effective_from": planned.effective_from.isoformat(),
            "changes": len(planned.changes), "new_flags": len(planned.new_flags)}
