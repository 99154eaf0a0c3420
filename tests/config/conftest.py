"""Fixtures for the config tests: a throwaway config tree with the real national files."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from engine.config import ConfigSet, collect
from engine.errors import ConfigProblem
from tests.config.configkit import NATIONAL, TODAY, Build


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


@pytest.fixture
def build(config_tree: Callable[[dict[str, str]], Path]) -> Build:
    """Build a tree of overlays; return the set and the problems other than the
    register's "no overlay" warnings."""

    def run(overlays: dict[str, str], today: date = TODAY
            ) -> tuple[ConfigSet, list[ConfigProblem]]:
        cs, problems = collect(config_tree(overlays), today=today)
        return cs, [p for p in problems if "no overlay" not in p.message]

    return run
