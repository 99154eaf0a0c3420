"""The reports' facts kept on disk between processes (engine/reports/cached_facts.py): the
facts read back are the ones the configuration gives, a changed file is loaded again, and
a configuration with errors is refused every time, never cached."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import engine.reports.cached_facts as cached_facts
from engine import config_cache as cache
from engine.config import load_config
from engine.errors import ConfigError
from engine.reports.cached_facts import facts_for
from engine.reports.facts import facts_from

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def configs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))
    d = tmp_path / "configs"
    shutil.copytree(ROOT / "area_configs", d)
    return d


def test_facts_read_back_are_the_facts_of_the_configuration(
        configs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = facts_from(load_config(configs))
    assert expected.illustrative and expected.scrutiny_groups and expected.variants
    assert facts_for(configs) == expected

    def refuse(*_args: Any, **_kw: Any) -> Any:
        raise AssertionError("the configuration was loaded again")
    monkeypatch.setattr(cached_facts, "load_config", refuse)
    assert facts_for(configs) == expected


def test_a_changed_overlay_is_loaded_again(configs: Path) -> None:
    before = facts_for(configs)
    overlay = configs / "areas" / "kent.yaml"
    overlay.write_text(overlay.read_text().replace("Kent and Medway Rape Scrutiny Panel",
                                                   "Kent Rape Scrutiny Panel"))
    after = facts_for(configs)
    assert after == facts_from(load_config(configs))
    assert (before.scrutiny_groups["kent"], after.scrutiny_groups["kent"]) == (
        "Kent and Medway Rape Scrutiny Panel", "Kent Rape Scrutiny Panel")


def test_a_configuration_with_errors_is_refused_every_time(configs: Path) -> None:
    overlay = configs / "areas" / "kent.yaml"
    overlay.write_text(overlay.read_text().replace("area: kent", "area: kent-x", 1))
    for _ in range(2):
        with pytest.raises(ConfigError):
            facts_for(configs)
    assert not any((configs.parent / "cache").glob("facts-*.json"))
