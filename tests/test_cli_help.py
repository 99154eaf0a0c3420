"""Every command's --help is for people: no Python types, no braces, 80 columns."""

from __future__ import annotations

import re

import typer.main
from typer.testing import CliRunner

from engine.cli.app import app

TYPE = re.compile(r"<(str|int|float|bool|path|list\[[^>]*\]|[a-z_]+ range)>|\{[a-z_]+\}")


def _commands() -> list[list[str]]:
    """Every command path, from the root down."""
    root = typer.main.get_command(app)
    out: list[list[str]] = [[]]

    def walk(cmd: object, path: list[str]) -> None:
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            out.append([*path, name])
            walk(sub, [*path, name])

    walk(root, [])
    return out


def test_no_help_text_shows_a_python_type() -> None:
    runner = CliRunner()
    leaks = {}
    paths = _commands()
    assert len(paths) > 25
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
        assert result.exit_code == 0, (path, result.output)
        found = TYPE.findall(result.output)
        if found:
            leaks[" ".join(path)] = found
        assert max(len(line) for line in result.output.splitlines()) <= 80, path
    assert leaks == {}


def test_options_and_arguments_are_named_in_capitals() -> None:
    import click

    from engine.cli.help import plain_help

    root = typer.main.get_command(app)
    ingest = plain_help(root.get_command(click.Context(root), "ingest"))
    shown = {p.name: p.metavar for p in ingest.params}
    assert (shown["files"], shown["config_dir"], shown["who"]) == ("FILES...", "CONFIG_DIR", "AS")
