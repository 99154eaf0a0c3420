"""Cohorts shared by the simulator tests: generated once per session, in temporary dirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import ConfigSet, load_config
from engine.simulate import CohortSpec, CohortSummary, resolve_areas, write_cohort

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def config() -> ConfigSet:
    return load_config(ROOT / "area_configs")


@pytest.fixture(scope="session")
def overlay_cohort(config: ConfigSet, tmp_path_factory: pytest.TempPathFactory
                   ) -> CohortSummary:
    """5,000 cases across every area with an overlay: the decisive ground-truth cohort."""
    out = tmp_path_factory.mktemp("overlay-cohort")
    spec = CohortSpec(resolve_areas("overlays", config), 5000, seed=20261127)
    return write_cohort(spec, config, out, csv_too=True)
