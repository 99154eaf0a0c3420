"""What a report is, whatever it reports: JSON data, flat tables for CSV, SVG charts.

Each builder (board, national, scrutiny) returns a `Report`; `engine.reports.output`
writes it three ways and the dashboard renders the same object, so a figure cannot
differ between the file a scrutiny group receives and the page a CPS unit opens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Table:
    """One flat table: becomes `<stem>-<name>.csv` and an HTML table."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    note: str = ""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"table {self.name}: row {row!r} does not fit {self.columns}")


@dataclass(frozen=True, slots=True)
class Report:
    kind: str  # board | national | scrutiny
    title: str
    data: dict[str, Any]  # the JSON document
    tables: list[Table]
    charts: dict[str, str] = field(default_factory=dict)  # name -> inline SVG
    notes: list[str] = field(default_factory=list)

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)
