"""Fixtures for the config tests: a throwaway config tree with the real national files."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from engine.config import ConfigSet, build_overlay_text, load_config
from engine.errors import ConfigProblem
from tests.config.configkit import NATIONAL, ROOT, TODAY, Build


@pytest.fixture
def config_tree(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write overlays (file stem -> text) next to a copy of the national files."""

    def make(overlays: dict[str, str]) -> Path:
        root = tmp_path / "area_configs"
        shutil.copytree(NATIONAL, root / "national")
        (root / "areas").mkdir()
        for stem, text in overlays.items():
            (root / "areas" / f"{stem}.yaml").write_text(text, encoding="utf-8")
        return root

    return make


@pytest.fixture(scope="session")
def shipped() -> ConfigSet:
    """The shipped configuration, loaded once."""
    return load_config(ROOT / "area_configs", today=TODAY)


@pytest.fixture
def build(shipped: ConfigSet) -> Build:
    """Resolve overlay texts (file stem -> text) against the shipped national framework,
    as `areas/<stem>.yaml`; return the set and every problem found."""

    def run(overlays: dict[str, str], today: date = TODAY
            ) -> tuple[ConfigSet, list[ConfigProblem]]:
        problems: list[ConfigProblem] = []
        for stem, text in overlays.items():
            built = build_overlay_text(shipped, text, f"areas/{stem}.yaml", today=today,
                                       stem=stem)
            problems += built.problems
        return shipped, problems

    return run
