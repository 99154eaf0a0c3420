"""`liaison report board|national|scrutiny`: write a report as JSON, CSV and HTML and
print the paths written, one per line (stdout carries nothing else)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from engine.cli.store_common import (
    AsOpt,
    ConfigDirOpt,
    DbOpt,
    RoleOpt,
    actor,
    fail,
    out,
    store_errors,
)

if TYPE_CHECKING:
    from engine.reports import Facts, Report

app = typer.Typer(no_args_is_help=True, help="Write the board, national comparison or "
                  "scrutiny pack as JSON, CSV and self-contained HTML.")

OutOpt = Annotated[Path, typer.Option("--out", help="Directory for the files.")]


def _facts(config_dir: Path) -> Facts:
    from engine.reports import facts_for

    return facts_for(config_dir)


def _write(report: Report, out_dir: Path, stem: str) -> None:
    from engine.reports import write_report

    for path in write_report(report, out_dir, stem):
        out.print(str(path))


@app.command("board")
def board(area: Annotated[list[str] | None, typer.Option("--area", help="A police force area "
                                                           "(repeatable).")] = None,
          cps_area: Annotated[str | None, typer.Option("--cps-area", help="Every force area "
                                                        "in this CPS Area.")] = None,
          suppress: Annotated[bool, typer.Option("--suppress", help="Withhold counts 1-4 and any "
                                                 "count they could be worked out from (for readers "
                                                 "outside the area).")] = False,
          out_dir: OutOpt = Path("reports"), db: DbOpt = None,
          config_dir: ConfigDirOpt = Path("area_configs")) -> None:
    """Cases per stage per area and CPS Area, ageing in stage, overdue steps by owner."""
    from engine.reports import build_board
    from engine.store import checked_engine

    with store_errors():
        facts = _facts(config_dir)
        areas: set[str] | None = None
        label = "all areas"
        if area or cps_area:
            areas = set(area or ())
            unknown = sorted(a for a in areas if a not in facts.area_names)
            if unknown:
                raise fail(f"unknown area {', '.join(unknown)}")
            if cps_area:
                if cps_area not in facts.cps_names:
                    raise fail(f"unknown CPS Area {cps_area!r}; allowed: "
                               f"{', '.join(sorted(facts.cps_names))}")
                areas |= set(facts.areas_of_cps(cps_area))
            names = [facts.cps_names[cps_area]] if cps_area else []
            label = ", ".join(names + sorted(area or ()))
        report = build_board(checked_engine(db), facts, areas, suppress=suppress,
                             scope_label=label)
        stem = "board" if areas is None else "board-" + "-".join(
            ([cps_area] if cps_area else []) + sorted(area or ()))
        _write(report, out_dir, stem)


@app.command("national")
def national(out_dir: OutOpt = Path("reports"), db: DbOpt = None,
             config_dir: ConfigDirOpt = Path("area_configs")) -> None:
    """Areas × steps: overlay differences and compliance, funnel, derogations (with
    counts 1-4 suppressed)."""
    from engine.reports import build_national, store_national
    from engine.store import checked_engine

    with store_errors():
        engine = checked_engine(db)
        report = build_national(engine, _facts(config_dir))
        store_national(engine, report, "report national")  # the API serves the latest
        _write(report, out_dir, "national")


@app.command("code-compliance")
def code_compliance(
        quarter: Annotated[str, typer.Option("--quarter", help="e.g. 2026Q3")],
        area: Annotated[str | None, typer.Option("--area", help="One police force area.")] = None,
        cps_area: Annotated[str | None, typer.Option("--cps-area", help="Every force area in "
                                                      "this CPS Area.")] = None,
        out_dir: OutOpt = Path("reports"), db: DbOpt = None,
        config_dir: ConfigDirOpt = Path("area_configs")) -> None:
    """Victims' Code compliance per area, right and criminal justice body for a quarter,
    with the trend over four quarters and a tidy long CSV (counts 1-4 suppressed)."""
    from engine.reports import Quarter, build_code_compliance
    from engine.store import checked_engine
    from engine.vocabulary import did_you_mean

    if area and cps_area:
        raise fail("give --area or --cps-area, not both")
    with store_errors():
        q = Quarter.parse(quarter)
        facts = _facts(config_dir)
        areas: list[str] | None = None
        label, stem = "all areas", f"code-compliance-{q}"
        if area:
            if area not in facts.area_names:
                raise fail(f"--area {area!r} is not a police force area"
                           f"{did_you_mean(area, facts.area_names)}")
            areas, label, stem = [area], facts.area_names[area], f"{stem}-{area}"
        elif cps_area:
            if cps_area not in facts.cps_names:
                raise fail(f"--cps-area {cps_area!r} is not a CPS Area"
                           f"{did_you_mean(cps_area, facts.cps_names)}")
            areas, label = facts.areas_of_cps(cps_area), facts.cps_names[cps_area]
            stem = f"{stem}-{cps_area}"
        _write(build_code_compliance(checked_engine(db), facts, q, areas, label), out_dir, stem)


@app.command("scrutiny")
def scrutiny(area: Annotated[str, typer.Option("--area", help="The police force area.")],
             quarter: Annotated[str, typer.Option("--quarter", help="e.g. 2026Q2")],
             seed: Annotated[int, typer.Option("--seed", help="Seed of the case sample.")] = 1,
             sample: Annotated[int, typer.Option("--sample", min=0,
                                                 help="Flagged cases to sample.")] = 5,
             out_dir: OutOpt = Path("reports"), db: DbOpt = None,
             config_dir: ConfigDirOpt = Path("area_configs"), who: AsOpt = None,
             role: RoleOpt = None) -> None:
    """The scrutiny group's pack for one area and quarter. Its sampled case timelines are
    case-level reads, so they are written to the audit log."""
    from engine.reports import Quarter, build_scrutiny
    from engine.store import checked_engine, record, writing

    with store_errors():
        q = Quarter.parse(quarter)
        facts = _facts(config_dir)
        if area not in facts.area_names:
            raise fail(f"unknown area {area!r}")
        by = actor(who, role)
        engine = checked_engine(db)
        report = build_scrutiny(engine, facts, area, q, seed=seed, sample_size=sample)
        cases = [c["case_id"] for c in report.data["sample"]["cases"]]
        with writing(engine) as conn:
            record(conn, by.who, by.role, "report.scrutiny",
                   {"area": area, "quarter": str(q), "seed": seed, "cases": cases})
        _write(report, out_dir, f"scrutiny-{area}-{q}")
