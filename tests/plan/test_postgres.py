"""The plan, the Victims' Code view and the outcome counts read the same from PostgreSQL
as from SQLite (the same cohort through the same pipeline)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.plan import variant_plan
from engine.reports.code_compliance import build_code_compliance
from engine.reports.outcomes import gather
from engine.reports.quarter import Quarter
from engine.store.db import reading
from tests.reports.cohort import AS_OF
from tests.reports.conftest import pg_store

__all__ = ["pg_store"]
CONFIG = Path(__file__).resolve().parents[2] / "area_configs"


@pytest.mark.postgres
def test_postgres_gives_the_same_plan_view_and_outcomes(store, pg_store) -> None:  # type: ignore[no-untyped-def]
    one = variant_plan(store.url, "kent", "greater-manchester", CONFIG, as_of=AS_OF, workers=1)
    two = variant_plan(pg_store.url, "kent", "greater-manchester", CONFIG, as_of=AS_OF,
                       workers=2)
    assert one.tally == two.tally and sum(one.tally.cases.values()) == 40
    q = Quarter(2026, 2)
    assert (build_code_compliance(store.engine, store.facts, q).tables
            == build_code_compliance(pg_store.engine, pg_store.facts, q).tables)
    areas = sorted(store.facts.area_names)
    with reading(store.engine) as a, reading(pg_store.engine) as b:
        assert gather(a, store.facts, areas) == gather(b, pg_store.facts, areas)
