"""Help text for people, not for Python: no `<list[str]>`, `<str>` or `{area}`.

Typer prints each parameter's Python type beside it and wraps required arguments in
braces. A parameter's metavar, when set, replaces both, so every parameter without one
gets a plain one here: an option's long name in capitals (`--area AREA`), nothing for a
flag, an argument's name in capitals. `PlainHelpGroup` applies it to every command as
it is looked up, so `liaison --help`, each command's `--help` and the tests all see the
same text.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup

# Typer carries its own copy of click, so parameters are told apart by what they say
# they are (`param_type_name`), not by class.


def _plain(param: Any) -> None:
    if param.metavar is not None:
        return
    kind = getattr(param, "param_type_name", "")
    if kind == "option":
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
        else:
            longest = max(param.opts, key=len).lstrip("-")
            param.metavar = longest.upper().replace("-", "_")
    elif kind == "argument":
        name = (param.name or "value").upper()
        param.metavar = f"{name}..." if param.nargs != 1 else name
        # Typer writes a required argument as {name} on the usage line, and its type
        # beside its name in the table; the name alone says it.
        param._usage_display_name = lambda: param.metavar
        param.display_type_rich = lambda ctx: None


def _plain_help_option(command: Any) -> None:
    """The --help flag is made afresh for each command: give it no metavar either."""
    made = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = made(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = get_help_option


def plain_help(command: Any) -> Any:
    """Give every parameter of `command` (and of its subcommands) a plain metavar."""
    if getattr(command, "_plain_help", False):
        return command
    command._plain_help = True
    for param in command.params:
        _plain(param)
    _plain_help_option(command)
    for sub in getattr(command, "commands", {}).values():
        plain_help(sub)
    return command


class PlainHelpGroup(TyperGroup):
    """The root group: every command it hands out has plain help, and so has it."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        return None if found is None else plain_help(found)

    def get_params(self, ctx: Any) -> Any:
        params = super().get_params(ctx)
        for param in params:
            _plain(param)
        return params

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option
