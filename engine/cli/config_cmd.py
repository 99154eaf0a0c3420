"""`liaison config`: validate, show, diff, compare and schema for area configuration.

Exit codes: 0 when valid (warnings allowed), 2 when any config error or bad argument.
Problems print one per line as `file:line:col: severity: field: message (allowed: ...)`,
the form editors and CI logs turn into links.
"""

from __future__ import annotations

import io
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from engine.cli.store_common import (
    CONFIG_ENV,
    DEFAULT_CONFIG_DIR,
    ConfigDirOpt,
    fail,
    require_config_dir,
)
from engine.cli.table import print_table
from engine.errors import ConfigProblem

if TYPE_CHECKING:
    from engine.config import ConfigSet

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Validate, inspect and compare the national framework and area overlays.")
# Piped output (CI logs, files) is not cut to 80 columns.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)

Today = Annotated[str | None, typer.Option(
    "--today", help="Judge derogation expiry as of this date (YYYY-MM-DD; default today).")]


def _today(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"--today {text!r} is not a date (allowed: YYYY-MM-DD)") from None


def _print_problems(problems: list[ConfigProblem], console: Console) -> None:
    missing = [p for p in problems if p.code == ConfigProblem.NO_OVERLAY]
    for p in problems:
        if p not in missing:
            console.print(p.render(), markup=False)
    if missing:
        areas = ", ".join(p.field.removeprefix("areas.") for p in missing)
        console.print(f"{missing[0].file}: warning: {len(missing)} areas have no overlay and are "
                      f"evaluated against the national framework alone; their SPOCs are "
                      f"unknown: {areas}", markup=False)


def _load(config_dir: Path, today: date | None = None) -> ConfigSet:
    from engine.config import collect

    cs, problems = collect(config_dir, today=today)
    if any(p.severity == "error" for p in problems):
        _print_problems([p for p in problems if p.severity == "error"], err)
        err.print("error: the configuration has errors; run `liaison config validate`",
                  markup=False)
        raise typer.Exit(2)
    return cs


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        err.print(f"error: --format {fmt!r} is not allowed (allowed: {' | '.join(allowed)})",
                  markup=False)
        raise typer.Exit(2)


@app.command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Config directories (national/, areas/, mappings/), overlays or mappings.")] = None,
    today: Today = None,
) -> None:
    """Check every config file and print every problem at once (exit 2 on errors)."""
    from engine.config import validate_paths

    if not paths:  # the config folder, found as every command finds it
        env = os.environ.get(CONFIG_ENV)
        require_config_dir(Path(env) if env else DEFAULT_CONFIG_DIR,
                           "ENVIRONMENT" if env else "DEFAULT")
    targets = paths or [Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_DIR)]
    for p in targets:
        if not p.exists():
            err.print(f"error: {p}: no such file or directory", markup=False)
            raise typer.Exit(2)
    from engine.mapping.loader import is_mapping_file, validate_mapping_paths

    mappings = [p for p in targets if is_mapping_file(p)]
    others = [p for p in targets if p not in mappings]
    problems: list[ConfigProblem] = []
    checked = []
    if others:
        from engine.notify.check import notify_problems

        cs, problems = validate_paths(others, today=_today(today))
        problems += notify_problems(cs)
        checked.append(f"{len(cs.built)} overlay{'s' * (len(cs.built) != 1)}")
        version = cs.framework_version
    n_maps, map_problems = validate_mapping_paths([*[p for p in others if p.is_dir()],
                                                   *mappings])
    problems += map_problems
    if n_maps or not others:
        checked.append(f"{n_maps} mapping{'s' * (n_maps != 1)}")
    _print_problems(problems, out)
    errors = sum(p.severity == "error" for p in problems)
    # Counted as printed: the areas without an overlay share one warning line.
    missing = sum(p.code == ConfigProblem.NO_OVERLAY for p in problems)
    warnings = len(problems) - errors - missing + (1 if missing else 0)
    against = f"the national framework {version}" if others else "the national vocabulary"
    out.print(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
              f"{f' (one lists the {missing} areas with no overlay)' if missing else ''}; "
              f"{' and '.join(checked)} checked against {against}", markup=False)
    raise typer.Exit(2 if errors else 0)


def _area_template(cs: ConfigSet, area: str) -> Any:
    from engine.vocabulary import did_you_mean

    if area == "national":
        return cs.national
    if area not in cs.register:
        err.print(f'error: area "{area}" is not in the register'
                  f"{did_you_mean(area, cs.register)}", markup=False)
        raise typer.Exit(2)
    return cs.templates.get(area, cs.national)


@app.command()
def show(
    area: Annotated[str, typer.Argument(help="An area id, or 'national'.")],
    fmt: Annotated[str, typer.Option("--format", help="table | yaml | json")] = "table",
    config_dir: ConfigDirOpt = Path("area_configs"),
) -> None:
    """The resolved template of AREA, every field with the file:line it came from."""
    from engine.config.show import template_document

    _check_format(fmt, ("table", "yaml", "json"))
    cs = _load(config_dir)
    doc = template_document(_area_template(cs, area))
    if fmt == "json":
        out.print(json.dumps(doc, indent=2), markup=False)
        return
    if fmt == "yaml":
        from ruamel.yaml import YAML

        buf = io.StringIO()
        y = YAML()
        y.default_flow_style = False
        y.dump(doc, buf)
        out.print(buf.getvalue(), markup=False, end="")
        return
    if area != "national" and not doc["has_overlay"]:
        out.print(f"{area} has no overlay: the national framework applies.", markup=False)
    out.print(f"{doc['area']} {doc['version']} from {doc['effective_from']}", markup=False)
    if doc["extra_non_working_days"]:
        out.print("extra non-working days: " + ", ".join(doc["extra_non_working_days"]),
                  markup=False)
    rows = []
    for step in doc["steps"]:
        first = True
        for name, f in step["fields"].items():
            if f["value"] in (None, [], {}) and name not in ("trigger",):
                continue
            rows.append((step["id"] if first else "", name,
                         json.dumps(f["value"]) if not isinstance(f["value"], str) else f["value"],
                         f["from"] or ""))
            first = False
    print_table(out, None, ("step", "field", "value", "from"), rows)
    for sid, d in doc["disabled_with_derogation"].items():
        out.print(f"disabled: {sid} (approved by {d['approved_by']}, expires {d['expires']})",
                  markup=False)


@app.command()
def diff(
    area: Annotated[str, typer.Argument(help="An area id.")],
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    config_dir: ConfigDirOpt = Path("area_configs"),
) -> None:
    """AREA against the national framework: added, tightened, loosened, disabled, unchanged."""
    from engine.config.compare import diff_rows

    _check_format(fmt, ("table", "json"))
    cs = _load(config_dir)
    _area_template(cs, area)
    rows = diff_rows(cs, area)
    tpl = cs.templates.get(area)
    extra = sorted(d.isoformat() for d in tpl.extra_non_working_days) if tpl else []
    if fmt == "json":
        out.print(json.dumps({"area": area, "extra_non_working_days": extra, "steps": rows},
                             indent=2), markup=False)
        return
    if area not in cs.templates:
        out.print(f"{area} has no overlay: every step is the national one.", markup=False)
    print_table(out, f"{area} against the national framework {cs.framework_version}",
                ("step", "status", "changes", "derogation"),
                [(r["step"], r["status"],
                  "; ".join(f"{c['field']}: {c['verdict']}: {c['detail']}" for c in r["changes"]),
                  f"{r['derogation']['approved_by']}, expires {r['derogation']['expires']}"
                  if r["derogation"] else "") for r in rows],
                whole=("step",))
    if extra:
        out.print("extra non-working days (working-day deadlines run over them): "
                  + ", ".join(extra), markup=False)


@app.command()
def compare(
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json")] = "table",
    config_dir: ConfigDirOpt = Path("area_configs"),
    today: Today = None,
) -> None:
    """The matrix of every overlay area against every national step (and local steps)."""
    from engine.config.compare import render_matrix

    _check_format(fmt, ("table", "csv", "json"))
    cs = _load(config_dir)
    if fmt == "table":
        render_matrix(cs, "table", console=out, today=_today(today))
    else:
        out.print(render_matrix(cs, fmt, today=_today(today)), markup=False, end="")


@app.command()
def schema(
    mapping: Annotated[bool, typer.Option(
        "--mapping", help="The schema of source mapping files instead of overlays.")] = False,
) -> None:
    """Print the JSON Schema for overlay files, or mapping files (generated from the models)."""
    if mapping:
        from engine.mapping.schema import mapping_schema_text

        out.print(mapping_schema_text(), markup=False, end="")
        return
    from engine.config.schema import overlay_schema_text

    out.print(overlay_schema_text(), markup=False, end="")
