"""The rules in force kept on disk between processes (engine/store/rules_cache.py): a
process that finds them reads no YAML, the rules it gets are the ones it would have
built, and any change to what they are built from, or any file it cannot trust, means a
rebuild."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from engine import config_cache as cache_files
from engine.calendar import bank_holiday_table
from engine.deploy import deploy
from engine.ingest import ingest_paths
from engine.store import rules_cache
from engine.store import versions as store_versions
from engine.store.db import reading
from engine.store.migrate import upgrade
from engine.store.schema import checked_engine
from engine.store.versions import (
    StoreRules,
    build_rules,
    compiled_rules,
    load_config_set,
    rules_in_force,
)
from tests.store.store_data import cohort, write_jsonl
from tests.store.test_deploy import ANA, AREA, FOUR_HOURS, write_overlay
from tests.store.test_national_change import _bump_national

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(cache_files.ENV, str(where))
    return where


@pytest.fixture
def configs(tmp_path: Path) -> Path:
    """A copy of the project's whole configuration (national and every overlay)."""
    d = tmp_path / "configs"
    shutil.copytree(ROOT / "area_configs", d)
    return d


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, building the rules from the files fails the test."""
    def refuse(*_args: Any, **_kw: Any) -> Any:
        raise AssertionError("the configuration was loaded again")
    monkeypatch.setattr(store_versions, "load_config_set", refuse)


def _assert_same(a: StoreRules, b: StoreRules) -> None:
    assert a.keys == b.keys and a.national_key == b.national_key
    assert a.areas_with_templates == b.areas_with_templates
    assert (a.stale, a.skipped) == (b.stale, b.skipped)
    assert a.rules.stages == b.rules.stages
    assert a.rules.areas == b.rules.areas
    for area in a.rules.areas:
        assert a.rules.history(area).templates == b.rules.history(area).templates
    assert a.rules.fallback.templates == b.rules.fallback.templates


def _files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir())


def test_a_second_process_reads_the_rules_it_would_have_built(
        cache: Path, configs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = build_rules(load_config_set(configs), [])
    first = compiled_rules(configs, [])
    _assert_same(first, built)
    assert len(_files(cache)) == 1
    assert (os.stat(cache).st_mode & 0o777, os.stat(cache / _files(cache)[0]).st_mode & 0o777) \
        == (0o700, 0o600)
    _no_yaml(monkeypatch)
    again = compiled_rules(configs, [])
    _assert_same(again, built)
    assert gc.isenabled()
    # the national framework is one object in every area's history (compiled once)
    nationals = {id(again.rules.history(a).templates[0]) for a in again.rules.areas}
    assert nationals == {id(again.rules.fallback.latest)}


def test_a_changed_file_day_deployment_or_code_gives_a_new_key(
        configs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    today = date(2026, 11, 30)
    key = rules_cache.rules_key(configs, today, [])
    assert rules_cache.rules_key(configs, today, []) == key
    assert rules_cache.rules_key(configs, date(2026, 12, 1), []) != key
    assert rules_cache.rules_key(configs, today, ["1\0kent"]) != key
    overlay = configs / "areas" / "kent.yaml"
    overlay.write_text(overlay.read_text() + "\n# a comment\n")
    changed = rules_cache.rules_key(configs, today, [])
    assert changed != key
    (configs / "national" / "new.yaml").write_text("x: 1\n")
    assert rules_cache.rules_key(configs, today, []) not in (key, changed)
    monkeypatch.setattr(cache_files, "code_version", lambda: "other code")
    assert rules_cache.rules_key(configs, today, []) != key


def test_an_overlay_change_is_built_not_read(cache: Path, configs: Path) -> None:
    before = compiled_rules(configs, [])
    overlay = configs / "areas" / "kent.yaml"
    overlay.write_text(overlay.read_text() + "\n# a comment\n")
    after = compiled_rules(configs, [])
    assert after.key("kent") != before.key("kent")
    assert after.rules.history("kent").latest.version != \
        before.rules.history("kent").latest.version
    _assert_same(after, build_rules(load_config_set(configs), []))
    assert len(_files(cache)) == 2


@pytest.mark.parametrize("spoil", ["garbage", "truncated", "other key", "group writable",
                                   "symlink", "open directory"])
def test_a_file_that_cannot_be_trusted_is_rebuilt(
        cache: Path, configs: Path, tmp_path: Path, spoil: str) -> None:
    built = compiled_rules(configs, [])
    (name,) = _files(cache)
    path = cache / name
    body = path.read_text()
    if spoil == "garbage":
        path.write_text("{not json")
    elif spoil == "truncated":
        path.write_text(body[: len(body) // 2])
    elif spoil == "other key":
        other = rules_cache.rules_key(configs, date(1999, 1, 1), [])
        path.write_text(body.replace(name[len("rules-"):-len(".json")], other))
    elif spoil == "group writable":
        path.chmod(0o620)
    elif spoil == "symlink":
        (tmp_path / "elsewhere.json").write_text(body)
        path.unlink()
        path.symlink_to(tmp_path / "elsewhere.json")
    else:
        cache.chmod(0o777)
    key = name[len("rules-"):-len(".json")]
    assert rules_cache.load(key) is None
    assert gc.isenabled()  # paused while a file is read back, whatever happened
    cache.chmod(0o700)
    path.unlink()
    path.write_text(body)  # as it was written, but spoiled again below to see the rebuild
    path.chmod(0o600)
    assert rules_cache.load(key) is not None
    path.write_text("{not json")
    _assert_same(compiled_rules(configs, []), built)
    assert rules_cache.load(key) is not None  # written again, whole


def test_an_empty_cache_dir_setting_turns_it_off(
        tmp_path: Path, configs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache_files.ENV, "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    _assert_same(compiled_rules(configs, []), build_rules(load_config_set(configs), []))
    assert not (tmp_path / "home").exists()


def test_no_home_directory_means_no_cache_and_no_error(
        configs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache_files.ENV)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")
    monkeypatch.setattr(Path, "home", no_home)
    assert cache_files.cache_dir() is None
    _assert_same(compiled_rules(configs, []), build_rules(load_config_set(configs), []))


def test_an_unwritable_cache_costs_nothing_but_time(
        tmp_path: Path, configs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache_files.ENV, str(tmp_path / "a-file" / "cache"))
    (tmp_path / "a-file").write_text("not a directory")
    _assert_same(compiled_rules(configs, []), build_rules(load_config_set(configs), []))


def test_only_the_newest_files_are_kept(cache: Path, configs: Path) -> None:
    overlay = configs / "areas" / "kent.yaml"
    text = overlay.read_text()
    for i in range(cache_files.KEEP + 2):
        overlay.write_text(f"{text}\n# change {i}\n")
        compiled_rules(configs, [])
    assert len(_files(cache)) == cache_files.KEEP
    assert rules_cache.load(rules_cache.rules_key(configs, date.today(), [])) is not None


def test_deployed_and_stale_versions_come_back_from_the_cache(
        cache: Path, db: str, config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_overlay(config_dir, "2026-03-01", FOUR_HOURS)
    deploy(db, AREA, ANA, config_dir)
    _bump_national(config_dir)  # the deployed version no longer builds: judged as stored
    with reading(checked_engine(db)) as conn:
        deployed = store_versions.versions(conn)
    built = build_rules(load_config_set(config_dir), deployed)
    assert list(built.stale) == [AREA]
    first = rules_in_force(db, config_dir)
    _assert_same(first, built)
    store_versions._cached.cache_clear()
    _no_yaml(monkeypatch)
    _assert_same(rules_in_force(db, config_dir), built)


CHILD = """
import sys
from pathlib import Path
from engine.calendar import bank_holiday_table
from engine.store.versions import compiled_rules
compiled_rules(Path(sys.argv[1]), [])
table = bank_holiday_table(range(1990, 2100))
print("imported" if "holidays" in sys.modules else "not imported")
print(sorted(d.isoformat() for days in table.values() for d in days))
"""


def test_a_process_with_cached_rules_knows_the_bank_holidays_without_the_package(
        cache: Path, configs: Path) -> None:
    def child() -> list[str]:
        return subprocess.run([sys.executable, "-c", CHILD, str(configs)], check=True,
                              capture_output=True, text=True, cwd=ROOT).stdout.splitlines()

    first = child()  # builds the rules: the package is imported to fill the table
    assert first[0] == "imported"
    again = child()
    assert again[0] == "not imported"
    expected = sorted(d.isoformat() for days in bank_holiday_table(range(1990, 2100)).values()
                      for d in days)
    assert again[1] == first[1] == str(expected)
    assert "2026-12-25" in expected and "2023-05-08" in expected  # the coronation


SWEEP_CHILD = """
import sys
from datetime import datetime
from pathlib import Path
from engine.sweep import run_sweep
report = run_sweep(sys.argv[1], datetime.fromisoformat(sys.argv[2]), full=True,
                   config_dir=Path(sys.argv[3]))
print(report.cases_evaluated, sorted({m.split(".")[0] for m in sys.modules}
                                     & {"holidays", "numpy", "ruamel"}))
"""


def test_a_sweep_with_cached_rules_parses_no_yaml_and_imports_no_holiday_tables_or_numpy(
        cache: Path, configs: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(db)
    ingest_paths(db, [str(write_jsonl(tmp_path / "events.jsonl", cohort(60)))],
                 config_dir=configs)

    def sweep() -> str:
        return subprocess.run([sys.executable, "-c", SWEEP_CHILD, db, "2026-04-01T00:00:00+00:00",
                               str(configs)], check=True, capture_output=True, text=True,
                              cwd=ROOT).stdout.strip().splitlines()[-1]

    sweep()
    assert sweep() == "60 []"  # 60 cases: a page for the batch engine (working days)
