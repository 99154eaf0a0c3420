"""The national page's heat map as one table that is also its own accessible
alternative: every cell is a figure in words (per cent met on time, – or [c]), coloured
by the heat map's scale, and a link to the flags behind it.

Why one table: the page used to carry an SVG heat map and, for assistive technology, a
table with the same figures and links, 43 areas × 25 steps twice over (587 KB). The
colours come from the same scale as the report's SVG charts (`engine.reports.svg`), in
eleven steps of 10%, each with the text colour of higher contrast (WCAG AA for every
step); the rules are generated here and served in the dashboard's stylesheet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.reports.svg import NO_DATA, WITHHELD, colour

STEPS = 10  # the scale's steps: 0%, 10%, ... 100%


def _luminance(hex_colour: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)

    r, g, b = (linear(int(hex_colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink(background: str) -> str:
    """Black or white text, whichever contrasts more with `background`."""
    return "#0b0c0c" if contrast(background, "#0b0c0c") >= contrast(background, "#ffffff") \
        else "#ffffff"


def fills() -> dict[str, str]:
    """Class name -> background of every kind of cell."""
    out = {f"app-h{k}": colour(k / STEPS) for k in range(STEPS + 1)}
    out.update({"app-hn": NO_DATA, "app-hw": WITHHELD})
    return out


def cell_class(row: Mapping[str, Any] | None) -> str:
    """The class of a heat-map cell for its compliance row (None: no row: no instances)."""
    if row is None or row["due"] == 0:
        return "app-hn"
    if row["rate"] is None:
        return "app-hw"
    return f"app-h{int(row['rate'] * STEPS + 0.5)}"


def stylesheet() -> str:
    """The cells' colour rules, appended to the dashboard's stylesheet."""
    return "".join(f".{name}{{background:{fill};color:{ink(fill)}}}"
                   for name, fill in fills().items()) + "\n"
