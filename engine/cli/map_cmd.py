"""`liaison map` (extracts to events) and the mapping half of `liaison ingest --mapping`.

Exit codes as elsewhere: 0 every row mapped or skipped, 1 some rows rejected (each in
`<file>.rejects.jsonl` with its row number, column and reason, never its values), 2 bad
input (the mapping has errors, the key is missing, a file cannot be read).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from engine.cli.store_common import ConfigDirOpt, err, fail, progress_bars
from engine.files import private_open

if TYPE_CHECKING:
    from engine.mapping import FileMapReport, Mapper

PROGRESS_FROM_ROWS = 10_000
MappingOpt = Annotated[str, typer.Option(
    "--mapping", help="A mapping name (area_configs/mappings/NAME.yaml) or a mapping file.")]


def load_mapper(name: str, config_dir: Path) -> Mapper:
    """The mapping, checked, with the deployment's key when it pseudonymises; exit 2 with
    every problem (file:line:col) otherwise."""
    from engine.config.national import load_national
    from engine.mapping import Mapper, MappingError, PseudonymKeyError, load_key, load_or_raise
    from engine.mapping import resolve as resolve_mapping

    national = load_national(config_dir / "national")
    try:
        mapping = load_or_raise(resolve_mapping(name, config_dir), national)
        key = load_key() if mapping.case_id.pseudonymise else None
    except MappingError as exc:
        raise fail(f"the mapping has errors:\n{exc}") from None
    except PseudonymKeyError as exc:
        raise fail(str(exc)) from None
    if mapping.illustrative:
        err.print(f"note: {name} is an illustrative mapping, not a real system's layout",
                  markup=False)
    return Mapper(mapping, national, key)


def run_mapping(mapper: Mapper, files: Sequence[str], out: IO[str]) -> list[FileMapReport]:
    """Map `files` to `out` with progress bars; exit 2 when a file cannot be read."""
    from engine.mapping import ExtractError, map_files

    with progress_bars(PROGRESS_FROM_ROWS) as progress:
        try:
            return map_files(mapper, files, out, progress)
        except ExtractError as exc:
            raise fail(str(exc)) from None


def print_reports(reports: Sequence[FileMapReport]) -> None:
    for r in reports:
        err.print(f"{r.path}: {r.rows} rows: {r.mapped} mapped ({r.events} events), "
                  f"{r.skipped} skipped, {r.duplicate} duplicate, {r.rejected} rejected",
                  markup=False)
        if r.rejects_path:
            err.print(f"  rejected rows and reasons: {r.rejects_path}", markup=False)


def map_extracts(
    files: Annotated[list[str], typer.Argument(help="Extract files (CSV or XLSX, as the "
                                                    "mapping says).")],
    mapping: MappingOpt,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Write events here (JSONL; default standard output).")] = None,
    config_dir: ConfigDirOpt = Path("area_configs"),
) -> None:
    """Map source-system extracts to events with a mapping file. Rejected rows go to
    <file>.rejects.jsonl. Exit 0: nothing rejected; 1: some rows rejected; 2: bad input."""
    mapper = load_mapper(mapping, config_dir)
    if output is None:
        reports = run_mapping(mapper, files, sys.stdout)
    else:
        tmp = output.with_name(output.name + ".partial")
        try:
            with private_open(tmp, newline="\n") as fh:
                reports = run_mapping(mapper, files, fh)
            tmp.replace(output)
        finally:
            tmp.unlink(missing_ok=True)
    print_reports(reports)
    if any(r.rejected for r in reports):
        raise typer.Exit(1)
