"""`liaison simulate`: write a seeded synthetic cohort with its ground truth.

Exit 0 when written; 2 for bad input (an unknown area, a bad number or timestamp, a
config with errors), with the reason on stderr.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from engine.cli.store_common import ConfigDirOpt, err, fail

if TYPE_CHECKING:
    from engine.config import ConfigSet


def simulate(
    areas: Annotated[str, typer.Option("--areas", help="Comma-separated area ids, 'all' (the 43 forces) or 'overlays' (areas with an overlay).")],  # noqa: E501
    cases: Annotated[int, typer.Option("--cases", help="Number of cases.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed: the same seed gives byte-identical files.")],  # noqa: E501
    out: Annotated[Path, typer.Option("--out", help="Directory for events.jsonl, truth.jsonl and manifest.json.")],  # noqa: E501
    years: Annotated[float, typer.Option("--years", help="Reports spread over this many years before --as-of.")] = 3.0,  # noqa: E501
    as_of: Annotated[str | None, typer.Option("--as-of", help="RFC 3339 instant at which the truth holds (default 2026-11-27T12:00:00+00:00).")] = None,  # noqa: E501
    csv_too: Annotated[bool, typer.Option("--csv", help="Also write events.csv.")] = False,
    rates: Annotated[Path | None, typer.Option("--rates", help="JSON file of failure rates: {default, steps, areas}.")] = None,  # noqa: E501
    calibration: Annotated[Path | None, typer.Option("--calibration", help="JSON file overriding calibration fields.")] = None,  # noqa: E501
    workers: Annotated[int, typer.Option("--workers", help="Processes drawing cases (0: one per core).")] = 0,  # noqa: E501
    config_dir: ConfigDirOpt = Path("area_configs"),
    as_extracts: Annotated[Path | None, typer.Option("--as-extracts", help="Also write the cohort as the three example source-system extracts (police CSV, CPS CSV, ISVA XLSX) in this directory.")] = None,  # noqa: E501
) -> None:
    """Generate a synthetic cohort: events, the injected failures (truth) and a manifest."""
    from engine.config import load_config
    from engine.errors import ConfigError
    from engine.events import parse_timestamp
    from engine.simulate import (
        DEFAULT_AS_OF,
        Calibration,
        CohortSpec,
        FailureRates,
        resolve_areas,
        write_cohort,
    )

    if cases < 1:
        raise fail(f"--cases must be at least 1 (got {cases})")
    if not 0 < years <= 50:
        raise fail(f"--years must be more than 0 and at most 50 (got {years})")
    try:
        instant = DEFAULT_AS_OF if as_of is None else parse_timestamp(as_of)
    except ValueError as exc:
        raise fail(f"--as-of {as_of!r} {exc}") from None
    try:
        config = load_config(config_dir)
    except ConfigError as exc:
        raise fail(f"the configuration has errors; run 'liaison config validate'\n{exc}") from None
    chosen = resolve_areas(areas, config)
    unknown = [a for a in chosen if a not in config.register]
    if not chosen or unknown:
        from engine.vocabulary import did_you_mean

        hint = did_you_mean(unknown[0], [*config.register, "all", "overlays"]) if unknown else ""
        raise fail(f"--areas: {', '.join(unknown) or 'none given'} not in the register{hint} "
                   f"(allowed: area ids, 'all' or 'overlays')")
    try:
        failure_rates = (FailureRates.from_mapping(json.loads(rates.read_text()))
                         if rates else FailureRates())
        calib = Calibration()
        if calibration is not None:
            calib = calib.with_overrides(json.loads(calibration.read_text()))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise fail(f"could not read the rates or calibration file: {exc}") from None
    spec = CohortSpec(chosen, cases, seed, years, instant, calib, failure_rates)
    n_workers = workers if workers > 0 else min(os.cpu_count() or 1, 4)
    with Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=False) as bar:
        task = bar.add_task("cases", total=cases)
        summary = write_cohort(spec, config, out, csv_too=csv_too,
                               progress=lambda n: bar.update(task, completed=n),
                               workers=n_workers)
    if as_extracts is not None:
        _write_extracts(out / "events.jsonl", config, as_extracts)
    failures = ", ".join(f"{k} {v}" for k, v in sorted(summary.failures.items())) or "none"
    err.print(f"{summary.cases} cases, {summary.events} events, injected failures: {failures}; "
              f"as of {spec.as_of.isoformat()}; files in {out}/", highlight=False)


def _write_extracts(events_path: Path, config: ConfigSet, target: Path) -> None:
    """The cohort's events as the example mappings' extracts (mapping them back with
    `liaison map` gives the same events, with pseudonymous ids)."""
    from engine.event_lines import read_lines
    from engine.mapping import MappingError
    from engine.mapping.extracts import write_examples

    with events_path.open(encoding="utf-8") as fh:
        events = (rl.event for rl in read_lines(fh, config.vocabulary, "jsonl") if rl.event)
        try:
            paths = write_examples(events, config.national_parts, config.config_dir, target)
        except MappingError as exc:
            raise fail(f"the example mappings have errors:\n{exc}") from None
    err.print("extracts: " + ", ".join(str(p) for p in paths), highlight=False, soft_wrap=True)
