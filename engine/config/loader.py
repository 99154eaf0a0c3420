"""Read a YAML config file and keep every node's line and column.

Why ruamel.yaml's round-trip loader: its mappings and sequences remember where each key
and value sits, so every later problem (a pydantic error, an unknown name, a loosened
floor) can be reported as `file:line:col`. Duplicate keys and syntax errors are problems
with positions too, never a crash and never a silent "last one wins".

Every file is read as if hostile: an overlay may not use anchors or aliases at all (an
"alias bomb" of a few hundred bytes expands to gigabytes), the national files may alias
single values only, nesting stops at MAX_DEPTH and a file is at most MAX_BYTES. Each is
a `file:line:col` problem found while composing, before anything is expanded, so a
hostile file is refused in bounded time and memory.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer, ComposerError
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.errors import ConfigProblem

PathElem = str | int
Position = tuple[int | None, int | None]

MAX_BYTES = 1 << 20  # a config file; the largest national file is under 40 KB
MAX_DEPTH = 32  # nesting of lists and mappings; the framework's deepest is under 10
_LONG_NUMBER = re.compile(r"\d{4000,}")  # Python refuses to read ints over 4,300 digits


def dotted(path: Sequence[PathElem]) -> str:
    """`steps.police_inform_arrest.trigger[0].type` from a path of keys and indexes."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def to_plain(value: Any) -> Any:
    """Plain dicts, lists and scalars (pydantic and equality checks want no ruamel types)."""
    if isinstance(value, dict):
        return {to_plain(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


@dataclass
class Document:
    """One parsed YAML file: its text, the round-trip data and the problems found so far."""

    file: str
    text: str
    data: Any = None
    problems: list[ConfigProblem] = field(default_factory=list)

    def problem(self, path: Sequence[PathElem], message: str, allowed: str | None = None, *,
                at: str = "value", severity: str = "error") -> ConfigProblem:
        """A problem located at `path` (`at="key"` points at the key rather than its value)."""
        walked, line, col = self.locate(path, at=at)
        return ConfigProblem(self.file, line, col, dotted(walked), message, allowed, severity)

    def locate(self, path: Sequence[PathElem], *, at: str = "value") -> tuple[
            list[PathElem], int | None, int | None]:
        """Walk `path` as far as the document goes.

        Elements that are not keys or indexes of the node reached (the names pydantic gives
        union members, or a missing key) are skipped. Returns the walked path and the
        1-based line and column of the deepest node reached.
        """
        node = self.data
        walked: list[PathElem] = []
        value_pos: tuple[int, int] = (0, 0)
        key_pos: tuple[int, int] | None = None
        last = len(path) - 1
        for i, elem in enumerate(path):
            if isinstance(node, CommentedMap) and not isinstance(elem, int) and elem in node:
                key_pos, value_pos = node.lc.key(elem), node.lc.value(elem)
            elif isinstance(node, CommentedSeq) and isinstance(elem, int) and 0 <= elem < len(node):
                key_pos, value_pos = None, node.lc.item(elem)
            else:
                if i == last and isinstance(elem, str) and isinstance(node, dict):
                    walked.append(elem)  # a missing key: name it, point at its parent
                continue
            walked.append(elem)
            node = node[elem]
        line, col = key_pos if (at == "key" and key_pos is not None) else value_pos
        return walked, line + 1, col + 1

    def get(self, path: Sequence[PathElem]) -> Any:
        """The plain value at `path`, or None when the path does not exist."""
        node = self.data
        for elem in path:
            if isinstance(node, dict) and elem in node:
                node = node[elem]
            elif isinstance(node, list) and isinstance(elem, int) and 0 <= elem < len(node):
                node = node[elem]
            else:
                return None
        return to_plain(node)

    def line_of(self, path: Sequence[PathElem]) -> int | None:
        """The 1-based line of the key at `path` (for provenance)."""
        walked, line, _ = self.locate(path, at="key")
        return line if len(walked) == len(path) else None

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


class _Guarded(Composer):
    """Refuses aliases (all, or those of a list or mapping) and anchors where aliases are
    refused, and nesting past MAX_DEPTH, as each node is composed."""

    scalar_aliases = False

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            target = self.anchors.get(event.anchor)
            if not self.scalar_aliases:
                raise ComposerError(None, None, "anchors and aliases (&name, *name) are not "
                                    "allowed here; write the value out", event.start_mark)
            if target is not None and not isinstance(target, ScalarNode):
                raise ComposerError(None, None, "an alias may repeat a single value only, "
                                    "not a list or a mapping", event.start_mark)
        elif getattr(event, "anchor", None) is not None and not self.scalar_aliases:
            raise ComposerError(None, None, "anchors and aliases (&name, *name) are not "
                                "allowed here; write the value out", event.start_mark)
        if self.depth >= MAX_DEPTH:
            raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                event.start_mark)
        return super().compose_node(parent, index)


class _ScalarAliases(_Guarded):
    scalar_aliases = True


def _yaml(aliases: bool) -> YAML:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = True  # found and reported by _duplicates with positions
    y.Composer = _ScalarAliases if aliases else _Guarded
    return y


def _too_big(text: str, file: str) -> ConfigProblem | None:
    """A file over MAX_BYTES, or holding a number Python will not read, as a problem."""
    size = len(text.encode("utf-8", "surrogateescape"))
    if size > MAX_BYTES:
        return ConfigProblem(file, 1, 1, "", f"the file is {size:,} bytes; a config file may "
                             f"be at most {MAX_BYTES:,}")
    if long := _LONG_NUMBER.search(text):
        line = text.count("\n", 0, long.start()) + 1
        col = long.start() - (text.rfind("\n", 0, long.start()) + 1) + 1
        return ConfigProblem(file, line, col, "", "a number of more than 4,000 digits")
    return None


def parse(text: str, file: str, *, aliases: bool = False) -> Document:
    """Parse YAML text; syntax errors, duplicate keys and hostile shapes become problems.
    `aliases` lets the national files alias single values (their sources); an overlay
    may use no anchor or alias at all."""
    doc = Document(file, text)
    if (big := _too_big(text, file)) is not None:
        doc.problems.append(big)
        return doc
    y = _yaml(aliases)
    try:
        # Compose once, then construct from the same node tree: the nodes give the
        # duplicate keys, the constructed data keeps line and column for everything else.
        constructor, _ = y.get_constructor_parser(text)
        root = constructor.composer.get_single_node()
        doc.data = constructor.construct_document(root) if root is not None else None
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        message = "invalid YAML: " + (e.problem or "syntax error")
        if e.context and e.context_mark is not None:
            message += f" ({e.context} at line {e.context_mark.line + 1})"
        doc.problems.append(ConfigProblem(file, mark.line + 1 if mark else None,
                                          mark.column + 1 if mark else None, "", message))
        return doc
    if root is not None:
        doc.problems.extend(_duplicates(root, [], file))
    if doc.data is None:
        doc.data = CommentedMap()
    if not isinstance(doc.data, CommentedMap):
        doc.problems.append(ConfigProblem(file, 1, 1, "", "the file must be a mapping of fields",
                                          "key: value lines"))
    return doc


def read(path: Path, display: str | None = None, *, aliases: bool = False) -> Document:
    """Read and parse one file; an unreadable, oversized or non-UTF-8 file is a problem,
    not an exception, and a file over MAX_BYTES is never read whole."""
    name = display or str(path)
    doc = Document(name, "")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as e:
        doc.problems.append(ConfigProblem(name, None, None, "",
                                          f"cannot read the file: {e.strerror}"))
        return doc
    if len(raw) > MAX_BYTES:
        size = path.stat().st_size
        doc.problems.append(ConfigProblem(name, 1, 1, "", f"the file is {size:,} bytes; a "
                                          f"config file may be at most {MAX_BYTES:,}"))
        return doc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        doc.problems.append(ConfigProblem(name, line, col, "", "a byte that is not UTF-8"))
        return doc
    return parse(text, name, aliases=aliases)


def _duplicates(node: Node, path: list[PathElem], file: str) -> list[ConfigProblem]:
    out: list[ConfigProblem] = []
    if isinstance(node, MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):  # e.g. `[]: x`: a key must be a plain name
                out.append(ConfigProblem(
                    file, key.start_mark.line + 1, key.start_mark.column + 1, dotted(path),
                    "a key must be a plain name, not a list or a mapping", "a plain name"))
                continue
            name = key.value
            if name in seen:
                out.append(ConfigProblem(
                    file, key.start_mark.line + 1, key.start_mark.column + 1, dotted([*path, name]),
                    f'duplicate key "{name}" (first given at line {seen[name]})',
                    "each key once per mapping"))
            else:
                seen[name] = key.start_mark.line + 1
                out.extend(_duplicates(value, [*path, str(name)], file))
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            out.extend(_duplicates(item, [*path, i], file))
    return out
