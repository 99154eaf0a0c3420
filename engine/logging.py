"""Structured logging for the engine, configured once per process.

Every engine logger is a stdlib logger under the `liaison` name, whatever name the
caller asked for (`structlog.get_logger(__name__)` in `engine/sweep.py` becomes
`liaison.engine.sweep`). That single root is what lets an orchestrator pick the
engine's lines up without the engine knowing about it: Prefect attaches its run-log
handler to `liaison` when `PREFECT_LOGGING_EXTRA_LOGGERS=liaison`, so a sweep's lines
land in the flow run's log with the area and case bound through `bound_contextvars`.

Lines are rendered by structlog before they reach stdlib, so the context (area, case,
run id) travels inside the message to any handler: JSON when stderr is not a terminal
(log shippers, CI, Prefect workers), key=value on a terminal.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import structlog
from structlog.contextvars import bound_contextvars

__all__ = ["ROOT", "bound_contextvars", "configure_logging", "get_logger", "is_configured"]

ROOT = "liaison"
_HANDLER_NAME = "liaison-stderr"
_configured = False


def _qualified(name: str | None) -> str:
    """Map any requested logger name under the `liaison` root."""
    if not name or name == ROOT:
        return ROOT
    if name.startswith(ROOT + "."):
        return name
    return f"{ROOT}.{name}"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time of the record, so a test runner or
    a CLI runner that swaps stderr never leaves it writing to a closed stream."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class LiaisonLoggerFactory:
    """structlog logger factory returning stdlib loggers under `liaison`."""

    def __call__(self, *args: Any) -> logging.Logger:
        name = args[0] if args and isinstance(args[0], str) else None
        return logging.getLogger(_qualified(name))


def _level(level: int | str) -> int:
    value = os.environ.get("LIAISON_LOG_LEVEL") or level
    if isinstance(value, int):
        return value
    resolved = logging.getLevelName(value.upper())
    return resolved if isinstance(resolved, int) else logging.INFO


def configure_logging(level: int | str = "INFO", json: bool | None = None,
                      force: bool = False) -> None:
    """Configure structlog and the `liaison` stdlib logger, once.

    `level` is a default: `LIAISON_LOG_LEVEL` overrides it, so an operator can turn the
    CLI's quiet default up without code. `json=None` means "JSON unless stderr is a
    terminal". Later calls are no-ops unless `force` is set, so the CLI, a flow module
    and a test can all call it without fighting over the configuration.
    """
    global _configured
    if _configured and not force:
        return
    as_json = (not sys.stderr.isatty()) if json is None else json
    renderer: Any = (structlog.processors.JSONRenderer(sort_keys=True) if as_json
                     else structlog.processors.KeyValueRenderer(key_order=["event"],
                                                                sort_keys=True))
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        logger_factory=LiaisonLoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    root = logging.getLogger(ROOT)
    root.setLevel(_level(level))
    # Our own stderr handler, and no propagation: a host that configures the root
    # logger (Prefect does) would otherwise print every line twice. Handlers a host
    # adds to `liaison` itself (Prefect's run-log handler) still see every record.
    if not any(getattr(h, "name", None) == _HANDLER_NAME for h in root.handlers):
        handler = _StderrHandler()
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter("%(message)s"))
        root.addHandler(handler)
    root.propagate = False
    _configured = True


def is_configured() -> bool:
    """Whether `configure_logging` has run in this process."""
    return _configured


def get_logger(name: str | None = None, **initial: Any) -> Any:
    """A structlog logger under `liaison`; configures logging on first use."""
    configure_logging()
    return structlog.get_logger(name, **initial)
