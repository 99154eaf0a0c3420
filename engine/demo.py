"""`make demo`: the whole pipeline on a seeded synthetic cohort, in under two minutes.

The demo is a sequence of small steps sharing one `Demo` state, so that each stage of the
pipeline can be added (or left out) as one function: configs, cohort, check, store
(ingest and sweep on the embedded SQLite database), then what a CPS unit and a national
lead would look at first.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from engine.check import CheckResult
from engine.config import ConfigSet
from engine.evaluate import Instance
from engine.mapping import Pseudonymiser
from engine.simulate import CohortSpec, CohortSummary
from engine.terms import FLAG_STATUSES

OUT = Path("demo-out")
CASES = 3000
SEED = 2026
OWNERS = ("police", "cps", "wcu", "isva", "probation", "area")


@dataclass
class Demo:
    """What the steps hand each other."""

    console: Console
    out: Path = OUT
    config: ConfigSet | None = None
    spec: CohortSpec | None = None
    cohort: CohortSummary | None = None
    result: CheckResult | None = None
    db_url: str | None = None
    mapped: Path | None = None  # events mapped back from the extracts (pseudonymised)
    notes: list[str] = field(default_factory=list)

    def need_config(self) -> ConfigSet:
        assert self.config is not None, "the config step runs first"
        return self.config

    def need_result(self) -> CheckResult:
        assert self.result is not None, "the check step runs first"
        return self.result


def step_config(demo: Demo) -> None:
    """Validate the national framework and every overlay, as `liaison config validate`."""
    from engine.config import load_config

    demo.config = load_config()
    areas = sorted(demo.config.overlay_files)
    warnings = len(demo.config.warnings)
    demo.console.print(f"Configs valid: the national framework and {len(areas)} area overlays "
                       f"({', '.join(areas)}); {warnings} warning(s). "
                       "[dim]liaison config compare[/] shows how each differs from the floor.")


def step_simulate(demo: Demo) -> None:
    """A seeded cohort for the overlay areas, with its ground truth."""
    from engine.simulate import resolve_areas, write_cohort

    config = demo.need_config()
    if demo.out.exists():
        shutil.rmtree(demo.out)
    demo.spec = CohortSpec(resolve_areas("overlays", config), CASES, SEED)
    demo.cohort = write_cohort(demo.spec, config, demo.out / "cohort", csv_too=True, workers=2)
    demo.console.print(f"Simulated {demo.cohort.cases:,} cases, {demo.cohort.events:,} events "
                       f"(seed {SEED}, as of {demo.spec.as_of.isoformat()}).")


def step_check(demo: Demo) -> None:
    """`liaison check` on the cohort: every case evaluated against its area's templates."""
    from engine.check import accept_lines
    from engine.check import check as run_check
    from engine.event_lines import read_lines

    config, spec = demo.need_config(), demo.spec
    assert spec is not None
    with open(demo.out / "cohort" / "events.jsonl", encoding="utf-8") as fh:
        events = accept_lines(read_lines(fh, config.vocabulary, "jsonl"))
    demo.result = run_check(config.rules(), events, spec.as_of, None, config.overlay_files)
    with open(demo.out / "check.json", "w", encoding="utf-8") as fh:
        json.dump(demo.result.to_json(), fh)
    flags = Counter(i.status.value for i in demo.result.instances()
                    if i.status.value in ("missed", "late", "violated", "due_soon"))
    truth = sum(1 for _ in open(demo.out / "cohort" / "truth.jsonl", encoding="utf-8"))
    found = flags["missed"] + flags["late"] + flags["violated"]
    demo.console.print(
        f"Checked {len(demo.result.cases):,} cases: "
        + ", ".join(f"{k} {flags[k]:,}" for k in ("missed", "late", "violated", "due_soon"))
        + f". The generator injected {truth:,} failures; the evaluator found {found:,}.")


def step_extracts(demo: Demo) -> None:
    """The cohort as three source systems' extracts (police CSV in cp1252, CPS CSV with a
    byte order mark, ISVA workbook), mapped back with pseudonymised case ids: the path a
    force data team takes from its own exports to events."""
    from engine.event_lines import read_lines
    from engine.files import private_open
    from engine.mapping import Mapper, load_or_raise, map_files, resolve
    from engine.mapping.extracts import EXAMPLES, write_examples

    config = demo.need_config()
    national, key = config.national_parts, _demo_key(demo.out)
    with open(demo.out / "cohort" / "events.jsonl", encoding="utf-8") as fh:
        simulated = [rl.event for rl in read_lines(fh, config.vocabulary, "jsonl") if rl.event]
    paths = write_examples(simulated, national, config.config_dir, demo.out / "extracts")
    demo.mapped = demo.out / "mapped" / "events.jsonl"
    demo.mapped.parent.mkdir(parents=True, exist_ok=True)
    with private_open(demo.mapped, newline="\n") as fh:
        reports = [r for name, path in zip(EXAMPLES, paths, strict=True) for r in map_files(
            Mapper(load_or_raise(resolve(name, config.config_dir), national), national, key),
            [str(path)], fh)]
    rows, events = sum(r.rows for r in reports), sum(r.events for r in reports)
    demo.console.print(
        f"Extracts: {', '.join(p.name for p in paths)} in {demo.out}/extracts ({rows:,} rows) "
        f"mapped back to {events:,} events of the simulator's {len(simulated):,}, "
        f"{sum(r.rejected for r in reports)} rows rejected; case ids are pseudonymised "
        "(liaison map --mapping example-police-rms ...).", highlight=False)


def _demo_key(out: Path) -> Pseudonymiser:
    """The deployment's key when LIAISON_PSEUDONYM_KEY is set; otherwise a fresh key for
    this demo run only, in a file that only its owner can read."""
    import os
    import secrets

    from engine.mapping import load_key
    from engine.mapping.pseudonym import ENV

    if os.environ.get(ENV):
        return load_key()
    from engine.files import private_write

    key = secrets.token_hex(32)
    private_write(out / "pseudonym.key", key + "\n")
    return Pseudonymiser(key.encode())


def step_store(demo: Demo) -> None:
    """Ingest the events mapped from the extracts into the embedded SQLite database and
    sweep it: the store holds pseudonymised case ids only."""
    from engine.ingest import ingest_paths
    from engine.store import upgrade
    from engine.sweep import run_sweep

    spec = demo.spec
    assert spec is not None
    demo.db_url = f"sqlite:///{(demo.out / 'liaison.db').resolve()}"
    upgrade(demo.db_url)
    source = demo.mapped or demo.out / "cohort" / "events.jsonl"
    report = ingest_paths(demo.db_url, [str(source)], actor="demo")
    sweep = run_sweep(demo.db_url, spec.as_of, workers=1)
    demo.console.print(f"Stored: {report.accepted:,} events ingested into {demo.out}/liaison.db; "
                       f"sweep evaluated {sweep.cases_evaluated:,} cases, "
                       f"{sweep.instances:,} instances, {sweep.flags:,} flags "
                       f"in {sweep.seconds:.1f} s.")


def step_flags(demo: Demo) -> None:
    """Flags by area and owner (whose SPOC must act)."""
    result = demo.need_result()
    counts: Counter[tuple[str, str]] = Counter()
    areas: set[str] = set()
    for case in result.cases:
        for inst in case.instances:
            if _flag(inst):
                counts[(case.area, inst.owner)] += 1
                areas.add(case.area)
    for inst in result.area_instances:
        if _flag(inst) and inst.area is not None:
            counts[(inst.area, inst.owner)] += 1
            areas.add(inst.area)
    owners = [o for o in OWNERS if any(k[1] == o for k in counts)]
    owners += sorted({k[1] for k in counts} - set(owners))
    table = Table(title="Flags (late, missed, due soon, violated) by area and owner")
    table.add_column("area")
    for o in owners:
        table.add_column(o, justify="right")
    table.add_column("total", justify="right", style="bold")
    for area in sorted(areas):
        row = [counts[(area, o)] for o in owners]
        table.add_row(area, *(f"{n:,}" for n in row), f"{sum(row):,}")
    demo.console.print(table)


def step_board(demo: Demo) -> None:
    """The stage board: cases per stage per area, as of the cohort's instant."""
    from engine.simulate.calibration import prefix_of

    result, config = demo.need_result(), demo.need_config()
    counts = Counter((c.area, c.stage) for c in result.cases)
    areas = sorted({c.area for c in result.cases})
    table = Table(title="Stage board: cases per stage and area",
                  caption=", ".join(f"{prefix_of(a)} {a}" for a in areas))
    table.add_column("stage")
    for area in areas:
        table.add_column(prefix_of(area), justify="right")
    table.add_column("all", justify="right", style="bold")
    for rule in config.stages:
        row = [counts[(a, rule.id)] for a in areas]
        table.add_row(rule.id.replace("_", " "), *(f"{n:,}" for n in row), f"{sum(row):,}")
    demo.console.print(table)


def step_overdue(demo: Demo) -> None:
    """The five most overdue open instances (missed), with their explanations."""
    result = demo.need_result()
    as_of = result.as_of
    missed = [(case.case_id, i) for case in result.cases for i in case.instances
              if i.status.value == "missed" and i.due is not None]
    missed.sort(key=lambda ci: (ci[1].due, ci[0], ci[1].step))
    demo.console.print("[bold]The five most overdue instances[/]")
    for case_id, inst in missed[:5]:
        assert inst.due is not None
        days = (as_of - inst.due).days
        demo.console.print(f"  [bold]{case_id}[/] {inst.step} ({inst.owner}, {inst.severity}), "
                           f"{days} days overdue: {escape(inst.explanation)}", highlight=False)


def step_files(demo: Demo) -> None:
    """Where everything went."""
    demo.console.print(f"Files: {demo.out}/cohort/events.jsonl (and events.csv), "
                       f"{demo.out}/cohort/truth.jsonl, {demo.out}/cohort/manifest.json, "
                       f"{demo.out}/check.json"
                       + (f", {demo.out}/extracts/ and {demo.mapped}" if demo.mapped else "")
                       + (f", {demo.out}/liaison.db" if demo.db_url else "") + ".")
    if demo.spec is not None:
        demo.console.print(f"Try: liaison check --events {demo.out}/cohort/events.jsonl "
                           f"--as-of {demo.spec.as_of.isoformat()} --format table", highlight=False)


def step_reports(demo: Demo) -> None:
    """The three reports from the store: the stage board, the national comparison and one
    area's scrutiny pack for the last complete quarter (JSON, CSV and offline HTML)."""
    from engine.reports import (
        Quarter,
        build_board,
        build_national,
        build_scrutiny,
        facts_from,
        write_report,
    )
    from engine.store import engine_for

    assert demo.db_url is not None and demo.spec is not None, "the store step runs first"
    facts, engine = facts_from(demo.need_config()), engine_for(demo.db_url)
    out = demo.out / "reports"
    area = sorted(demo.spec.areas)[0]
    quarter = Quarter.containing(demo.spec.as_of).previous()
    for report, stem in ((build_board(engine, facts), "board"),
                         (build_national(engine, facts), "national"),
                         (build_scrutiny(engine, facts, area, quarter, seed=SEED),
                          f"scrutiny-{area}-{quarter}")):
        paths = write_report(report, out, stem)
        demo.console.print(f"[bold]{report.title}[/]\n  {paths[-1]}\n  {paths[0]}\n  "
                           f"{out / stem}-*.csv ({len(paths) - 2} tables)", highlight=False,
                           soft_wrap=True)


def step_notify(demo: Demo) -> None:
    """One day's SPOC digests and alerts from the cohort, in dry-run: printed in short,
    one digest in full, and every message written as text, HTML and JSON."""
    from engine.notify.compose import subject, text_body
    from engine.notify.run import Notifier, as_files, preview

    assert demo.db_url is not None and demo.spec is not None, "the store step runs first"
    out = preview(demo.db_url, Notifier.load(demo.need_config()), demo.spec.as_of)
    folder = demo.out / "notify"
    as_files(out, folder)
    demo.console.print(f"[bold]SPOC notifications as of {demo.spec.as_of.isoformat()} "
                       f"(dry run: nothing sent)[/]: {len(out.messages)} messages; "
                       f"{len(out.baseline):,} older flags taken as already known",
                       highlight=False)
    for _, content in out.messages:
        demo.console.print(f"  {subject(content)}", highlight=False, markup=False)
    digests = [c for p, c in out.messages if p.kind == "digest"]
    if digests:
        demo.console.print("[bold]One digest in full[/]")
        demo.console.print(text_body(digests[0]), highlight=False, markup=False)
    demo.console.print(f"Messages (text, HTML and webhook JSON): {folder}/; send them with "
                       f"LIAISON_SMTP_URL=smtp://HOST:PORT liaison notify send --db "
                       f"{demo.db_url} --as-of {demo.spec.as_of.isoformat()}",
                       highlight=False, soft_wrap=True)


def _flag(inst: Instance) -> bool:
    return inst.status in FLAG_STATUSES


STEPS: tuple[Callable[[Demo], None], ...] = (
    step_config, step_simulate, step_check, step_extracts, step_store, step_flags, step_board,
    step_overdue, step_files, step_reports, step_notify,
)


def main() -> None:
    from engine.logging import configure_logging

    configure_logging("WARNING")
    console = Console()
    demo = Demo(console)
    started = time.perf_counter()
    for step in STEPS:
        step(demo)
    console.print(f"[dim]Demo finished in {time.perf_counter() - started:.0f} s.[/]")


if __name__ == "__main__":
    main()
