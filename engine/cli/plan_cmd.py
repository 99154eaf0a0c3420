"""`liaison plan`: what a change of rules would do to the cases in the store.

- `liaison plan AREA`: deploying the area's overlay (its open cases; engine.deploy);
- `liaison plan --framework DRAFT_DIR [--area A ...]`: a draft national framework with
  every overlay on top (the national plan);
- `liaison plan --area A --under B|national [--step S]`: one area under another's
  variant, or under the bare national floor (variant impact).

The last two write the report as JSON, CSV and HTML and print the paths, as `liaison
report` does. All three replay through one function (engine.plan.replay).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.cli import deploy_cmd
from engine.cli.store_common import ConfigDirOpt, DbOpt, fail, out, parse_as_of, store_errors

AreaArgOpt = Annotated[str | None, typer.Argument(
    help="Preview deploying this area's overlay (e.g. kent); omit with --framework/--under.")]


def plan(area: AreaArgOpt = None,
         framework: Annotated[Path | None, typer.Option(
             "--framework", help="A draft national framework directory (its framework.yaml; "
             "missing national files are taken from CONFIG_DIR/national).")] = None,
         areas: Annotated[list[str] | None, typer.Option(
             "--area", help="Only this area's cases (repeatable); with --under, the area "
             "replayed.")] = None,
         under: Annotated[str | None, typer.Option(
             "--under", help="Replay --area under this area's variant, or 'national'.")] = None,
         step: Annotated[list[str] | None, typer.Option(
             "--step", help="Only this step (repeatable).")] = None,
         workers: Annotated[int, typer.Option("--workers", min=1,
                                              help="Processes to spread partitions over.")] = 1,
         out_dir: Annotated[Path, typer.Option("--out", help="Directory for the files.")] = Path(
             "reports"),
         db: DbOpt = None, config_dir: ConfigDirOpt = Path("area_configs"),
         overlay: deploy_cmd.OverlayOpt = None, effective_from: deploy_cmd.EffectiveOpt = None,
         as_of: deploy_cmd.AsOfOpt = None,
         limit: Annotated[int, typer.Option("--limit", help="Changes to list (AREA form).")
                          ] = deploy_cmd.LIST_LIMIT) -> None:
    """What a change of rules would do: an area's overlay (AREA), a draft national
    framework (--framework) or another area's variant (--area A --under B). Nothing is
    written to the store."""
    if area is not None:
        if framework or under or areas or step:
            raise fail("give AREA alone (an overlay deployment), or --framework / --under "
                       "without AREA")
        deploy_cmd.plan(area, db, config_dir, overlay, effective_from, as_of, limit)
        return
    if (framework is None) == (under is None):
        raise fail("give AREA, or --framework DRAFT_DIR, or --area A --under B|national")
    from engine.plan import framework_plan, variant_plan
    from engine.plan.report import build_plan_report
    from engine.reports import write_report

    instant = parse_as_of(as_of)
    with store_errors():
        if framework is not None:
            result = framework_plan(db, framework, config_dir, areas, instant, workers,
                                    tuple(step) if step else None)
            stem = "plan-framework"
        else:
            if not areas or len(areas) != 1:
                raise fail("--under needs exactly one --area (the area whose cases are replayed)")
            assert under is not None
            result = variant_plan(db, areas[0], under, config_dir, tuple(step) if step else None,
                                  instant, workers)
            stem = f"plan-{areas[0]}-under-{under}"
        report = build_plan_report(result)
        for path in write_report(report, out_dir, stem):
            out.print(str(path))
