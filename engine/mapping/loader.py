"""Read a mapping file and check it against the vocabulary and the register.

The same machinery as overlays: ruamel keeps every node's position, pydantic errors are
placed and worded by `engine.config.problems`, and every name (event type, data field,
value map, source, area, timezone, format) is checked here, each problem at its
file:line:col. A mapping with problems is never used: guessing how a force's codes
become the vocabulary is exactly what a mapping exists to prevent.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from engine.config.loader import Document, PathElem, dotted, read, to_plain
from engine.config.national import National
from engine.config.problems import from_validation, show
from engine.errors import ConfigError, ConfigProblem
from engine.mapping.model import Mapping, ValueFrom
from engine.vocabulary import EventType, did_you_mean

REGISTER = "register"  # the reserved value-map name: the force register's names and ids
_SAMPLE = datetime(2026, 12, 31, 23, 59, 58)


class MappingError(ConfigError):
    """A mapping file has problems (every one of them, each with its position)."""


@dataclass
class LoadedMapping:
    """A mapping file: the validated model (when it has no errors) and its problems."""

    file: str
    name: str
    mapping: Mapping | None
    problems: list[ConfigProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.mapping is not None and not any(p.severity == "error" for p in self.problems)


def mapping_paths(config_dir: Path) -> list[Path]:
    """The mapping files of a config tree (`mappings/*.yaml`)."""
    d = config_dir / "mappings"
    return sorted(d.glob("*.yaml")) if d.is_dir() else []


def resolve(name: str, config_dir: Path) -> Path:
    """`--mapping NAME`: a file path when it looks like one, else `mappings/NAME.yaml`."""
    if name.endswith((".yaml", ".yml")) or "/" in name:
        return Path(name)
    return config_dir / "mappings" / f"{name}.yaml"


def load_mapping(path: Path, national: National) -> LoadedMapping:
    """Read and check one mapping file; problems are collected, never raised."""
    doc = read(path)
    out = LoadedMapping(str(path), path.stem, None, list(doc.problems))
    if not doc.ok:
        return out
    raw = to_plain(doc.data)
    if isinstance(raw.get("value_maps"), dict):  # codes are text, whatever YAML made of them
        raw["value_maps"] = {k: {str(code): v for code, v in m.items()} if isinstance(m, dict)
                             else m for k, m in raw["value_maps"].items()}
    try:
        mapping = Mapping.model_validate(raw)
    except ValidationError as e:
        out.problems += from_validation(e, Mapping, lambda loc: (doc, ()))
        return out
    out.problems += _Checker(doc, mapping, national).run()
    if not any(p.severity == "error" for p in out.problems):
        out.mapping = mapping
    return out


def load_or_raise(path: Path, national: National) -> Mapping:
    """The validated mapping, or MappingError with every problem."""
    if not path.is_file():
        raise MappingError([ConfigProblem(str(path), None, None, "", "no such mapping file",
                                          "area_configs/mappings/NAME.yaml or a file path")])
    loaded = load_mapping(path, national)
    if loaded.mapping is None or not loaded.ok:
        raise MappingError(loaded.problems)
    return loaded.mapping


class _Checker:
    """The checks pydantic cannot do: names against the vocabulary and register."""

    def __init__(self, doc: Document, mapping: Mapping, national: National) -> None:
        self.doc, self.m, self.nat = doc, mapping, national
        self.vocab = national.vocabulary
        self.problems: list[ConfigProblem] = []

    def fail(self, path: tuple[PathElem, ...], message: str, allowed: str | None = None,
             at: str = "value") -> None:
        self.problems.append(self.doc.problem(path, message, allowed, at=at))

    def run(self) -> list[ConfigProblem]:
        self._format()
        self._timestamps()
        self._one_of(("area",), self.m.area)
        self._one_of(("source",), self.m.source)
        self._targets(("area",), self.m.area, lambda v: self._area_ok(v),
                      "a police force area id from the register", self.nat.register)
        self._targets(("source",), self.m.source, lambda v: v in self.vocab.sources,
                      " | ".join(sorted(self.vocab.sources)), self.vocab.sources)
        for i, rule in enumerate(self.m.events):
            self._rule(i, rule)
        return self.problems

    def _format(self) -> None:
        f = self.m.format
        if f.type == "xlsx":
            for name in ("delimiter", "encoding"):
                if getattr(f, name) is not None:
                    self.fail(("format", name), f'"{name}" is for CSV files only',
                              "sheet", at="key")
        else:
            if f.sheet is not None:
                self.fail(("format", "sheet"), '"sheet" is for XLSX files only',
                          "delimiter, encoding", at="key")
            if f.encoding is not None:
                try:
                    codecs.lookup(f.encoding)
                except LookupError:
                    self.fail(("format", "encoding"), f"{show(f.encoding)} is not an encoding",
                              "a codec name such as utf-8, utf-8-sig or cp1252")

    def _timestamps(self) -> None:
        t = self.m.timestamps
        try:
            ZoneInfo(t.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(("timestamps", "timezone"), f"{show(t.timezone)} is not a time zone",
                      "an IANA name such as Europe/London")
        for key, formats in (("formats", t.formats), ("date_formats", t.date_formats)):
            for i, fmt in enumerate(formats):
                if not usable_format(fmt):
                    self.fail(("timestamps", key, i), f"{show(fmt)} is not a usable format",
                              "strptime directives such as %d/%m/%Y %H:%M")
        if t.date_only != "reject" and not t.date_formats:
            self.fail(("timestamps", "date_only"), f"date_only {t.date_only} needs date_formats",
                      "date_only: reject, or date_formats: [...]")

    def _one_of(self, path: tuple[PathElem, ...], src: ValueFrom) -> None:
        if (src.column is None) == (src.value is None):
            self.fail(path, "give either column or value", "{column: NAME} | {value: VALUE}")
        if src.map is not None and src.map != REGISTER and src.map not in self.m.value_maps:
            self.fail((*path, "map"), f'no value map "{src.map}"'
                      f"{did_you_mean(src.map, [*self.m.value_maps, REGISTER])}",
                      ", ".join([*self.m.value_maps, REGISTER]))

    def _area_ok(self, v: Any) -> bool:
        return isinstance(v, str) and v in self.nat.register

    def _targets(self, path: tuple[PathElem, ...], src: ValueFrom, ok: Any, allowed: str,
                 options: Any = ()) -> None:
        """The fixed value, or every target of the source's value map, must be allowed."""
        if src.value is not None and not ok(src.value):
            self.fail((*path, "value"), f"{show(src.value)} is not allowed"
                      f"{did_you_mean(str(src.value), options)}", allowed)
        if src.map is not None and src.map in self.m.value_maps:
            for code, target in self.m.value_maps[src.map].items():
                if target is not None and not ok(target):
                    self.fail(("value_maps", src.map, code), f"{show(target)} is not allowed "
                              f"for {dotted(path)}{did_you_mean(str(target), options)}", allowed)

    def _rule(self, i: int, rule: Any) -> None:
        path: tuple[PathElem, ...] = ("events", i)
        self._one_of((*path, "type"), rule.type)
        types = self.vocab.types
        self._targets((*path, "type"), rule.type, lambda v: isinstance(v, str) and v in types,
                      "an event type of the vocabulary", types)
        if rule.at.column is None:
            self.fail((*path, "at"), "the instant must come from a column", "{column: NAME}")
        possible = self._possible_types(rule)
        if not possible:
            return  # the type problems above say why; no field can be judged without one
        for fname, src in rule.data.items():
            fpath = (*path, "data", fname)
            specs = [t.fields[fname] for t in possible if fname in t.fields]
            if not specs:
                allowed = sorted({f for t in possible for f in t.fields})
                self.fail(fpath, f'no event type of this rule has a field "{fname}"'
                          f"{did_you_mean(fname, allowed)}", ", ".join(allowed) or "none",
                          at="key")
                continue
            self._one_of(fpath, src)
            if src.map == REGISTER and specs[0].kind != "area":
                self.fail((*fpath, "map"), "the register maps areas only", "a value map")
            self._targets(fpath, src,
                          lambda v, specs=specs, areas=frozenset(self.nat.register): any(
                              s.check([v] if s.kind == "list" else v, areas) is None
                              for s in specs),
                          specs[0].allowed(), specs[0].values)
            if src.format is not None and not usable_format(src.format):
                self.fail((*fpath, "format"), f"{show(src.format)} is not a usable format",
                          "strptime directives such as %d/%m/%Y")

    def _possible_types(self, rule: Any) -> list[EventType]:
        names: list[Any] = []
        if rule.type.value is not None:
            names = [rule.type.value]
        elif rule.type.map in self.m.value_maps:
            names = list(self.m.value_maps[rule.type.map].values())
        return [self.vocab.types[n] for n in names if isinstance(n, str) and n in self.vocab.types]


def usable_format(fmt: str) -> bool:
    """True when `fmt` formats a sample instant that it then parses back."""
    try:
        sample = _SAMPLE.replace(tzinfo=ZoneInfo("UTC")) if "%z" in fmt else _SAMPLE
        text = sample.strftime(fmt)
        datetime.strptime(text, fmt)
    except (ValueError, TypeError):
        return False
    return "%" in fmt


def validate_mapping_paths(paths: list[Path]) -> tuple[int, list[ConfigProblem]]:
    """For `liaison config validate`: the mapping files of config directories
    (`mappings/*.yaml`) and mapping files given directly, each checked against the
    national files of its tree. Returns how many were checked and every problem."""
    from engine.config.national import load_national

    files: list[tuple[Path, Path]] = []
    for p in paths:
        if p.is_dir():
            files += [(f, p) for f in mapping_paths(p)]
        else:
            root = p.parent.parent if (p.parent.parent / "national").is_dir() \
                else Path("area_configs")
            files.append((p, root))
    problems: list[ConfigProblem] = []
    for f, root in files:
        problems += load_mapping(f, load_national(root / "national")).problems
    return len(files), problems


def is_mapping_file(path: Path) -> bool:
    """A file in a `mappings` folder is a mapping, not an overlay."""
    return path.is_file() and path.parent.name == "mappings"
