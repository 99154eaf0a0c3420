"""The error tree. Every error carries its context as keyword fields so that the CLI,
the ingest rejects file and the API can all say *where* a problem is, not just what."""

from __future__ import annotations

from dataclasses import dataclass, field


class LiaisonError(Exception):
    """Base of every error the engine raises on purpose."""


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


class EventError(LiaisonError):
    """One event failed validation."""

    def __init__(self, problem: EventProblem):
        self.problem = problem
        super().__init__(problem.render())


@dataclass
class EventErrors(LiaisonError):
    """Several events failed validation (raised where one bad line must stop the run)."""

    problems: list[EventProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.render() for p in self.problems)


class StoreError(LiaisonError):
    """The database is missing, old, or refused an operation."""
