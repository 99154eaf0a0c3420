"""The one table renderer for people, made for an 80-column terminal.

Columns named in `whole` (ids, instants, statuses: values someone copies into the next
command) are never cut or wrapped: they get the width of their longest value. Every
other column wraps within what is left. Numbers are right-aligned. Machine formats
(JSON, CSV) never come through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich import box
from rich.console import Console, JustifyMethod
from rich.table import Column, Table
from rich.text import Text

Cell = str | int | float | None


def _text(value: Cell) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def people_table(columns: Sequence[str], rows: Iterable[Sequence[Cell]],
                 whole: Iterable[str] = ()) -> Table:
    """A table whose `whole` columns are never cut; the others wrap."""
    raw = [list(row) for row in rows]
    data = [[_text(c) for c in row] for row in raw]
    keep = set(whole)
    cols = []
    for i, name in enumerate(columns):
        values = [row[i] for row in raw]
        numeric = any(v is not None for v in values) and all(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values)
        justify: JustifyMethod = "right" if numeric else "left"
        if name in keep:
            width = max([len(name), *(len(r[i]) for r in data)])
            cols.append(Column(name, no_wrap=True, min_width=width, justify=justify))
        else:
            cols.append(Column(name, overflow="fold", justify=justify))
    table = Table(*cols, box=box.SIMPLE_HEAD)
    for row in data:
        table.add_row(*(Text(cell) for cell in row))
    return table


def print_table(console: Console, title: str | None, columns: Sequence[str],
                rows: Iterable[Sequence[Cell]], whole: Iterable[str] = ()) -> None:
    """The title on a line of its own (a table's own title would wrap to the table's
    width), then the table, fitted by Rich to the terminal's width."""
    if title:
        console.print(Text(title, style="bold"))
    console.print(people_table(columns, rows, whole), soft_wrap=False)
