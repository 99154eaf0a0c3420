"""Timestamp cells to instants: formats tried in order, local time in a time zone, and
the two hours a year when local time is not an instant.

Why a dedicated module: extracts from force and CPS systems carry local times without
offsets, and the evaluator judges deadlines to the minute. A naive 01:30 on the day the
clocks go back is two instants an hour apart; on the day they go forward it is none.
Both cases are decided here by a stated rule (see `Timestamps`), never by whatever the
datetime library does by default (which silently invents an instant in the gap).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from engine.events import FIRST_YEAR, LAST_YEAR
from engine.mapping.model import Timestamps

_PLAUSIBLE = (FIRST_YEAR, LAST_YEAR)  # the event reader's range: outside it, a typo


class TimestampError(ValueError):
    """A cell is not an instant; the message says why without quoting the cell."""


@dataclass(frozen=True)
class TimestampReader:
    """A compiled `timestamps:` section."""

    spec: Timestamps
    zone: ZoneInfo

    @classmethod
    def of(cls, spec: Timestamps) -> TimestampReader:
        return cls(spec, ZoneInfo(spec.timezone))

    def parse(self, text: str) -> datetime:
        """The instant a cell gives (aware), or TimestampError."""
        value = _first(text, self.spec.formats)
        if value is None:
            day = _first(text, self.spec.date_formats)
            if day is None:
                raise TimestampError(f"does not match the format "
                                     f"{' or '.join(self.spec.formats)}")
            if self.spec.date_only == "reject":
                raise TimestampError("is a date without a time (date_only is reject)")
            clock = time(0, 0, 0) if self.spec.date_only == "start_of_day" else time(23, 59, 59)
            value = datetime.combine(day.date(), clock)
        if not _PLAUSIBLE[0] <= value.year <= _PLAUSIBLE[1]:
            raise TimestampError(f"is outside the years {_PLAUSIBLE[0]} to {_PLAUSIBLE[1]}")
        if value.tzinfo is not None:
            return value
        return self.localise(value)

    def localise(self, naive: datetime) -> datetime:
        """A naive local time as an instant in the zone, by the gap and overlap rules."""
        zone = self.zone
        early, late = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
        if early.utcoffset() == late.utcoffset():
            return early
        # The round trip through UTC lands elsewhere only in the spring gap.
        back = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back != naive:
            raise TimestampError(f"does not exist in {zone.key}: the clocks went forward "
                                 "over it")
        if self.spec.ambiguous == "reject":
            raise TimestampError(f"happens twice in {zone.key} (the clocks went back) and "
                                 "ambiguous is reject")
        chosen = early if self.spec.ambiguous == "earlier" else late
        # Through the POSIX instant, so the fold chosen is the one every later step sees.
        return datetime.fromtimestamp(chosen.timestamp(), zone)

    def format(self, instant: datetime) -> str:
        """The cell a system using this spec would write for `instant` (the inverse, for
        writing synthetic extracts): the first format, or the first with %z when the
        local time is ambiguous and the first format cannot say which instant it is."""
        local = instant.astimezone(self.zone)
        naive = local.replace(tzinfo=None)
        fmt = self.spec.formats[0]
        if "%z" not in fmt:
            try:
                # POSIX seconds: PEP 495 makes an ambiguous local time unequal to any
                # instant of another zone, so == cannot be used here.
                if self.localise(naive).timestamp() == instant.timestamp():
                    return naive.strftime(fmt)
            except TimestampError:
                pass
            with_offset = [f for f in self.spec.formats if "%z" in f]
            if with_offset:
                return local.strftime(with_offset[0])
            return naive.strftime(fmt)
        return local.strftime(fmt)


def _first(text: str, formats: list[str]) -> datetime | None:
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except (ValueError, OverflowError):
            continue
    return None
