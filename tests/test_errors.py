"""The error tree: one root, each branch with its exit code and HTTP status, drawn in
engine/errors.py's docstring, and causes kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

import engine.deploy
import engine.errors
import engine.plan
from engine.cli.store_common import store_errors
from engine.errors import (
    ConfigError,
    EventError,
    EventErrors,
    InputError,
    LiaisonError,
    OrchestrationError,
    Refused,
    ScopeError,
    StoreError,
)


def _import_engine() -> None:
    """Every engine module (not the Alembic environment, which runs on import), so that
    every error class defined anywhere is seen."""
    import importlib
    import pkgutil

    import engine

    for info in pkgutil.walk_packages(engine.__path__, "engine."):
        if ".migrations" not in info.name:
            importlib.import_module(info.name)


def _all_subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub, *_all_subclasses(sub)}
    return out


def test_the_docstring_draws_every_error_with_its_parent_and_codes() -> None:
    _import_engine()
    doc = engine.errors.__doc__ or ""
    drawn = {}
    for m in re.finditer(r"^([ │├└─]*)(\w+)\s+exit (\d)\s+HTTP (\d{3})", doc, re.M):
        drawn[m.group(2)] = (len(m.group(1)), int(m.group(3)), int(m.group(4)))
    classes = {c.__name__: c for c in _all_subclasses(LiaisonError) | {LiaisonError}
               if c.__module__.startswith("engine.")}
    assert sorted(drawn) == sorted(classes)
    for name, (depth, exit_code, http) in drawn.items():
        cls = classes[name]
        assert (cls.exit_code, cls.http_status) == (exit_code, http), name
        # The drawing's indentation is the class's depth under LiaisonError.
        assert depth == 4 * len([b for b in cls.__mro__ if issubclass(b, LiaisonError)]), name


def test_each_branch_means_what_the_tree_says() -> None:
    assert (InputError.exit_code, InputError.http_status) == (2, 400)
    assert issubclass(EventError, InputError) and issubclass(EventErrors, InputError)
    assert issubclass(ScopeError, InputError) and not issubclass(ScopeError, ValueError)
    assert not issubclass(InputError, StoreError)
    assert issubclass(engine.deploy.DeployRefused, Refused)
    assert issubclass(engine.plan.PlanRefused, Refused)
    assert Refused.http_status == 409 and StoreError.http_status == 503
    assert OrchestrationError.exit_code == 2
    assert ConfigError([]).exit_code == 2


def test_an_unreadable_input_keeps_its_cause(tmp_path: Path) -> None:
    from engine.ingest import _load_input

    with pytest.raises(InputError, match="cannot be read: Is a directory") as info:
        _load_input(str(tmp_path))
    assert isinstance(info.value.__cause__, IsADirectoryError)


def test_the_cli_rule_maps_liaison_errors_to_their_exit_code_and_nothing_else() -> None:
    with pytest.raises(typer.Exit) as info, store_errors():
        raise Refused("not now")
    assert info.value.exit_code == 2
    # A plain ValueError is a bug, not bad input: it keeps its traceback.
    with pytest.raises(ValueError, match="a bug"), store_errors():
        raise ValueError("a bug")


def test_the_api_answers_a_liaison_error_with_its_status_and_hides_server_side_text() -> None:
    import asyncio

    from engine.api.app import _liaison_error

    bad = InputError("--quarter '2026Q5' is not a quarter")
    client = asyncio.run(_liaison_error(None, bad))  # type: ignore[arg-type]
    assert (client.status_code, client.body) == (
        400, b'{"detail":"--quarter \'2026Q5\' is not a quarter"}')
    broken = StoreError("/srv/liaison.db: no schema")
    server = asyncio.run(_liaison_error(None, broken))  # type: ignore[arg-type]
    assert (server.status_code, server.body) == (
        503, b'{"detail":"the server could not answer; see its log"}')
