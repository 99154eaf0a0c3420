"""Instants as SQLite stores them ("YYYY-MM-DD HH:MM:SS.ffffff" in UTC, as SQLAlchemy
writes them), a column at a time.

Why not `astimezone` and `isoformat` per instant: for ingest that was a microsecond an
event, a sixth of its Python time. Nearly every extract writes whole seconds with an
offset of whole hours (local time: +01:00 in summer), and for those the UTC text only
differs from the written one in the date and hour: an offset of whole hours moves neither
the minutes nor the seconds. So each distinct (local hour, offset) is converted once, with
the same calls as before, and remembered; a batch of 5,000 events touches a few dozen.
Every event's text is then made by string calls over the column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from operator import add, itemgetter, methodcaller

_TO_UTC = methodcaller("astimezone", UTC)
_SQLITE_TEXT = methodcaller("isoformat", " ", "microseconds")

# `EventColumns.at_iso` texts whose offsets are whole hours.
_WHOLE_HOUR = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:00"
_WHOLE_HOURS = re.compile(f"(?:{_WHOLE_HOUR}\n)*{_WHOLE_HOUR}", re.ASCII)
_LOCAL_HOUR = itemgetter(slice(0, 13))  # "YYYY-MM-DDTHH"
_OFFSET_HOURS = itemgetter(slice(19, 22))  # "+HH"
_MINUTES_SECONDS = itemgetter(slice(13, 19))  # ":MM:SS"
_HOURS: dict[str, str] = {}  # local hour + offset hours -> "YYYY-MM-DD HH" in UTC
_HOURS_MAX = 200_000


def sqlite_texts(values: Sequence[datetime], at_iso: Sequence[str] | None = None) -> list[str]:
    """SQLite's text of each aware instant. `at_iso`, when given, is each one as
    `datetime.isoformat` writes it, every one a whole second (`EventColumns.at_iso`)."""
    if at_iso is not None and values:
        joined = "\n".join(at_iso)
        if joined.count("+00:00") == len(at_iso):  # one offset a text: all in UTC
            return joined.replace("T", " ").replace("+00:00", ".000000").split("\n")
        if _WHOLE_HOURS.fullmatch(joined):
            return _from_hours(at_iso)
    return [text[:26] for text in map(_SQLITE_TEXT, map(_TO_UTC, values))]


def _from_hours(at_iso: Sequence[str]) -> list[str]:
    keys = list(map(add, map(_LOCAL_HOUR, at_iso), map(_OFFSET_HOURS, at_iso)))
    hours = list(map(_HOURS.get, keys))
    if None in hours:
        if len(_HOURS) > _HOURS_MAX:
            _HOURS.clear()
        for key in set(keys).difference(_HOURS):
            local = datetime.fromisoformat(f"{key[:13]}:00:00{key[13:]}:00")
            _HOURS[key] = _SQLITE_TEXT(_TO_UTC(local))[:13]
        hours = list(map(_HOURS.__getitem__, keys))
    texts = map(add, hours, map(_MINUTES_SECONDS, at_iso))
    return (".000000\n".join(texts) + ".000000").split("\n")
