"""Event data values as typed tokens, so that columnar equality keeps Python's rule that
`1`, `True` and `"1"` are different values (the per-case matchers compare type too).

A token is a short string: `s:text`, `i:12`, `b:true`, `l:<json>` for a list, `o:<json>`
for anything else. Lists are also kept element-wise for `in_preference` membership.
"""

from __future__ import annotations

import json
from typing import Any


def token(value: Any) -> str | None:
    """The token of one data value (None when the field is absent)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "b:true" if value else "b:false"
    if isinstance(value, int):
        return f"i:{value}"
    if isinstance(value, str):
        return f"s:{value}"
    if isinstance(value, list):
        return "l:" + json.dumps(value, sort_keys=True)
    return "o:" + json.dumps(value, sort_keys=True, default=str)


def value_of(tok: str) -> Any:
    """The data value a token stands for (the inverse of `token`)."""
    kind, text = tok[0], tok[2:]
    if kind == "s":
        return text
    if kind == "i":
        return int(text)
    if kind == "b":
        return text == "true"
    return json.loads(text)


def int_value(value: Any) -> int | None:
    """The value when it is an integer (a bool is not), for numeric comparisons."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def element_tokens(value: Any) -> list[str] | None:
    """The tokens of a list's elements; an empty list for a scalar (membership is then
    decided by equality), None when absent."""
    if value is None:
        return None
    if isinstance(value, list):
        return [t for t in (token(v) for v in value) if t is not None]
    return []
