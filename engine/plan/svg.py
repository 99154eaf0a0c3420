"""The plan's delta heat map: areas × steps, coloured by the change in compliance.

A diverging scale (orange for worse, blue for better, white for no change) that stays
readable to colour-blind readers; each cell's hover gives the figures. Static SVG text,
so the HTML page works offline with no script.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from engine.reports.svg import NO_DATA

WORSE, NEUTRAL, BETTER = (230, 97, 1), (247, 247, 247), (33, 102, 172)
FONT = "font-family='DejaVu Sans, Arial, sans-serif'"


def delta_colour(delta: float, span: float = 0.5) -> str:
    """The colour of a change in a rate; ±`span` and beyond take the full colour."""
    t = max(-1.0, min(1.0, delta / span))
    end = BETTER if t > 0 else WORSE
    rgb = tuple(round(n + (e - n) * abs(t)) for n, e in zip(NEUTRAL, end, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def delta_heat_map(rows: Sequence[str], columns: Sequence[str],
                   cells: Mapping[tuple[str, str], tuple[float | None, str]], title: str) -> str:
    """Rows × columns; a cell is (delta or None when withheld or undefined, hover text)."""
    cw, ch = 26, 16
    left = 8 + 7 * max((len(r) for r in rows), default=4)
    top = 8 + 6 * max((len(c) for c in columns), default=4)
    width = left + max(cw * len(columns) + 3.5 * max((len(c) for c in columns), default=4) + 20,
                       420)
    height = top + ch * len(rows) + 50
    body: list[str] = []
    for j, col in enumerate(columns):
        x = left + j * cw + cw / 2 + 4
        body.append(f"<text x='{x:.1f}' y='{top - 4}' transform='rotate(-60 {x:.1f} {top - 4})'>"
                    f"{escape(col)}</text>")
    for i, row in enumerate(rows):
        y = top + i * ch
        body.append(f"<text x='{left - 4}' y='{y + ch - 4}' text-anchor='end'>{escape(row)}</text>")
        for j, col in enumerate(columns):
            delta, hover = cells.get((row, col), (None, f"{row} · {col}: not replayed"))
            fill = NO_DATA if delta is None else delta_colour(delta)
            body.append(f"<g class='cell' data-row={quoteattr(row)} data-col={quoteattr(col)}>"
                        f"<rect x='{left + j * cw}' y='{y}' width='{cw - 1}' height='{ch - 1}' "
                        f"fill='{fill}'><title>{escape(hover)}</title></rect>")
            if delta is not None and delta != 0:
                body.append(f"<text x='{left + j * cw + (cw - 1) / 2}' y='{y + ch - 4}' "
                            f"text-anchor='middle' font-size='8'>{round(delta * 100):+d}</text>")
            body.append("</g>")
    ly = top + ch * len(rows) + 12
    for k in range(11):
        body.append(f"<rect x='{left + k * 14}' y='{ly}' width='14' height='10' "
                    f"fill='{delta_colour((k - 5) / 10)}'/>")
    body.append(f"<text x='{left}' y='{ly + 22}'>−50 points</text>"
                f"<text x='{left + 154}' y='{ly + 22}' text-anchor='end'>+50</text>"
                f"<rect x='{left + 190}' y='{ly}' width='10' height='10' fill='{NO_DATA}'/>"
                f"<text x='{left + 204}' y='{ly + 9}'>withheld (&lt;5) or none due</text>")
    desc = (f"Change in met-on-time rate (percentage points) for {len(rows)} areas by "
            f"{len(columns)} steps.")
    return (f"<svg xmlns='http://www.w3.org/2000/svg' role='img' width='{width:.0f}' "
            f"height='{height:.0f}' viewBox='0 0 {width:.0f} {height:.0f}' {FONT} font-size='11'>"
            f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>" + "".join(body)
            + "</svg>")

