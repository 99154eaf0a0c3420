"""The event vocabulary (contract §3), loaded from `area_configs/national/events.yaml`.

One object answers every "is this name known?" question: the event reader uses it to
reject unknown types, fields and values; the config builder uses it to check matchers
and conditions (with did-you-mean hints) before anything is evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from difflib import get_close_matches
from pathlib import Path
from typing import Any

# BCP 47, simplified: a 2-3 letter language, then subtags of 2-8 letters or digits.
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def did_you_mean(name: str, options: Any) -> str:
    """' (did you mean "x"?)' when a close option exists, else ''."""
    close = get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


@dataclass(frozen=True)
class FieldSpec:
    """One data field: its kind, allowed values or range, and whether it may be absent."""

    name: str
    kind: str  # enum | integer | boolean | date | language | area | list
    values: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    optional: bool = False

    def allowed(self) -> str:
        if self.kind == "enum":
            return " | ".join(self.values)
        if self.kind == "list":
            return "a list of " + " | ".join(self.values)
        if self.kind == "integer":
            return f"an integer from {self.min} to {self.max}"
        if self.kind == "boolean":
            return "true or false"
        if self.kind == "date":
            return "a date YYYY-MM-DD"
        if self.kind == "language":
            return "a BCP 47 language tag such as en or cy"
        return "a police force area id from the register"

    def check(self, value: Any, areas: frozenset[str]) -> str | None:
        """None when `value` is allowed, else what is wrong with it."""
        k = self.kind
        if k == "enum":
            ok = isinstance(value, str) and value in self.values
        elif k == "list":
            ok = isinstance(value, list) and all(
                isinstance(v, str) and v in self.values for v in value
            )
        elif k == "integer":
            ok = (
                isinstance(value, int)
                and not isinstance(value, bool)
                and (self.min is None or value >= self.min)
                and (self.max is None or value <= self.max)
            )
        elif k == "boolean":
            ok = isinstance(value, bool)
        elif k == "date":
            ok = isinstance(value, str) and _is_date(value)
        elif k == "language":
            ok = isinstance(value, str) and bool(_LANGUAGE.match(value))
        else:  # area
            ok = isinstance(value, str) and value in areas
        if ok:
            return None
        return f"value {value!r} is not allowed"


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


@dataclass(frozen=True)
class EventType:
    name: str
    level: str  # "case" | "area"
    fields: dict[str, FieldSpec]
    preferences: bool = False


@dataclass(frozen=True)
class Vocabulary:
    """Event types, sources and the area register's ids."""

    types: dict[str, EventType]
    sources: frozenset[str]
    areas: frozenset[str] = field(default_factory=frozenset)

    @property
    def preference_fields(self) -> dict[str, FieldSpec]:
        """The complainant preferences (contract §4.4): fields of the preference record."""
        out: dict[str, FieldSpec] = {}
        for t in self.types.values():
            if t.preferences:
                out.update(t.fields)
        return out


def load_vocabulary(path: Path, areas: frozenset[str] = frozenset()) -> Vocabulary:
    """Read events.yaml. Its shape is fixed by this project, so errors here are bugs in
    the national files and raise plainly. (The YAML parser is imported here: a process
    that judges with cached rules never parses YAML, and importing it costs tens of ms.)"""
    from ruamel.yaml import YAML

    doc = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    sets: dict[str, list[str]] = doc.get("sets", {})
    types: dict[str, EventType] = {}
    for name, body in doc["types"].items():
        body = body or {}
        fields: dict[str, FieldSpec] = {}
        for fname, spec in (body.get("data") or {}).items():
            enum = spec.get("enum")
            values = tuple(sets[enum] if isinstance(enum, str) else enum or ())
            kind = spec.get("kind", "enum" if enum is not None else None)
            fields[fname] = FieldSpec(
                fname,
                kind,
                values,
                spec.get("min"),
                spec.get("max"),
                bool(spec.get("optional", False)),
            )
        types[name] = EventType(
            name, body.get("level", "case"), fields, bool(body.get("preferences", False))
        )
    return Vocabulary(types, frozenset(doc["sources"]), areas)
