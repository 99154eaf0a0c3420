"""Calendar quarters in Europe/London, written `2026Q2`, for the scrutiny pack."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from engine.calendar import local_date, start_of_day
from engine.errors import InputError

_PATTERN = re.compile(r"^(\d{4})-?Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        m = _PATTERN.match(text.strip().upper())
        if not m:
            raise InputError(f"{text!r} is not a quarter; write it like 2026Q2")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def containing(cls, instant: datetime) -> Quarter:
        d = local_date(instant)
        return cls(d.year, (d.month - 1) // 3 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def start(self) -> datetime:
        """00:00 Europe/London on the quarter's first day."""
        return start_of_day(self.first_day)

    @property
    def end(self) -> datetime:
        """The next quarter's start (exclusive)."""
        return self.next().start

    def next(self) -> Quarter:
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"
