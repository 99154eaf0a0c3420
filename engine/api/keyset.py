"""Keyset pagination for the dashboard's lists: a page link carries the sort key of the
last row shown, so the next page starts right after it however many rows come before,
and a row added meanwhile never shifts a page.

The cursor in the URL is base64url JSON of a short list of strings and integers. It is
input like any other: a cursor that does not decode to exactly that is refused with a
400 naming the `after` parameter, never passed on to the database as it came.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from fastapi import HTTPException
from sqlalchemy import ColumnElement, and_, false, or_

Key = list[str | int]
MAX_CURSOR = 512  # characters: a real cursor is well under 200


def encode(key: Key) -> str:
    raw = json.dumps(key, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(cursor: str, types: Sequence[type]) -> Key:
    """The key in `cursor`, whose items must have exactly `types`; else a 400."""
    problem = HTTPException(status_code=400, detail="the page link (parameter `after`) is "
                                                    "damaged: go back to the first page")
    if len(cursor) > MAX_CURSOR:
        raise problem
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise problem from None
    if not isinstance(key, list) or len(key) != len(types):
        raise problem
    for value, kind in zip(key, types, strict=True):
        if type(value) is not kind:  # bool is not an int here
            raise problem
    return key


def after(columns: Sequence[ColumnElement[Any]], values: Sequence[Any],
          descending: Sequence[bool]) -> ColumnElement[bool]:
    """Rows whose (columns...) sort strictly after (values...) in the given directions:
    written as `a > x OR (a = x AND b > y) ...` so each comparison binds with its
    column's type (a datetime column stores its own format) on SQLite and PostgreSQL
    alike. No column may be null (coalesce first)."""
    clauses: list[ColumnElement[bool]] = []
    for i, (column, value, desc) in enumerate(zip(columns, values, descending, strict=True)):
        equal = [c == v for c, v in zip(columns[:i], values[:i], strict=True)]
        clauses.append(and_(*equal, column < value if desc else column > value))
    return or_(false(), *clauses)
