"""Turn pydantic validation errors into config problems a force data team can act on.

Why not print pydantic's own messages: they speak of "Input should be ..." and of union
members (`list[union[str,bool,int]]`) that appear nowhere in the YAML. Here every error
is placed at the YAML node it concerns, union noise is collapsed into one problem, and
each message says what was wrong and what is allowed (with a did-you-mean for names).
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Callable, Sequence
from datetime import date
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from engine.config.loader import Document, PathElem
from engine.errors import ConfigProblem
from engine.vocabulary import did_you_mean

# Where a pydantic `loc` lives: the document and the path of the validated node in it.
Placer = Callable[[tuple[PathElem, ...]], tuple[Document, tuple[PathElem, ...]]]

_PATTERNS = {
    r"^[a-z][a-z0-9_]*$": "snake_case: lowercase letters, digits and _, starting with a letter",
    r"^[a-z][a-z0-9-]*$": "lowercase letters, digits and hyphens, starting with a letter",
}


def show(value: Any) -> str:
    """A value as the YAML author wrote it: strings in double quotes."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return str(value)


def from_validation(error: ValidationError, model: Any, place: Placer) -> list[ConfigProblem]:
    """Every error of `error` (raised validating `model`) as a located ConfigProblem."""
    out: list[ConfigProblem] = []
    seen_unions: set[tuple[int, tuple[PathElem, ...]]] = set()
    for err in error.errors():
        loc = tuple(err["loc"])
        doc, prefix = place(loc)
        split = _union_branch(doc, prefix, loc)
        if split is not None:
            key = (id(doc), loc[:split])
            if key in seen_unions:
                continue
            seen_unions.add(key)
            branches = [tuple(e["loc"])[split] for e in error.errors()
                        if tuple(e["loc"])[:split] == loc[:split] and len(e["loc"]) > split]
            value = doc.get((*prefix, *loc[:split]))
            out.append(doc.problem((*prefix, *loc[:split]), f"{show(value)} is not allowed here",
                                   _describe_branches(branches)))
            continue
        message, allowed, at = _translate(err, model, loc)
        out.append(doc.problem((*prefix, *loc), message, allowed, at=at))
    return out


def _union_branch(doc: Document, prefix: tuple[PathElem, ...], loc: tuple[PathElem, ...]
                  ) -> int | None:
    """The index in `loc` of a smart-union member name (`str`, `Comparison`, `list[...]`)."""
    for i, elem in enumerate(loc):
        if isinstance(elem, str) and elem != "[key]" and (
                elem in ("str", "int", "bool", "float", "date") or "[" in elem
                or elem[:1].isupper()):
            node = doc.get((*prefix, *loc[:i]))
            if not (isinstance(node, dict) and elem in node):
                return i
    return None


def _describe_branches(branches: Sequence[PathElem]) -> str:
    words = {"str": "text", "int": "an integer", "bool": "true or false", "date": "a date",
             "Comparison": "{gte: N} or {lte: N}"}
    out: list[str] = []
    for b in branches:
        name = str(b)
        text = "a list of values" if name.startswith("list[") else words.get(name, name)
        if text not in out:
            out.append(text)
    return " | ".join(out)


def _quoted(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected)


def _translate(err: Any, model: Any, loc: tuple[PathElem, ...]) -> tuple[str, str | None, str]:
    """(message, allowed, "key" or "value") for one pydantic error."""
    kind: str = err["type"]
    ctx: dict[str, Any] = err.get("ctx") or {}
    value = err.get("input")
    name = str(loc[-1]) if loc else ""
    if loc and loc[-1] == "[key]":  # a mapping whose keys are a closed set
        options = _quoted(str(ctx.get("expected", "")))
        key = str(loc[-2])
        return (f'unknown field "{key}"{did_you_mean(key, options)}', ", ".join(options), "key")
    if kind == "extra_forbidden":
        fields = fields_at(model, loc[:-1])
        return (f'unknown field "{name}"{did_you_mean(name, fields)}',
                ", ".join(fields) if fields else None, "key")
    if kind == "missing":
        return f'required field "{name}" is missing', None, "key"
    if kind in ("enum", "literal_error"):
        options = _quoted(str(ctx.get("expected", "")))
        return (f"{show(value)} is not allowed{did_you_mean(str(value), options)}",
                " | ".join(options), "value")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected a whole number, got {show(value)}", "an integer", "value"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = {"greater_than": f"more than {ctx.get('gt')}",
                 "greater_than_equal": f"at least {ctx.get('ge')}",
                 "less_than": f"less than {ctx.get('lt')}",
                 "less_than_equal": f"at most {ctx.get('le')}"}[kind]
        return f"{show(value)} is out of range", f"a whole number {bound}", "value"
    if kind in ("string_type", "string_sub_type"):
        return f"expected text, got {show(value)}", "text", "value"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return f"{show(value)} is not a valid name", _PATTERNS.get(pattern, pattern), "value"
    if kind in ("string_too_short", "too_short"):
        return "must not be empty", None, "value"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"expected a date, got {show(value)}", "a date YYYY-MM-DD", "value"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {show(value)}", "true | false", "value"
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        fields = fields_at(model, loc)
        return (f"expected a mapping, got {show(value)}",
                ", ".join(fields) if fields else "key: value pairs", "value")
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {show(value)}", "a YAML list", "value"
    if kind in ("union_tag_invalid", "union_tag_not_found", "condition"):
        return (f"{show(value)} is not a condition",
                "one of case, consent, preference, event, all, any, not", "value")
    return str(err.get("msg", kind)), None, "value"


# --- the fields a model accepts at a pydantic location ---------------------------------

def fields_at(model: Any, loc: Sequence[PathElem]) -> list[str]:
    """The field names accepted at `loc` inside `model` (for unknown-field hints)."""
    candidates = _models(model)
    for elem in loc:
        nxt: list[Any] = []
        for m in candidates:
            nxt.extend(_step(m, elem))
        if nxt:
            candidates = nxt
    names: list[str] = []
    for m in candidates:
        if isinstance(m, type) and issubclass(m, BaseModel):
            for fname, info in m.model_fields.items():
                shown = info.alias or fname
                if shown not in names:
                    names.append(shown)
    return names


def _models(tp: Any) -> list[Any]:
    """Unwrap Annotated/Optional/Union/list/dict down to the types inside."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _models(get_args(tp)[0])
    if origin in (Union, types.UnionType):
        out: list[Any] = []
        for a in get_args(tp):
            out.extend(_models(a))
        return out
    return [tp]


def _step(tp: Any, elem: PathElem) -> list[Any]:
    origin = get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for fname, info in tp.model_fields.items():
            if elem in (fname, info.alias):
                return _models(info.annotation)
        return []  # a union tag: the caller keeps the current candidates
    if origin in (list, tuple) and isinstance(elem, int):
        return _models(get_args(tp)[0])
    if origin is dict and isinstance(elem, str):
        return _models(get_args(tp)[1])
    if origin is Literal or (isinstance(tp, type) and issubclass(tp, Enum)):
        return []
    return []
