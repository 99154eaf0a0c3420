"""The attacker test: every published table set of a publication, every margin and every
subtraction across its tables; no suppressed count may come back.

Run on the reproduction from the issue (large areas beside lancashire with 3 cases and
dorset with 2, read as a national lead) and on seeded random cohorts with small areas.
The same attack on primary suppression alone (1-4 hidden, nothing else) must succeed:
that is what shows the attacker is not toothless.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from engine.config import load_config
from engine.ingest import ingest_paths
from engine.reports.board import build_board
from engine.reports.code_compliance import build_code_compliance
from engine.reports.disclosure import MARK, is_small
from engine.reports.facts import Facts, facts_from
from engine.reports.national import build_national
from engine.reports.quarter import Quarter
from engine.reports.scrutiny import build_scrutiny
from engine.simulate import CohortSpec, write_cohort
from engine.simulate.cohort import DEFAULT_AS_OF
from engine.store.db import engine_for
from engine.store.migrate import upgrade
from engine.sweep import run_sweep
from tests.reports.attacker import Sheet, attack
from tests.reports.conftest import pg_store, store  # noqa: F401  (session fixtures)
from tests.reports.sheets import (
    board_sheet,
    code_compliance_sheet,
    national_sheet,
    scrutiny_sheet,
)

AS_OF_QUARTER = Quarter.parse("2026Q3")


@dataclass(frozen=True)
class Cohort:
    engine: Engine
    facts: Facts


def _cohort(root: Path, parts: list[tuple[tuple[str, ...], int, int]]) -> Cohort:
    """Simulate each (areas, cases, seed) part, ingest them all, sweep."""
    config = load_config()
    url = f"sqlite:///{root / 'liaison.db'}"
    upgrade(url)
    files = []
    for i, (areas, cases, seed) in enumerate(parts):
        out = root / f"part{i}"
        write_cohort(CohortSpec(areas, cases, seed, years=1.5), config, out)
        files.append(str(out / "events.jsonl"))
    assert ingest_paths(url, files, actor="test").rejected == 0
    run_sweep(url, as_of=DEFAULT_AS_OF)
    return Cohort(engine_for(url), facts_from(config))


def _sheets(c: Cohort, scrutiny_areas: list[str]) -> dict[str, Sheet]:
    b = [build_board(c.engine, c.facts, suppress=s) for s in (True, False)]
    n = [build_national(c.engine, c.facts, suppress=s) for s in (True, False)]
    out = {"board": board_sheet(b[0].data, b[1].data, c.facts),
           "national": national_sheet(n[0].data, n[1].data)}
    cc = [build_code_compliance(c.engine, c.facts, AS_OF_QUARTER, suppress=s)
          for s in (True, False)]
    out["code compliance"] = code_compliance_sheet(cc[0], cc[1])
    for area in scrutiny_areas:
        p = [build_scrutiny(c.engine, c.facts, area, AS_OF_QUARTER, suppress=s)
             for s in (True, False)]
        out[f"scrutiny {area}"] = scrutiny_sheet(p[0].data, p[1].data)
    return out


def _assert_nothing_recovered(sheets: dict[str, Sheet]) -> None:
    hidden = 0
    for name, sheet in sheets.items():
        assert attack(sheet) == {}, name
        assert all(sheet.truth[k] != 0 for k in sheet.hidden()), name
        assert not [k for k, v in sheet.shown.items() if v != MARK and is_small(v)], name
        hidden += len(sheet.hidden())
    assert hidden > 0  # the publication had something to protect


def _primary_only(sheet: Sheet) -> Sheet:
    weak = Sheet()
    weak.truth, weak.relations = sheet.truth, sheet.relations
    weak.shown = {k: MARK if is_small(v) else v for k, v in sheet.truth.items()}
    weak.rate_pairs = []
    return weak


@pytest.fixture(scope="module")
def reproduction(tmp_path_factory: pytest.TempPathFactory) -> Cohort:
    """The issue's reproduction, scaled down: big areas, lancashire with 3 cases and
    dorset with 2 (separate simulator runs, as in the report)."""
    return _cohort(tmp_path_factory.mktemp("repro"),
                   [(("kent", "south-wales", "greater-manchester"), 900, 7),
                    (("lancashire",), 3, 8), (("dorset",), 2, 9)])


@pytest.mark.slow
def test_the_reproduction_gives_nothing_back(reproduction: Cohort) -> None:
    sheets = _sheets(reproduction, ["lancashire", "kent"])
    board = build_board(reproduction.engine, reproduction.facts, suppress=True).data
    assert board["by_area"]["lancashire"]["total"] == MARK
    _assert_nothing_recovered(sheets)
    # The attack that worked on the old output (1-4 hidden, nothing else) still works.
    weak = attack(_primary_only(sheets["board"]))
    assert weak[("area", "lancashire", "total")] == 3
    assert attack(_primary_only(sheets["national"]))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [101, 202, 303])
def test_seeded_random_cohorts_with_small_areas_give_nothing_back(
        seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    forces = sorted(load_config().register)
    picked = rng.sample(forces, 7)
    parts = [(tuple(picked[:3]), rng.randint(250, 500), seed)]
    parts += [((area,), rng.randint(1, 6), seed + i) for i, area in enumerate(picked[3:])]
    cohort = _cohort(tmp_path, parts)
    _assert_nothing_recovered(_sheets(cohort, [picked[3], picked[0]]))


@pytest.mark.postgres
def test_publications_from_postgresql_give_nothing_back(pg_store) -> None:  # noqa: ANN001, F811
    """The report tests' cohort (cumbria has 3 cases) read from PostgreSQL."""
    _assert_nothing_recovered(_sheets(Cohort(pg_store.engine, pg_store.facts), ["cumbria"]))
