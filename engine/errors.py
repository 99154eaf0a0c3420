"""The error tree. Every error the project raises on purpose is a `LiaisonError`, and
carries its context (file, line, field, event) so that the CLI, the ingest rejects file
and the API can all say *where* a problem is, not just what.

    LiaisonError                 exit 2   HTTP 500   raised on purpose, nothing else known
    ├── ConfigError              exit 2   HTTP 500   the configuration has errors (all of them)
    │   └── MappingError         exit 2   HTTP 500   (engine.mapping) a mapping file's problems
    ├── InputError               exit 2   HTTP 400   an input is unusable as given
    │   ├── EventError           exit 2   HTTP 422   one event failed validation
    │   ├── EventErrors          exit 2   HTTP 422   several events failed validation
    │   ├── ScopeError           exit 2   HTTP 422   a role given the wrong kind of scope
    │   └── ExtractError         exit 2   HTTP 400   (engine.mapping) an extract cannot be read
    ├── Refused                  exit 2   HTTP 409   understood, but not allowed as it stands
    │   ├── DeployRefused        exit 2   HTTP 409   (engine.deploy) a version cannot be deployed
    │   └── PlanRefused          exit 2   HTTP 409   (engine.plan) a plan cannot be made
    ├── StoreError               exit 2   HTTP 503   the database is missing, old or refused
    ├── OrchestrationError       exit 2   HTTP 503   Prefect is not set up for what was asked
    ├── SecretError              exit 2   HTTP 500   (engine.notify) a secret cannot be read
    ├── PseudonymKeyError        exit 2   HTTP 500   (engine.mapping) no usable pseudonym key
    └── UnmappableEvent          exit 2   HTTP 500   (engine.mapping) no mapping writes an event

A class defined elsewhere is drawn with its module; a test keeps this drawing equal to
the classes.

Exit code 1 is not an error: it means findings the caller asked to fail on (contract §9).
Anything that is not a `LiaisonError` is a bug, and is allowed to crash with its traceback.
The CLI turns a `LiaisonError` into its message on stderr and `exit_code`; the API into
`http_status`. Raise with the cause (`raise X(...) from exc`) so a traceback, when one is
asked for, shows what went wrong underneath.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


class LiaisonError(Exception):
    """Base of every error the engine raises on purpose."""

    exit_code: ClassVar[int] = 2
    http_status: ClassVar[int] = 500


@dataclass(frozen=True)
class ConfigProblem:
    """One problem found while validating configuration (an error or a warning).

    `file:line:col` point at the offending YAML node; `field` is the dotted path inside
    the document; `allowed` says what would have been accepted.
    """

    file: str
    line: int | None
    col: int | None
    field: str
    message: str
    allowed: str | None = None
    severity: str = "error"  # "error" | "warning"
    # What kind of problem this is, for code that treats a kind apart (never its text).
    code: str | None = None

    NO_OVERLAY: ClassVar[str] = "no_overlay"  # an area in the register without an overlay

    def render(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        text = (
            f"{where}: {self.severity}: {self.field}: {self.message}"
            if self.field
            else (f"{where}: {self.severity}: {self.message}")
        )
        if self.allowed:
            text += f" (allowed: {self.allowed})"
        return text


class ConfigError(LiaisonError):
    """Configuration failed validation; holds every problem found, not just the first."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__("\n".join(p.render() for p in errors) or "configuration error")


REJECT_TEXT_MAX = 500  # characters: the most kept of any text about one rejected line


def bounded(text: str | None, limit: int = REJECT_TEXT_MAX) -> str | None:
    """`text` cut to `limit` characters (ending in '...' when cut)."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 3] + "..."


@dataclass(frozen=True)
class EventProblem:
    """Why one input line was rejected: line number, event id (when it passes the id
    rule) and field (a vocabulary name). Never a value from the line; every text is
    bounded, so a hostile line cannot make a large reject."""

    line: int
    message: str
    event_id: str | None = None
    field: str | None = None
    source: str | None = None  # file name

    def __post_init__(self) -> None:
        for name in ("message", "event_id", "field", "source"):
            value = getattr(self, name)
            if value is not None and len(value) > REJECT_TEXT_MAX:
                object.__setattr__(self, name, bounded(value))

    def render(self) -> str:
        parts = [f"{self.source}:{self.line}" if self.source else f"line {self.line}"]
        if self.event_id:
            parts.append(f"event {self.event_id}")
        if self.field:
            parts.append(f"field {self.field}")
        return ": ".join([", ".join(parts), self.message])


class InputError(LiaisonError):
    """An input is unusable as given: a file missing, unreadable or not UTF-8, an option
    out of range, an unknown area or role."""

    http_status = 400


class ScopeError(InputError):
    """A role given the wrong kind of scope (e.g. a cps_unit with a force area)."""

    http_status = 422


class EventError(InputError):
    """One event failed validation."""

    http_status = 422

    def __init__(self, problem: EventProblem):
        self.problem = problem
        super().__init__(problem.render())


@dataclass
class EventErrors(InputError):
    """Several events failed validation (raised where one bad line must stop the run)."""

    http_status = 422

    problems: list[EventProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.render() for p in self.problems)


class Refused(LiaisonError):
    """The request is understood but not allowed as it stands (a deployment that would
    rewrite verdicts, a plan for an area that does not exist)."""

    http_status = 409


class StoreError(LiaisonError):
    """The database is missing, old, or refused an operation."""

    http_status = 503


class OrchestrationError(LiaisonError):
    """Prefect is not set up to do what was asked (no API to serve against)."""

    http_status = 503
