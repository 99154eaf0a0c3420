"""Errors a newcomer hits (issue 10 §5): every command, run with a bad database URL, a
missing config folder, or no terminal, exits 2 with one line and no traceback.

The commands are found by walking the CLI, so a new command is covered the day it is
added: give its required parameters a value in REQUIRED below."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from engine.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "area_configs")
BAD_URLS = ("postgresql+psycopg://nobody@127.0.0.1:1/none", "not a database url")
REQUIRED: dict[str, list[str]] = {  # a required parameter's name -> what to pass
    "events": ["--events", "{events}"], "files": ["{events}"], "mapping": ["--mapping", "x"],
    "area": ["kent"], "case_id": ["KE-26-000001"], "fmt": ["--format", "xes"],
    "quarter": ["--quarter", "2026Q1"], "role": ["--role", "auditor"], "token_id": ["x"],
    "areas": ["--areas", "kent"], "cases": ["--cases", "1"], "seed": ["--seed", "1"],
    "out": ["--out", "{tmp}/sim"],
}
EXTRA: dict[tuple[str, ...], list[str]] = {("plan",): ["kent"]}  # optional, but one is needed
LONG_RUNNING = {("flows", "serve")}  # serves until stopped; reads no store or config first


def commands() -> Iterator[tuple[tuple[str, ...], Any]]:
    def walk(cmd: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
        if hasattr(cmd, "commands"):
            for name, sub in sorted(cmd.commands.items()):
                yield from walk(sub, (*path, name))
        elif path not in LONG_RUNNING:
            yield path, cmd

    yield from walk(typer.main.get_command(app), ())


COMMANDS = list(commands())


def _argv(path: tuple[str, ...], cmd: Any, tmp: Path) -> list[str]:
    events = tmp / "events.jsonl"
    events.write_text(json.dumps({"event_id": "e1"}) + "\n")
    argv = [*path, *EXTRA.get(path, [])]
    for p in cmd.params:
        if p.required:
            values = REQUIRED.get(p.name or "", ["x"])
            if p.name == "area" and p.opts[0].startswith("--"):  # report scrutiny's option
                values = ["--area", "kent"]
            argv += [v.format(events=events, tmp=tmp) for v in values]
    return argv


def _params(cmd: Any) -> set[str]:
    return {p.name for p in cmd.params}


def _run(argv: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(app, argv, env=env)


def _no_traceback(result: Any) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("path, cmd", [c for c in COMMANDS if "db" in _params(c[1])],
                         ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_a_bad_database_url_is_one_line_and_exit_2(path: tuple[str, ...], cmd: Any,
                                                  tmp_path: Path) -> None:
    for url in BAD_URLS:
        argv = [*_argv(path, cmd, tmp_path), "--db", url]
        if "yes" in _params(cmd):
            argv.append("--yes")
        if "config_dir" in _params(cmd):
            argv += ["--config-dir", CONFIG]
        result = _run(argv, {"LIAISON_USER": "ana"})
        _no_traceback(result)
        assert result.exit_code == 2, (argv, result.output)
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert ("cannot use the database" in lines[0] if url.startswith("postgresql")
                else "the database URL is not a URL" in lines[0])


@pytest.mark.parametrize("path, cmd", [c for c in COMMANDS if "config_dir" in _params(c[1])
                                       or c[0] == ("config", "validate")],
                         ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_a_missing_config_folder_is_one_line_and_exit_2(path: tuple[str, ...], cmd: Any,
                                                       tmp_path: Path) -> None:
    missing = tmp_path / "no-such-configs"
    by_flag = [*_argv(path, cmd, tmp_path)] + (
        ["--config-dir", str(missing)] if "config_dir" in _params(cmd) else [])
    runs = [(by_flag, {}, "--config-dir" if "config_dir" in _params(cmd) else None),
            (_argv(path, cmd, tmp_path), {"LIAISON_CONFIG_DIR": str(missing)},
             "LIAISON_CONFIG_DIR")]
    for argv, env, how in runs:
        if how is None:
            continue
        result = _run(argv, {"LIAISON_USER": "ana", **env})
        _no_traceback(result)
        assert result.exit_code == 2, (argv, result.output)
        assert result.stderr.strip() == (
            f"error: no config folder at {missing} (from {how}); give --config-dir DIR or "
            "set LIAISON_CONFIG_DIR to a folder holding national/ and areas/")


@pytest.mark.parametrize("path, cmd", COMMANDS,
                         ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_no_terminal_with_nothing_set_up_exits_2_without_a_traceback(
        path: tuple[str, ...], cmd: Any, tmp_path: Path) -> None:
    """Run where a newcomer would: no terminal, no store, no config folder here."""
    result = _run(_argv(path, cmd, tmp_path), {
        "LIAISON_USER": "ana", "LIAISON_DATABASE_URL": BAD_URLS[0],
        "LIAISON_CONFIG_DIR": str(tmp_path / "none")})
    _no_traceback(result)
    needs = bool(_params(cmd) & {"db", "config_dir"}) or path == ("config", "validate")
    assert result.exit_code == (2 if needs else 0), result.output


def test_deploy_without_a_terminal_asks_for_yes(tmp_path: Path) -> None:
    result = _run(["deploy", "kent", "--config-dir", CONFIG, "--db",
                   f"sqlite:///{tmp_path / 'x.db'}"], {"LIAISON_USER": "ana"})
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.strip() == ("error: deploy asks for confirmation and there is no "
                                     "terminal to ask on; pass --yes to deploy without asking")


def test_version() -> None:
    result = _run(["--version"], {})
    assert (result.exit_code, result.stdout.strip()) == (0, "liaison 0.1.0")


def test_simulate_suggests_an_area(tmp_path: Path) -> None:
    result = _run(["simulate", "--areas", "kentt", "--cases", "1", "--seed", "1", "--out",
                   str(tmp_path), "--config-dir", CONFIG], {})
    assert result.exit_code == 2
    assert result.stderr.strip() == ('error: --areas: kentt not in the register (did you mean '
                                     '"kent"?) (allowed: area ids, \'all\' or \'overlays\')')


def test_flags_takes_flag_statuses_only(tmp_path: Path) -> None:
    result = _run(["flags", "--status", "met", "--db", f"sqlite:///{tmp_path / 'x.db'}",
                   "--config-dir", CONFIG], {"LIAISON_USER": "ana"})
    assert result.exit_code == 2
    assert result.stderr.strip() == ("error: --status 'met' is not a flag status (allowed: "
                                     "late | missed | due_soon | violated)")


def test_validate_counts_the_warnings_it_prints() -> None:
    result = _run(["config", "validate", CONFIG, "--today", "2026-11-28"], {})
    lines = result.stdout.strip().splitlines()
    assert result.exit_code == 0
    assert len([x for x in lines if ": warning: " in x]) == 2
    assert lines[-1].startswith("0 errors, 2 warnings (one lists the 36 areas with no overlay);")


def test_config_history_shows_london_dates(tmp_path: Path) -> None:
    import shutil

    from engine.store.migrate import upgrade

    configs = tmp_path / "area_configs"
    shutil.copytree(CONFIG, configs)
    kent = configs / "areas" / "kent.yaml"
    kent.write_text(kent.read_text().replace("effective_from: 2026-04-01",
                                             "effective_from: 2027-04-01"))
    db = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(db)
    env = {"LIAISON_USER": "ana"}
    deployed = _run(["deploy", "kent", "--yes", "--db", db, "--config-dir", str(configs),
                     "--as-of", "2026-11-28T12:00:00+00:00"], env)
    assert deployed.exit_code == 0, deployed.output
    assert "in force from 2027-04-01;" in deployed.stdout
    shown = _run(["config", "history", "kent", "--db", db], {**env, "COLUMNS": "200"})
    assert shown.exit_code == 0 and "2027-04-01" in shown.stdout
    assert "2027-03-31" not in shown.stdout  # midnight in London is 23:00 UTC in BST
